// The window's options carry every setting of Electron's security checklist.
import { describe, expect, it } from 'vitest';
import { REQUIRED_WEB_PREFERENCES, windowOptions } from '../../electron/window-options.ts';

describe('windowOptions', () => {
  const options = windowOptions('/app/out/electron/preload.cjs');
  const prefs = options.webPreferences!;

  it.each([
    ['contextIsolation', true],
    ['sandbox', true],
    ['nodeIntegration', false],
    ['nodeIntegrationInSubFrames', false],
    ['nodeIntegrationInWorker', false],
    ['webSecurity', true],
    ['allowRunningInsecureContent', false],
    ['webviewTag', false],
    ['spellcheck', false],
    ['experimentalFeatures', false],
    ['navigateOnDragDrop', false],
  ] as const)('sets %s to %s', (key, value) => {
    expect(prefs[key]).toBe(value);
    expect(REQUIRED_WEB_PREFERENCES[key]).toBe(value);
  });

  it('uses the bundled preload and nothing that loosens the page', () => {
    expect(prefs.preload).toBe('/app/out/electron/preload.cjs');
    expect(prefs).not.toHaveProperty('partition'); // the app:// handler lives on the default session
    expect(prefs).not.toHaveProperty('additionalArguments');
    expect(options.show).toBe(false);
  });

  it('returns a fresh object each time (callers cannot weaken a shared one)', () => {
    const a = windowOptions('/p');
    a.webPreferences!.sandbox = false;
    expect(windowOptions('/p').webPreferences!.sandbox).toBe(true);
  });
});
