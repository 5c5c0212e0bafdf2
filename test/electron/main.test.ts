// The main process wiring, driven with a fake Electron: the scheme is
// registered before 'ready', one window loads app://lab with the secure
// options, the bridge reaches a real LabService, and quitting waits for
// service.close() (training checkpoints) before it lets the app go.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IPC_CHANNELS as IPC } from '../../electron/ipc-channels.ts';
import { APP_INDEX_URL } from '../../electron/app-origin.ts';
import { desktopPaths, PROJECT_ROOT, startDesktopApp, type DesktopElectron, type DesktopOptions } from '../../electron/main.ts';
import { REQUIRED_WEB_PREFERENCES } from '../../electron/window-options.ts';
import { fakeEvent, FakeDialog, FakeIpcMain, FakeSession, FakeWindow, invokeEvent } from './fakes.ts';

let dir: string;
let root: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-main-'));
  root = path.join(dir, 'app');
  fs.mkdirSync(path.join(root, 'renderer', 'dist'), { recursive: true });
  fs.writeFileSync(path.join(root, 'renderer', 'dist', 'index.html'), '<!doctype html><title>lab</title>');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A fake `app` whose quit() emits 'before-quit' like Electron's and counts quits that went through. */
class FakeApp extends EventEmitter {
  readonly log: string[];
  lock = true;
  quits = 0;
  exitCode: number | null = null;
  private resolveReady!: () => void;
  private readonly readyPromise = new Promise<void>((r) => (this.resolveReady = r));
  constructor(log: string[]) {
    super();
    this.log = log;
  }
  requestSingleInstanceLock(): boolean {
    this.log.push('lock');
    return this.lock;
  }
  whenReady(): Promise<void> {
    return this.readyPromise;
  }
  becomeReady(): void {
    this.log.push('ready');
    this.resolveReady();
  }
  quit(): void {
    const event = fakeEvent();
    this.emit('before-quit', event);
    if (!event.defaultPrevented) this.quits++;
  }
  exit(code: number): void {
    this.exitCode = code;
  }
  getPath(name: string): string {
    return path.join(dir, 'home', name);
  }
}

function fakeElectron() {
  const log: string[] = [];
  const app = new FakeApp(log);
  const windows: FakeWindow[] = [];
  const handled = new Map<string, (request: Request) => Promise<Response>>();
  const ipcMain = new FakeIpcMain();
  const dialog = new FakeDialog();
  const defaultSession = new FakeSession();
  const electron = {
    app,
    BrowserWindow: class extends FakeWindow {
      constructor(options: Record<string, unknown>) {
        super(options);
        log.push('window');
        windows.push(this);
        app.emit('web-contents-created', fakeEvent(), this.webContents);
      }
    },
    ipcMain,
    dialog,
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => void log.push(`privileged:${(schemes[0] as { scheme: string }).scheme}`),
      handle: (scheme: string, handler: (request: Request) => Promise<Response>) => {
        log.push(`handle:${scheme}`);
        handled.set(scheme, handler);
      },
    },
    session: { defaultSession },
  };
  return { electron: electron as unknown as DesktopElectron, app, log, windows, handled, ipcMain, dialog, defaultSession };
}

function start(extra: Partial<DesktopOptions> = {}) {
  const fake = fakeElectron();
  const signals = new EventEmitter();
  const desktop = startDesktopApp(fake.electron, {
    rootDir: root,
    dataDir: path.join(dir, `data-${Math.random().toString(36).slice(2)}`),
    platform: 'linux',
    signals,
    ...extra,
  });
  return { ...fake, desktop, signals };
}

