// Stand-ins for the slices of Electron's API that electron/ uses: enough
// behaviour to drive the real modules in Node, where no Electron binary exists.
import { EventEmitter } from 'node:events';
import type { BrowserWindow, IpcMainInvokeEvent } from 'electron';
import { APP_INDEX_URL } from '../../electron/app-origin.ts';

let nextId = 1;

/** A WebFrameMain: URL plus the identity and parent fields the trust check reads. */
export interface FakeFrame {
  url: string;
  parent: FakeFrame | null;
  routingId: number;
  processId: number;
}

export function fakeFrame(url: string, parent: FakeFrame | null = null): FakeFrame {
  return { url, parent, routingId: nextId++, processId: 7 };
}

/** An Electron-style event whose preventDefault is recorded. */
export function fakeEvent<T extends object>(extra?: T): T & { defaultPrevented: boolean; preventDefault(): void } {
  return {
    ...(extra as T),
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
}

export class FakeSession {
  requestHandler: ((contents: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void) | null = null;
  checkHandler: ((...args: unknown[]) => boolean) | null = null;
  setPermissionRequestHandler(h: FakeSession['requestHandler']): void {
    this.requestHandler = h;
  }
  setPermissionCheckHandler(h: FakeSession['checkHandler']): void {
    this.checkHandler = h;
  }
}

export class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  mainFrame: FakeFrame;
  destroyed = false;
  readonly sent: { channel: string; payload: unknown }[] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  readonly session = new FakeSession();

  constructor(url = APP_INDEX_URL) {
    super();
    this.mainFrame = fakeFrame(url);
  }
  getURL(): string {
    return this.mainFrame.url;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
  setWindowOpenHandler(h: FakeWebContents['windowOpenHandler']): void {
    this.windowOpenHandler = h;
  }
}

export class FakeWindow extends EventEmitter {
  readonly webContents: FakeWebContents;
  destroyed = false;
  shown = false;
  focused = false;
  minimized = false;
  loaded: string[] = [];
  constructor(
    readonly options: Record<string, unknown> = {},
    url = APP_INDEX_URL,
  ) {
    super();
    this.webContents = new FakeWebContents(url);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  async loadURL(url: string): Promise<void> {
    this.loaded.push(url);
  }
  show(): void {
    this.shown = true;
  }
  focus(): void {
    this.focused = true;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.minimized = false;
  }
  /** Typed as Electron's, for the functions under test. */
  get asElectron(): BrowserWindow {
    return this as unknown as BrowserWindow;
  }
}

/** The invoke event a frame of `win` would send (`frame` defaults to its main frame). */
export function invokeEvent(
  win: FakeWindow,
  frame: FakeFrame | null = win.webContents.mainFrame,
  sender: unknown = win.webContents,
): IpcMainInvokeEvent {
  return { sender, senderFrame: frame } as unknown as IpcMainInvokeEvent;
}

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;

export class FakeIpcMain {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, handler: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** What ipcRenderer.invoke(channel, ...args) from `event`'s sender would get. */
  async invoke(channel: string, event: IpcMainInvokeEvent, ...args: unknown[]): Promise<unknown> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`No handler registered for '${channel}'`);
    return h(event, ...args);
  }
}

export class FakeDialog {
  readonly calls: { kind: 'open' | 'save' | 'error'; window?: unknown; options: unknown }[] = [];
  openResult: { canceled: boolean; filePaths: string[] } = { canceled: false, filePaths: ['/home/u/corpus.txt'] };
  saveResult: { canceled: boolean; filePath?: string } = { canceled: false, filePath: '/home/u/Documents/model' };
  async showOpenDialog(window: unknown, options: unknown) {
    this.calls.push({ kind: 'open', window, options });
    return this.openResult;
  }
  async showSaveDialog(window: unknown, options: unknown) {
    this.calls.push({ kind: 'save', window, options });
    return this.saveResult;
  }
  showErrorBox(title: string, content: string): void {
    this.calls.push({ kind: 'error', options: { title, content } });
  }
}
