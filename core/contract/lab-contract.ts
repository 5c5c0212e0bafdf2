// The one contract between the renderer and the core: every request's name,
// argument schema and result schema, and the events of the run stream. Both
// bridges (Electron IPC and the browser-mode HTTP server) carry exactly these
// payloads, validated with zod on the core side; the renderer imports this
// file and nothing else of the core. Pure: zod only.
import { z } from 'zod';
import { modelConfigSchema } from '../ml/models/model-config.ts';
import { BACKEND_NAMES, trainConfigSchema } from '../ml/train/train-config.ts';
import { EXPERIMENT_KINDS } from '../ml/experiments/experiment-config.ts';
import { experimentResultSchema } from '../ml/experiments/result-types.ts';
import { describeIssues } from '../ml/zod-issues.ts';
import type { FieldProblem } from './structured-error.ts';
import { claimCheckSchema } from '../ml/experiments/paper-check/claim-types.ts';
import { sweepEventSchemas, sweepRequests } from './sweep-contract.ts';
import { DATASET_KINDS, RUN_STATUSES } from './kinds.ts';

const id = z
  .number({ error: 'id: must be a whole number' })
  .int({ error: 'id: must be a whole number' })
  .positive({ error: 'id: must be positive' });
const nullableNumber = z.number().nullable();

export const runStatusSchema = z.enum(RUN_STATUSES);

export const backendProbeSchema = z.object({
  name: z.enum(BACKEND_NAMES),
  available: z.boolean(),
  device: z.string().optional(),
  reason: z.string().optional(),
});

export const systemInfoSchema = z.object({
  version: z.string(),
  node: z.string(),
  platform: z.string(),
  tfjs: z.string(),
  backends: z.array(backendProbeSchema),
  /** The backend `auto` falls back to (the CPU rung); null when none loads. */
  auto: z.string().nullable(),
  /** The backends `auto` times a run's model on before choosing (labels, e.g. "webgpu", "wasm + fused kernels"); one entry: nothing to compare. */
  autoCompares: z.array(z.string()),
  dataDir: z.string(),
  builtinCorpora: z.array(z.object({ name: z.string(), description: z.string() })),
  /** Which bridge serves the page. */
  mode: z.enum(['electron', 'browser']),
  /** Why the history is read-only (its disk is full), or null: the app shows it in a banner. */
  readOnlyReason: z.string().nullable(),
});

export const datasetSummarySchema = z.object({
  id: z.number().int(),
  name: z.string(),
  /** Task family: next-token text, piano rolls, a generated synthetic task, or mu-law audio. */
  kind: z.enum(DATASET_KINDS),
  /** Token level of a text corpus; null for music and synthetic datasets. */
  level: z.enum(['char', 'word']).nullable(),
  /** What the task asks of a model and how it is scored, in one line (e.g. "copy memory, T = 100: cross-entropy over 10 symbols"). */
  task: z.string(),
  /** Valid loss of a trivial predictor (n-gram for text, always-1.0 for adding, blanks for copy memory, pitch frequencies for music), to read curves against. */
  baseline: z.object({ label: z.string(), loss: z.number() }).nullable(),
  /** Unit of the task's loss as curves should label it: 'nats' (text, audio: also bits), 'nats per step' (music), 'MSE' (adding). */
  lossUnit: z.enum(['nats', 'nats per step', 'MSE']),
  tokens: z.number().int(),
  vocabSize: z.number().int(),
  unigramEntropyBits: z.number(),
  sourceBytes: z.number(),
  files: z.number().int(),
  encoding: z.string(),
  source: z.string(),
  createdAt: z.string(),
  /** Audio datasets: sample rate, clips, total duration and the rates of the source files. */
  audio: z
    .object({ sampleRate: z.number().int(), clips: z.number().int(), seconds: z.number(), originalRates: z.array(z.number()) })
    .optional(),
});

/** How a value that is not a finite number travels: JSON has no Infinity or NaN. */
export const nonFiniteValueSchema = z.enum(['Infinity', '-Infinity', 'NaN']);

