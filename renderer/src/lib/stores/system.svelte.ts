// What the core reports about itself (backends, built-in corpora, mode) and
// the state of the event stream.
import type { ConnectionState } from '../browser-bridge.ts';
import { lab } from '../lab-client.ts';
import type { LabEvent } from '../../../../core/contract/lab-contract.ts';
import type { SystemInfo } from '../types.ts';

class SystemStore {
  info = $state<SystemInfo | null>(null);
  error = $state<string | null>(null);
  connection = $state<ConnectionState | 'none'>('none');

  /** Why the history is read-only (its disk filled up), or null: the app shows it in a banner. */
  get readOnlyReason(): string | null {
    return this.info?.readOnlyReason ?? null;
  }

  /** The history turned read-only mid-session (a write failed for lack of space). */
  apply(e: LabEvent): void {
    if (e.type === 'history.readOnly' && this.info) this.info = { ...this.info, readOnlyReason: e.reason };
  }

  async load(): Promise<void> {
    try {
      this.info = await lab.request('systemInfo', {});
      this.error = null;
    } catch (e) {
      this.error = (e as Error).message;
    }
  }
}

export const system = new SystemStore();
