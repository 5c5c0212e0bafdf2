// A list loaded from one contract request, with its loading and error state.
// Concurrent refreshes (an event, a reconnect and a screen mount at once)
// share one request. Runs and experiments extend it with their events.
// (Datasets do not: their list is refreshed only by explicit actions.)

export abstract class ListStore<T extends { id: number }> {
  list = $state<T[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  private refreshing: Promise<void> | null = null;

  /** Fetches the whole list. */
  protected abstract load(): Promise<T[]>;

  byId(id: number): T | undefined {
    return this.list.find((x) => x.id === id);
  }

  /** Reloads the list (coalesces concurrent calls). */
  refresh(): Promise<void> {
    this.refreshing ??= this.load()
      .then((list) => {
        this.list = list;
        this.loaded = true;
        this.error = null;
      })
      .catch((e: Error) => {
        this.error = e.message;
      })
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }
}
