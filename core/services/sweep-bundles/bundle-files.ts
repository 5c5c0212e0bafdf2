// Sealing a trial's work folder into a run bundle, and reading one back with
// every check `sweep collect` needs before it touches the history: the format
// and version (a newer bundle is refused naming both versions), the strict
// manifest, and each file's size and sha256. A bundle is written into a hidden
// sibling folder, file by file exactly (core/storage/exact-write.ts), manifest
// last, then renamed into place: a folder named trial-<i> is always complete.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { sha256Hex } from '../../storage/history-checkpoints.ts';
import { fsyncDirSync, writeNewFileSync } from '../../storage/exact-write.ts';
import type { MetricRow } from '../../storage/history.ts';
import { runConfigSchema, type RunConfig } from '../../ml/train/run-config.ts';
import { seqlabVersion } from '../seqlab-version.ts';
import {
  audioFileName,
  BUNDLE_FILES,
  BUNDLE_VERSION,
  bundleAudioSchema,
  bundleManifestSchema,
  bundleMetricSchema,
  bundleSampleSchema,
  metricsJson,
  type BundleAudio,
  type BundleManifest,
  type BundleSample,
  type BundleState,
} from './bundle-format.ts';
import { BundleRunStore } from './bundle-run-store.ts';
import { describeIssues } from '../../ml/zod-issues.ts';

/** A bundle read back and verified. */
export interface RunBundle {
  dir: string;
  manifest: BundleManifest;
  config: RunConfig;
  metrics: MetricRow[];
  samples: BundleSample[];
  audio: { meta: BundleAudio; wav: Uint8Array }[];
  /** checkpoint.safetensors, or null when the run stored none. */
  checkpoint: Uint8Array | null;
  log: string;
}

