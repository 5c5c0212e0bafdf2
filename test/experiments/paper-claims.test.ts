// The paper check's verdict logic on synthetic experiment results shaped like
// the analyses' (core/services/experiments/analyze-*.ts): every verdict is
// reachable for every kind of claim, the newest finished matching experiment
// is the one read, unfinished ones are named for resuming, and the report
// mentions every claim with figures that decode as PNGs.
import { loadImage } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { paperReportFiles } from '../../core/export/paper-report-files.ts';
import type { ClaimCheck, ClaimDataset, ClaimEvidence, ClaimExperiment } from '../../core/ml/experiments/paper-check/claim-types.ts';
import { checkPaperClaims, PAPER_CLAIMS } from '../../core/ml/experiments/paper-check/paper-claims.ts';
import { copyBaseline } from '../../core/ml/experiments/paper-check/bai-claims.ts';
import { EQUAL_WITHIN, fitDecay, NEAR_WITHIN, percent, verdictForGap } from '../../core/ml/experiments/paper-check/verdict.ts';
import type { ExperimentResult, ResultTable } from '../../core/ml/experiments/result-types.ts';

const brackets: ClaimDataset = { id: 1, name: 'brackets', kind: 'text', level: 'char', task: null };
const copy: ClaimDataset = { id: 2, name: 'copy-100', kind: 'synthetic', level: null, task: { task: 'copy', length: 100 } };
const adding: ClaimDataset = { id: 3, name: 'adding-200', kind: 'synthetic', level: null, task: { task: 'adding', length: 200 } };
const jsb: ClaimDataset = { id: 4, name: 'jsb-chorales', kind: 'music', level: null, task: null };
const ptb: ClaimDataset = { id: 5, name: 'ptb-char', kind: 'text', level: 'char', task: null };

/** The 'runs' table as runsTable() writes it: [role, model, best valid loss]. */
function runs(unit: string, members: [string, string, number][]): ResultTable {
  return {
    name: 'runs',
    title: 'Member runs',
    columns: [
      'role',
      'run',
      'model',
      'parameters',
      'status',
      'steps',
      `final train loss (${unit})`,
      `final valid loss (${unit})`,
      `best valid loss (${unit})`,
      'train time (s)',
    ],
    rows: members.map(([role, model, loss], i) => [role, i + 1, model, 10_000, 'completed', 100, loss, loss * 1.01, loss, 1.5]),
  };
}
const curve = {
  name: 'valid-loss',
  title: 'Valid loss',
  x: { label: 'step', log: false },
  y: { label: 'valid loss', log: false },
  series: [
    {
      name: 'a',
      points: [
        [1, 2],
        [2, 1],
      ] as [number, number][],
    },
  ],
};
const result = (tables: ResultTable[]): ExperimentResult => ({ notes: [], tables, plots: [curve] });

let nextId = 100;
function experiment(
  kind: string,
  dataset: ClaimDataset | null,
  res: ExperimentResult | null,
  config: Record<string, unknown> = {},
  status = 'completed',
): ClaimExperiment {
  return {
    id: nextId--,
    kind,
    name: null,
    status,
    config: { datasetId: dataset?.id, train: { steps: 100 }, ...config },
    result: res,
    dataset,
    createdAt: '2026-12-03T00:00:00Z',
  };
}
const evidence = (experiments: ClaimExperiment[], extra: Partial<ClaimEvidence> = {}): ClaimEvidence => ({
  experiments,
  datasets: [brackets, copy, adding, jsb, ptb],
  recurrentRuns: [],
  ...extra,
});
const check = (id: string, ev: ClaimEvidence): ClaimCheck => checkPaperClaims(ev).find((c) => c.id === id)!;

/** A truncation sweep: relative distances rel(k), losses at k, and the full model's loss. */
function sweep(rel: (k: number) => number, lossAt: (k: number) => number, full: number): ExperimentResult {
  const ks = [1, 2, 4, 8, 16, 32];
  return result([
    {
      name: 'truncation',
      title: 't',
      columns: ['k', 'valid loss (nats)', 'distance ‖y − yᵏ‖', 'relative distance'],
      rows: [...ks.map((k) => [k, lossAt(k), rel(k) * 3, rel(k)]), ['full', full, 0, 0]],
    },
    runs('nats', [['model', 'rnn', full]]),
  ]);
}

