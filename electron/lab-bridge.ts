// The renderer's side of the Electron bridge: LabBridge over ipcRenderer. It
// only ever sends on "lab:" channels, unwraps the reply envelope, and hands
// listeners the event payload alone (never the IPC event, whose `sender`
// would be ipcRenderer itself). No zod, no core: it is bundled into the preload.
import type { IpcRenderer, WebUtils } from 'electron';
import type { LabBridge, LabEvent, LabReply } from '../core/contract/lab-contract.ts';
import { IPC_CHANNELS, isLabChannel } from './ipc-channels.ts';

/** The slice of ipcRenderer the bridge uses. */
export type BridgeIpc = Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>;

/**
 * Throws unless `reply` is a successful envelope; returns its result. A
 * refusal that carries a problem (field, reason, hint) is returned as the
 * envelope itself: an Error crossing the context bridge keeps only its
 * message, and the renderer's LabClient reads envelopes.
 */
export function unwrapReply<T>(reply: unknown): T {
  const r = reply as LabReply<T> | null | undefined;
  if (r && typeof r === 'object' && r.ok === true) return r.result;
  if (r && typeof r === 'object' && r.ok === false && typeof r.error === 'string' && r.problem && typeof r.problem === 'object')
    return r as T;
  const error =
    r && typeof r === 'object' && r.ok === false && typeof r.error === 'string' ? r.error : 'no valid reply from the main process';
  throw new Error(error);
}

/** Invokes `channel` and unwraps the reply; refuses, without sending, any channel outside "lab:". */
export async function invokeLab<T>(ipc: Pick<BridgeIpc, 'invoke'>, channel: string, ...args: unknown[]): Promise<T> {
  if (!isLabChannel(channel)) throw new Error(`refused channel "${String(channel).slice(0, 40)}"`);
  return unwrapReply<T>(await ipc.invoke(channel, ...args));
}

/**
 * Builds the object exposed as `window.lab`.
 * @param ipc ipcRenderer (or a fake in tests)
 * @param webUtils Electron's webUtils, for the local path of a dropped File
 */
export function createLabBridge(ipc: BridgeIpc, webUtils: Pick<WebUtils, 'getPathForFile'>): LabBridge {
  const invoke = <T>(channel: string, ...args: unknown[]) => invokeLab<T>(ipc, channel, ...args);

  const bridge: LabBridge = {
    kind: 'electron',
    request: (name, args) => invoke(IPC_CHANNELS.request, name, args),
    subscribe(listener: (event: LabEvent) => void) {
      const relay = (_event: unknown, payload: LabEvent) => listener(payload);
      ipc.on(IPC_CHANNELS.event, relay);
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        ipc.removeListener(IPC_CHANNELS.event, relay);
      };
    },
    pickImportPaths: () => invoke<string[]>(IPC_CHANNELS.pickImportPaths),
    pickExportFolder: (defaultName: string) => invoke<string | null>(IPC_CHANNELS.pickExportFolder, String(defaultName)),
    pathForFile: (file: File) => webUtils.getPathForFile(file),
  };
  return Object.freeze(bridge);
}
