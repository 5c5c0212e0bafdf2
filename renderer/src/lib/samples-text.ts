// A run's text samples as one plain-text file to download: a header line per
// sample (step, temperature, top-k, prime) and its text, oldest first.
import type { Sample } from './types.ts';

export function samplesText(runId: number, samples: readonly Sample[]): string {
  const parts = [...samples]
    .sort((a, b) => a.id - b.id)
    .map(
      (s) =>
        `=== run ${runId} · sample ${s.id} · step ${s.step} · temperature ${s.temperature}${s.topK ? ` · top-k ${s.topK}` : ''}${s.prime ? ` · prime ${JSON.stringify(s.prime)}` : ''} · ${s.createdAt}\n${s.prime}${s.text}\n`,
    );
  return parts.join('\n');
}
