// Metric curves per run, cached while the app is open: loaded once with
// getMetrics, then extended from run.progress events (each carries the steps
// since the previous one). The arrays are plain (not $state): 100,000 rows
// must not become proxies. `version` bumps at most once per animation frame,
// which is what charts and readouts react to.
import type { LabEvent } from '../../../../core/contract/lab-contract.ts';
import type { Point } from '../chart-setup.ts';
import { perFrame } from '../frame.ts';
import { restoreNonFinite } from '../metric-row.ts';
import { lab } from '../lab-client.ts';
import type { MetricRow } from '../types.ts';

/** Index of the first element whose key is greater than `step` (arrays sorted by key). */
function firstAfter<T>(arr: T[], step: number, key: (t: T) => number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(arr[mid]!) <= step) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The point series a RunMetrics keeps, one per plotted quantity. */
const SERIES = [
  'trainLoss',
  'validLoss',
  'trainBits',
  'validBits',
  'tokensPerSec',
  'gradNorm',
  'validAccuracy',
  'stabilityBound',
  'contraction',
] as const;

export class RunMetrics {
  rows: MetricRow[] = [];
  trainLoss: Point[] = [];
  validLoss: Point[] = [];
  trainBits: Point[] = [];
  validBits: Point[] = [];
  tokensPerSec: Point[] = [];
  gradNorm: Point[] = [];
  /** Validation-only series (null on other steps): copy-memory recall, and the stability of recurrent models. */
  validAccuracy: Point[] = [];
  stabilityBound: Point[] = [];
  contraction: Point[] = [];
  version = $state(0);
  loading = $state(true);
  error = $state<string | null>(null);
  private buffered: MetricRow[] | null = [];
  /** Rows that arrived while a reload was in flight (see reloaded). */
  private sinceReload: MetricRow[] | null = null;
  private readonly bump = perFrame(() => this.version++);

  constructor(readonly runId: number) {}

  get lastStep(): number {
    return this.rows.at(-1)?.step ?? -1;
  }

  /**
   * Called with the getMetrics answer; events that came in meanwhile are replayed.
   * @returns whether steps are missing between the stored rows and those events
   */
  loaded(rows: MetricRow[]): boolean {
    const pending = this.buffered ?? [];
    this.buffered = null;
    for (const r of rows) this.push(r);
    const gap = this.replay(pending);
    this.loading = false;
    this.bump();
    return gap;
  }

  append(row: MetricRow): void {
    if (this.buffered) return void this.buffered.push(row);
    this.sinceReload?.push(row);
    // A step at or before the last one means the run went back to a checkpoint.
    if (row.step <= this.lastStep) this.truncateAfter(row.step - 1);
    this.push(row);
    this.bump();
  }

  /** Starts a full reload: the current curve stays on screen until `reloaded`. */
  beginReload(): void {
    this.sinceReload = [];
  }

  /** Swaps in the reloaded rows plus anything newer that arrived meanwhile; returns whether steps are missing. */
  reloaded(rows: MetricRow[]): boolean {
    const pending = this.sinceReload ?? [];
    this.sinceReload = null;
    this.rebuild(rows);
    const gap = this.replay(pending);
    this.bump();
    return gap;
  }

  /** Adds stored rows the curve lacks (steps persisted after it loaded); returns whether any were new. */
  fill(rows: MetricRow[]): boolean {
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local lookup, built and read here only
    const have = new Set(this.rows.map((r) => r.step));
    const missing = rows.filter((r) => !have.has(r.step));
    if (!missing.length) return false;
    this.rebuild([...this.rows, ...missing].sort((a, b) => a.step - b.step));
    this.bump();
    return true;
  }

  /** The first step after which rows are missing (a hole in the step sequence), or null. */
  firstGap(): number | null {
    for (let i = 1; i < this.rows.length; i++) if (this.rows[i]!.step > this.rows[i - 1]!.step + 1) return this.rows[i - 1]!.step;
    return null;
  }

  /**
   * Appends events newer than the stored rows. The core stores metrics in
   * batches (every 0.5 s), so rows sent just before we subscribed may be in
   * neither: that shows as a gap, which the cache fills from the store later.
   */
  private replay(pending: MetricRow[]): boolean {
    const stored = this.lastStep;
    const newer = pending.filter((r) => r.step > stored);
    for (const r of newer) this.push(r);
    return newer.length > 0 && newer[0]!.step > Math.max(stored, 0) + 1;
  }