describe('verdict thresholds', () => {
  it('map a relative gap to holds / holds within X % / does not hold', () => {
    expect(verdictForGap(-0.05, 0)).toEqual({ kind: 'holds', text: 'holds' });
    expect(verdictForGap(EQUAL_WITHIN, EQUAL_WITHIN).kind).toBe('holds');
    expect(verdictForGap(0.042, 0)).toEqual({ kind: 'holds-within', text: 'holds within 4.2 %' });
    expect(verdictForGap(NEAR_WITHIN + 0.001, 0).kind).toBe('does-not-hold');
    expect(verdictForGap(Number.NaN, 0).kind).toBe('does-not-hold');
    expect([0.123, 0.042, 0.0042, 1e-9, 0].map(percent)).toEqual(['12 %', '4.2 %', '0.4 %', '< 0.01 %', '0 %']);
  });

  it('fit λ of a geometric decay, ignoring points at round-off', () => {
    const points = [1, 2, 4, 8, 16, 64].map((k) => ({ k, relative: Math.max(0.5 * 0.7 ** k, 1e-9) }));
    expect(fitDecay(points)).toBeCloseTo(0.7, 6);
    expect(fitDecay([{ k: 1, relative: 1e-7 }])).toBeNull();
  });
});

describe('claims on an empty history', () => {
  it('are all "not run yet", each with what would run it', () => {
    const checks = checkPaperClaims(evidence([]));
    expect(checks.map((c) => c.id)).toEqual(PAPER_CLAIMS.map((c) => c.id));
    for (const c of checks) {
      expect(c.kind).toBe('not-run');
      expect(c.verdict).toBe('not run yet');
      expect(c.run).toMatch(/^seqlab /);
    }
    // The presets fixed from the papers (core/ml/experiments/presets.ts) are what one click runs.
    expect(check('tcn-copy-memory', evidence([])).start).toMatchObject({
      kind: 'memory',
      dataset: 'copy-100',
      config: { preset: 'copy-100' },
    });
    expect(check('tcn-adding', evidence([])).run).toBe(
      `seqlab experiment run memory --dataset adding-200 --config '{"preset":"adding-200"}'`,
    );
    expect(check('stability-costs-little', evidence([])).start).toMatchObject({
      kind: 'stability',
      dataset: 'ptb-char',
      config: { preset: 'stability-ptb' },
    });
  });

  it('tell to import JSB or PTB first when the history has neither', () => {
    const ev: ClaimEvidence = { experiments: [], datasets: [brackets], recurrentRuns: [] };
    const music = check('tcn-jsb', ev);
    expect(music.start).toBeNull();
    expect(music.run).toBe('seqlab datasets import ../shared/data/jsb-chorales.json --name jsb-chorales');
    expect(check('tcn-char-ptb', ev).run).toMatch(/ptb\.valid\.txt/);
    // The stability claims fall back to the built-in corpus and say so.
    expect(check('stability-costs-little', ev).start?.dataset).toBe('brackets');
  });

  it('sweep a stable run first when one is trained', () => {
    const ev = evidence([], {
      recurrentRuns: [
        { id: 7, modelKind: 'lstm', datasetId: 1, stable: false },
        { id: 5, modelKind: 'rnn', datasetId: 1, stable: true },
      ],
    });
    const c = check('stable-is-truncated', ev);
    expect(c.start).toMatchObject({ kind: 'truncation', config: { runId: 5 } });
    expect(c.run).toBe('seqlab experiment run truncation --run 5');
  });
});

