// A text sample from the model being trained, taken between two steps at a
// line start with its own seeded generator (the training stream is untouched).
import { Rng } from '../ml/rng.ts';
import { generate } from '../ml/sample.ts';
import type { SequenceModel } from '../ml/models/sequence-model.ts';
import { EOS, type Tokenizer } from '../ml/text/vocab.ts';
import type { NewSample } from '../storage/history.ts';

export async function sampleDuringTraining(model: SequenceModel, tokenizer: Tokenizer, o: { step: number; length: number; temperature: number; seed: number }): Promise<NewSample> {
  const prime = tokenizer.vocab.level === 'word' ? EOS : '\n';
  let ids = Array.from(tokenizer.encode(prime));
  if (ids.length === 0) ids = [0];
  const out = await generate(model, { prime: ids, length: o.length, temperature: o.temperature, topK: 0, rng: new Rng(o.seed) });
  return { step: o.step, temperature: o.temperature, topK: 0, prime: '', text: tokenizer.decode(out) };
}
