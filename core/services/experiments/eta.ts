// Time left of an experiment while its members train one after another:
// the member training now from its own pace (real seconds per step,
// validation included), the members still to come from their step caps at
// that pace, or from their training-time budget where they have one
// (timeLimitSeconds, stretched by the validation overhead seen so far).
// An estimate: later members may be faster or slower than the current one.

export interface EtaMember {
  /** Step cap of the member's run. */
  totalSteps: number;
  /** Its training-time budget in seconds (0 = none). */
  timeLimitSeconds: number;
  /** Completed (or diverged) before this drive: nothing left. */
  finished: boolean;
}

interface Pace {
  index: number;
  firstStep: number;
  firstMs: number;
  step: number;
  nowMs: number;
  /** Training time of the run so far (its metrics' wallMs), seconds. */
  trainSeconds: number;
  /** Steps the training time covers (for the validation overhead). */
  trainRateSeconds: number | null;
}

export class ExperimentEta {
  private pace: Pace | null = null;

  constructor(private readonly members: readonly EtaMember[]) {}

  /**
   * A progress event of member `index` (0-based among the trained members).
   * @param step completed steps of its run
   * @param wallMs the run's training time so far (metrics wallMs)
   * @param nowMs a monotonic clock (performance.now())
   */
  observe(index: number, step: number, wallMs: number, nowMs: number): void {
    if (!this.pace || this.pace.index !== index)
      this.pace = { index, firstStep: step, firstMs: nowMs, step, nowMs, trainSeconds: wallMs / 1000, trainRateSeconds: null };
    this.pace.step = step;
    this.pace.nowMs = nowMs;
    this.pace.trainSeconds = wallMs / 1000;
    this.pace.trainRateSeconds = step > 0 ? wallMs / 1000 / step : null;
  }

  /** Seconds left for the whole training phase, or null until two events of one member were seen. */
  secondsLeft(): number | null {
    const p = this.pace;
    if (!p || p.step <= p.firstStep) return null;
    const realPerStep = (p.nowMs - p.firstMs) / 1000 / (p.step - p.firstStep);
    // Real time over training time: validation and checkpoints (≥ 1).
    const overhead = p.trainRateSeconds ? Math.max(1, realPerStep / p.trainRateSeconds) : 1;
    const left = (m: EtaMember, step: number, trainSeconds: number): number => {
      const bySteps = Math.max(0, m.totalSteps - step) * realPerStep;
      if (m.timeLimitSeconds <= 0) return bySteps;
      return Math.min(bySteps, Math.max(0, m.timeLimitSeconds - trainSeconds) * overhead);
    };
    let total = 0;
    this.members.forEach((m, i) => {
      if (i < p.index || m.finished) return;
      total += i === p.index ? left(m, p.step, p.trainSeconds) : left(m, 0, 0);
    });
    return total;
  }
}

/** "about 12 min left", "about 40 s left", "" when unknown. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '';
  if (seconds < 90) return `about ${Math.max(1, Math.round(seconds))} s left`;
  if (seconds < 5400) return `about ${Math.round(seconds / 60)} min left`;
  return `about ${(seconds / 3600).toFixed(1)} h left`;
}
