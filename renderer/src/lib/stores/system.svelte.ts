// What the core reports about itself (backends, built-in corpora, mode) and
// the state of the event stream.
import type { ConnectionState } from '../browser-bridge.ts';
import { lab } from '../lab-client.ts';
import type { SystemInfo } from '../types.ts';

class SystemStore {
  info = $state<SystemInfo | null>(null);
  error = $state<string | null>(null);
  connection = $state<ConnectionState | 'none'>('none');

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
