// The first part of a dataset as text, for the preview pane: the corpus'
// opening characters; for music the first sequence's steps as pitch names;
// for a synthetic task its first training examples written out; for audio
// a list of the clips (the app plays them through datasetAudioClip).
import { openTokenFile } from '../data/token-file.ts';
import { Tokenizer } from '../ml/text/vocab.ts';
import { openTaskData } from '../services/task-data.ts';
import { audioTaskOf } from '../services/audio-datasets.ts';
import type { DatasetRecord } from '../storage/history.ts';

export function datasetPreviewText(d: DatasetRecord, chars: number): string {
  if (d.kind === 'audio') return audioPreview(d).slice(0, chars);
  if (d.kind !== 'text') return taskPreview(d).slice(0, chars);
  const file = openTokenFile(d.tokenFile);
  try {
    const ids = file.read(0, Math.min(file.length, chars));
    return new Tokenizer(d.vocab).decode(ids).slice(0, chars);
  } finally {
    file.close();
  }
}

/** A few examples of an episodic task, one line per time step or per sequence. */
function taskPreview(d: DatasetRecord): string {
  const opened = openTaskData(d);
  try {
    const first = opened.data.evalBatches('valid', { batchSize: 3, seqLen: 1, maxScored: 1, context: 0 })[Symbol.iterator]().next();
    if (first.done) return '';
    const b = first.value;
    const [rows, steps] = b.inputShape as [number, number];
    const lines: string[] = [];
    if (d.kind === 'music') {
      const width = b.inputShape[2]!;
      lines.push(`valid sequence 1 (${steps} steps shown, padded to the longest in its batch), sounding pitches per step:`);
      for (let t = 0; t < steps; t++) {
        if (b.mask && b.mask[t] === 0) break;
        const on: string[] = [];
        for (let p = 0; p < width; p++) if (b.inputs[t * width + p]! > 0) on.push(d.vocab.symbols[p] ?? String(p));
        lines.push(`${String(t + 1).padStart(4)}  ${on.join(' ') || '(rest)'}`);
      }
    } else if (d.task?.['task'] === 'copy') {
      for (let r = 0; r < rows; r++) {
        const row = Array.from(b.inputs.subarray(r * steps, (r + 1) * steps), (v) => d.vocab.symbols[v] ?? '?').join('');
        const target = Array.from((b.targets as Int32Array).subarray(r * steps, (r + 1) * steps), (v) => d.vocab.symbols[v] ?? '?').join('');
        lines.push(`input  ${row}`, `target ${target}`, '');
      }
    } else {
      for (let r = 0; r < rows; r++) {
        const marked: string[] = [];
        for (let t = 0; t < steps; t++) if (b.inputs[(r * steps + t) * 2 + 1]! > 0) marked.push(`t=${t}: ${b.inputs[(r * steps + t) * 2]!.toFixed(3)}`);
        lines.push(`example ${r + 1}: ${steps} steps; marked ${marked.join(', ')}; target sum ${(b.targets[r * steps + steps - 1] ?? 0).toFixed(3)}`);
      }
    }
    return lines.join('\n');
  } finally {
    opened.close();
  }
}

/** One line per clip: split, duration, source rate and channels. */
function audioPreview(d: DatasetRecord): string {
  const t = audioTaskOf(d);
  const lines = [
    `${t.clips.length} clip(s), ${t.stats.seconds.toFixed(1)} s of 8-bit mu-law audio at ${t.sampleRate} Hz (source rates: ${t.stats.originalRates.join(', ')} Hz)` +
      (t.trimmedSilence ? `; silence below ${t.trimmedSilence.thresholdDb} dBFS trimmed (${t.trimmedSilence.seconds.toFixed(1)} s cut)` : ''),
  ];
  t.clips.forEach((c, i) => lines.push(`${String(i).padStart(4)}  ${c.split.padEnd(6)}  ${c.seconds.toFixed(2).padStart(7)} s  ${c.originalRate} Hz × ${c.channels} ch  ${c.name}`));
  for (const r of t.refused) lines.push(`refused ${r.file}: ${r.reason}`);
  return lines.join('\n');
}
