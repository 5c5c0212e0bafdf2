// What `auto` decides, as pure functions over measured figures: which rungs
// enter the comparison, which one wins, whether a cached decision applies,
// and the sentence that says why. The measuring and the file live elsewhere
// (measure-training.ts, choice-cache.ts); this file touches nothing.
import type { BackendName } from '../../ml/train/train-config.ts';

export type RungName = Exclude<BackendName, 'auto'>;

/** A backend that could train this run, as its probe described it. */
export interface Rung {
  backend: RungName;
  /** Short name in reasons, e.g. "wasm + fused kernels", "webgpu". */
  label: string;
  /** The probe's device description. */
  device: string;
  /** The CPU rung (wasm with the fused kernels; cpu where wasm is missing): the baseline every other rung must beat. */
  cpu: boolean;
}

/** One rung's measured training speed on the run's workload. */
export interface RungFigure {
  backend: RungName;
  label: string;
  /** Training positions (batch × time) per second; null when the rung failed. */
  tokensPerSec: number | null;
  /** Why the rung failed (it then never wins). */
  error?: string;
}

/** A decision, as cached in the data folder. */
export interface BackendChoice {
  /** Which machine: the devices of every compared rung (see machineKey). */
  machine: string;
  /** The workload class (workload-class.ts classKey). */
  workload: string;
  backend: RungName;
  label: string;
  figures: RungFigure[];
  /** ISO time of the measurement. */
  measuredAt: string;
}

/**
 * A GPU rung must beat the CPU rung by this factor to be chosen: a few timed
 * steps are noisy, and a GPU that is only as fast as the CPU is not worth
 * holding (it must never make training slower than the CPU would have been).
 */
export const GPU_MARGIN = 1.1;

/** True for adapters that emulate a GPU on the CPU (Dawn's OpenGL over llvmpipe, lavapipe, SwiftShader). */
export function isSoftwareAdapter(device: string): boolean {
  return /^software\b|llvmpipe|lavapipe|swiftshader|\bsoftware rasteri[sz]er\b/i.test(device);
}

/**
 * The rungs `auto` compares. A software adapter is slow by nature: it enters
 * only when it was asked for (SEQLAB_WEBGPU=software), to test the choice.
 */
export function comparisonRungs(available: readonly Rung[], softwareAsked: boolean): Rung[] {
  return available.filter((r) => r.cpu || r.backend !== 'webgpu' || softwareAsked || !isSoftwareAdapter(r.device));
}

/** The machine a decision holds for: every compared rung's device, so a new GPU, driver or thread count measures again. */
export function machineKey(cpuModel: string, rungs: readonly Rung[]): string {
  return [cpuModel, ...rungs.map((r) => `${r.backend}: ${r.device}`)].join(' | ');
}

/** The cached decision for this machine and workload, if one exists and its backend is still among the rungs. */
export function findCachedChoice(
  cache: readonly BackendChoice[],
  machine: string,
  workload: string,
  rungs: readonly Rung[],
): BackendChoice | undefined {
  return cache.find((c) => c.machine === machine && c.workload === workload && rungs.some((r) => r.backend === c.backend));
}

/**
 * The fastest rung. Another rung wins over the CPU rung only when it is at
 * least GPU_MARGIN times as fast; a failed rung never wins. With no CPU
 * figure (it failed), the fastest that worked; with none at all, undefined.
 */
export function fastestRung(figures: readonly RungFigure[], cpuBackend: RungName): RungFigure | undefined {
  const worked = figures.filter((f) => f.tokensPerSec !== null && f.tokensPerSec > 0);
  const cpu = worked.find((f) => f.backend === cpuBackend);
  let best = cpu;
  for (const f of worked) {
    if (f === cpu) continue;
    const bar = best === cpu && cpu ? cpu.tokensPerSec! * GPU_MARGIN : (best?.tokensPerSec ?? 0);
    if (f.tokensPerSec! > bar) best = f;
  }
  return best;
}

const perSecond = (n: number) => `${Math.round(n).toLocaleString('en')} tok/s`;

/**
 * Why `auto` took what it took, with the figures, e.g.
 * "auto: wasm + fused kernels 48,100 tok/s vs webgpu 2,300 tok/s (measured 2026-12-03, cached)".
 */
export function describeChoice(choice: BackendChoice, cached: boolean): string {
  const winner = choice.figures.find((f) => f.backend === choice.backend);
  const others = choice.figures
    .filter((f) => f !== winner)
    .map((f) => (f.tokensPerSec !== null ? `${f.label} ${perSecond(f.tokensPerSec)}` : `${f.label} failed`));
  const head = `auto: ${choice.label}${winner?.tokensPerSec ? ` ${perSecond(winner.tokensPerSec)}` : ''}`;
  return `${head}${others.length ? ` vs ${others.join(', ')}` : ''} (measured ${choice.measuredAt.slice(0, 10)}${cached ? ', cached' : ''})`;
}

/** The reason when there was nothing to compare: only the CPU rung is there, or no workload was given. */
export function describeUncontested(cpu: Rung, why: string): string {
  return `auto: ${cpu.label} (${why})`;
}
