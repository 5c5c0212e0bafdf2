// Audio from the model being trained, taken between two steps (audio
// datasets with sampleEvery > 0): sampleSeconds of codes by the model's fastest
// method, with its own seeded generator (the training stream is untouched),
// stored with the run as a WAV.
import { muLawDecode } from '../ml/audio/mu-law.ts';
import { generateCodes } from '../ml/generate/generate-codes.ts';
import type { SequenceModel } from '../ml/models/sequence-model.ts';
import { audioTaskOf } from '../datasets/audio.ts';
import { pcm16Wav } from '../services/audio-datasets.ts';
import { generationMethodName } from '../services/audio-generation.ts';
import type { AudioSampleRecord, DatasetRecord } from '../storage/history.ts';
import type { RunRecordStore } from './run-record-store.ts';

/** Thrown from the progress callback to abandon a sample when the run is asked to stop. */
class SampleAbandoned extends Error {}

/**
 * @param o.shouldStop polled while generating: a model without a fast path
 *   takes one TF.js step per sample (16,000 for a second of audio), and a
 *   stop request must not wait for that. Returns null when abandoned.
 */
export async function audioDuringTraining(
  history: Pick<RunRecordStore, 'addAudioSample'>,
  runId: number,
  dataset: DatasetRecord,
  model: SequenceModel,
  o: { step: number; seconds: number; temperature: number; seed: number; shouldStop: () => boolean },
): Promise<AudioSampleRecord | null> {
  const { sampleRate } = audioTaskOf(dataset);
  const length = Math.max(1, Math.round(o.seconds * sampleRate));
  let codes: Int32Array;
  try {
    codes = await generateCodes(model, {
      length,
      temperature: o.temperature,
      seed: o.seed,
      progressEvery: 256,
      onProgress: () => {
        if (o.shouldStop()) throw new SampleAbandoned();
      },
    });
  } catch (e) {
    if (e instanceof SampleAbandoned) return null;
    throw e;
  }
  return history.addAudioSample(runId, {
    step: o.step,
    temperature: o.temperature,
    seconds: length / sampleRate,
    sampleRate,
    method: generationMethodName(model, undefined),
    primeClip: null,
    wav: pcm16Wav(muLawDecode(codes), sampleRate),
  });
}
