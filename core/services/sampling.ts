// Text generation from a stored run: tokenise the prime, generate, decode,
// and keep the sample in the run's history.
import { generateText } from '../ml/generate/generate-text.ts';
import { Tokenizer } from '../ml/text/vocab.ts';
import type { History, SampleRecord } from '../storage/history.ts';
import { loadRunModel } from './runs.ts';
import { FieldError } from '../contract/structured-error.ts';
import { SAMPLE_LIMITS } from '../contract/request-limits.ts';

export interface SampleRequest {
  length: number;
  temperature: number;
  topK: number;
  /** Text to continue; default: a line start. */
  prime?: string;
  seed: number;
}

/**
 * Refuses a request outside the sampling limits (core/contract/request-limits.ts),
 * naming the field. LabService's handler calls it before it starts a task
 * worker, so the refusal reaches a front as a FieldError (the CLI says
 * `--length`, the app "Length"); sampleRun calls it too, for any other caller.
 */
export function checkSampleRequest(req: Pick<SampleRequest, 'length' | 'temperature' | 'topK'>): void {
  const { length, temperature } = SAMPLE_LIMITS;
  if (!Number.isInteger(req.length) || req.length < length.min || req.length > length.max)
    throw new FieldError('length', `must be a whole number from ${length.min} to ${length.max}`);
  if (!(req.temperature >= temperature.min && req.temperature <= temperature.max))
    throw new FieldError('temperature', `must be a number from ${temperature.min} to ${temperature.max}`);
  if (!Number.isInteger(req.topK) || req.topK < 0) throw new FieldError('topK', 'must be a whole number ≥ 0 (0 = off)');
}

export async function sampleRun(history: History, ref: string, req: SampleRequest): Promise<SampleRecord> {
  checkSampleRequest(req);
  const loaded = loadRunModel(history, ref);
  try {
    const text = await generateText(loaded.model, new Tokenizer(loaded.dataset.vocab), req);
    const sample = { step: loaded.step, temperature: req.temperature, topK: req.topK, prime: req.prime ?? '', text };
    // A read-only history (disk full) still samples; the sample is shown but not kept (id 0).
    const unsaved = () => ({ ...sample, id: 0, runId: loaded.run.id, createdAt: new Date().toISOString() });
    if (history.readOnlyReason) return unsaved();
    try {
      return history.addSample(loaded.run.id, sample);
    } catch (e) {
      // The disk filled up since the history opened: it turns read-only, and the sample is shown unkept, as above.
      if (!history.becomeReadOnly(e)) throw e;
      return unsaved();
    }
  } finally {
    loaded.model.dispose();
  }
}