export const metricRowSchema = z.object({
  step: z.number().int(),
  wallMs: z.number(),
  /** null when it was not finite (see nonFinite), e.g. a run that diverged. */
  trainLoss: nullableNumber,
  validLoss: nullableNumber,
  bitsPerSymbol: nullableNumber,
  validAccuracy: nullableNumber,
  stabilityBound: nullableNumber,
  contraction: nullableNumber,
  tokensPerSec: z.number(),
  /** null when it was not finite (see nonFinite). */
  gradNorm: nullableNumber,
  lr: z.number(),
  /**
   * The fields whose value was Infinity, -Infinity or NaN (they read null above):
   * a diverged loss or an unbounded stability bound is shown as such, not dropped.
   */
  nonFinite: z.record(z.string(), nonFiniteValueSchema).optional(),
});

export const runSummarySchema = z.object({
  id: z.number().int(),
  name: z.string().nullable(),
  datasetId: z.number().int(),
  datasetName: z.string(),
  kind: z.string(),
  status: runStatusSchema,
  step: z.number().int(),
  totalSteps: z.number().int(),
  validLoss: nullableNumber,
  trainLoss: nullableNumber,
  paramCount: z.number().int(),
  /** Steps of context (null for recurrent models: unbounded). */
  receptiveField: nullableNumber,
  backend: z.string().nullable(),
  device: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
  /** The user's labels and free-text note (History edits and filters them). */
  tags: z.array(z.string()),
  note: z.string(),
});

/**
 * A few bars of music as the app draws and plays them: the MIDI notes sounding
 * at each step, the step length, and the same roll as a .mid file (base64).
 */
export const musicRollSchema = z.object({
  title: z.string(),
  /** Checkpoint step that generated it; null for a dataset's own sequence. */
  step: z.number().int().nullable(),
  /** Per step, the MIDI note numbers sounding. */
  steps: z.array(z.array(z.number().int().min(0).max(127))),
  /** Steps at the start given as the prime, not generated. */
  primeSteps: z.number().int().min(0),
  stepSeconds: z.number().positive(),
  midiBase64: z.string(),
});

export const sampleSchema = z.object({
  id: z.number().int(),
  runId: z.number().int(),
  step: z.number().int(),
  temperature: z.number(),
  topK: z.number().int().nullable(),
  prime: z.string(),
  text: z.string(),
  createdAt: z.string(),
});

/** A generated audio sample kept with its run (the WAV itself comes from getAudioSample). */
export const audioSampleSchema = z.object({
  id: z.number().int(),
  runId: z.number().int(),
  /** Checkpoint step of the weights. */
  step: z.number().int(),
  temperature: z.number(),
  seconds: z.number(),
  sampleRate: z.number().int(),
  /** cached | naive (WaveNet), step (recurrent), window (other feed-forward kinds). */
  method: z.string(),
  /** The dataset clip the sound continues, or null. */
  primeClip: z.string().nullable(),
  /** Size of the WAV file. */
  bytes: z.number().int(),
  createdAt: z.string(),
});

/** A finished generateAudio: the stored sample and how fast it was made. */
export const audioGenerationSchema = audioSampleSchema.extend({
  samples: z.number().int(),
  elapsedSeconds: z.number(),
  samplesPerSec: z.number(),
  /** samplesPerSec / sampleRate: 1 or more is faster than real time. */
  realTimeFactor: z.number(),
});

export const runConfigInputSchema = z.object({
  model: modelConfigSchema,
  train: trainConfigSchema,
});

export const runDetailSchema = runSummarySchema.extend({
  config: runConfigInputSchema,
  datasetFingerprint: z.string(),
  /** The kept checkpoints, oldest first (their records without the bytes; `seqlab show --json` prints them as they are). */
  checkpoints: z.array(
    z.object({
      id: z.number().int(),
      runId: z.number().int(),
      step: z.number().int(),
      size: z.number().int(),
      sha256: z.string(),
      createdAt: z.string(),
    }),
  ),
  samples: z.array(sampleSchema),
  exports: z.array(
    z.object({
      id: z.number().int(),
      runId: z.number().int(),
      format: z.string(),
      path: z.string(),
      sha256: z.string(),
      createdAt: z.string(),
    }),
  ),
});

export const exportResultSchema = z.object({ outDir: z.string(), files: z.array(z.string()), sha256: z.string() });

