// Paces the per-step progress events that reach clients. A tiny model on the
// native train step makes a hundred steps a second or more, and every relayed
// step made each open page parse an event and redraw its charts again; the
// page's event loop paid for it (docs/benchmarks.md, issue 16). Progress is
// now sent at most once per interval per run, carrying every row since the
// last one, so a chart still gets every step; every other event goes out at
// once, after the progress held before it.
import type { LabEvent } from '../contract/lab-contract.ts';
import type { ContractMetricRow } from './metric-rows.ts';

/** At most one progress event per run (or experiment) per this many ms: 10 a second, a chart's refresh a user reads as live. */
export const PROGRESS_INTERVAL_MS = 100;

type RunProgress = Extract<LabEvent, { type: 'run.progress' }>;
type ExperimentProgress = Extract<LabEvent, { type: 'experiment.progress' }>;
type Paced = RunProgress | ExperimentProgress;

interface Lane {
  /** The newest event since the last delivery; null when nothing waits. */
  pending: Paced | null;
  /** A run lane's rows since the last delivery, oldest first (the pending event's own row last). */
  rows: ContractMetricRow[];
  /** Ends the lane's current interval: delivers what waits, or closes the lane when nothing came. */
  timer: ReturnType<typeof setTimeout>;
}

const laneOf = (e: LabEvent): string | null =>
  e.type === 'run.progress' ? `run ${e.runId}` : e.type === 'experiment.progress' ? `experiment ${e.experimentId}` : null;

/** What a lane delivers: a run's newest row with the rows before it in `earlier`; an experiment's newest state. */
function take(lane: Lane): Paced | null {
  const held = lane.pending;
  const rows = lane.rows;
  lane.pending = null;
  lane.rows = [];
  if (held?.type !== 'run.progress' || rows.length < 2) return held;
  return { ...held, earlier: rows.slice(0, -1) };
}

/**
 * Sits between the event sources and the listeners. The first progress event
 * of a quiet lane goes out at once; later ones within the interval wait and
 * leave as one when it ends. Any other event (a status, a sample, a run's
 * start) first delivers everything waiting, so no listener sees a run end
 * before its last step.
 */
export class ProgressThrottle {
  private readonly lanes = new Map<string, Lane>();

  constructor(
    private readonly deliver: (e: LabEvent) => void,
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
  ) {}

  push(e: LabEvent): void {
    const key = laneOf(e);
    if (key === null) {
      this.flush();
      return this.deliver(e);
    }
    const lane = this.lanes.get(key);
    if (!lane) {
      this.deliver(e);
      this.lanes.set(key, { pending: null, rows: [], timer: this.tick(key) });
      return;
    }
    lane.pending = e as Paced;
    if (e.type === 'run.progress') lane.rows.push(...(e.earlier ?? []), e.metrics);
  }

  /** Delivers everything waiting now (lanes keep their intervals). */
  flush(): void {
    for (const lane of this.lanes.values()) {
      const held = take(lane);
      if (held) this.deliver(held);
    }
  }

  /** Delivers what waits and stops the timers (the service is closing). */
  close(): void {
    this.flush();
    for (const lane of this.lanes.values()) clearTimeout(lane.timer);
    this.lanes.clear();
  }

  /** An interval's end; unref'd: a process that is otherwise done (a CLI command after its run's status) need not wait for it. */
  private tick(key: string): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => {
      const lane = this.lanes.get(key);
      if (!lane) return;
      const held = take(lane);
      if (!held) return void this.lanes.delete(key);
      lane.timer = this.tick(key);
      this.deliver(held);
    }, this.intervalMs);
    timer.unref();
    return timer;
  }
}
