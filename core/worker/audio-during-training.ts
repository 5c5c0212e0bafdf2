// Audio from the model being trained, taken between two steps (audio
// datasets with sampleEvery > 0): sampleSeconds of codes by the model's fastest
// method, with its own seeded generator (the training stream is untouched),
// stored with the run as a WAV.
import { muLawDecode } from '../ml/audio/mu-law.ts';
import { generateCodes } from '../ml/generate/generate-codes.ts';
import type { SequenceModel } from '../ml/models/sequence-model.ts';
import { audioTaskOf, pcm16Wav } from '../services/audio-datasets.ts';
import { generationMethodName } from '../services/audio-generation.ts';
import type { AudioSampleRecord, DatasetRecord, History } from '../storage/history.ts';

export async function audioDuringTraining(history: History, runId: number, dataset: DatasetRecord, model: SequenceModel, o: { step: number; seconds: number; temperature: number; seed: number }): Promise<AudioSampleRecord> {
  const { sampleRate } = audioTaskOf(dataset);
  const length = Math.max(1, Math.round(o.seconds * sampleRate));
  const codes = await generateCodes(model, { length, temperature: o.temperature, seed: o.seed });
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
