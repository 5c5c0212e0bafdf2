// A dataset name taken from a file name is refused naming that file, never a
// --name flag the user did not pass (issue 17: "..wav").
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importDataset } from '../../core/services/datasets.ts';
import { History } from '../../core/storage/history.ts';
import { tempHome } from '../helpers/cli.ts';

describe('a name derived from the file', () => {
  it('is refused naming the file, not a flag, and nothing is stored', async () => {
    const home = tempHome();
    const file = path.join(home, '..wav');
    fs.writeFileSync(file, 'RIFF');
    const history = History.open(home);
    const attempt = importDataset(history, home, { paths: [file], level: 'char' });
    await expect(attempt).rejects.toThrow(/^path: "\.\.wav" gives no usable dataset name \("\." must be 1-64 letters/);
    await expect(importDataset(history, home, { paths: [file], level: 'char' })).rejects.not.toThrow(/--name/);
    // A name the user typed is still refused as theirs (the field; the CLI words it --name).
    await expect(importDataset(history, home, { paths: [file], level: 'char', name: '..' })).rejects.toThrow(/^name: "\.\."/);
    expect(history.listDatasets()).toEqual([]);
    // A clash with a name taken from the file names the path too.
    const corpus = path.join(home, 'corpus.txt');
    fs.writeFileSync(corpus, 'abc abc abc\n'.repeat(50));
    await importDataset(history, home, { paths: [corpus], level: 'char' });
    await expect(importDataset(history, home, { paths: [corpus], level: 'char' })).rejects.toThrow(
      /^path: a dataset named "corpus" \(from the file name\) already exists; choose another name for the dataset$/,
    );
    await expect(importDataset(history, home, { paths: [corpus], level: 'char', name: 'corpus' })).rejects.toThrow(
      /^name: dataset "corpus" already exists/,
    );
    history.close();
  });
});
