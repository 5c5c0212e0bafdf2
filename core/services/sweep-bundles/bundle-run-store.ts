// A sweep trial's work folder, written by the training worker through the same
// calls it makes on the history (core/worker/run-record-store.ts): one run's
// metrics, samples, checkpoints and status as plain files, so a Slurm task
// never opens the main SQLite history. Sealed into a bundle when the run ends
// (bundle-files.ts). A task that is requeued finds its checkpoints here and
// resumes from them.
//
//   work/trial-<i>/run.json              the run: config, parameter count, dataset fingerprint (written before training)
//                  state.json            status, owner pid and host, backend, device, times (written exactly on each change)
//                  metrics.jsonl         one metric row per line, appended (a torn last line is dropped on read)
//                  samples.jsonl         text samples
//                  audio.jsonl, audio-<id>.wav   audio samples
//                  checkpoint-<step>.safetensors + checkpoints.json (step, size, sha256 of the two newest)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { sha256Hex } from '../../storage/history-checkpoints.ts';
import { defaultIsAlive } from '../../storage/history-runs.ts';
import type {
  AudioSampleRecord,
  CheckpointInfo,
  DatasetRecord,
  MetricRow,
  NewAudioSample,
  NewSample,
  RunRecord,
  RunStatus,
  SampleRecord,
} from '../../storage/history.ts';
import { fsyncDirSync, writeFileExactlySync } from '../../storage/exact-write.ts';
import { runConfigSchema } from '../../ml/train/run-config.ts';
import { bundleAudioSchema, bundleMetricSchema, bundleSampleSchema, metricsJson } from './bundle-format.ts';
import { readSharedSweep } from './shared-sweep.ts';
import { describeIssues } from '../../ml/zod-issues.ts';

/** The one run a work folder holds has this id (the history gives it a real one when the bundle is collected). */
export const BUNDLE_RUN_ID = 1;

const runFileSchema = z
  .object({
    sweepId: z.number().int().positive(),
    trialIndex: z.number().int().nonnegative(),
    name: z.string(),
    config: runConfigSchema,
    paramCount: z.number().int().nonnegative(),
    datasetFingerprint: z.string(),
    createdAt: z.string(),
  })
  .strict();
export type TrialRunFile = z.infer<typeof runFileSchema>;

