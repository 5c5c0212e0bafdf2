// `seqlab experiment` end to end in child processes on a real history: a
// stability experiment (2 members × 20 steps on the built-in brackets corpus),
// its tables, its CSV + PNG export, a truncation sweep of one of its runs,
// kill -9 in the middle of an experiment and resume, and refusals of bad input.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLines, seqlab, spawnAndKill, tempHome } from '../helpers/cli.ts';

const home = tempHome();
const SMALL = ['--hidden', '16', '--batch', '4', '--seq-len', '16', '--valid-every', '10', '--valid-tokens', '256', '--backend', 'cpu'];

interface Summary {
  id: number;
  status: string;
  error: string | null;
  members: { runId: number; role: string; status: string; step: number }[];
  result: { notes: string[]; tables: { name: string; columns: string[]; rows: unknown[][] }[]; plots: { name: string }[] } | null;
}

/** PNG width and height from the IHDR chunk. */
function pngSize(bytes: Buffer): [number, number] {
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe.sequential('seqlab experiment', () => {
  it('runs a stability experiment: both members train with the same seed, then the analysis fills the tables', () => {
    const r = seqlab(home, [
      '--json',
      'experiment',
      'run',
      'stability',
      '--dataset',
      'brackets',
      '--name',
      'rnn pair',
      '--steps',
      '20',
      '--lambda',
      '0.8',
      ...SMALL,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.filter((l) => l['type'] === 'member').map((l) => l['role'])).toEqual(['unconstrained', 'stable']);
    expect(lines.filter((l) => l['type'] === 'progress')).toHaveLength(40);
    expect(lines.filter((l) => l['type'] === 'experiment').map((l) => `${l['status']}/${l['phase']}`)).toEqual([
      'running/training',
      'running/analyzing',
      'completed/null',
    ]);
    const final = lines.at(-1) as unknown as Summary;
    expect(final).toMatchObject({ id: 1, status: 'completed', error: null });
    expect(final.members.map((m) => [m.role, m.status, m.step])).toEqual([
      ['unconstrained', 'completed', 20],
      ['stable', 'completed', 20],
    ]);
    const runs = final.result!.tables.find((t) => t.name === 'runs')!;
    const bound = runs.columns.indexOf('final stability bound');
    expect(runs.rows.map((row) => row[0])).toEqual(['unconstrained', 'stable']);
    expect(runs.rows[1]![bound] as number).toBeLessThanOrEqual(0.8 + 1e-4); // the projection held
    expect(final.result!.plots.map((p) => p.name)).toEqual([
      'valid-loss',
      'train-loss',
      'stability-bound',
      'contraction',
      'loss-vs-lambda',
      'contraction-vs-lambda',
      'truncation-distance',
    ]);
    expect(final.result!.tables.map((t) => t.name)).toEqual(['runs', 'lambda-sweep', 'truncation']);
  });

  it('shows the result tables and exports CSV and PNG files atomically', () => {
    const shown = seqlab(home, ['experiment', 'show', '1']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/experiment 1 "rnn pair": Stable vs unstable, completed/);
    expect(shown.stdout).toMatch(/Member runs {2}\(runs\.csv\)/);
    expect(shown.stdout).toMatch(/^stable +2 +rnn /m);

    const out = path.join(home, 'export-1');
    const r = seqlab(home, ['--json', 'experiment', 'export', '1', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const files = fs.readdirSync(out).sort();
    expect(files).toEqual([
      'contraction-points.csv',
      'contraction-vs-lambda-points.csv',
      'contraction-vs-lambda.png',
      'contraction.png',
      'experiment.json',
      'lambda-sweep.csv',
      'loss-vs-lambda-points.csv',
      'loss-vs-lambda.png',
      'runs.csv',
      'stability-bound-points.csv',
      'stability-bound.png',
      'train-loss-points.csv',
      'train-loss.png',
      'truncation-distance-points.csv',
      'truncation-distance.png',
      'truncation.csv',
      'valid-loss-points.csv',
      'valid-loss.png',
    ]);
    expect(jsonLines(r.stdout)[0]).toMatchObject({ outDir: out, files, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    for (const png of files.filter((f) => f.endsWith('.png'))) {
      const bytes = fs.readFileSync(path.join(out, png));
      expect(bytes.subarray(0, 8).toString('hex'), png).toBe('89504e470d0a1a0a');
      expect(pngSize(bytes)).toEqual([1000, 600]);
      expect(bytes.length, png).toBeGreaterThan(8000); // axes, text and lines, not a blank canvas
    }
    const csv = fs.readFileSync(path.join(out, 'runs.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^role,run,model,parameters,status,steps,final train loss \(nats\),/);
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(['unconstrained', 'stable']);
    expect(fs.readFileSync(path.join(out, 'valid-loss-points.csv'), 'utf8')).toMatch(
      /^series,step,valid loss \(nats\)\nunconstrained,10,\d/,
    );
    expect(JSON.parse(fs.readFileSync(path.join(out, 'experiment.json'), 'utf8'))).toMatchObject({
      id: 1,
      kind: 'stability',
      config: { lambda: 0.8, train: { steps: 20 } },
    });
    // The folder is never overwritten.
    const again = seqlab(home, ['experiment', 'export', '1', '--out', out]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already exists and is not an empty folder/);
  });

  it('sweeps the truncation of a trained member run', () => {
    const r = seqlab(home, ['--json', 'experiment', 'run', 'truncation', '--run', '1', '--ks', '1,2,4,8,16', '--valid-tokens', '256']);
    expect(r.code, r.stderr).toBe(0);
    const final = jsonLines(r.stdout).at(-1) as unknown as Summary;
    expect(final).toMatchObject({ id: 2, status: 'completed', members: [{ runId: 1, role: 'model', status: 'completed' }] });
    const t = final.result!.tables.find((x) => x.name === 'truncation')!;
    expect(t.rows.map((row) => row[0])).toEqual([1, 2, 4, 8, 16, 'full']);
    const distances = t.rows.map((row) => row[2] as number);
    expect(distances.every((d) => Number.isFinite(d) && d >= 0)).toBe(true);
    expect(distances[4]!).toBeLessThan(distances[0]!);
    expect(t.rows.at(-1)!.slice(2)).toEqual([0, 0]);
  });

  it('an experiment killed mid-way shows as failed, and resume trains only what is left', async () => {
    const args = ['--json', 'experiment', 'run', 'stability', '--dataset', 'brackets', '--steps', '20', ...SMALL];
    await spawnAndKill(home, args, (l) => l.includes('"type":"member"') && l.includes('"index":1'));
    const list = jsonLines(seqlab(home, ['--json', 'experiment', 'list']).stdout)[0] as unknown as Summary[];
    const killed = list.find((e) => e.id === 3)!;
    expect(killed).toMatchObject({ status: 'failed', error: expect.stringMatching(/^process ended without finishing/) });
    expect(killed.members[0]).toMatchObject({ role: 'unconstrained', status: 'completed', step: 20 });

    const r = seqlab(home, ['--json', 'experiment', 'resume', '3']);
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.filter((l) => l['type'] === 'member').map((l) => l['role'])).toEqual(['stable']);
    expect(lines.filter((l) => l['type'] === 'started').map((l) => l['runId'])).toEqual([killed.members[1]!.runId]);
    expect(lines.at(-1)).toMatchObject({
      id: 3,
      status: 'completed',
      members: [
        { status: 'completed', step: 20 },
        { status: 'completed', step: 20 },
      ],
    });
  });

  /** Each case exits non-zero with one stderr line matching its message. */
  const refuses = (cases: [string[], RegExp][]) => {
    for (const [args, message] of cases) {
      const r = seqlab(home, args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n').filter(Boolean), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  };

  it('refuses bad settings with one line naming the flag and field, and writes nothing', () => {
    refuses([
      [['experiment', 'run', 'vibes'], /<kind> must be one of truncation, stability, recurrent-vs-conv, memory, truncated-vs-recurrent/],
      [
        ['experiment', 'run', 'stability', '--lambda', '-1', '--steps', '0'],
        /--lambda \(lambda\): must be a number above 0 and at most 10; --steps \(train\.steps\): must be a whole number from 1/,
      ],
      [['experiment', 'run', 'memory', '--lambda', '0.5'], /--lambda: does not apply to a memory experiment \(only to stability\)/],
      [
        ['experiment', 'run', 'memory', '--contexts', '1,2'],
        /--contexts \(contexts\): 1 is below the smallest receptive field of this tcn/,
      ],
      [
        ['experiment', 'run', 'recurrent-vs-conv', '--target-params', '150'],
        /--target-params \(targetParams\): no lstm width gives 150 parameters within 5%/,
      ],
      [['experiment', 'run', 'stability', '--config', '{nope'], /--config: not valid JSON/],
    ]);
    expect((jsonLines(seqlab(home, ['--json', 'experiment', 'list']).stdout)[0] as unknown as unknown[]).length).toBe(3);
  });

  it('refuses unknown or unusable references', () => {
    refuses([
      [['experiment', 'run', 'truncation', '--run', '99'], /--run \(runId\): no run 99/],
      [['experiment', 'run', 'truncation', '--run', '1', '--dataset', 'brackets'], /--dataset: does not apply to a truncation experiment/],
      [['experiment', 'show', '42'], /no experiment "42"; list them with: seqlab experiment list/],
      [['experiment', 'resume', '1'], /experiment 1 already completed/],
    ]);
  });
});
