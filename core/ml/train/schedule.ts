// Learning-rate schedules: linear warm-up, then constant, cosine or linear decay.
import type { TrainConfig } from './train-config.ts';

/** Learning rate for optimiser step `step` (0-based) of `cfg.steps`. */
export function learningRateAt(step: number, cfg: Pick<TrainConfig, 'lr' | 'schedule' | 'warmupSteps' | 'steps'>): number {
  if (cfg.warmupSteps > 0 && step < cfg.warmupSteps) return (cfg.lr * (step + 1)) / cfg.warmupSteps;
  const span = Math.max(1, cfg.steps - cfg.warmupSteps);
  const progress = Math.min(1, (step - cfg.warmupSteps) / span);
  switch (cfg.schedule) {
    case 'constant':
      return cfg.lr;
    case 'cosine':
      return cfg.lr * 0.5 * (1 + Math.cos(Math.PI * progress));
    case 'linear':
      return cfg.lr * (1 - progress);
  }
}