describe('Miller & Hardt', () => {
  it('truncation: geometric decay to round-off and equal loss holds; no decay does not; a loss gap holds within it', () => {
    const holds = check(
      'stable-is-truncated',
      evidence([
        experiment(
          'truncation',
          brackets,
          sweep(
            (k) => Math.max(0.3 * 0.5 ** k, 1e-8),
            () => 2.0,
            2.0,
          ),
          { runId: 3 },
        ),
      ]),
    );
    expect(holds.kind).toBe('holds');
    expect(holds.lab).toMatch(/λ ≈ 0\.500/);
    expect(holds.figure).not.toBeNull();
    const flat = check(
      'stable-is-truncated',
      evidence([
        experiment(
          'truncation',
          brackets,
          sweep(
            () => 0.4,
            () => 2.5,
            2.0,
          ),
          { runId: 3 },
        ),
      ]),
    );
    expect(flat.kind).toBe('does-not-hold');
    expect(flat.reason).toMatch(/does not fall geometrically/);
    const within = check(
      'stable-is-truncated',
      evidence([
        experiment(
          'truncation',
          brackets,
          sweep(
            (k) => 0.5 * 0.8 ** k,
            (k) => 2.0 * (1 + 0.05 * 0.9 ** (k - 32)),
            2.0,
          ),
          { runId: 3 },
        ),
      ]),
    );
    expect(within.verdict).toBe('holds within 5.0 %');
  });

  it('stability: best stable member per model against the unconstrained one, the worst model decides', () => {
    const stab = (rnnStable: number) =>
      experiment(
        'stability',
        brackets,
        result([
          runs('nats', [
            ['unconstrained', 'rnn', 2.0],
            ['stable-0.8', 'rnn', rnnStable * 1.5],
            ['stable-0.9', 'rnn', rnnStable],
            ['lstm-unconstrained', 'lstm', 1.5],
            ['lstm-stable', 'lstm', 1.5],
          ]),
        ]),
        { lambdas: [0.8, 0.9, null] },
      );
    const holds = check('stability-costs-little', evidence([stab(1.99)]));
    expect(holds.kind).toBe('holds');
    expect(holds.lab).toContain('stable-0.9');
    expect(holds.settings).toContain('λ = 0.8, 0.9, none');
    expect(check('stability-costs-little', evidence([stab(2.1)])).verdict).toBe('holds within 5.0 %');
    expect(check('stability-costs-little', evidence([stab(2.6)])).kind).toBe('does-not-hold');
  });

  it('stability: the reason gives each model its own verdict, and says whether the deciding member stopped on a plateau or at its cap', () => {
    const sweepTable = (lstmEnded: string): ResultTable => ({
      name: 'lambda-sweep',
      title: 'What stability cost',
      columns: ['role', 'model', 'ended by'],
      rows: [
        ['rnn-unconstrained', 'rnn', 'plateau'],
        ['rnn-lambda-0.99', 'rnn', 'steps'],
        ['lstm-unconstrained', 'lstm', 'plateau'],
        ['lstm-stable', 'lstm', lstmEnded],
      ],
    });
    const members: [string, string, number][] = [
      ['rnn-unconstrained', 'rnn', 1.366],
      ['rnn-lambda-0.99', 'rnn', 1.412],
      ['lstm-unconstrained', 'lstm', 1.334],
      ['lstm-stable', 'lstm', 2.207],
    ];
    const at = (ended: string) =>
      check(
        'stability-costs-little',
        evidence([experiment('stability', ptb, result([runs('nats', members), sweepTable(ended)]), { lambdas: [0.99] })]),
      );
    const plateau = at('plateau');
    expect(plateau.kind).toBe('does-not-hold');
    expect(plateau.reason).toMatch(/^the best stable lstm \(lstm-stable\) is 65 % worse/);
    expect(plateau.reason).toContain('stopped on a validation plateau');
    expect(plateau.reason).toContain('the best stable rnn (rnn-lambda-0.99) is 3.4 % worse than its unconstrained one: holds within 3.4 %');
    expect(at('steps').reason).toContain('still improving when its step or time cap ended it');
  });

  it('read the λ sweep of a stability experiment: its stable members decide both claims', () => {
    const roles: [string, string, number][] = [
      ['rnn-unconstrained', 'rnn', 2.0],
      ['rnn-lambda-0.8', 'rnn', 2.3],
      ['rnn-lambda-0.9', 'rnn', 2.06],
      ['lstm-unconstrained', 'lstm', 1.5],
      ['lstm-stable', 'lstm', 1.53],
    ];
    const member = (role: string, rel: (k: number) => number, gap: number) => [
      ...[1, 2, 4, 8, 16, 32].map((k) => [role, k, 2 * (1 + gap), rel(k) * 3, rel(k)]),
      [role, 'full', 2, 0, 0],
    ];
    const truncation: ResultTable = {
      name: 'truncation',
      title: 'per member',
      columns: ['role', 'k', 'valid loss (nats)', 'distance ‖y − yᵏ‖', 'relative distance'],
      // The unconstrained RNN is not contractive; every stable member is, the LSTM's k = 32 loss 4 % above its full loss.
      rows: [
        ...member('rnn-unconstrained', () => 0.5, 0.3),
        ...member('rnn-lambda-0.8', (k) => 0.3 * 0.6 ** k, 0),
        ...member('rnn-lambda-0.9', (k) => 0.3 * 0.7 ** k, 0),
        ...member('lstm-stable', (k) => 0.3 * 0.8 ** k, 0.04),
      ],
    };
    const x = experiment('stability', ptb, result([runs('nats', roles), truncation]), { kinds: ['rnn', 'lstm'], lambdas: [0.8, 0.9] });
    const cost = check('stability-costs-little', evidence([x]));
    expect(cost.verdict).toBe('holds within 3.0 %'); // rnn-lambda-0.9 is 3 % worse, the LSTM 2 %: the worse model decides
    expect(cost.reason).toContain('rnn-lambda-0.9');
    const trunc = check('stable-is-truncated', evidence([x]));
    expect(trunc.experimentId).toBe(x.id);
    expect(trunc.verdict).toBe('holds within 4.0 %');
    expect(trunc.reason).toMatch(/^worst of 3 stable models: lstm-stable/);
    expect(trunc.lab).toContain('rnn-unconstrained'); // listed, but it does not decide
  });

  it('truncated vs recurrent: reads the closeness table', () => {
    const tvr = (twin: number) =>
      experiment(
        'truncated-vs-recurrent',
        brackets,
        result([
          runs('nats', [
            ['recurrent', 'gru', 2.0],
            ['truncated', 'truncated', twin],
          ]),
          {
            name: 'closeness',
            title: 'c',
            columns: ['measure', 'value'],
            rows: [
              ['valid loss, recurrent (nats)', 2.0],
              ['valid loss, truncated twin (nats)', twin],
              ['relative to mean ‖y_recurrent‖', 0.01],
            ],
          },
        ]),
        { base: { kind: 'gru' }, k: 8 },
      );
    expect(check('truncated-trains-as-well', evidence([tvr(2.01)])).kind).toBe('holds');
    expect(check('truncated-trains-as-well', evidence([tvr(2.1)])).verdict).toBe('holds within 5.0 %');
    const no = check('truncated-trains-as-well', evidence([tvr(3.0)]));
    expect(no.kind).toBe('does-not-hold');
    expect(no.settings).toContain('gru against its 8-truncated twin');
  });
});

