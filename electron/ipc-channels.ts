// IPC channel names of the Electron bridge, copied from IPC in
// core/contract/lab-contract.ts so the sandboxed preload bundle stays free of
// zod and the core. test/electron/preload.test.ts proves the copies agree.

/** Every channel of the bridge starts with this; anything else is refused. */
export const IPC_PREFIX = 'lab:';

/** Same names and values as `IPC` in the lab contract. */
export const IPC_CHANNELS = {
  request: 'lab:request',
  event: 'lab:event',
  pickImportPaths: 'lab:pick-import-paths',
  pickExportFolder: 'lab:pick-export-folder',
} as const;

/** True for a channel of the bridge (the "lab:" prefix). */
export function isLabChannel(channel: unknown): channel is string {
  return typeof channel === 'string' && channel.startsWith(IPC_PREFIX) && channel.length > IPC_PREFIX.length;
}