const stateFileSchema = z
  .object({
    status: z.enum(['queued', 'running', 'completed', 'stopped', 'crashed', 'diverged']),
    error: z.string().nullable(),
    pid: z.number().int().nullable(),
    host: z.string().nullable(),
    backend: z.string().nullable(),
    device: z.string().nullable(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    updatedAt: z.string(),
  })
  .strict();
export type TrialStateFile = z.infer<typeof stateFileSchema>;

const checkpointIndexSchema = z.array(
  z
    .object({ step: z.number().int().nonnegative(), size: z.number().int().nonnegative(), sha256: z.string(), createdAt: z.string() })
    .strict(),
);

const WORK = {
  run: 'run.json',
  state: 'state.json',
  metrics: 'metrics.jsonl',
  samples: 'samples.jsonl',
  audio: 'audio.jsonl',
  checkpoints: 'checkpoints.json',
} as const;
const checkpointFile = (step: number) => `checkpoint-${step}.safetensors`;
const now = () => new Date().toISOString();

function readJson<T>(file: string, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/**
 * Reads a JSON-lines file. The last line may be torn (the process was killed
 * mid-append): without its newline it is dropped. A bad line before it is
 * damage, and named.
 */
export function readJsonLines<T>(file: string, schema: z.ZodType<T>): T[] {
  if (!fs.existsSync(file)) return [];
  // A file ending in a newline splits into a last '' element, so only an unterminated line can be last.
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const out: T[] = [];
  lines.forEach((line, i) => {
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      if (i === lines.length - 1) return; // torn tail
      throw new Error(`${file} line ${i + 1}: ${(e as Error).message}`, { cause: e });
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new Error(`${file} line ${i + 1}: ${describeIssues(parsed.error)}`);
    out.push(parsed.data);
  });
  return out;
}

/** Cuts an unterminated (torn) last line off a JSON-lines file, so the next append starts a line of its own. */
function cutTornTail(file: string): void {
  if (!fs.existsSync(file)) return;
  const bytes = fs.readFileSync(file);
  if (bytes.length === 0 || bytes[bytes.length - 1] === 0x0a) return;
  fs.truncateSync(file, bytes.lastIndexOf(0x0a) + 1);
}

const countLines = (file: string): number =>
  fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '').length
    : 0;

/** Writes run.json for a trial about to train (the folder is created). */
export function writeTrialRunFile(workDir: string, run: TrialRunFile): void {
  fs.mkdirSync(workDir, { recursive: true });
  writeFileExactlySync(path.join(workDir, WORK.run), Buffer.from(JSON.stringify(run)));
}

/** What a work folder holds, read for sealing. */
export interface TrialWork {
  run: TrialRunFile;
  dataset: DatasetRecord;
  state: TrialStateFile;
  metrics: MetricRow[];
  samples: z.infer<typeof bundleSampleSchema>[];
  audio: { meta: z.infer<typeof bundleAudioSchema>; wav: Uint8Array }[];
  /** The newest checkpoint whose hash matches, or null. */
  checkpoint: { step: number; bytes: Uint8Array } | null;
}

export class BundleRunStore {
  private readonly run: TrialRunFile;
  private readonly dataset: DatasetRecord;
  private state: TrialStateFile;
  private metrics: MetricRow[];

  private constructor(private readonly dir: string) {
    this.run = readJson(path.join(dir, WORK.run), runFileSchema);
    // work/trial-<i> -> the sweep folder holding sweep.json and the dataset copy.
    this.dataset = readSharedSweep(path.resolve(dir, '..', '..')).dataset;
    const stateFile = path.join(dir, WORK.state);
    this.state = fs.existsSync(stateFile)
      ? readJson(stateFile, stateFileSchema)
      : {
          status: 'queued',
          error: null,
          pid: null,
          host: null,
          backend: null,
          device: null,
          startedAt: null,
          finishedAt: null,
          updatedAt: now(),
        };
    this.metrics = readJsonLines(path.join(dir, WORK.metrics), bundleMetricSchema);
    for (const f of [WORK.metrics, WORK.samples, WORK.audio]) cutTornTail(path.join(dir, f));
  }

  /** Opens a trial's work folder (its run.json must exist, and sweep.json two folders up). */
  static open(dir: string): BundleRunStore {
    return new BundleRunStore(path.resolve(dir));
  }

  /** Everything in a work folder, for sealing; damaged checkpoints are skipped. */
  static readWork(dir: string): TrialWork {
    const store = new BundleRunStore(path.resolve(dir));
    const audio = readJsonLines(path.join(dir, WORK.audio), bundleAudioSchema.extend({ id: z.number().int() })).map(({ id, ...meta }) => ({
      meta,
      wav: new Uint8Array(fs.readFileSync(path.join(dir, `audio-${id}.wav`))),
    }));
    return {
      run: store.run,
      dataset: store.dataset,
      state: store.state,
      metrics: store.metrics,
      samples: readJsonLines(path.join(dir, WORK.samples), bundleSampleSchema),
      audio,
      checkpoint: store.loadLatestCheckpoint(BUNDLE_RUN_ID) ?? null,
    };
  }

  private requireRun(id: number): void {
    if (id !== BUNDLE_RUN_ID) throw new Error(`no run with id ${id} in the trial folder ${this.dir}`);
  }

  private writeState(patch: Partial<TrialStateFile>): void {
    this.state = { ...this.state, ...patch, updatedAt: now() };
    writeFileExactlySync(path.join(this.dir, WORK.state), Buffer.from(JSON.stringify(this.state)));
  }

  private record(): RunRecord {
    const last = this.metrics.at(-1);
    const valid = this.metrics.findLast((m) => m.validLoss !== null);
    const { config } = this.run;
    return {
      id: BUNDLE_RUN_ID,
      name: this.run.name,
      datasetId: this.dataset.id,
      modelKind: config.model.kind,
      config,
      seed: config.train.seed,
      datasetFingerprint: this.run.datasetFingerprint,
      backend: this.state.backend,
      device: this.state.device,
      status: this.state.status,
      step: last?.step ?? -1,
      totalSteps: config.train.steps,
      paramCount: this.run.paramCount,
      validLoss: valid?.validLoss ?? null,
      trainLoss: last ? last.trainLoss : null,
      error: this.state.error,
      pid: this.state.pid,
      createdAt: this.run.createdAt,
      startedAt: this.state.startedAt,
      updatedAt: this.state.updatedAt,
      finishedAt: this.state.finishedAt,
      tags: [],
      note: '',
    };
  }

  /** Takes the trial for `pid`; refused while another live process on this host trains it. */
  claimRun(id: number, pid: number): RunRecord {
    this.requireRun(id);
    const { pid: owner, host, status } = this.state;
    if (status === 'running' && owner !== null && owner !== pid && host === os.hostname() && defaultIsAlive(owner)) {
      throw new Error(`trial folder ${this.dir} is already being trained by process ${owner} on ${host}`);
    }
    this.writeState({ pid, host: os.hostname() });
    return this.record();
  }

  resolveRun(ref: string): RunRecord {
    this.requireRun(Number(ref));
    return this.record();
  }

  getDataset(_nameOrId: string | number): DatasetRecord | undefined {
    return this.dataset;
  }

  markRunning(id: number, p: { pid: number; backend: string; device: string }): RunRecord {
    this.requireRun(id);
    this.writeState({
      status: 'running',
      pid: p.pid,
      host: os.hostname(),
      backend: p.backend,
      device: p.device,
      startedAt: this.state.startedAt ?? now(),
      finishedAt: null,
      error: null,
    });
    return this.record();
  }

  /** Final states fsync every file of the folder first, so a sealed state never outruns its rows. */
  setStatus(id: number, status: RunStatus, error?: string, owner?: number): RunRecord {
    this.requireRun(id);
    if (owner !== undefined && this.state.pid !== owner)
      throw new Error(`trial folder ${this.dir} is owned by process ${this.state.pid}, not ${owner}`);
    const final = status !== 'queued' && status !== 'running';
    if (final) for (const f of [WORK.metrics, WORK.samples, WORK.audio]) fsyncFile(path.join(this.dir, f));
    this.writeState({ status, error: error ?? null, ...(final ? { finishedAt: now() } : {}) });
    return this.record();
  }

  /** Appends rows; a step already stored is refused (truncate after the checkpoint step before resuming). */
  appendMetrics(id: number, rows: readonly MetricRow[]): void {
    this.requireRun(id);
    let last = this.metrics.at(-1)?.step ?? -1;
    for (const r of rows) {
      if (!Number.isInteger(r.step) || r.step < 0)
        throw new Error(`metric step must be a non-negative integer, got ${r.step} (trial folder ${this.dir})`);
      if (r.step <= last)
        throw new Error(
          `trial folder ${this.dir} already has metrics for step ${r.step}; truncate them after the checkpoint step before resuming`,
        );
      last = r.step;
    }
    // Not fsynced per row (a step may take a millisecond): checkpoints and the final status fsync it.
    fs.appendFileSync(path.join(this.dir, WORK.metrics), rows.map((r) => `${metricsJson(r)}\n`).join(''));
    this.metrics.push(...rows);
  }

  truncateMetricsAfter(id: number, step: number): number {
    this.requireRun(id);
    const keep = this.metrics.filter((m) => m.step <= step);
    const removed = this.metrics.length - keep.length;
    writeFileExactlySync(path.join(this.dir, WORK.metrics), Buffer.from(keep.map((r) => `${metricsJson(r)}\n`).join('')));
    this.metrics = keep;
    return removed;
  }

  truncateSamplesAfter(id: number, step: number): number {
    this.requireRun(id);
    let removed = 0;
    for (const f of [WORK.samples, WORK.audio]) {
      const file = path.join(this.dir, f);
      if (!fs.existsSync(file)) continue;
      const lines = fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '');
      const keep = lines.filter((l) => {
        try {
          return (JSON.parse(l) as { step: number }).step <= step;
        } catch {
          return false; // a torn tail
        }
      });
      removed += lines.length - keep.length;
      writeFileExactlySync(file, Buffer.from(keep.map((l) => `${l}\n`).join('')));
    }
    return removed;
  }

  addSample(id: number, s: NewSample): SampleRecord {
    this.requireRun(id);
    const sample = bundleSampleSchema.parse({ step: s.step, temperature: s.temperature, topK: s.topK, prime: s.prime, text: s.text });
    const file = path.join(this.dir, WORK.samples);
    const sampleId = countLines(file) + 1;
    fs.appendFileSync(file, `${JSON.stringify(sample)}\n`);
    return { id: sampleId, runId: id, ...sample, createdAt: now() };
  }

  addAudioSample(id: number, s: NewAudioSample): AudioSampleRecord {
    this.requireRun(id);
    const sampleId = countLines(path.join(this.dir, WORK.audio)) + 1;
    writeFileExactlySync(path.join(this.dir, `audio-${sampleId}.wav`), s.wav);
    const { wav, ...meta } = s;
    fs.appendFileSync(path.join(this.dir, WORK.audio), `${JSON.stringify({ id: sampleId, ...meta })}\n`);
    return { id: sampleId, runId: id, ...meta, bytes: wav.byteLength, createdAt: now() };
  }

  private checkpointIndex(): z.infer<typeof checkpointIndexSchema> {
    const file = path.join(this.dir, WORK.checkpoints);
    return fs.existsSync(file) ? readJson(file, checkpointIndexSchema) : [];
  }

  /**
   * Writes the checkpoint file exactly, then the index naming it, keeping the
   * `keep` newest (as the history does: those at `step` or later are dropped
   * first, they belong to an abandoned timeline). The metric rows it covers
   * are fsynced before the index names it.
   */
  saveCheckpoint(id: number, step: number, bytes: Uint8Array, keep = 2): CheckpointInfo {
    this.requireRun(id);
    const sha256 = sha256Hex(bytes);
    writeFileExactlySync(path.join(this.dir, checkpointFile(step)), bytes);
    fsyncFile(path.join(this.dir, WORK.metrics));
    const entry = { step, size: bytes.byteLength, sha256, createdAt: now() };
    const index = [...this.checkpointIndex().filter((c) => c.step < step), entry].slice(-keep);
    writeFileExactlySync(path.join(this.dir, WORK.checkpoints), Buffer.from(JSON.stringify(index)));
    for (const f of fs.readdirSync(this.dir)) {
      const m = /^checkpoint-(\d+)\.safetensors$/.exec(f);
      if (m && !index.some((c) => c.step === Number(m[1]))) fs.rmSync(path.join(this.dir, f), { force: true });
    }
    return { id: step, runId: id, step, size: bytes.byteLength, sha256, createdAt: entry.createdAt };
  }

  /** Newest checkpoint whose sha256 matches; damaged or missing ones are skipped and reported. */
  loadLatestCheckpoint(id: number, onCorrupt?: (step: number, reason: string) => void): { step: number; bytes: Uint8Array } | undefined {
    this.requireRun(id);
    for (const c of [...this.checkpointIndex()].reverse()) {
      const file = path.join(this.dir, checkpointFile(c.step));
      if (!fs.existsSync(file)) {
        onCorrupt?.(c.step, `${file} is missing`);
        continue;
      }
      const bytes = new Uint8Array(fs.readFileSync(file));
      if (sha256Hex(bytes) !== c.sha256) {
        onCorrupt?.(c.step, `sha256 mismatch in ${file}`);
        continue;
      }
      return { step: c.step, bytes };
    }
    return undefined;
  }

  close(): void {
    fsyncDirSync(this.dir);
  }
}

/** fsyncs a file when it exists. */
function fsyncFile(file: string): void {
  if (!fs.existsSync(file)) return;
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