/** Resolves once `check` holds (polling; quitting is asynchronous). */
async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('startDesktopApp', () => {
  it('registers the privileged scheme and takes the lock before ready, and nothing else', () => {
    const { log, app } = start();
    expect(log).toEqual(['privileged:app', 'lock']);
    app.quit();
  });

  it('on ready: serves app://, registers the bridge, denies permissions, and opens one secure window on app://lab', async () => {
    const { app, log, desktop, windows, handled, ipcMain, defaultSession } = start();
    app.becomeReady();
    await desktop.ready;
    expect(log).toEqual(['privileged:app', 'lock', 'ready', 'handle:app', 'window']);
    expect(windows).toHaveLength(1);
    const win = windows[0]!;
    expect(win.loaded).toEqual([APP_INDEX_URL]);
    const prefs = (win.options as { webPreferences: Record<string, unknown> }).webPreferences;
    expect(prefs).toMatchObject(REQUIRED_WEB_PREFERENCES);
    expect(prefs.preload).toBe(path.join(root, 'out', 'electron', 'preload.cjs'));
    expect([...ipcMain.handlers.keys()].sort()).toEqual([IPC.pickExportFolder, IPC.pickImportPaths, IPC.request].sort());
    expect(defaultSession.checkHandler!()).toBe(false);
    // The window's contents were hardened through 'web-contents-created'.
    expect(win.webContents.windowOpenHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    const page = await handled.get('app')!(new Request(APP_INDEX_URL));
    expect(await page.text()).toContain('<title>lab</title>');
    win.emit('ready-to-show');
    expect(win.shown).toBe(true);
    app.quit();
    await until(() => app.quits === 1);
  });

  it('answers the bridge from a real LabService in electron mode, and refuses other windows', async () => {
    const { app, desktop, windows, ipcMain } = start();
    app.becomeReady();
    await desktop.ready;
    const reply = (await ipcMain.invoke(IPC.request, invokeEvent(windows[0]!), 'systemInfo', {})) as {
      ok: boolean;
      result: { mode: string };
    };
    expect(reply).toMatchObject({ ok: true, result: { mode: 'electron' } });
    expect(await ipcMain.invoke(IPC.request, invokeEvent(new FakeWindow()), 'systemInfo', {})).toEqual({
      ok: false,
      error: 'untrusted sender',
    });
    app.quit();
    await until(() => app.quits === 1);
  });

  it('holds the quit until the service has closed, then removes the bridge and quits once', async () => {
    const { app, desktop, ipcMain } = start();
    app.becomeReady();
    await desktop.ready;
    const service = desktop.service!;
    let closed = false;
    const close = service.close.bind(service);
    service.close = async () => {
      await new Promise((r) => setTimeout(r, 50));
      await close();
      closed = true;
    };
    app.quit();
    expect(app.quits).toBe(0); // prevented while closing
    app.quit(); // a second request while closing changes nothing
    expect(app.quits).toBe(0);
    await until(() => app.quits === 1);
    expect(closed).toBe(true);
    expect(ipcMain.handlers.size).toBe(0);
  });

  it('gives up waiting after quitTimeoutMs when a run never stops', async () => {
    const { app, desktop } = start({ quitTimeoutMs: 50 });
    app.becomeReady();
    await desktop.ready;
    desktop.service!.close = () => new Promise<void>(() => {});
    app.quit();
    await until(() => app.quits === 1, 2000);
  });

  it('SIGINT and SIGTERM quit through the same path', async () => {
    const { app, desktop, signals } = start();
    app.becomeReady();
    await desktop.ready;
    signals.emit('SIGINT');
    await until(() => app.quits === 1);
    const other = start();
    other.signals.emit('SIGTERM');
    await until(() => other.app.quits === 1);
  });

  it('quits when the last window closes (but not on macOS), and reopens on activate', async () => {
    const linux = start();
    linux.app.becomeReady();
    await linux.desktop.ready;
    linux.app.emit('window-all-closed');
    await until(() => linux.app.quits === 1);

    const mac = start({ platform: 'darwin' });
    mac.app.becomeReady();
    await mac.desktop.ready;
    mac.windows[0]!.emit('closed');
    mac.app.emit('window-all-closed');
    expect(mac.app.quits).toBe(0);
    mac.app.emit('activate');
    expect(mac.windows).toHaveLength(2);
    mac.app.quit();
    await until(() => mac.app.quits === 1);
  });

  it('a second instance quits at once; the first focuses its window', async () => {
    const first = start();
    first.app.becomeReady();
    await first.desktop.ready;
    first.windows[0]!.minimized = true;
    first.app.emit('second-instance');
    expect(first.windows[0]!.focused).toBe(true);
    expect(first.windows[0]!.minimized).toBe(false);
    first.app.quit();
    await until(() => first.app.quits === 1);

    const fake = fakeElectron();
    fake.app.lock = false;
    const second = startDesktopApp(fake.electron, { rootDir: root, signals: new EventEmitter() });
    fake.app.becomeReady();
    await second.ready;
    expect(fake.app.quits).toBe(1);
    expect(fake.windows).toEqual([]);
    expect(second.service).toBeNull();
    expect(fake.ipcMain.handlers.size).toBe(0);
  });

  it('shows an error and exits 1 when the data folder cannot be used', async () => {
    const blocker = path.join(dir, 'not-a-folder');
    fs.writeFileSync(blocker, 'x');
    const { app, desktop, dialog, windows } = start({ dataDir: blocker });
    app.becomeReady();
    await desktop.ready;
    expect(app.exitCode).toBe(1);
    expect(windows).toEqual([]);
    expect(dialog.calls[0]).toMatchObject({ kind: 'error', options: { content: expect.stringContaining(blocker) } });
  });

  it('finds the preload and the renderer under the project root', () => {
    expect(PROJECT_ROOT).toBe(path.resolve(import.meta.dirname, '../..'));
    expect(desktopPaths('/r')).toEqual({
      preload: path.join('/r', 'out', 'electron', 'preload.cjs'),
      renderer: path.join('/r', 'renderer', 'dist'),
    });
  });
});
