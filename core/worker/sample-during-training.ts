// A text sample from the model being trained, taken between two steps at a
// line start with its own seeded generator (the training stream is untouched).
import type { SequenceModel } from '../ml/models/sequence-model.ts';
import { generateText } from '../ml/generate/generate-text.ts';
import type { Tokenizer } from '../ml/text/vocab.ts';
import type { NewSample } from '../storage/history.ts';

export async function sampleDuringTraining(
  model: SequenceModel,
  tokenizer: Tokenizer,
  o: { step: number; length: number; temperature: number; seed: number },
): Promise<NewSample> {
  const text = await generateText(model, tokenizer, { length: o.length, temperature: o.temperature, topK: 0, seed: o.seed });
  return { step: o.step, temperature: o.temperature, topK: 0, prime: '', text };
}
