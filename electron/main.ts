// The desktop app's main process: one LabService over the user's history, the
// app:// protocol, the IPC bridge and one hardened window. Electron's API is
// passed in (main-boot.mjs imports it), so tests drive this with fakes.
// Training runs in utility processes that LabService starts (utility-trainer.ts),
// never on this loop: a trainer's fatal error ends that process alone.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { App, BrowserWindow, BrowserWindowConstructorOptions, Dialog, IpcMain, Protocol, Session } from 'electron';
import { LabService } from '../core/app/lab-service.ts';
import { ensureDataDir, resolveDataDir } from '../core/storage/data-dir.ts';
import { History } from '../core/storage/history.ts';
import { APP_INDEX_URL } from './app-origin.ts';
import { handleAppProtocol, registerAppScheme } from './app-protocol.ts';
import { denyAllPermissions, hardenWebContents } from './harden.ts';
import { registerLabIpc } from './ipc.ts';
import { utilityTrainerLauncher, type UtilityProcessApi } from './utility-trainer.ts';
import { windowOptions } from './window-options.ts';

/** The slices of Electron's main-process API the app uses. */
export interface DesktopElectron {
  app: Pick<App, 'requestSingleInstanceLock' | 'quit' | 'exit' | 'on' | 'whenReady' | 'getPath'>;
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => BrowserWindow;
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  dialog: Pick<Dialog, 'showOpenDialog' | 'showSaveDialog' | 'showErrorBox'>;
  protocol: Pick<Protocol, 'registerSchemesAsPrivileged' | 'handle'>;
  session: { readonly defaultSession: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'> };
  /** Starts trainers as utility processes, so a fatal error in one ends it alone (absent: worker threads, in this process). */
  utilityProcess?: UtilityProcessApi;
}

export interface DesktopOptions {
  /** Project (or packaged app) root; defaults to the folder above electron/. */
  rootDir?: string;
  /** Data folder; defaults to resolveDataDir() (SEQLAB_HOME or the OS folder), shared with the CLI. */
  dataDir?: string;
  platform?: NodeJS.Platform;
  /** Where SIGINT/SIGTERM are heard (default: process); both quit through the checkpointing path. */
  signals?: Pick<NodeJS.EventEmitter, 'on'>;
  /** How long quitting waits for training runs to checkpoint before it gives up (default 60 s). */
  quitTimeoutMs?: number;
}

export interface DesktopApp {
  /** Settles when the window exists, or when startup failed and the app is exiting. */
  readonly ready: Promise<void>;
  /** The service behind the bridge (null before 'ready' and in a second instance). */
  readonly service: LabService | null;
}

/** The project root when running from source or from app.asar. */
export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

/** Where the bundled preload and the renderer build live under `rootDir`. */
export function desktopPaths(rootDir: string): { preload: string; renderer: string } {
  return { preload: path.join(rootDir, 'out', 'electron', 'preload.cjs'), renderer: path.join(rootDir, 'renderer', 'dist') };
}

function exportBaseDir(app: DesktopElectron['app']): string {
  try {
    return app.getPath('documents');
  } catch {
    // Some Linux desktops define no documents folder.
    return app.getPath('home');
  }
}

/**
 * Starts the desktop app. Synchronous up to the 'ready' wait on purpose:
 * the privileged scheme must be registered before 'ready', and Electron emits
 * 'ready' only after the ESM entry finished, so the caller must not await it.
 */
export function startDesktopApp(electron: DesktopElectron, options: DesktopOptions = {}): DesktopApp {
  const { app } = electron;
  const paths = desktopPaths(options.rootDir ?? PROJECT_ROOT);
  const platform = options.platform ?? process.platform;
  registerAppScheme(electron.protocol);

  if (!app.requestSingleInstanceLock()) {
    // Another Sequence Lab owns the history and the running workers; it shows its window instead.
    app.quit();
    return { ready: Promise.resolve(), service: null };
  }

  let win: BrowserWindow | null = null;
  let service: LabService | null = null;
  let history: History | null = null;
  let disposeIpc: (() => void) | null = null;
  let stage: 'running' | 'closing' | 'closed' = 'running';

  const createWindow = (): BrowserWindow => {
    const w = new electron.BrowserWindow(windowOptions(paths.preload));
    win = w;
    w.once('ready-to-show', () => w.show());
    w.on('closed', () => {
      if (win === w) win = null;
    });
    w.loadURL(APP_INDEX_URL).catch((e: Error) => {
      w.show();
      electron.dialog.showErrorBox(
        'Sequence Lab could not load its window',
        `${e.message}\nBuild the app with "npm start" (it runs scripts/build-renderer.mjs).`,
      );
    });
    return w;
  };

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  app.on('second-instance', () => {
    if (!win || win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  const ready = app
    .whenReady()
    .then(async () => {
      if (stage !== 'running') return;
      // As in the CLI: bookkeeping here (parameter counts, sampling) runs on plain cpu; workers pick their own backend.
      tf.env().set('PROD', true);
      await tf.setBackend('cpu');
      const dataDir = ensureDataDir(options.dataDir ?? resolveDataDir());
      history = History.open(dataDir);
      service = new LabService({
        dataDir,
        history,
        mode: 'electron',
        ...(electron.utilityProcess ? { launchTrainer: utilityTrainerLauncher(electron.utilityProcess) } : {}),
      });
      denyAllPermissions(electron.session.defaultSession);
      handleAppProtocol(electron.protocol, paths.renderer);
      disposeIpc = registerLabIpc({
        ipcMain: electron.ipcMain,
        dialog: electron.dialog,
        service,
        getWindow: () => win,
        exportBaseDir: exportBaseDir(app),
        platform,
      });
      createWindow();
    })
    .catch((e: Error) => {
      electron.dialog.showErrorBox('Sequence Lab could not start', e.message);
      app.exit(1);
    });

  // macOS keeps the app (and its training runs) alive without windows; the dock icon reopens one.
  app.on('window-all-closed', () => {
    if (platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (stage === 'running' && service && !win) createWindow();
  });

  /** Stops every run (each checkpoints first), then closes the history. */
  const close = async (): Promise<void> => {
    disposeIpc?.();
    disposeIpc = null;
    const timeout = options.quitTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([service?.close(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeout)))]);
    clearTimeout(timer);
    history?.close();
  };

  app.on('before-quit', (event) => {
    if (stage === 'closed') return;
    // Hold the quit until training has checkpointed, then quit for real.
    event.preventDefault();
    if (stage === 'closing') return;
    stage = 'closing';
    void close()
      .catch((e: Error) => console.error(`seqlab: while quitting: ${e.message}`))
      .finally(() => {
        stage = 'closed';
        app.quit();
      });
  });

  const signals = options.signals ?? process;
  signals.on('SIGINT', () => app.quit());
  signals.on('SIGTERM', () => app.quit());

  return {
    ready,
    get service() {
      return service;
    },
  };
}
