// The typed client every component uses: one `request(name, args)` over
// whichever bridge serves the page, with failures as Error(message) and
// events checked against the contract before anyone sees them.
import {
  labEventSchema,
  type LabArgs,
  type LabBridge,
  type LabEvent,
  type LabRequestName,
  type LabResult,
} from '../../../core/contract/lab-contract.ts';
import { forTheApp } from './app-messages.ts';
import { refusalError } from './lab-errors.ts';
import { pickBridge } from './bridge.ts';
import type { ConnectionAware, ConnectionState } from './browser-bridge.ts';

/** Electron's ipcRenderer.invoke prefixes errors from main; the user needs only the message. */
const IPC_PREFIX = /^Error invoking remote method '[^']*': (?:Error: )?/;

function isEnvelope(v: unknown): v is { ok: true; result: unknown } | { ok: false; error: string; problem?: unknown } {
  if (typeof v !== 'object' || v === null || !('ok' in v)) return false;
  const keys = Object.keys(v);
  return (v.ok === true && keys.length === 2 && 'result' in v) || (v.ok === false && 'error' in v);
}

export class LabClient {
  constructor(private readonly bridge: LabBridge) {}

  get kind(): LabBridge['kind'] {
    return this.bridge.kind;
  }

  /** Sends one contract request; throws Error(message) when the core refuses or fails (CLI hints rewritten for the app). */
  async request<N extends LabRequestName>(name: N, args: LabArgs<N>): Promise<LabResult<N>> {
    let value: unknown;
    try {
      value = await this.bridge.request(name, args);
    } catch (e) {
      throw new Error(forTheApp(String((e as Error)?.message ?? e).replace(IPC_PREFIX, '')), { cause: e });
    }
    // A bridge may hand back the { ok, result } envelope itself; no result schema has an `ok` key.
    if (isEnvelope(value)) {
      if (!value.ok) {
        throw refusalError(value);
      }
      return value.result as LabResult<N>;
    }
    return value as LabResult<N>;
  }

  /** Calls `listener` with every valid contract event; returns the unsubscribe function. */
  subscribe(listener: (event: LabEvent) => void): () => void {
    return this.bridge.subscribe((raw) => {
      const parsed = labEventSchema.safeParse(raw);
      if (parsed.success) listener(parsed.data);
      else console.warn('seqlab: dropped an event that does not match the contract', raw);
    });
  }

  /** Connection changes of the event stream; `reconnected` says events may have been missed. */
  onConnection(listener: (state: ConnectionState, reconnected: boolean) => void): () => void {
    const aware = this.bridge as Partial<ConnectionAware>;
    return aware.onConnection ? aware.onConnection(listener) : () => {};
  }

  get canUpload(): boolean {
    return typeof this.bridge.upload === 'function';
  }

  get canPickPaths(): boolean {
    return typeof this.bridge.pickImportPaths === 'function';
  }

  upload(file: File, onProgress?: (fraction: number) => void): Promise<string> {
    if (!this.bridge.upload) throw new Error('this bridge cannot upload files; give paths');
    return this.bridge.upload(file, onProgress);
  }

  /** Electron: the local path of a picked or dropped file; undefined elsewhere. */
  pathForFile(file: File): string | undefined {
    return this.bridge.pathForFile?.(file) || undefined;
  }

  pickImportPaths(): Promise<string[]> {
    return this.bridge.pickImportPaths ? this.bridge.pickImportPaths() : Promise.resolve([]);
  }

  /** Electron: asks where to export; undefined means "the default folder" (browser mode). */
  async pickExportFolder(defaultName: string): Promise<string | null | undefined> {
    return this.bridge.pickExportFolder ? this.bridge.pickExportFolder(defaultName) : undefined;
  }
}

export const lab = new LabClient(pickBridge());
