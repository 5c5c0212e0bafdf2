// Which imports are music: decided by the files' extensions, never by the folders on the way.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { majorityKind } from '../../core/services/folder-kind.ts';

/** True when the paths make a music import. */
const looksLikeMusic = (paths: string[]): boolean => majorityKind(paths) === 'music';

describe('looksLikeMusic', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-kind-'));
  const file = (name: string) => {
    const p = path.join(dir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, 'x');
    return p;
  };
  const txt = file('a.txt');
  const mid = file('songs/b.mid');
  file('songs/.DS_Store');
  const json = file('rolls.json');

  it('text files are text, even behind a relative path with dot segments', () => {
    expect(looksLikeMusic([txt])).toBe(false);
    expect(looksLikeMusic([path.relative(process.cwd(), txt)])).toBe(false);
    expect(looksLikeMusic([`${dir}/../${path.basename(dir)}/a.txt`])).toBe(false);
  });
  it('MIDI folders (hidden files ignored) and piano-roll JSON are music; a mix goes by its majority, a tie is not music', () => {
    expect(looksLikeMusic([path.dirname(mid)])).toBe(true);
    expect(looksLikeMusic([json])).toBe(true);
    expect(looksLikeMusic([txt, mid])).toBe(false);
    expect(looksLikeMusic([dir])).toBe(true); // b.mid and rolls.json against a.txt (issue 17: majority of recognised files)
    expect(looksLikeMusic([txt, file('c.txt'), mid])).toBe(false);
  });
});
