// The renderer's pure helpers behind issue 16's screens: a chart's table
// view, History's filter and grouping, the piano roll's notes and WAV, and
// the file check that refuses a type before upload.
import { describe, expect, it } from 'vitest';
import { chartTable, nearestIndex } from '../../renderer/src/lib/chart-table.ts';
import { groupRuns, parseTags, runMatches } from '../../renderer/src/lib/group-runs.ts';
import { pcmToWav, rollNotes } from '../../renderer/src/lib/audio/roll-notes.ts';
import { acceptedTypes, checkMagic, refuseUnsupported } from '../../renderer/src/lib/file-sniff.ts';
import { shortcutFor, type KeyPress } from '../../renderer/src/lib/shortcuts.ts';
import type { ExperimentSummary, RunSummary } from '../../renderer/src/lib/types.ts';

const run = (id: number, over: Partial<RunSummary> = {}): RunSummary => ({
  id,
  name: `run ${id}`,
  datasetId: 1,
  datasetName: 'brackets',
  kind: 'lstm',
  status: 'completed',
  step: 10,
  totalSteps: 10,
  validLoss: 1,
  trainLoss: 1,
  paramCount: 10,
  receptiveField: null,
  backend: 'cpu',
  device: null,
  createdAt: '',
  startedAt: null,
  finishedAt: null,
  error: null,
  tags: [],
  note: '',
  ...over,
});

describe('chartTable', () => {
  const series = [
    {
      label: 'train',
      color: '#000',
      points: [
        { x: 1, y: 2 },
        { x: 2, y: 1.5 },
        { x: 3, y: 1.25 },
      ],
      nonFinite: [{ x: 4, value: Infinity }],
    },
    { label: 'train (raw)', color: '#000', points: [{ x: 1, y: 9 }], behind: true },
    { label: 'valid', color: '#111', points: [{ x: 3, y: 1.4 }] },
    {
      label: 'baseline',
      color: '#222',
      points: [
        { x: 0, y: 3 },
        { x: 4, y: 3 },
      ],
      reference: true,
    },
  ];

  it('has a row per x and a column per plotted series, writing ∞ and NaN, leaving out raw and reference lines', () => {
    const t = chartTable(series, null);
    expect(t.columns).toEqual(['train', 'valid']);
    expect(t.rows).toEqual([
      { x: 1, cells: ['2', ''] },
      { x: 2, cells: ['1.5', ''] },
      { x: 3, cells: ['1.25', '1.4'] },
      { x: 4, cells: ['∞', ''] },
    ]);
  });

  it('keeps the zoomed range only, and thins long series evenly keeping the last row', () => {
    expect(chartTable(series, [2, 3]).rows.map((r) => r.x)).toEqual([2, 3]);
    const long = [{ label: 'l', color: '#000', points: Array.from({ length: 1001 }, (_, i) => ({ x: i, y: i })) }];
    const t = chartTable(long, null, 100);
    expect(t.total).toBe(1001);
    expect(t.rows.length).toBeLessThanOrEqual(101);
    expect(t.rows.at(-1)!.x).toBe(1000);
  });

  it('finds the nearest point by x', () => {
    const xs = [{ x: 0 }, { x: 3 }, { x: 6 }];
    expect([nearestIndex(xs, -5), nearestIndex(xs, 1.4), nearestIndex(xs, 1.6), nearestIndex(xs, 99), nearestIndex([], 1)]).toEqual([
      0, 0, 1, 2, -1,
    ]);
  });
});

describe('History filter and groups', () => {
  it('matches every word against id, name, dataset, model, tags and note', () => {
    const r = run(3, { tags: ['baseline'], note: 'Clipping OFF on purpose' });
    expect(runMatches(r, 'baseline clipping')).toBe(true);
    expect(runMatches(r, '#3')).toBe(true);
    expect(runMatches(r, '#baseline')).toBe(true);
    expect(runMatches(r, 'baseline gru')).toBe(false);
    expect(runMatches(r, '  ')).toBe(true);
  });

  it('groups by dataset, or by the first experiment a run belongs to (those groups fold)', () => {
    const runs = [run(5, { datasetId: 2, datasetName: 'jsb' }), run(4), run(3, { datasetId: 2, datasetName: 'jsb' })];
    expect(groupRuns(runs, 'dataset', []).map((g) => [g.label, g.runs.map((r) => r.id)])).toEqual([
      ['jsb', [5, 3]],
      ['brackets', [4]],
    ]);
    const member = (runId: number) => ({
      runId,
      role: 'a',
      position: 0,
      owned: true,
      status: 'completed' as const,
      step: 1,
      totalSteps: 1,
      validLoss: null,
    });
    const x = {
      id: 2,
      kind: 'stability',
      title: 'Stability',
      name: null,
      status: 'completed',
      error: null,
      members: [member(5), member(3)],
      createdAt: '',
      updatedAt: '',
      finishedAt: null,
    } as ExperimentSummary;
    const groups = groupRuns(runs, 'experiment', [x]);
    expect(groups.map((g) => [g.key, g.label, g.foldable, g.runs.map((r) => r.id)])).toEqual([
      ['experiment:2', 'Experiment #2: Stability', true, [5, 3]],
      ['experiment:none', 'Not in an experiment', false, [4]],
    ]);
  });

  it('reads tags from one comma-separated line', () => {
    expect(parseTags(' baseline, lr sweep,,baseline ')).toEqual(['baseline', 'lr sweep']);
  });
});

