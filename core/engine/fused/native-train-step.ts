// The `trainStep` kernel of the CPU backends: the whole training step in one
// native call where a native step covers the run (the rnn, lstm and gru
// models: native-recurrent-step.ts; the k-truncated model, as windows of its
// base: native-truncated-step.ts; the TCN: native-tcn-step.ts, the GCNN:
// native-gcnn-step.ts, and the WaveNet: native-wavenet-step.ts), on every
// task the TF.js reference takes: token ids or float features in, a
// categorical, bernoulli or regression read-out out, masked or not, dropout
// included, constrained models projected after the native update, episodic
// tasks such as copy memory or the adding problem included; else the TF.js
// reference step (other kinds, parameters not in a native step's layout).
// Models never know which ran; `SEQLAB_NATIVE_STEP=0` turns the native steps
// off alone.
import { referenceKernel } from '../../ml/engine/kernel-registry.ts';
import type { TrainStepRunner, TrainStepSetup } from '../../ml/train/train-step.ts';
import type { NativeKernels } from './native-binding.ts';
import { gcnnStepRefusal, NativeGcnnStep } from './native-gcnn-step.ts';
import { isRecurrentKind, NativeRecurrentStep, recurrentStepRefusal } from './native-recurrent-step.ts';
import { NativeTcnStep, tcnStepRefusal } from './native-tcn-step.ts';
import { NativeTruncatedStep, truncatedStepRefusal } from './native-truncated-step.ts';
import { NativeWavenetStep, wavenetStepRefusal } from './native-wavenet-step.ts';

/** A native whole step: which kinds it takes, what it refuses, and how it is made. */
interface NativeStepFamily {
  covers(kind: string): boolean;
  /** The addon has this step (an older build may lack it). */
  built(native: NativeKernels): boolean;
  refusal(setup: TrainStepSetup): string | null;
  create(native: NativeKernels, setup: TrainStepSetup): TrainStepRunner;
}

/** The addon's steps take any task's window (an older addon's took token ids and class targets alone). */
const windowed = (n: NativeKernels): boolean => n.stepWindow === 1;

const FAMILIES: NativeStepFamily[] = [
  {
    covers: isRecurrentKind,
    built: (n) => typeof n.trainStep === 'function' && windowed(n),
    refusal: recurrentStepRefusal,
    create: (n, s) => new NativeRecurrentStep(n, s),
  },
  {
    covers: (kind) => kind === 'truncated',
    built: (n) => typeof n.trainStep === 'function' && windowed(n),
    refusal: truncatedStepRefusal,
    create: (n, s) => new NativeTruncatedStep(n, s),
  },
  {
    covers: (kind) => kind === 'tcn',
    // tcnDropoutMask came with the step's dropout arguments: an addon without it has the older tcnStep.
    built: (n) => typeof n.tcnStep === 'function' && typeof n.tcnDropoutMask === 'function' && windowed(n),
    refusal: tcnStepRefusal,
    create: (n, s) => new NativeTcnStep(n, s),
  },
  {
    covers: (kind) => kind === 'gcnn',
    // Its dropout masks are tcnDropoutMask's.
    built: (n) => typeof n.gcnnStep === 'function' && typeof n.tcnDropoutMask === 'function' && windowed(n),
    refusal: gcnnStepRefusal,
    create: (n, s) => new NativeGcnnStep(n, s),
  },
  {
    covers: (kind) => kind === 'wavenet',
    // Its dropout masks are tcnDropoutMask's.
    built: (n) => typeof n.wavenetStep === 'function' && typeof n.tcnDropoutMask === 'function' && windowed(n),
    refusal: wavenetStepRefusal,
    create: (n, s) => new NativeWavenetStep(n, s),
  },
];

/** Why the whole step cannot run natively for `setup`, or null when it can. */
export function nativeStepRefusal(setup: TrainStepSetup): string | null {
  const kind = setup.model.config.kind;
  const family = FAMILIES.find((f) => f.covers(kind));
  if (!family) return `model kind ${kind} (only rnn, lstm, gru, truncated, tcn, gcnn and wavenet)`;
  return family.refusal(setup);
}

/** The native `trainStep`: the whole step where nativeStepRefusal allows it, else the TF.js reference. */
export function fusedTrainStep(native: NativeKernels) {
  return (setup: TrainStepSetup): TrainStepRunner => {
    const family = FAMILIES.find((f) => f.covers(setup.model.config.kind));
    if (family && family.built(native) && family.refusal(setup) === null) return family.create(native, setup);
    return (referenceKernel('trainStep') as (s: TrainStepSetup) => TrainStepRunner)(setup);
  };
}
