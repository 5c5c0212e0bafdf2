// The IPC bridge's main side: untrusted senders are refused before the service
// is touched; trusted requests reach a real LabService (temp history) with its
// validation; dialogs use our window; run events go to our window only.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { LabService } from '../../core/app/lab-service.ts';
import type { LabEvent } from '../../core/contract/lab-contract.ts';
import { IPC_CHANNELS as IPC } from '../../electron/ipc-channels.ts';
import { History } from '../../core/storage/history.ts';
import {
  exportDefaultName,
  importDialogOptions,
  isTrustedSender,
  registerLabIpc,
  UNTRUSTED,
  type LabIpcOptions,
} from '../../electron/ipc.ts';
import { FakeDialog, fakeFrame, FakeIpcMain, FakeWindow, invokeEvent } from './fakes.ts';

let dir: string;
let history: History;
let service: LabService;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-ipc-'));
  history = History.open(path.join(dir, 'data'));
  service = new LabService({ dataDir: path.join(dir, 'data'), history, mode: 'electron' });
});
afterAll(async () => {
  await service.close();
  history.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A service double that records calls and lets the test emit events. */
function spyService() {
  let listener: ((e: LabEvent) => void) | null = null;
  return {
    handle: vi.fn(async () => ({ ok: true as const, result: 'handled' })),
    subscribe: vi.fn((l: (e: LabEvent) => void) => {
      listener = l;
      return () => {
        listener = null;
      };
    }),
    emit: (e: LabEvent) => listener?.(e),
    get subscribed() {
      return listener !== null;
    },
  };
}

function setup(svc: Pick<LabService, 'handle' | 'subscribe'> = spyService(), win: FakeWindow | null = new FakeWindow()) {
  const ipcMain = new FakeIpcMain();
  const dialog = new FakeDialog();
  let current = win;
  const dispose = registerLabIpc({
    ipcMain,
    dialog: dialog as unknown as LabIpcOptions['dialog'],
    service: svc,
    getWindow: () => current?.asElectron ?? null,
    exportBaseDir: '/home/u/Documents',
    platform: 'linux',
  });
  return { ipcMain, dialog, win: win!, dispose, setWindow: (w: FakeWindow | null) => (current = w) };
}

describe('sender checks', () => {
  const untrusted: [string, (win: FakeWindow) => ReturnType<typeof invokeEvent>][] = [
    ['a missing frame (navigated or destroyed)', (win) => invokeEvent(win, null)],
    ['a subframe of our window', (win) => invokeEvent(win, fakeFrame('app://lab/index.html', win.webContents.mainFrame))],
    ['a main frame on another origin', (win) => ((win.webContents.mainFrame.url = 'https://evil.example/'), invokeEvent(win))],
    ['a look-alike host', (win) => ((win.webContents.mainFrame.url = 'app://lab.evil/index.html'), invokeEvent(win))],
    ['a file:// page', (win) => ((win.webContents.mainFrame.url = 'file:///tmp/index.html'), invokeEvent(win))],
    ['another window', () => invokeEvent(new FakeWindow())],
    ['a frame of our window that is not its main frame', (win) => invokeEvent(win, fakeFrame('app://lab/index.html'))],
    [
      "a frame with our main frame's ids but a parent",
      (win) => invokeEvent(win, { ...win.webContents.mainFrame, parent: fakeFrame('app://lab/index.html') }),
    ],
    ['our main frame reported by another web contents', (win) => invokeEvent(win, win.webContents.mainFrame, new FakeWindow().webContents)],
  ];

  it.each(untrusted)('refuses %s without calling the service', async (_label, makeEvent) => {
    const svc = spyService();
    const { ipcMain, dialog, win } = setup(svc);
    const event = makeEvent(win);
    expect(await ipcMain.invoke(IPC.request, event, 'systemInfo', {})).toEqual(UNTRUSTED);
    expect(await ipcMain.invoke(IPC.pickImportPaths, event)).toEqual(UNTRUSTED);
    expect(await ipcMain.invoke(IPC.pickExportFolder, event, 'model')).toEqual(UNTRUSTED);
    expect(svc.handle).not.toHaveBeenCalled();
    expect(dialog.calls).toEqual([]);
  });

  it('refuses everything while there is no window, or once it is destroyed', async () => {
    const svc = spyService();
    const { ipcMain, win, setWindow } = setup(svc);
    const event = invokeEvent(win);
    win.destroyed = true;
    expect(await ipcMain.invoke(IPC.request, event, 'systemInfo', {})).toEqual(UNTRUSTED);
    setWindow(null);
    expect(await ipcMain.invoke(IPC.request, event, 'systemInfo', {})).toEqual(UNTRUSTED);
    expect(svc.handle).not.toHaveBeenCalled();
  });

  it('treats a frame that throws on access (disposed) as untrusted', () => {
    const win = new FakeWindow();
    const frame = {
      get url(): string {
        throw new Error('Render frame was disposed');
      },
      parent: null,
      routingId: 1,
      processId: 1,
    };
    win.webContents.mainFrame = frame;
    expect(isTrustedSender(invokeEvent(win, frame), win.asElectron)).toBe(false);
  });

  it('trusts the main frame of our window on app://lab, also as a distinct object for the same frame', () => {
    const win = new FakeWindow();
    expect(isTrustedSender(invokeEvent(win), win.asElectron)).toBe(true);
    const same = { ...win.webContents.mainFrame };
    expect(isTrustedSender(invokeEvent(win, same), win.asElectron)).toBe(true);
  });
});

describe('trusted requests reach the real LabService', () => {
  let ctx: ReturnType<typeof setup>;
  beforeEach(() => {
    ctx?.dispose();
    ctx = setup(service);
  });

  it('answers systemInfo in electron mode', async () => {
    const reply = (await ctx.ipcMain.invoke(IPC.request, invokeEvent(ctx.win), 'systemInfo', {})) as {
      ok: boolean;
      result: { mode: string; dataDir: string };
    };
    expect(reply.ok).toBe(true);
    expect(reply.result.mode).toBe('electron');
    expect(reply.result.dataDir).toBe(path.join(dir, 'data'));
  });

  it('refuses an invalid startRun, naming the field', async () => {
    const reply = await ctx.ipcMain.invoke(IPC.request, invokeEvent(ctx.win), 'startRun', {
      datasetId: 'one',
      model: { kind: 'lstm' },
      train: {},
    });
    expect(reply).toEqual({ ok: false, error: expect.stringContaining('datasetId') });
  });

  it('refuses unknown requests and a name that is not a string', async () => {
    expect(await ctx.ipcMain.invoke(IPC.request, invokeEvent(ctx.win), 'dropTables', {})).toEqual({
      ok: false,
      error: expect.stringContaining('unknown request'),
    });
    expect(await ctx.ipcMain.invoke(IPC.request, invokeEvent(ctx.win), { toString: () => 'systemInfo' }, {})).toEqual({
      ok: false,
      error: expect.stringContaining('name'),
    });
  });
});

describe('dialogs', () => {
  it('opens the import dialog on our window and returns the picked paths ([] when cancelled)', async () => {
    const { ipcMain, dialog, win } = setup();
    expect(await ipcMain.invoke(IPC.pickImportPaths, invokeEvent(win))).toEqual({ ok: true, result: ['/home/u/corpus.txt'] });
    expect(dialog.calls[0]!.window).toBe(win);
    expect(dialog.calls[0]!.options).toEqual(importDialogOptions('linux'));
    dialog.openResult = { canceled: true, filePaths: [] };
    expect(await ipcMain.invoke(IPC.pickImportPaths, invokeEvent(win))).toEqual({ ok: true, result: [] });
  });

  it('offers files and folders where the OS allows both, always with a .txt filter and multi-select', () => {
    expect(importDialogOptions('darwin').properties).toEqual(['openFile', 'openDirectory', 'multiSelections']);
    for (const p of ['linux', 'win32'] as const) expect(importDialogOptions(p).properties).toEqual(['openFile', 'multiSelections']);
    // Every extension the core imports, not only .txt (core/contract/kinds.ts; test/contract/kinds.test.ts ties the lists).
    expect(importDialogOptions('linux').filters![0]!.extensions).toEqual([
      'txt',
      'mid',
      'midi',
      'json',
      'wav',
      'wave',
      'flac',
      'mp3',
      'ogg',
      'oga',
      'opus',
    ]);
  });

  it('opens the save dialog in the documents folder with a sanitised name; null when cancelled', async () => {
    const { ipcMain, dialog, win } = setup();
    expect(await ipcMain.invoke(IPC.pickExportFolder, invokeEvent(win), '../../etc/passwd')).toEqual({
      ok: true,
      result: '/home/u/Documents/model',
    });
    expect(dialog.calls[0]).toMatchObject({
      kind: 'save',
      window: win,
      options: { defaultPath: path.join('/home/u/Documents', 'passwd') },
    });
    dialog.saveResult = { canceled: true };
    expect(await ipcMain.invoke(IPC.pickExportFolder, invokeEvent(win), 'x')).toEqual({ ok: true, result: null });
  });

  it('turns a failing dialog into an error reply', async () => {
    const { ipcMain, dialog, win } = setup();
    dialog.showOpenDialog = async () => {
      throw new Error('no portal');
    };
    expect(await ipcMain.invoke(IPC.pickImportPaths, invokeEvent(win))).toEqual({ ok: false, error: 'dialog: no portal' });
  });

  it.each([
    ['run-3-tfjs', 'run-3-tfjs'],
    ['a/b\\c', 'c'],
    ['..', 'export'],
    ['', 'export'],
    [42, 'export'],
    ['x'.repeat(300), 'x'.repeat(100)],
    ['bad:name?\u0001', 'bad_name__'],
  ])('exportDefaultName(%j) is %j', (input, expected) => {
    expect(exportDefaultName(input)).toBe(expected);
  });
});

describe('events', () => {
  const event: LabEvent = { type: 'run.status', runId: 1, status: 'completed', step: 10, validLoss: 1.5, error: null };

  it('forwards service events to our window only', () => {
    const svc = spyService();
    const { win } = setup(svc);
    const other = new FakeWindow();
    svc.emit(event);
    expect(win.webContents.sent).toEqual([{ channel: IPC.event, payload: event }]);
    expect(other.webContents.sent).toEqual([]);
  });

  it('sends nothing to a destroyed window, a missing one, or a page that is not the app', () => {
    const svc = spyService();
    const { win, setWindow } = setup(svc);
    win.webContents.destroyed = true;
    svc.emit(event);
    win.webContents.destroyed = false;
    win.webContents.mainFrame.url = 'https://evil.example/';
    svc.emit(event);
    setWindow(null);
    expect(() => svc.emit(event)).not.toThrow();
    expect(win.webContents.sent).toEqual([]);
  });

  it('dispose removes every handler and the subscription', () => {
    const svc = spyService();
    const { ipcMain, dispose } = setup(svc);
    expect([...ipcMain.handlers.keys()].sort()).toEqual([IPC.pickExportFolder, IPC.pickImportPaths, IPC.request].sort());
    dispose();
    expect(ipcMain.handlers.size).toBe(0);
    expect(svc.subscribed).toBe(false);
  });
});