describe('piano-roll notes and WAV', () => {
  it('merges consecutive steps of a pitch into one note', () => {
    expect(rollNotes([[60, 64], [60], [], [60]])).toEqual([
      { midi: 60, start: 0, steps: 2 },
      { midi: 64, start: 0, steps: 1 },
      { midi: 60, start: 3, steps: 1 },
    ]);
  });

  it('writes a 16-bit mono PCM WAV', () => {
    const wav = pcmToWav(Float32Array.from([0, 1, -1, 0.5]), 22050);
    const v = new DataView(wav.buffer);
    expect(String.fromCharCode(...wav.subarray(0, 4))).toBe('RIFF');
    expect([v.getUint16(22, true), v.getUint32(24, true), v.getUint16(34, true), v.getUint32(40, true)]).toEqual([1, 22050, 16, 8]);
    expect([v.getInt16(44, true), v.getInt16(46, true), v.getInt16(48, true), v.getInt16(50, true)]).toEqual([0, 32767, -32767, 16384]);
  });
});

describe('refusing a file before upload', () => {
  const bytes = (...b: number[]) => Uint8Array.from(b);
  const text = (s: string) => new TextEncoder().encode(s);

  it('names every unsupported file, and says what a mislabelled one really is', async () => {
    const png = bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a);
    const files = [
      new File([png], 'photo.png'),
      new File([png], 'notes.txt'),
      new File([text('hello')], 'ok.txt'),
      new File([text('MThd\0\0\0\x06')], 'song.mid'),
    ];
    expect(await refuseUnsupported(files)).toEqual([
      'photo.png: not a type Sequence Lab imports',
      'notes.txt: its bytes are a PNG image, not text',
    ]);
    expect(acceptedTypes()).toBe('text (.txt), music (.mid, .midi, .json), audio (.wav, .wave, .flac, .mp3, .ogg, .oga, .opus)');
  });

  it('checks each format by its first bytes', () => {
    expect(checkMagic('a.mid', 'music', text('RIFF'))).toMatch(/not a MIDI file/);
    expect(checkMagic('a.json', 'music', text('  {"pitchOffset"'))).toBeNull();
    expect(checkMagic('a.json', 'music', text('pitch'))).toMatch(/not JSON/);
    expect(checkMagic('a.wav', 'audio', text('RIFF\0\0\0\0WAVEfmt '))).toBeNull();
    expect(checkMagic('a.wav', 'audio', text('OggS'))).toMatch(/not a WAV file/);
    expect(checkMagic('a.flac', 'audio', text('fLaC'))).toBeNull();
    expect(checkMagic('a.ogg', 'audio', text('OggS'))).toBeNull();
    expect(checkMagic('a.mp3', 'audio', bytes(0xff, 0xfb, 0x90))).toBeNull();
    expect(checkMagic('a.mp3', 'audio', text('ID3'))).toBeNull();
    expect(checkMagic('a.txt', 'text', bytes(0x61, 0, 0x62))).toMatch(/NUL bytes/);
    expect(checkMagic('a.txt', 'text', bytes(0xff, 0xfe, 0x61, 0))).toBeNull(); // UTF-16 with its mark
    expect(checkMagic('a.txt', 'text', text('%PDF-1.7'))).toMatch(/a PDF document/);
  });
});

describe('shortcuts', () => {
  const key = (k: string, target: object = {}, mods: Partial<KeyPress> = {}): KeyPress => ({
    key: k,
    target,
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    defaultPrevented: false,
    ...mods,
  });
  it('maps one key to a screen, ignoring modifiers', () => {
    expect(shortcutFor(key('h'))?.target).toBe('#/history');
    expect(shortcutFor(key('?'))?.target).toBe('help');
    expect(shortcutFor(key('h', {}, { ctrlKey: true }))).toBeNull();
    expect(shortcutFor(key('x'))).toBeNull();
    expect(shortcutFor(key('h', { tagName: 'INPUT' }))).toBeNull();
    expect(shortcutFor(key('h', { tagName: 'INPUT', type: 'search' }))).toBeNull();
    expect(shortcutFor(key('h', { tagName: 'INPUT', type: 'radio' }))?.target).toBe('#/history');
    expect(shortcutFor(key('h', { tagName: 'DIV', isContentEditable: true }))).toBeNull();
    expect(shortcutFor(key('h', { tagName: 'BUTTON' }))?.label).toBe('History');
  });
});
