// The browser-mode bridge: the lab contract over the HTTP endpoints of
// core/server/lab-server.ts (fetch for requests, EventSource for events,
// XHR for uploads because fetch reports no upload progress).
import type { LabArgs, LabBridge, LabEvent, LabReply, LabRequestName, LabResult } from '../../../core/contract/lab-contract.ts';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting';

/** A bridge that can say whether its event stream is up (the browser one can; Electron's IPC cannot drop). */
export interface ConnectionAware {
  onConnection(listener: (state: ConnectionState, reconnected: boolean) => void): () => void;
}

const MAX_RETRY_MS = 10_000;

export class BrowserBridge implements LabBridge, ConnectionAware {
  readonly kind = 'browser' as const;
  private readonly listeners = new Set<(e: LabEvent) => void>();
  private readonly connectionListeners = new Set<(state: ConnectionState, reconnected: boolean) => void>();
  private source: EventSource | null = null;
  private retryMs = 500;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private everOpened = false;
  private lostSinceOpen = false;

  async request<N extends LabRequestName>(name: N, args: LabArgs<N>): Promise<LabResult<N>> {
    let res: Response;
    try {
      res = await fetch(`api/request/${name}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(args ?? {}),
        credentials: 'same-origin',
      });
    } catch (e) {
      throw new Error(`${name}: cannot reach the lab server (${(e as Error).message})`, { cause: e });
    }
    let reply: LabReply<LabResult<N>>;
    try {
      reply = (await res.json()) as LabReply<LabResult<N>>;
    } catch {
      throw new Error(`${name}: the server answered HTTP ${res.status} without a reply`);
    }
    // A refused input comes back as the envelope itself, so LabClient can read its problem.
    if (!reply.ok) {
      if (reply.problem) return reply as never;
      throw new Error(reply.error);
    }
    return reply.result;
  }

  subscribe(listener: (event: LabEvent) => void): () => void {
    this.listeners.add(listener);
    if (!this.source && this.retryTimer === undefined) this.connect();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.disconnect();
    };
  }

  onConnection(listener: (state: ConnectionState, reconnected: boolean) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  upload(file: File, onProgress?: (fraction: number) => void): Promise<string> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', `api/upload?name=${encodeURIComponent(file.name)}`);
      xhr.withCredentials = true;
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total);
      };
      xhr.onerror = () => reject(new Error(`${file.name}: upload failed (network error)`));
      xhr.onload = () => {
        let reply: LabReply<{ uploadId: string }>;
        try {
          reply = JSON.parse(xhr.responseText) as LabReply<{ uploadId: string }>;
        } catch {
          return reject(new Error(`${file.name}: upload failed (HTTP ${xhr.status})`));
        }
        if (reply.ok) resolve(reply.result.uploadId);
        else reject(new Error(`${file.name}: ${reply.error}`));
      };
      xhr.send(file);
    });
  }

  private connect(): void {
    this.retryTimer = undefined;
    this.emitConnection(this.everOpened ? 'reconnecting' : 'connecting', false);
    const source = new EventSource('api/events', { withCredentials: true });
    this.source = source;
    source.onopen = () => {
      this.retryMs = 500;
      const reconnected = this.everOpened && this.lostSinceOpen;
      this.everOpened = true;
      this.lostSinceOpen = false;
      this.emitConnection('open', reconnected);
    };
    source.onmessage = (m: MessageEvent<string>) => {
      let event: LabEvent;
      try {
        event = JSON.parse(m.data) as LabEvent;
      } catch {
        return; // not a contract event; the client validates the rest
      }
      for (const l of this.listeners) l(event);
    };
    source.onerror = () => {
      this.lostSinceOpen = true;
      // CONNECTING: the browser retries by itself. CLOSED: it gave up (the
      // server answered with an error), so we retry with a growing delay.
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        this.source = null;
        this.retryTimer = setTimeout(() => this.connect(), this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
      }
      this.emitConnection('reconnecting', false);
    };
  }

  private disconnect(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.source?.close();
    this.source = null;
  }

  private emitConnection(state: ConnectionState, reconnected: boolean): void {
    for (const l of this.connectionListeners) l(state, reconnected);
  }
}