describe('Bai et al.', () => {
  const rvc = (d: ClaimDataset, unit: string, tcn: number, lstm: number, gru: number, status = 'completed') =>
    experiment(
      'recurrent-vs-conv',
      d,
      status === 'completed'
        ? result([
            runs(unit, [
              ['tcn', 'tcn', tcn],
              ['lstm', 'lstm', lstm],
              ['gru', 'gru', gru],
            ]),
          ])
        : null,
      { targetParams: 16_000 },
      status,
    );

  it('copy memory: a solved TCN below the recurrent models holds; an unsolved one does not, even when ahead', () => {
    const base = copyBaseline(copy)!;
    expect(base).toBeCloseTo((10 * Math.log(8)) / 120, 12);
    expect(check('tcn-copy-memory', evidence([rvc(copy, 'nats', 0.001, base, base)])).kind).toBe('holds');
    const unsolved = check('tcn-copy-memory', evidence([rvc(copy, 'nats', base * 0.9, base, base)]));
    expect(unsolved.kind).toBe('does-not-hold');
    expect(unsolved.reason).toMatch(/did not solve the task/);
    expect(check('tcn-copy-memory', evidence([rvc(copy, 'nats', 0.0103, 0.01, 0.2)])).verdict).toBe('holds within 3.0 %');
  });

  it('copy memory from the memory preset: the memory-task table gives the baseline and recall accuracy', () => {
    const memoryTask: ResultTable = {
      name: 'memory-task',
      title: 'm',
      columns: [
        'role',
        'model',
        'parameters',
        'receptive field',
        'steps',
        'train time (s)',
        'ended by',
        'final valid loss (nats)',
        'best valid loss (nats)',
        'recall accuracy',
        'baseline (nats)',
        'loss / baseline',
        'solved',
      ],
      rows: [
        ['context-120', 'tcn', 5000, 211, 3000, 480, 'time', 1e-4, 1e-4, 1, 0.1733, 6e-4, 'yes'],
        ['lstm', 'lstm', 5100, null, 2000, 480, 'time', 0.17, 0.17, 0.12, 0.1733, 0.98, 'no'],
      ],
    };
    const x = experiment(
      'memory',
      copy,
      result([
        runs('nats', [
          ['context-120', 'tcn', 1e-4],
          ['lstm', 'lstm', 0.17],
        ]),
        memoryTask,
      ]),
      { preset: 'copy-100' },
    );
    const c = check('tcn-copy-memory', evidence([x]));
    expect(c.kind).toBe('holds');
    expect(c.lab).toContain('memoryless baseline 0.1733');
    expect(c.lab).toContain('recall accuracy TCN 1, LSTM 0.12');
  });

  it('adding, JSB and PTB: the best recurrent model is the reference', () => {
    expect(check('tcn-adding', evidence([rvc(adding, 'MSE', 0.002, 0.16, 0.001)])).kind).toBe('does-not-hold');
    expect(check('tcn-adding', evidence([rvc(adding, 'MSE', 0.001, 0.16, 0.0011)])).kind).toBe('holds');
    const music = check('tcn-jsb', evidence([rvc(jsb, 'nats per step', 8.1, 8.45, 8.43)]));
    expect(music.kind).toBe('holds');
    expect(music.lab).toContain('TCN 8.1');
    const text = check('tcn-char-ptb', evidence([rvc(ptb, 'nats', 0.91, 0.94, 0.95)]));
    expect(text.kind).toBe('holds');
    expect(text.lab).toContain('bpc');
    // A char corpus that is not PTB still counts, and the reason says what it was.
    expect(check('tcn-char-ptb', evidence([rvc(brackets, 'nats', 1, 1.2, 1.3)])).reason).toMatch(/not PTB/);
  });

  it('read the newest completed matching experiment, and name an unfinished one for resuming', () => {
    const older = rvc(copy, 'nats', 0.5, 0.17, 0.17);
    const newer = rvc(copy, 'nats', 0.001, 0.17, 0.17);
    const onOther = rvc(adding, 'MSE', 0.5, 0.1, 0.1);
    expect(check('tcn-copy-memory', evidence([onOther, newer, older])).experimentId).toBe(newer.id);
    const failed = rvc(copy, 'nats', 0, 0, 0, 'failed');
    const c = check('tcn-copy-memory', evidence([failed]));
    expect(c.kind).toBe('not-run');
    expect(c.run).toBe(`seqlab experiment resume ${failed.id}`);
    expect(check('tcn-copy-memory', evidence([rvc(copy, 'nats', 0, 0, 0, 'running'), older])).experimentId).toBe(older.id);
  });
});