export const EXPORT_FORMAT_VALUES = ['tfjs', 'onnx', 'safetensors'] as const;
export const exportFormatsSchema = z.object({
  formats: z.array(z.enum(EXPORT_FORMAT_VALUES)),
  refused: z.array(z.object({ format: z.enum(EXPORT_FORMAT_VALUES), reason: z.string() })),
});

// ---- experiments (core/services/experiments.ts; configs in core/ml/experiments/experiment-config.ts) ----

export const EXPERIMENT_STATUS_VALUES = ['queued', 'running', 'completed', 'failed', 'stopped'] as const;
export const experimentKindSchema = z.enum(EXPERIMENT_KINDS, { error: `kind: must be one of ${EXPERIMENT_KINDS.join(', ')}` });

/** A member run of an experiment, with its run's progress. */
export const experimentMemberSchema = z.object({
  runId: z.number().int(),
  /** What the run is to the experiment: "stable", "lstm", "context-8", "model", ... */
  role: z.string(),
  position: z.number().int(),
  /** false: an existing run the experiment only reads (e.g. the run a truncation sweep analyses). */
  owned: z.boolean(),
  status: runStatusSchema,
  step: z.number().int(),
  totalSteps: z.number().int(),
  validLoss: nullableNumber,
});

export const experimentSummarySchema = z.object({
  id: z.number().int(),
  kind: experimentKindSchema,
  /** Human title of the kind ("Truncation sweep"). */
  title: z.string(),
  name: z.string().nullable(),
  status: z.enum(EXPERIMENT_STATUS_VALUES),
  error: z.string().nullable(),
  members: z.array(experimentMemberSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
});

export const experimentDetailSchema = experimentSummarySchema.extend({
  /** The parsed config, every default filled. */
  config: z.record(z.string(), z.unknown()),
  /** Notes, tables ({columns, rows}) and plots (series of [x, y] points, axis labels, log flags); null until completed. */
  result: experimentResultSchema.nullable(),
});

const empty = z.object({}).strict();
const byId = z.object({ id }).strict();

/** A request: argument and result schemas. */
interface RequestDef<A extends z.ZodType, R extends z.ZodType> {
  args: A;
  result: R;
}
const req = <A extends z.ZodType, R extends z.ZodType>(args: A, result: R): RequestDef<A, R> => ({ args, result });

/** Model fields as the New-run form sends them; vocabSize comes from the dataset. */
const modelInput = z
  .record(z.string(), z.unknown())
  .refine((m) => typeof m['kind'] === 'string', { message: 'model.kind: required (lstm or tcn)' });
const trainInput = z.record(z.string(), z.unknown());
/** The memory budget in GiB ('off': only the hard limits); default a share of the machine's memory. */
const memoryLimitGiB = z
  .union([z.number().positive().max(1_000_000), z.literal('off')], { error: 'memoryLimitGiB: a number of GiB above 0, or "off"' })
  .optional();
/** A run's estimated peak memory against the budget. */
export const memoryCheckSchema = z.object({
  bytes: z.number(),
  machineBytes: z.number(),
  /** null: the limit is off. */
  limitBytes: z.number().nullable(),
  /** Why the run would be refused, naming what to lower; null when it fits. */
  refusal: z.string().nullable(),
});

export const labRequests = {
  systemInfo: req(empty, systemInfoSchema),
  listDatasets: req(empty, z.array(datasetSummarySchema)),
  /** The first characters of a dataset's text, for the preview pane. */
  datasetPreview: req(
    z.object({ id, chars: z.number().int().min(1).max(100_000).default(2000) }).strict(),
    z.object({ dataset: datasetSummarySchema, text: z.string() }),
  ),
  importDataset: req(
    z
      .object({
        /** Paths on the machine that runs the core (Electron: the user's; browser mode: the server's). */
        paths: z.array(z.string().min(1)).optional(),
        /** Ids returned by the browser bridge's upload endpoint. */
        uploads: z.array(z.string().regex(/^[a-f0-9]{16,64}$/, { error: 'uploads: not an upload id' })).optional(),
        name: z.string().min(1).max(64).optional(),
        level: z.enum(['char', 'word']).default('char'),
        maxVocab: z
          .number({ error: 'maxVocab: must be a whole number from 2 to 65535' })
          .int({ error: 'maxVocab: must be a whole number from 2 to 65535' })
          .min(2, { error: 'maxVocab: must be a whole number from 2 to 65535' })
          .max(65535, { error: 'maxVocab: must be a whole number from 2 to 65535' })
          .optional(),
        encoding: z.string().min(1).max(40).optional(),
        /**
         * Audio files: the dataset's sample rate (default 16000). Which rates are
         * offered is the import's one rule (checkAudioRate in core/datasets/audio.ts),
         * refused there as a FieldError that every front words.
         */
        rate: z.number({ error: 'rate: must be a number of hertz' }).int({ error: 'rate: must be a whole number of hertz' }).optional(),
        /** Audio files: trim leading/trailing audio quieter than this level in dBFS (e.g. -40). */
        trimSilenceDb: z
          .number()
          .min(-120, { error: 'trimSilenceDb: must be from -120 to -1 dBFS' })
          .max(-1, { error: 'trimSilenceDb: must be from -120 to -1 dBFS' })
          .optional(),
      })
      .strict()
      .refine((a) => (a.paths?.length ?? 0) + (a.uploads?.length ?? 0) > 0, {
        message: 'paths: give at least one file or folder',
        path: ['paths'],
      }),
    datasetSummarySchema,
  ),
  /** Generates and stores a built-in corpus (a no-op when it exists). */
  ensureBuiltin: req(z.object({ name: z.string().min(1) }).strict(), datasetSummarySchema),
  /** Stores a synthetic task (adding problem or copy memory, Bai et al. 2018) as a dataset; its data is regenerated from these parameters. */
  createSyntheticDataset: req(
    z
      .object({
        task: z.enum(['adding', 'copy'], { error: 'task: must be adding or copy' }),
        name: z.string().min(1).max(64).optional(),
        /** Sequence length T (adding) or the blank span T (copy memory: sequences are T + 20 long). */
        length: z.number().int().min(1).max(100_000).optional(),
        trainSize: z.number().int().min(1).max(10_000_000).optional(),
        validSize: z.number().int().min(1).max(1_000_000).optional(),
        testSize: z.number().int().min(1).max(1_000_000).optional(),
        seed: z
          .number()
          .int()
          .min(0)
          .max(2 ** 32 - 1)
          .optional(),
      })
      .strict(),
    datasetSummarySchema,
  ),
  deleteDataset: req(byId, z.object({ deleted: z.boolean() })),
  /**
   * Parameter count and receptive field of a config, for the live New-run form;
   * with `train`, also the run's estimated peak memory and, when it does not
   * fit the budget, the refusal startRun would give (null while train is invalid).
   */
  describeModel: req(
    z.object({ datasetId: id, model: modelInput, train: trainInput.optional(), memoryLimitGiB }).strict(),
    z.object({ paramCount: z.number().int(), receptiveField: nullableNumber, memory: memoryCheckSchema.nullable().optional() }),
  ),
  /** Refused before anything is stored when the run's estimated peak memory exceeds the budget (memoryLimitGiB overrides it). */
  startRun: req(
    z.object({ datasetId: id, name: z.string().max(100).optional(), model: modelInput, train: trainInput, memoryLimitGiB }).strict(),
    runSummarySchema,
  ),
  stopRun: req(byId, runSummarySchema),
  resumeRun: req(byId, runSummarySchema),
  listRuns: req(z.object({ status: runStatusSchema.optional() }).strict(), z.array(runSummarySchema)),
  getRun: req(byId, runDetailSchema),
  getMetrics: req(z.object({ id, sinceStep: z.number().int().min(-1).default(-1) }).strict(), z.array(metricRowSchema)),
  /**
   * Text from a run's latest checkpoint (in a task worker), kept with the run.
   * The ranges of length, temperature and topK are the sampling service's
   * (SAMPLE_LIMITS in request-limits.ts): it refuses them as a FieldError, so
   * each front names the field in its own words.
   */
  sample: req(
    z
      .object({
        id,
        length: z.number().int().default(300),
        temperature: z.number().default(0.8),
        topK: z.number().int().default(0),
        prime: z.string().max(10_000).optional(),
        seed: z
          .number()
          .int()
          .min(0)
          .max(2 ** 31 - 1)
          .default(1),
      })
      .strict(),
    sampleSchema,
  ),
  /** Exports a run; without outDir it goes to <dataDir>/exports/run-<id>-<format>-<time>. */
  exportRun: req(z.object({ id, format: z.enum(EXPORT_FORMAT_VALUES), outDir: z.string().min(1).optional() }).strict(), exportResultSchema),
  /** The formats that can express a run's model, and for each other format the feature it cannot express. */
  exportFormats: req(byId, exportFormatsSchema),
  deleteRun: req(byId, z.object({ deleted: z.boolean() })),
  /** The experiment kinds, with the default value of every optional config field. */
  listExperimentKinds: req(
    empty,
    z.array(
      z.object({
        kind: experimentKindSchema,
        title: z.string(),
        description: z.string(),
        defaults: z.record(z.string(), z.unknown()),
        /** Built-in presets from the papers' settings (core/ml/experiments/presets.ts): start one with config { preset: name } (plus datasetId when `dataset` is null). */
        presets: z
          .array(
            z.object({ name: z.string(), title: z.string(), target: z.string(), dataset: z.string().nullable(), datasetHint: z.string() }),
          )
          .default([]),
      }),
    ),
  ),
  listExperiments: req(empty, z.array(experimentSummarySchema)),
  getExperiment: req(byId, experimentDetailSchema),
  /**
   * Creates an experiment with its member runs and starts it (members train one
   * after another, then the analysis runs). `config` is checked against the
   * kind's schema; errors name the field as "config.train.steps: ...".
   */
  startExperiment: req(
    z
      .object({ kind: experimentKindSchema, name: z.string().max(100).optional(), config: z.record(z.string(), z.unknown()).default({}) })
      .strict(),
    experimentSummarySchema,
  ),
  /** Stops the member training now (it checkpoints) or the analysis; the experiment ends 'stopped'. */
  stopExperiment: req(byId, experimentSummarySchema),
  /** Continues a failed or stopped experiment: completed members are kept. */
  resumeExperiment: req(byId, experimentSummarySchema),
  /** Writes experiment.json, a CSV per table and a PNG (+ points CSV) per plot; without outDir to <dataDir>/exports/experiment-<id>-<time>. */
  exportExperiment: req(z.object({ id, outDir: z.string().min(1).optional() }).strict(), exportResultSchema),
  /** Deletes the experiment record; its runs stay. */
  deleteExperiment: req(byId, z.object({ deleted: z.boolean() })),
  /** The paper check: each claim of the seed papers with the paper's figure, the lab's (from the newest finished matching experiment), the settings and a verdict. */
  checkPaperClaims: req(empty, z.object({ claims: z.array(claimCheckSchema) })),
  /** Writes the paper check as report.md + claims.json + a PNG per claim; without outDir to <dataDir>/exports/paper-check-<time>. */
  writePaperCheckReport: req(z.object({ outDir: z.string().min(1).optional() }).strict(), exportResultSchema),
  /** Creates and starts the experiment that checks a claim not run yet (its built-in dataset generated on first use). */
  startClaimExperiment: req(
    z.object({ claim: z.string().regex(/^[a-z0-9-]{1,64}$/, { error: 'claim: a claim id such as tcn-copy-memory' }) }).strict(),
    experimentSummarySchema,
  ),
  /** One clip of an audio dataset as stored (decoded from its mu-law codes) as a 16-bit PCM WAV, base64; at most maxSeconds from its start. */
  datasetAudioClip: req(
    z
      .object({
        id,
        clip: z
          .number({ error: 'clip: must be a whole number' })
          .int({ error: 'clip: must be a whole number' })
          .min(0, { error: 'clip: must be 0 or more' }),
        maxSeconds: z.number().positive().max(60).default(30),
      })
      .strict(),
    z.object({ name: z.string(), sampleRate: z.number().int(), seconds: z.number(), wavBase64: z.string() }),
  ),
  /**
   * Generates audio from an audio run's latest checkpoint (in a task worker;
   * `audio.progress` events while it runs) and stores it with the run. primeClip:
   * a clip of the run's dataset, by name or index, whose start the sound continues.
   */
  generateAudio: req(
    z
      .object({
        id,
        seconds: z
          .number({ error: 'seconds: must be a number' })
          .positive({ error: 'seconds: must be more than 0' })
          .max(600, { error: 'seconds: at most 600' })
          .default(1),
        temperature: z
          .number()
          .min(0, { error: 'temperature: must be from 0 to 10' })
          .max(10, { error: 'temperature: must be from 0 to 10' })
          .default(1),
        seed: z
          .number()
          .int()
          .min(0)
          .max(2 ** 31 - 1)
          .default(1),
        primeClip: z.string().min(1).max(200).optional(),
        method: z.enum(['cached', 'naive'], { error: 'method: must be cached or naive' }).optional(),
      })
      .strict(),
    audioGenerationSchema,
  ),
  /** A run's audio samples, oldest first, without their bytes. */
  listAudioSamples: req(byId, z.array(audioSampleSchema)),
  /** One audio sample (id: the sample's) with its 16-bit PCM WAV, base64. */
  getAudioSample: req(byId, audioSampleSchema.extend({ wavBase64: z.string() })),
  /** A few bars from a music run's latest checkpoint (in a task worker), after a prime from a valid sequence picked by the seed. Not stored. */
  sampleMusic: req(
    z
      .object({
        id,
        bars: z
          .number({ error: 'bars: must be a whole number' })
          .int({ error: 'bars: must be a whole number' })
          .min(1, { error: 'bars: from 1 to 32' })
          .max(32, { error: 'bars: from 1 to 32' })
          .default(4),
        temperature: z
          .number({ error: 'temperature: must be a number' })
          .min(0, { error: 'temperature: from 0 to 10' })
          .max(10, { error: 'temperature: from 0 to 10' })
          .default(1),
        seed: z
          .number()
          .int()
          .min(0)
          .max(2 ** 31 - 1)
          .default(1),
      })
      .strict(),
    musicRollSchema,
  ),
  /** The first bars of one sequence of a music dataset (index in stored order: train, valid, test). */
  datasetMusicClip: req(
    z
      .object({
        id,
        sequence: z
          .number({ error: 'sequence: must be a whole number' })
          .int({ error: 'sequence: must be a whole number' })
          .min(0, { error: 'sequence: must be 0 or more' })
          .default(0),
        bars: z.number().int().min(1).max(32).default(4),
      })
      .strict(),
    musicRollSchema,
  ),
  /** Replaces a run's tags (trimmed, repeats dropped) and free-text note. */
  setRunNotes: req(
    z
      .object({
        id,
        tags: z
          .array(z.string().max(40, { error: 'tags: each at most 40 characters' }), { error: 'tags: must be a list of words' })
          .max(20, { error: 'tags: at most 20 per run' }),
        note: z.string({ error: 'note: must be text' }).max(10_000, { error: 'note: at most 10000 characters' }),
      })
      .strict(),
    runSummarySchema,
  ),
  ...sweepRequests,
} as const;

export type LabRequestName = keyof typeof labRequests;
export const LAB_REQUEST_NAMES = Object.keys(labRequests) as LabRequestName[];
/** What a caller sends (defaults may be omitted). */
export type LabArgs<N extends LabRequestName> = z.input<(typeof labRequests)[N]['args']>;
/** What the core handles (defaults filled). */
export type LabParsedArgs<N extends LabRequestName> = z.output<(typeof labRequests)[N]['args']>;
export type LabResult<N extends LabRequestName> = z.output<(typeof labRequests)[N]['result']>;

export const labEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('run.started'),
    runId: z.number().int(),
    backend: z.string(),
    device: z.string(),
    step: z.number().int(),
    totalSteps: z.number().int(),
    resumedFrom: nullableNumber,
  }),
  /**
   * A run's newest step in `metrics`; the steps since its previous run.progress in `earlier`, oldest first. Progress is paced
   * (core/app/progress-throttle.ts: at most 10 a second per run), so a fast run's steps arrive a few at a time, each once.
   */
  z.object({
    type: z.literal('run.progress'),
    runId: z.number().int(),
    totalSteps: z.number().int(),
    metrics: metricRowSchema,
    earlier: z.array(metricRowSchema).optional(),
  }),
  z.object({
    type: z.literal('run.status'),
    runId: z.number().int(),
    status: runStatusSchema,
    step: z.number().int(),
    validLoss: nullableNumber,
    error: z.string().nullable(),
  }),
  z.object({ type: z.literal('run.sample'), runId: z.number().int(), sample: sampleSchema }),
  /** Audio generated during training or by generateAudio, stored with the run. */
  z.object({ type: z.literal('run.audioSample'), runId: z.number().int(), sample: audioSampleSchema }),
  /** generateAudio's progress: `done` of `total` samples. */
  z.object({ type: z.literal('audio.progress'), runId: z.number().int(), done: z.number().int(), total: z.number().int() }),
  z.object({ type: z.literal('dataset.importProgress'), phase: z.enum(['scan', 'encode']), bytesDone: z.number(), bytesTotal: z.number() }),
  /** An experiment changed status, or phase while running (training its members, then analysing). */
  z.object({
    type: z.literal('experiment.status'),
    experimentId: z.number().int(),
    status: z.enum(EXPERIMENT_STATUS_VALUES),
    phase: z.enum(['training', 'analyzing']).nullable(),
    error: z.string().nullable(),
  }),
  /** A step of the member training now: member `member` (0-based) of `members` trained ones (the newest, at most 10 a second). The run's own run.* events flow too. */
  z.object({
    type: z.literal('experiment.progress'),
    experimentId: z.number().int(),
    runId: z.number().int(),
    role: z.string(),
    member: z.number().int(),
    members: z.number().int(),
    step: z.number().int(),
    totalSteps: z.number().int(),
    trainLoss: z.number(),
    validLoss: nullableNumber,
    /** Estimated seconds of training left in the whole experiment (null until known). */ etaSeconds: nullableNumber.optional(),
  }),
  ...sweepEventSchemas,
  /** A write failed for lack of space mid-session: the history is read-only from now on, for `reason`. */
  z.object({ type: z.literal('history.readOnly'), reason: z.string() }),
]);
export type LabEvent = z.infer<typeof labEventSchema>;

