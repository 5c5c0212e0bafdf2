// Text in, text out: tokenise a prime (default: a line start), generate, decode.
// Shared by on-demand sampling and the samples taken during training.
import type { SequenceModel } from './models/sequence-model.ts';
import { Rng } from './rng.ts';
import { generate } from './sample.ts';
import { EOS, type Tokenizer } from './text/vocab.ts';

export interface TextSampleOptions {
  /** Text to continue; default: a line start ("\n", or <eos> at word level). */
  prime?: string;
  length: number;
  temperature: number;
  topK: number;
  seed: number;
}

/** @returns the generated text, without the prime. */
export async function generateText(model: SequenceModel, tokenizer: Tokenizer, o: TextSampleOptions): Promise<string> {
  const prime = o.prime ?? (tokenizer.vocab.level === 'word' ? EOS : '\n');
  let ids = Array.from(tokenizer.encode(prime));
  if (ids.length === 0) ids = [0]; // an empty prime: start from token 0
  const out = await generate(model, { prime: ids, length: o.length, temperature: o.temperature, topK: o.topK, rng: new Rng(o.seed) });
  return tokenizer.decode(out);
}
