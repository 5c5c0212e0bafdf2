// The dataset-kind seam (core/datasets): every kind is registered with the
// schema the history parses its rows with; on a real, tiny dataset of each
// kind the widths and output kind it gives from the record alone are those of
// the task built from its files; a row is parsed once, by its kind's schema,
// and a damaged one fails naming the row and column.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import wavefile from 'wavefile';
import { DATASET_FILE_EXTENSIONS, DATASET_KINDS, type DatasetKind } from '../../core/contract/kinds.ts';
import {
  DATASET_KIND_MODULES,
  datasetBaseline,
  datasetPreviewText,
  datasetWidths,
  describeDatasetTask,
  lossUnitOf,
  openTaskData,
  outputKindOf,
} from '../../core/datasets/registry.ts';
import { importDataset } from '../../core/services/datasets.ts';
import { createSyntheticDataset } from '../../core/services/task-datasets.ts';
import { DATASET_TASK_SCHEMAS } from '../../core/storage/dataset-tasks.ts';
import { History, type DatasetRecord } from '../../core/storage/history.ts';
import { tempHome } from '../helpers/cli.ts';

/** A 0.5 s 16-bit mono tone at 16 kHz. */
function wav(freq: number): Uint8Array {
  const w = new wavefile.WaveFile();
  w.fromScratch(
    1,
    16000,
    '16',
    Array.from({ length: 8000 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * freq * i) / 16000))),
  );
  return w.toBuffer();
}

/** Four, two and one short sequences of a 12-pitch roll, as piano-roll JSON. */
function rolls(): string {
  const seq = (i: number) => Array.from({ length: 6 + i }, (_, t) => [(i + t) % 12, 4 + (t % 3)]);
  return JSON.stringify({ pitchOffset: 60, numPitches: 12, train: [0, 1, 2, 3].map(seq), valid: [4, 5].map(seq), test: [6].map(seq) });
}

let home: string;
let history: History;
const byKind = {} as Record<DatasetKind, DatasetRecord>;

beforeAll(async () => {
  home = tempHome();
  history = History.open(home);
  const text = path.join(home, 'corpus.txt');
  fs.writeFileSync(text, 'the quick brown fox jumps over the lazy dog\n'.repeat(40));
  byKind.text = await importDataset(history, home, { paths: [text] });
  const music = path.join(home, 'rolls.json');
  fs.writeFileSync(music, rolls());
  byKind.music = await importDataset(history, home, { paths: [music] });
  byKind.synthetic = createSyntheticDataset(history, {
    task: 'adding',
    length: 8,
    trainSize: 8,
    validSize: 4,
    testSize: 4,
    name: 'adding-8',
  });
  const clips = path.join(home, 'clips');
  fs.mkdirSync(clips);
  for (const [i, f] of [220, 330, 440].entries()) fs.writeFileSync(path.join(clips, `tone-${i}.wav`), wav(f));
  byKind.audio = await importDataset(history, home, { paths: [clips] });
}, 120_000);

afterAll(() => history.close());

describe('the registry', () => {
  it("has one module per kind, with the schema the history parses its rows with and the kind's extensions", () => {
    expect(Object.keys(DATASET_KIND_MODULES).sort()).toEqual([...DATASET_KINDS].sort());
    for (const kind of DATASET_KINDS) {
      const m = DATASET_KIND_MODULES[kind];
      expect(m.kind).toBe(kind);
      expect(m.taskSchema).toBe(DATASET_TASK_SCHEMAS[kind]);
      expect(m.extensions).toBe(DATASET_FILE_EXTENSIONS[kind]);
      expect(m.importFiles === null).toBe(DATASET_FILE_EXTENSIONS[kind].length === 0);
    }
  });
});

describe.each([...DATASET_KINDS])('a %s dataset', (kind) => {
  it('is read back as its kind, its task parsed by its schema', () => {
    const d = history.getDataset(byKind[kind].id)!;
    expect(d.kind).toBe(kind);
    expect(d).toEqual(byKind[kind]);
    expect(DATASET_TASK_SCHEMAS[kind].parse(d.task)).toEqual(d.task);
  });

  it('gives the widths and output kind of the task built from its files, from the record alone', () => {
    const d = byKind[kind];
    const opened = openTaskData(d);
    try {
      expect(datasetWidths(d)).toEqual({ vocabSize: opened.data.outputSize, inputFeatures: opened.data.inputFeatures });
      expect(outputKindOf(d)).toBe(opened.data.output);
      // Where the task knows its trivial loss, the stored baseline is that loss.
      if (opened.data.baselineLoss !== null) expect(datasetBaseline(d)?.loss).toBeCloseTo(opened.data.baselineLoss, 10);
    } finally {
      opened.close();
    }
  });

  it('describes itself, names its loss unit and previews its first part', () => {
    const d = byKind[kind];
    expect(describeDatasetTask(d).length).toBeGreaterThan(10);
    expect(lossUnitOf(d)).toBe({ text: 'nats', music: 'nats per step', synthetic: 'MSE', audio: 'nats' }[kind]);
    const preview = datasetPreviewText(d, 300);
    expect(preview.length).toBeGreaterThan(0);
    expect(preview.length).toBeLessThanOrEqual(300);
  });
});

describe('the task column', () => {
  it('reads a text row stored without a baseline (NULL) as a null baseline', () => {
    const db = new Database(path.join(home, 'history.sqlite'));
    try {
      db.prepare('UPDATE datasets SET task_json = NULL WHERE id = ?').run(byKind.text.id);
    } finally {
      db.close();
    }
    expect(history.getDataset(byKind.text.id)!.task).toEqual({ baseline: null });
    expect(datasetBaseline(history.getDataset(byKind.text.id)!)).toBeNull();
  });

  it('fails naming the row and the field when a stored task does not fit its kind', () => {
    const db = new Database(path.join(home, 'history.sqlite'));
    try {
      const task = { ...byKind.music.task, numPitches: 'twelve' };
      db.prepare('UPDATE datasets SET task_json = ? WHERE id = ?').run(JSON.stringify(task), byKind.music.id);
    } finally {
      db.close();
    }
    expect(() => history.getDataset(byKind.music.id)).toThrow(
      new RegExp(`^corrupt datasets id ${byKind.music.id} column task_json: numPitches: `),
    );
  });

  it('is checked before a dataset is stored: an unknown field is refused by name', () => {
    const { id: _id, createdAt: _createdAt, ...fields } = byKind.synthetic;
    expect(() => history.insertDataset({ ...fields, name: 'adding-bad', task: { ...byKind.synthetic.task, bogus: 1 } as never })).toThrow(
      /^invalid dataset "adding-bad": task\b.*\bbogus\b/,
    );
    expect(history.getDataset('adding-bad')).toBeUndefined();
  });
});
