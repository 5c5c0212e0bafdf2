// IPC channel names of the Electron bridge: the one list, read by main's
// typed wrappers and by the preload (whose sandboxed bundle stays free of zod
// and the core, so the names live here rather than in the contract).

/** Every channel of the bridge starts with this; anything else is refused. */
export const IPC_PREFIX = 'lab:';

/** The bridge's channels. */
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
