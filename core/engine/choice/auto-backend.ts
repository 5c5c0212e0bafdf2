// `auto` by measurement: on the first run of a workload class on this machine,
// time a few training steps of the run's own model on every compared rung
// (taking turns, step by step), take the fastest, and remember the
// decision in the data folder; later runs of the class reuse it. Runs in the
// training worker, before the run builds its model (TF.js keeps one active
// backend per thread: the final switch comes after the measurement).
import { readChoices, saveChoice } from './choice-cache.ts';
import {
  describeChoice,
  describeUncontested,
  fastestRung,
  findCachedChoice,
  machineKey,
  type BackendChoice,
  type Rung,
  type RungFigure,
  type RungName,
} from './choose-backend.ts';
import { TrainingProbe, type StepTiming, type TrainingWorkload } from './measure-training.ts';
import { classKey, workloadClass } from './workload-class.ts';

export interface AutoInputs {
  /** The compared rungs (comparisonRungs), one of them the CPU rung. */
  rungs: Rung[];
  /** Makes a rung the active TF.js backend (with its kernels); throws naming what failed. */
  activate(backend: RungName): Promise<void>;
  /** The run's workload; without one there is nothing to measure and the CPU rung is taken. */
  workload?: TrainingWorkload;
  /** Where decisions are cached; without one every call measures. */
  dataDir?: string;
  /** Part of the machine key (the CPU model and core count). */
  cpuModel: string;
}

export interface AutoDecision {
  backend: RungName;
  /** Why, with the figures: recorded with the run and shown in its header. */
  reason: string;
  /** The decision as cached; absent when nothing was measured. */
  choice?: BackendChoice;
  cached: boolean;
}

/** Untimed steps per rung, then timed rounds in which every rung takes one step in turn. */
const WARMUP_STEPS = 1;
const TIMED_ROUNDS = 3;
/** A rung whose step is this many times slower than the best rung's stops taking turns: it has lost. */
const GIVE_UP_FACTOR = 4;

/** Decides; the caller then activates `backend` for good. */
export async function decideAutoBackend(inputs: AutoInputs): Promise<AutoDecision> {
  const cpu = inputs.rungs.find((r) => r.cpu);
  if (!cpu) throw new Error('auto: no CPU rung among the rungs to compare');
  if (inputs.rungs.length === 1)
    return { backend: cpu.backend, reason: describeUncontested(cpu, 'no GPU backend to compare with'), cached: false };
  const { workload } = inputs;
  if (!workload)
    return {
      backend: cpu.backend,
      reason: describeUncontested(cpu, 'no model to measure: auto measures per model when a run starts'),
      cached: false,
    };

  const machine = machineKey(inputs.cpuModel, inputs.rungs);
  const shape = workload.task.trainStream(workload.train.batchSize, workload.train.seqLen, workload.train.seed).next().inputShape;
  const key = classKey(workloadClass(workload.model, shape));
  const hit = inputs.dataDir ? findCachedChoice(readChoices(inputs.dataDir), machine, key, inputs.rungs) : undefined;
  if (hit) return { backend: hit.backend, reason: describeChoice(hit, true), choice: hit, cached: true };

  const figures = await measureRungs(inputs, workload);
  const winner = fastestRung(figures, cpu.backend);
  const backend = winner?.backend ?? cpu.backend;
  const choice: BackendChoice = {
    machine,
    workload: key,
    backend,
    label: inputs.rungs.find((r) => r.backend === backend)!.label,
    figures,
    measuredAt: new Date().toISOString(),
  };
  if (winner && inputs.dataDir) {
    try {
      saveChoice(inputs.dataDir, choice);
    } catch {
      // A data folder that cannot be written only costs measuring again next time.
    }
  }
  return {
    backend,
    reason: winner ? describeChoice(choice, false) : describeUncontested(cpu, 'every backend failed while measuring'),
    choice,
    cached: false,
  };
}

/**
 * Measures every rung on the workload. The rungs take turns step by step, so
 * a burst of load on a shared machine slows them alike instead of whichever
 * happened to be measured then; each rung's figure is its fastest step (noise
 * only ever adds time). A failure is a figure, not an error.
 */
async function measureRungs(inputs: AutoInputs, workload: TrainingWorkload): Promise<RungFigure[]> {
  const ordered = [...inputs.rungs].sort((a, b) => Number(b.cpu) - Number(a.cpu));
  const figures = new Map<Rung, RungFigure>();
  const probes = new Map<Rung, TrainingProbe>();
  const fail = (rung: Rung, e: unknown) =>
    figures.set(rung, { backend: rung.backend, label: rung.label, tokensPerSec: null, error: (e as Error).message.slice(0, 300) });
  try {
    for (const rung of ordered) {
      try {
        await inputs.activate(rung.backend);
        probes.set(rung, await TrainingProbe.start(workload, WARMUP_STEPS));
      } catch (e) {
        fail(rung, e);
      }
    }
    const best = new Map<Rung, StepTiming>();
    for (let round = 0; round < TIMED_ROUNDS; round++) {
      for (const [rung, probe] of probes) {
        try {
          await inputs.activate(rung.backend);
          const timing = await probe.step();
          if (timing.tokensPerSec > (best.get(rung)?.tokensPerSec ?? 0)) best.set(rung, timing);
        } catch (e) {
          fail(rung, e);
          probes.delete(rung);
          probe.dispose();
        }
      }
      const fastestMs = Math.min(...[...best.values()].map((t) => t.ms));
      for (const [rung, probe] of probes) {
        if (best.get(rung)!.ms > fastestMs * GIVE_UP_FACTOR) {
          probes.delete(rung);
          probe.dispose();
        }
      }
    }
    for (const rung of ordered) {
      const timing = best.get(rung);
      if (!figures.has(rung) && timing)
        figures.set(rung, { backend: rung.backend, label: rung.label, tokensPerSec: Math.round(timing.tokensPerSec) });
    }
  } finally {
    for (const probe of probes.values()) probe.dispose();
  }
  return ordered.map((r) => figures.get(r)!);
}
