// describeModel (asked by the New-run form at every debounced keystroke)
// answers from the dataset's record alone: with the dataset's files gone it
// gives the same answer as before (issue 15: it used to build the whole task
// from the files to learn two widths).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabService } from '../../core/app/lab-service.ts';
import { importDataset } from '../../core/services/datasets.ts';
import { History, type DatasetRecord } from '../../core/storage/history.ts';
import { tempHome } from '../helpers/cli.ts';

let home: string;
let history: History;
let service: LabService;
let text: DatasetRecord;
let music: DatasetRecord;

beforeAll(async () => {
  home = tempHome();
  history = History.open(home);
  service = new LabService({ dataDir: home, history, mode: 'browser' });
  const corpus = path.join(home, 'corpus.txt');
  fs.writeFileSync(corpus, 'a stitch in time saves nine\n'.repeat(50));
  text = await importDataset(history, home, { paths: [corpus] });
  const rolls = path.join(home, 'rolls.json');
  const seq = (i: number) => Array.from({ length: 5 + i }, (_, t) => [(i + t) % 10]);
  fs.writeFileSync(
    rolls,
    JSON.stringify({ pitchOffset: 48, numPitches: 10, train: [0, 1, 2].map(seq), valid: [3].map(seq), test: [4].map(seq) }),
  );
  music = await importDataset(history, home, { paths: [rolls] });
});

afterAll(async () => {
  await service.close();
  history.close();
});

async function describeModel(d: DatasetRecord): Promise<unknown> {
  const r = await service.handle('describeModel', {
    datasetId: d.id,
    model: { kind: 'lstm', hiddenSize: 8 },
    train: { steps: 10, batchSize: 2, seqLen: 16 },
  });
  if (!r.ok) throw new Error(r.error);
  return r.result;
}

describe('describeModel', () => {
  it.each([
    ['text', () => text],
    ['music', () => music],
  ])('answers for a %s dataset whose files are gone, as it did before', async (_kind, dataset) => {
    const d = dataset();
    const before = await describeModel(d);
    expect(before).toMatchObject({ paramCount: expect.any(Number), receptiveField: null });
    fs.rmSync(d.tokenFile);
    expect(fs.existsSync(d.tokenFile)).toBe(false);
    expect(await describeModel(d)).toEqual(before);
  });
});
