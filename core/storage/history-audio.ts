// Generated audio kept with its run: one row per WAV (16-bit PCM bytes in a
// BLOB, a few hundred KB for seconds of 16 kHz sound), deleted with the run.
// Lists carry the summary only; the bytes are read one sample at a time.

import type Database from 'better-sqlite3';
import { now } from './history-types.ts';
import { requireRun } from './history-metrics.ts';
import { stmt, toId } from './sql.ts';

/** What a generation stores. */
export interface NewAudioSample {
  /** Checkpoint step of the weights. */
  step: number;
  temperature: number;
  seconds: number;
  sampleRate: number;
  /** cached | naive | step | window (core/ml/generate). */
  method: string;
  /** Dataset clip the sound continues, or null. */
  primeClip: string | null;
  /** A complete WAV file. */
  wav: Uint8Array;
}

/** A stored audio sample without its bytes. */
export interface AudioSampleRecord extends Omit<NewAudioSample, 'wav'> {
  id: number;
  runId: number;
  /** Size of the WAV file in bytes. */
  bytes: number;
  createdAt: string;
}

interface AudioRow {
  id: number;
  run_id: number;
  step: number;
  temperature: number;
  seconds: number;
  sample_rate: number;
  method: string;
  prime_clip: string | null;
  bytes: number;
  created_at: string;
}

const SUMMARY = 'id, run_id, step, temperature, seconds, sample_rate, method, prime_clip, length(wav) AS bytes, created_at';

function fromRow(r: AudioRow): AudioSampleRecord {
  return {
    id: r.id,
    runId: r.run_id,
    step: r.step,
    temperature: r.temperature,
    seconds: r.seconds,
    sampleRate: r.sample_rate,
    method: r.method,
    primeClip: r.prime_clip,
    bytes: r.bytes,
    createdAt: r.created_at,
  };
}

/** Stores a generated WAV with its run. */
export function addAudioSample(db: Database.Database, runId: number, s: NewAudioSample): AudioSampleRecord {
  const createdAt = now();
  const id = db
    .transaction((): number => {
      requireRun(db, runId);
      const res = stmt(
        db,
        'INSERT INTO audio_samples (run_id, step, temperature, seconds, sample_rate, method, prime_clip, wav, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(
        runId,
        s.step,
        s.temperature,
        s.seconds,
        s.sampleRate,
        s.method,
        s.primeClip,
        Buffer.from(s.wav.buffer, s.wav.byteOffset, s.wav.byteLength),
        createdAt,
      );
      return toId(res.lastInsertRowid);
    })
    .immediate();
  const { wav, ...summary } = s;
  return { id, runId, ...summary, bytes: wav.byteLength, createdAt };
}

/** Audio samples of a run, oldest first, without their bytes. */
export function listAudioSamples(db: Database.Database, runId: number): AudioSampleRecord[] {
  return stmt<AudioRow>(db, `SELECT ${SUMMARY} FROM audio_samples WHERE run_id = ? ORDER BY id`).all(runId).map(fromRow);
}

/** One audio sample with its WAV bytes, or undefined when unknown. */
export function getAudioSample(db: Database.Database, id: number): (AudioSampleRecord & { wav: Uint8Array }) | undefined {
  const row = stmt<AudioRow & { wav: Buffer }>(db, `SELECT ${SUMMARY}, wav FROM audio_samples WHERE id = ?`).get(id);
  return row ? { ...fromRow(row), wav: new Uint8Array(row.wav.buffer, row.wav.byteOffset, row.wav.byteLength) } : undefined;
}
