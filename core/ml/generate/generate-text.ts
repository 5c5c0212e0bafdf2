// Text in, text out: tokenise a prime (default: a line start), generate the
// token ids through `generateCodes`, decode. Shared by on-demand sampling and
// the samples taken during training.
import type { SequenceModel } from '../models/sequence-model.ts';
import { EOS, type Tokenizer } from '../text/vocab.ts';
import { generateCodes } from './generate-codes.ts';

/** At most this many tokens a feed-forward text model re-reads per token (the window path's cost guard). */
export const TEXT_CONTEXT_CAP = 1024;

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
  const encoded = tokenizer.encode(o.prime ?? (tokenizer.vocab.level === 'word' ? EOS : '\n'));
  const prime = encoded.length > 0 ? encoded : Int32Array.of(0); // an empty prime: start from token 0
  const ids = await generateCodes(model, {
    prime,
    length: o.length,
    temperature: o.temperature,
    topK: o.topK,
    seed: o.seed,
    contextCap: TEXT_CONTEXT_CAP,
  });
  return tokenizer.decode(ids);
}