describe('report files', () => {
  it('hold report.md naming every claim and its verdict, claims.json, and figures that decode as PNGs', async () => {
    const checks = checkPaperClaims(
      evidence([
        rvc2(),
        experiment(
          'truncation',
          brackets,
          sweep(
            (k) => 0.3 * 0.5 ** k,
            () => 2,
            2,
          ),
          { runId: 3 },
        ),
      ]),
    );
    const files = paperReportFiles(checks, { generatedAt: '2026-12-03T00:00:00Z', version: '0.1.0' });
    const md = files['report.md'] as string;
    for (const c of checks) {
      expect(md).toContain(c.claim);
      expect(md).toContain(c.verdict);
    }
    const pngs = Object.keys(files).filter((f) => f.endsWith('.png'));
    expect(pngs.sort()).toEqual(['claim-stable-is-truncated.png', 'claim-tcn-copy-memory.png']);
    for (const f of pngs) {
      expect(md).toContain(`](${f})`);
      const image = await loadImage(Buffer.from(files[f] as Uint8Array));
      expect([image.width, image.height]).toEqual([1000, 600]);
    }
    expect(JSON.parse(files['claims.json'] as string).claims).toHaveLength(PAPER_CLAIMS.length);
  });
});

function rvc2(): ClaimExperiment {
  return experiment(
    'recurrent-vs-conv',
    copy,
    result([
      runs('nats', [
        ['tcn', 'tcn', 0.001],
        ['lstm', 'lstm', 0.17],
      ]),
    ]),
  );
}
