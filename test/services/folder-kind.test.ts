// A folder's dataset kind is the majority of the files it recognises (issue 17:
// a folder of WAVs with one manifest.json fell through to text import), and the
// unrelated file is ignored with a note.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import wavefile from 'wavefile';
import { refusedFiles } from '../../core/datasets/registry.ts';
import { importDataset } from '../../core/services/datasets.ts';
import { majorityKind } from '../../core/services/folder-kind.ts';
import { History } from '../../core/storage/history.ts';
import { jsonLines, seqlab, tempHome } from '../helpers/cli.ts';

/** A 0.3 s 16-bit mono tone. */
function wav(freq: number): Uint8Array {
  const w = new wavefile.WaveFile();
  w.fromScratch(
    1,
    16000,
    '16',
    Array.from({ length: 4800 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * freq * i) / 16000))),
  );
  return w.toBuffer();
}

describe('folder kind by majority', () => {
  it('decides by the recognised files, ignoring hidden and unknown ones', () => {
    const dir = tempHome();
    for (const [name, body] of [
      ['a.wav', ''],
      ['b.wav', ''],
      ['manifest.json', '{}'],
      ['.DS_Store', ''],
      ['notes.md', ''],
    ] as const)
      fs.writeFileSync(path.join(dir, name), body);
    expect(majorityKind([dir])).toBe('audio');
    const midi = tempHome();
    for (const name of ['a.mid', 'b.midi', 'README.txt']) fs.writeFileSync(path.join(midi, name), '');
    expect(majorityKind([midi])).toBe('music');
    const tie = tempHome();
    for (const name of ['a.mid', 'b.txt']) fs.writeFileSync(path.join(tie, name), '');
    expect(majorityKind([tie])).toBeNull();
  });

  it('imports a folder of WAVs with a manifest.json as audio, noting the ignored file', async () => {
    const home = tempHome();
    const dir = path.join(home, 'clips');
    fs.mkdirSync(dir);
    for (const [i, f] of [220, 330, 440].entries()) fs.writeFileSync(path.join(dir, `tone-${i}.wav`), wav(f));
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ clips: 3 }));
    const history = History.open(home);
    const d = await importDataset(history, home, { paths: [dir], level: 'char' });
    expect(d.kind).toBe('audio');
    // Kept with the record (its parsed task), so the app and the CLI read it back later too.
    expect(refusedFiles(d)).toEqual([{ file: 'manifest.json', reason: 'not an audio file; ignored' }]);
    history.close();
    // The CLI's --json output carries the list too.
    const r = seqlab(home, ['--json', 'datasets', 'import', dir, '--name', 'clips-2']);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLines(r.stdout)[0]).toMatchObject({
      name: 'clips-2',
      kind: 'audio',
      refused: [{ file: 'manifest.json', reason: 'not an audio file; ignored' }],
    });
  });
});