  private rebuild(rows: MetricRow[]): void {
    this.rows = [];
    for (const k of SERIES) this[k] = [];
    for (const r of rows) this.push(r);
  }

  /** Drops rows after `step` (resume from a checkpoint). New arrays, so charts re-read them. */
  truncateAfter(step: number): void {
    if (this.buffered) this.buffered = this.buffered.filter((r) => r.step <= step);
    if (this.lastStep <= step) return;
    const cut = <T>(arr: T[], key: (t: T) => number) => arr.slice(0, firstAfter(arr, step, key));
    this.rows = cut(this.rows, (r) => r.step);
    for (const k of SERIES) this[k] = cut(this[k], (p) => p.x);
    this.bump();
  }

  private push(received: MetricRow): void {
    // Rows keep Infinity/NaN as such (the charts list them; the header judges the run by them).
    const r = restoreNonFinite(received);
    this.rows.push(r);
    const x = r.step;
    if (r.trainLoss !== null && Number.isFinite(r.trainLoss)) this.trainLoss.push({ x, y: r.trainLoss });
    if (r.bitsPerSymbol !== null && Number.isFinite(r.bitsPerSymbol)) this.trainBits.push({ x, y: r.bitsPerSymbol });
    if (Number.isFinite(r.tokensPerSec)) this.tokensPerSec.push({ x, y: r.tokensPerSec });
    if (r.gradNorm !== null && Number.isFinite(r.gradNorm)) this.gradNorm.push({ x, y: r.gradNorm });
    if (r.validLoss !== null && Number.isFinite(r.validLoss)) {
      this.validLoss.push({ x, y: r.validLoss });
      this.validBits.push({ x, y: r.validLoss / Math.LN2 });
    }
    if (r.validAccuracy !== null && Number.isFinite(r.validAccuracy)) this.validAccuracy.push({ x, y: r.validAccuracy });
    if (r.stabilityBound !== null && Number.isFinite(r.stabilityBound)) this.stabilityBound.push({ x, y: r.stabilityBound });
    if (r.contraction !== null && Number.isFinite(r.contraction)) this.contraction.push({ x, y: r.contraction });
  }
}

class MetricsCache {
  private readonly runs = new Map<number, RunMetrics>();

  /**
   * The metrics of a run, loading them on first use. Inside a $derived, read
   * the result's `version` in another derived: Svelte ignores reads of a
   * $state by the reaction that created it, so a derived that both opens a
   * curve for the first time and reads it never hears that it loaded.
   */
  open(runId: number): RunMetrics {
    let m = this.runs.get(runId);
    if (!m) {
      m = new RunMetrics(runId);
      this.runs.set(runId, m);
      void this.load(m);
    }
    return m;
  }

  drop(runId: number): void {
    this.runs.delete(runId);
  }

  apply(e: LabEvent): void {
    if (e.type === 'run.progress') {
      // Progress is paced (at most 10 events a second per run): the steps since the last event come first, in `earlier`.
      const m = this.runs.get(e.runId);
      for (const row of e.earlier ?? []) m?.append(row);
      m?.append(e.metrics);
    } else if (e.type === 'run.started' && e.resumedFrom !== null) this.runs.get(e.runId)?.truncateAfter(e.resumedFrom);
  }

  /**
   * After the event stream dropped: reload every cached curve. Not just the
   * rows after the last step: a run resumed meanwhile replaced the steps after
   * its checkpoint, and the run.started that says so was missed.
   */
  async catchUp(): Promise<void> {
    await Promise.all(
      [...this.runs.values()].map(async (m) => {
        if (m.loading) return;
        m.beginReload();
        try {
          if (m.reloaded(await lab.request('getMetrics', { id: m.runId }))) void this.fillGaps(m);
        } catch {
          m.reloaded(m.rows); // keep what we have
        }
      }),
    );
  }

  /** Fetches the rows of a gap once the core has stored them (it writes every 0.5 s). */
  private async fillGaps(m: RunMetrics): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      await new Promise((r) => setTimeout(r, 700));
      const after = m.firstGap();
      if (after === null || this.runs.get(m.runId) !== m) return;
      const rows = await lab.request('getMetrics', { id: m.runId, sinceStep: after }).catch(() => []);
      m.fill(rows);
    }
  }

  private async load(m: RunMetrics): Promise<void> {
    try {
      if (m.loaded(await lab.request('getMetrics', { id: m.runId }))) void this.fillGaps(m);
    } catch (e) {
      m.error = (e as Error).message;
      m.loading = false;
      this.runs.delete(m.runId);
    }
  }
}

export const metrics = new MetricsCache();