/** Writes `files` (name -> bytes) as a bundle folder at `target`, the manifest last, then renames it into place. */
function writeBundleFolder(target: string, files: Map<string, Uint8Array>, manifest: BundleManifest): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.partial-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  try {
    for (const [name, bytes] of files) writeNewFileSync(path.join(tmp, name), bytes);
    writeNewFileSync(path.join(tmp, BUNDLE_FILES.manifest), Buffer.from(`${JSON.stringify(manifest, null, 1)}\n`));
    fsyncDirSync(tmp);
    // A trial run again (a requeued task) replaces its earlier bundle.
    if (fs.existsSync(target)) fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(tmp, target);
    fsyncDirSync(path.dirname(target));
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Seals trial `workDir` into the bundle folder `bundleDir`.
 * @param o.logFile the task's log, copied in as it stands now (may be absent)
 * @param o.deathCause why the worker ended without recording a final status (the run is sealed `crashed` with it)
 * @returns the manifest written
 */
export function sealBundle(workDir: string, bundleDir: string, o: { logFile: string | null; deathCause?: string | null }): BundleManifest {
  const work = BundleRunStore.readWork(workDir);
  const enc = (text: string) => Buffer.from(text);
  const files = new Map<string, Uint8Array>();
  files.set(BUNDLE_FILES.config, enc(JSON.stringify(work.run.config, null, 1)));
  files.set(BUNDLE_FILES.metrics, enc(metricsJson(work.metrics)));
  files.set(BUNDLE_FILES.samples, enc(JSON.stringify(work.samples)));
  if (work.audio.length > 0) {
    files.set(BUNDLE_FILES.audio, enc(JSON.stringify(work.audio.map((a) => a.meta))));
    work.audio.forEach((a, n) => files.set(audioFileName(n), a.wav));
  }
  if (work.checkpoint) files.set(BUNDLE_FILES.checkpoint, work.checkpoint.bytes);
  files.set(BUNDLE_FILES.log, o.logFile && fs.existsSync(o.logFile) ? new Uint8Array(fs.readFileSync(o.logFile)) : enc(''));

  const ended = work.state.status !== 'queued' && work.state.status !== 'running';
  const last = work.metrics.at(-1);
  const state: BundleState = {
    status: ended ? (work.state.status as BundleState['status']) : 'crashed',
    step: last?.step ?? -1,
    totalSteps: work.run.config.train.steps,
    validLoss: work.metrics.findLast((m) => m.validLoss !== null)?.validLoss ?? null,
    trainLoss: last && Number.isFinite(last.trainLoss) ? last.trainLoss : null,
    error: ended ? work.state.error : (o.deathCause ?? work.state.error ?? 'the training worker ended without recording a final status'),
    backend: work.state.backend,
    device: work.state.device,
    checkpointStep: work.checkpoint?.step ?? null,
    startedAt: work.state.startedAt,
    finishedAt: work.state.finishedAt ?? new Date().toISOString(),
  };
  const manifest: BundleManifest = {
    format: 'seqlab-run-bundle',
    bundleVersion: BUNDLE_VERSION,
    seqlabVersion: seqlabVersion(),
    sweepId: work.run.sweepId,
    trialIndex: work.run.trialIndex,
    dataset: { name: work.dataset.name, fingerprint: work.run.datasetFingerprint },
    paramCount: work.run.paramCount,
    state,
    files: Object.fromEntries([...files].map(([name, bytes]) => [name, { bytes: bytes.byteLength, sha256: sha256Hex(bytes) }])),
  };
  writeBundleFolder(bundleDir, files, manifest);
  return manifest;
}

/** True when `dir` holds a sealed bundle (it may still fail verification). */
export const isSealedBundle = (dir: string): boolean => fs.existsSync(path.join(dir, BUNDLE_FILES.manifest));

function parseFile<T>(dir: string, name: string, bytes: Uint8Array, schema: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new Error(`bundle ${dir}: ${name} is not JSON (${(e as Error).message})`, { cause: e });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`bundle ${dir}: ${name}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/**
 * Reads and verifies the bundle in `dir`. Refuses, naming the file or field:
 * a missing or malformed manifest, a bundle version newer than this seqlab
 * reads, a file whose size or sha256 differs from the manifest's, a missing
 * file, and malformed contents.
 */
export function readBundle(dir: string): RunBundle {
  const manifestFile = path.join(dir, BUNDLE_FILES.manifest);
  if (!fs.existsSync(manifestFile)) throw new Error(`bundle ${dir}: no ${BUNDLE_FILES.manifest} (the trial never finished sealing)`);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  } catch (e) {
    throw new Error(`bundle ${dir}: ${BUNDLE_FILES.manifest} is not JSON (${(e as Error).message})`, { cause: e });
  }
  const head = z
    .object({ format: z.literal('seqlab-run-bundle'), bundleVersion: z.number().int().positive(), seqlabVersion: z.string().optional() })
    .loose()
    .safeParse(raw);
  if (!head.success) throw new Error(`bundle ${dir}: ${BUNDLE_FILES.manifest}: ${describeIssues(head.error)}`);
  if (head.data.bundleVersion > BUNDLE_VERSION) {
    throw new Error(
      `bundle ${dir} is run bundle version ${head.data.bundleVersion} (written by seqlab ${head.data.seqlabVersion ?? 'unknown'}); this seqlab (${seqlabVersion()}) reads bundle version ${BUNDLE_VERSION} at most: collect it with a newer seqlab`,
    );
  }
  const parsed = bundleManifestSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`bundle ${dir}: ${BUNDLE_FILES.manifest}: ${describeIssues(parsed.error)}`);
  const manifest = parsed.data;

  const files = new Map<string, Uint8Array>();
  for (const [name, want] of Object.entries(manifest.files)) {
    if (name !== path.basename(name) || name.startsWith('.'))
      throw new Error(`bundle ${dir}: ${BUNDLE_FILES.manifest}: files.${name}: not a plain file name`);
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) throw new Error(`bundle ${dir}: ${name} is listed in the manifest but missing`);
    const bytes = new Uint8Array(fs.readFileSync(file));
    if (bytes.byteLength !== want.bytes)
      throw new Error(`bundle ${dir}: ${name} holds ${bytes.byteLength} bytes, the manifest says ${want.bytes}`);
    const got = sha256Hex(bytes);
    if (got !== want.sha256) throw new Error(`bundle ${dir}: ${name}: sha256 ${got} does not match the manifest's ${want.sha256}`);
    files.set(name, bytes);
  }
  const need = (name: string) => {
    const bytes = files.get(name);
    if (!bytes) throw new Error(`bundle ${dir}: the manifest lists no ${name}`);
    return bytes;
  };
  const audioMeta = files.has(BUNDLE_FILES.audio)
    ? parseFile(dir, BUNDLE_FILES.audio, files.get(BUNDLE_FILES.audio)!, z.array(bundleAudioSchema))
    : [];
  const checkpoint = files.get(BUNDLE_FILES.checkpoint) ?? null;
  if ((checkpoint === null) !== (manifest.state.checkpointStep === null))
    throw new Error(
      `bundle ${dir}: state.checkpointStep is ${manifest.state.checkpointStep} but ${BUNDLE_FILES.checkpoint} is ${checkpoint ? 'present' : 'absent'}`,
    );
  return {
    dir,
    manifest,
    config: parseFile(dir, BUNDLE_FILES.config, need(BUNDLE_FILES.config), runConfigSchema),
    metrics: parseFile(dir, BUNDLE_FILES.metrics, need(BUNDLE_FILES.metrics), z.array(bundleMetricSchema)),
    samples: parseFile(dir, BUNDLE_FILES.samples, need(BUNDLE_FILES.samples), z.array(bundleSampleSchema)),
    audio: audioMeta.map((meta, n) => ({ meta, wav: need(audioFileName(n)) })),
    checkpoint,
    log: Buffer.from(need(BUNDLE_FILES.log)).toString('utf8'),
  };
}
