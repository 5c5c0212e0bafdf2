// The main-process side of the bridge: one handler per IPC channel. Each
// handler first checks that the sender is the main frame of our window on
// app://lab, then hands the payload to LabService (which validates it with
// the contract's zod schemas). Run events go to our window only.
import path from 'node:path';
import type { BrowserWindow, Dialog, IpcMain, IpcMainInvokeEvent, OpenDialogOptions } from 'electron';
import type { LabService } from '../core/app/lab-service.ts';
import { DATASET_FILE_EXTENSIONS, IMPORT_EXTENSIONS } from '../core/contract/kinds.ts';
import type { LabReply } from '../core/contract/lab-contract.ts';
import { isAppUrl } from './app-origin.ts';
import { IPC_CHANNELS } from './ipc-channels.ts';

/** What a refused sender gets back; the service is never called. */
export const UNTRUSTED: LabReply<never> = { ok: false, error: 'untrusted sender' };

/** The parts of an invoke event the trust check reads. */
export type SenderEvent = Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>;

/**
 * True when the message comes from the main frame of `win`, showing a page of
 * app://lab. A subframe, another window, a missing (navigated or destroyed)
 * frame, or any other origin is refused.
 */
export function isTrustedSender(event: SenderEvent, win: BrowserWindow | null): boolean {
  try {
    const frame = event.senderFrame;
    if (!frame || !win || win.isDestroyed()) return false;
    const contents = win.webContents;
    if (event.sender !== contents || frame.parent !== null) return false;
    const main = contents.mainFrame;
    // Electron may hand out distinct WebFrameMain objects for one frame; routingId + processId identify it.
    const isMain = frame === main || (frame.routingId === main.routingId && frame.processId === main.processId);
    return isMain && isAppUrl(frame.url);
  } catch {
    // Reading a disposed frame throws: treat it as absent.
    return false;
  }
}

const bare = (extension: string): string => extension.slice(1);

/** The import dialog: files (and folders where the OS dialog allows both). */
export function importDialogOptions(platform: NodeJS.Platform): OpenDialogOptions {
  // On Windows and Linux a dialog with openFile + openDirectory shows a folder
  // picker only; there, pick files (folders can still be dropped on the window).
  const properties: OpenDialogOptions['properties'] =
    platform === 'darwin' ? ['openFile', 'openDirectory', 'multiSelections'] : ['openFile', 'multiSelections'];
  return {
    title: 'Import a dataset',
    buttonLabel: 'Import',
    properties,
    // The extensions the core imports (core/contract/kinds.ts), without their dots as the dialog wants them.
    filters: [
      { name: 'Datasets (text, music, audio)', extensions: IMPORT_EXTENSIONS.map(bare) },
      { name: 'Text', extensions: DATASET_FILE_EXTENSIONS.text.map(bare) },
      { name: 'Music (MIDI, piano-roll JSON)', extensions: DATASET_FILE_EXTENSIONS.music.map(bare) },
      { name: 'Audio', extensions: DATASET_FILE_EXTENSIONS.audio.map(bare) },
      { name: 'All files', extensions: ['*'] },
    ],
  };
}

/** A safe default file name for the export dialog: one path segment, no control characters, at most 100 characters. */
export function exportDefaultName(requested: unknown): string {
  const raw = typeof requested === 'string' ? requested : '';
  const name = path
    .basename(raw.replace(/\\/g, '/'))
    .replace(/[\p{Cc}<>:"|?*]/gu, '_')
    .slice(0, 100)
    .trim();
  return name === '' || name === '.' || name === '..' ? 'export' : name;
}

export interface LabIpcOptions {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  dialog: Pick<Dialog, 'showOpenDialog' | 'showSaveDialog'>;
  service: Pick<LabService, 'handle' | 'subscribe'>;
  /** Our window (null while there is none). */
  getWindow: () => BrowserWindow | null;
  /** Where the export dialog starts (the user's documents folder). */
  exportBaseDir: string;
  platform?: NodeJS.Platform;
}

/**
 * Registers the bridge's handlers and forwards service events to our window.
 * Every handler answers with the contract's reply envelope. Returns a function
 * that removes the handlers and the event subscription.
 */
export function registerLabIpc(opts: LabIpcOptions): () => void {
  const { ipcMain, dialog, service, getWindow } = opts;
  const platform = opts.platform ?? process.platform;

  ipcMain.handle(IPC_CHANNELS.request, async (event, name: unknown, args: unknown): Promise<LabReply<unknown>> => {
    if (!isTrustedSender(event, getWindow())) return UNTRUSTED;
    if (typeof name !== 'string') return { ok: false, error: 'request: the name must be a string' };
    return service.handle(name, args);
  });

  ipcMain.handle(IPC_CHANNELS.pickImportPaths, async (event): Promise<LabReply<string[]>> => {
    const win = getWindow();
    if (!isTrustedSender(event, win) || !win) return UNTRUSTED;
    try {
      const picked = await dialog.showOpenDialog(win, importDialogOptions(platform));
      return { ok: true, result: picked.canceled ? [] : picked.filePaths };
    } catch (e) {
      return { ok: false, error: `dialog: ${(e as Error).message}` };
    }
  });

  ipcMain.handle(IPC_CHANNELS.pickExportFolder, async (event, defaultName: unknown): Promise<LabReply<string | null>> => {
    const win = getWindow();
    if (!isTrustedSender(event, win) || !win) return UNTRUSTED;
    try {
      const picked = await dialog.showSaveDialog(win, {
        title: 'Export to a new folder',
        buttonLabel: 'Export',
        defaultPath: path.join(opts.exportBaseDir, exportDefaultName(defaultName)),
        properties: ['createDirectory', 'showOverwriteConfirmation'],
      });
      return { ok: true, result: picked.canceled || !picked.filePath ? null : picked.filePath };
    } catch (e) {
      return { ok: false, error: `dialog: ${(e as Error).message}` };
    }
  });

  const unsubscribe = service.subscribe((labEvent) => {
    const win = getWindow();
    if (!win || win.isDestroyed()) return;
    const contents = win.webContents;
    if (contents.isDestroyed()) return;
    // Only a page of our app hears about runs (the window cannot navigate away, but say so here too).
    if (!isAppUrl(contents.getURL())) return;
    contents.send(IPC_CHANNELS.event, labEvent);
  });

  return () => {
    unsubscribe();
    for (const channel of [IPC_CHANNELS.request, IPC_CHANNELS.pickImportPaths, IPC_CHANNELS.pickExportFolder])
      ipcMain.removeHandler(channel);
  };
}
