// The one rule for every action that writes to the history (start, resume,
// import, create, delete, edit): while the history is read-only (its disk
// filled up, `systemInfo.readOnlyReason`, or `history.readOnly` mid-session)
// the action is disabled and its title says why, in the banner's words.
// Components read this store rather than each wording the rule again.
import { system } from './system.svelte.ts';

class WriteLock {
  /** Why no write can work now ("the history is read-only: <the core's reason>"), or null while writes work. */
  get reason(): string | null {
    const why = system.readOnlyReason;
    return why ? `The history is read-only: ${why}` : null;
  }

  /** True while write actions must be disabled. */
  get locked(): boolean {
    return this.reason !== null;
  }

  /**
   * The title of a write action: the lock's reason first (it applies to every write),
   * else the action's own reason not to work now, else none.
   */
  title(own?: string | null): string | undefined {
    return this.reason ?? (own || undefined);
  }
}

export const writeLock = new WriteLock();
