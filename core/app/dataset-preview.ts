// The first characters of a dataset, decoded back from its token file
// (the source files may have moved since the import).
import { openTokenFile } from '../data/token-file.ts';
import { Tokenizer } from '../ml/text/vocab.ts';
import type { DatasetRecord } from '../storage/history.ts';

export function datasetPreviewText(d: DatasetRecord, chars: number): string {
  const file = openTokenFile(d.tokenFile);
  try {
    const ids = file.read(0, Math.min(file.length, chars));
    return new Tokenizer(d.vocab).decode(ids).slice(0, chars);
  } finally {
    file.close();
  }
}