/** The reply envelope both bridges use. */
/** A failure names its cause in `error`; a refused input also comes as data in `problem` (structured-error.ts). */
export type LabReply<T> = { ok: true; result: T } | { ok: false; error: string; problem?: FieldProblem };

/** What the renderer talks to; implemented by the Electron and the browser bridge. */
export interface LabApi {
  request<N extends LabRequestName>(name: N, args: LabArgs<N>): Promise<LabResult<N>>;
  /** Calls `listener` for every event; returns an unsubscribe function. */
  subscribe(listener: (event: LabEvent) => void): () => void;
}

/** Formats a zod error as "field: message; ..." so the UI can name the bad field (the one formatter, core/ml/zod-issues.ts). */
export { describeIssues };

/** Validates a request's name and arguments; throws an Error naming the bad field. */
export function parseLabRequest<N extends LabRequestName>(name: string, args: unknown): { name: N; args: LabParsedArgs<N> } {
  if (!Object.hasOwn(labRequests, name)) throw new Error(`request: unknown request "${String(name).slice(0, 60)}"`);
  const parsed = labRequests[name as N].args.safeParse(args ?? {});
  if (!parsed.success) throw new Error(describeIssues(parsed.error));
  return { name: name as N, args: parsed.data as LabParsedArgs<N> };
}

/**
 * What a bridge offers the renderer beyond the requests: how files reach the
 * core. Electron passes local paths (native dialogs, drag-and-drop through
 * webUtils.getPathForFile); the browser bridge uploads the bytes.
 */
export interface LabBridge extends LabApi {
  readonly kind: 'electron' | 'browser';
  /** Electron: native open dialog (files or folders); resolves [] when cancelled. */
  pickImportPaths?(): Promise<string[]>;
  /** Electron: the local path of a dropped or picked File. */
  pathForFile?(file: File): string;
  /** Browser: uploads one file; resolves with the upload id for importDataset({ uploads }). */
  upload?(file: File, onProgress?: (fraction: number) => void): Promise<string>;
  /** Electron: native save dialog for an export folder; null when cancelled. */
  pickExportFolder?(defaultName: string): Promise<string | null>;
}
