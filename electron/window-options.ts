// The desktop window's options: Electron's security checklist as settings
// (isolated, sandboxed, no Node in the page) plus the preload that exposes
// window.lab.
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';

/** The settings every window must have, and their required values. */
export const REQUIRED_WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInSubFrames: false,
  nodeIntegrationInWorker: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  spellcheck: false,
  experimentalFeatures: false,
  // A file dropped outside the drop zone must not replace the app with file://.
  navigateOnDragDrop: false,
} as const satisfies WebPreferences;

/**
 * Options for the main window.
 * @param preloadPath absolute path of the bundled preload (out/electron/preload.cjs)
 */
export function windowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 860,
    minWidth: 800,
    minHeight: 560,
    title: 'Sequence Lab',
    // Shown on 'ready-to-show', so the user never sees an empty white frame.
    show: false,
    backgroundColor: '#1e1e1e',
    webPreferences: { ...REQUIRED_WEB_PREFERENCES, preload: preloadPath, safeDialogs: true },
  };
}
