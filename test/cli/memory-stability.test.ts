// Issue 18 end to end through `seqlab experiment` in child processes on a
// real history: the memory experiment with matched recurrent members on copy
// memory T = 10 (its memory-task table; that a TCN solves T = 10 is shown at
// the level of the trainer in test/experiments/memory-tasks.test.ts), and a stability λ
// sweep that is interrupted twice — Ctrl-C, then kill -9 in the middle of a
// member — and resumed each time: finished members are reused, the
// interrupted one continues from its checkpoint, and the analysis reports
// loss against λ, the measured contraction and a truncation sweep per member.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, jsonLines, seqlab, tempHome } from '../helpers/cli.ts';

const home = tempHome();

interface Table {
  name: string;
  columns: string[];
  rows: (number | string | null)[][];
}
interface Summary {
  id: number;
  status: string;
  members: { runId: number; role: string; status: string; step: number }[];
  result: { notes: string[]; tables: Table[]; plots: { name: string }[] } | null;
}

/** Column `name` of a table, by row role. */
function column(t: Table, name: string): Record<string, number | string | null> {
  const j = t.columns.indexOf(name);
  expect(j, `${t.name} has a column "${name}"`).toBeGreaterThanOrEqual(0);
  return Object.fromEntries(t.rows.map((r) => [String(r[0]), r[j]!]));
}

/** Runs seqlab with --json until `until(line)` holds, then sends `signal`; resolves with the JSON lines once it exited. */
function runUntil(
  args: string[],
  until: (line: Record<string, unknown>) => boolean,
  signal: NodeJS.Signals,
): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--json', ...args], { env: { ...process.env, SEQLAB_HOME: home, NO_COLOR: '1' } });
    const lines: Record<string, unknown>[] = [];
    let buf = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const text = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (!text.startsWith('{')) continue;
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        if (!sent && until(line)) {
          sent = true;
          child.kill(signal);
        }
      }
    });
    child.on('close', () =>
      sent ? resolve(lines) : reject(new Error(`seqlab ended before the ${signal} point:\n${JSON.stringify(lines.slice(-5))}`)),
    );
  });
}

describe.sequential('issue 18 experiments through the CLI', () => {
  it('memory on copy memory T = 10: a TCN covering the sequence and a matched LSTM, read against the baseline with their recall', () => {
    expect(
      seqlab(home, [
        'datasets',
        'synth',
        '--task',
        'copy',
        '--length',
        '10',
        '--train-size',
        '4000',
        '--valid-size',
        '100',
        '--name',
        'copy-10',
      ]).code,
    ).toBe(0);
    const r = seqlab(home, [
      '--json',
      'experiment',
      'run',
      'memory',
      '--dataset',
      'copy-10',
      '--model',
      'tcn',
      '--contexts',
      '30',
      '--fit',
      'at-least',
      '--kernel',
      '8',
      '--hidden',
      '24',
      '--dropout',
      '0',
      '--matched',
      'lstm',
      '--steps',
      '40',
      '--lr',
      '0.01',
      '--valid-every',
      '20',
      '--valid-tokens',
      '3000',
      '--backend',
      'cpu',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const final = jsonLines(r.stdout).at(-1) as unknown as Summary;
    expect(final.members.map((m) => m.role)).toEqual(['context-30', 'lstm']);
    const t = final.result!.tables.find((x) => x.name === 'memory-task')!;
    expect(column(t, 'receptive field')['context-30']).toBe(50); // one convolution per block here: 1 + 7·(2³ − 1), the fewest levels that cover 30 steps
    const params = column(t, 'parameters');
    expect(Math.abs((params['lstm'] as number) / (params['context-30'] as number) - 1)).toBeLessThanOrEqual(0.05);
    expect(column(t, 'baseline (nats)')['context-30']).toBeCloseTo((10 * Math.log(8)) / 30, 4);
    const recall = column(t, 'recall accuracy');
    for (const role of ['context-30', 'lstm']) expect(recall[role] as number).toBeGreaterThanOrEqual(0);
    const loss = column(t, 'final valid loss (nats)')['context-30'] as number;
    expect(column(t, 'solved')['context-30']).toBe(loss < 0.01 && (recall['context-30'] as number) > 0.99 ? 'yes' : 'no');
    expect(column(t, 'ended by')).toEqual({ 'context-30': 'steps', lstm: 'steps' });
    expect(final.result!.plots.map((p) => p.name)).toEqual(expect.arrayContaining(['valid-loss-vs-time', 'recall-accuracy']));
    expect(final.result!.notes.some((n) => n.startsWith('memory task: solved = valid loss < 0.01 nats'))).toBe(true);
  }, 400_000);

  it('a λ sweep survives Ctrl-C and kill -9 mid-member: resume reuses finished members and continues from checkpoints', async () => {
    const args = [
      'experiment',
      'run',
      'stability',
      '--dataset',
      'brackets',
      '--lambdas',
      '0.5,0.9,none',
      '--hidden',
      '16',
      '--steps',
      '80',
      '--batch',
      '4',
      '--seq-len',
      '16',
      '--valid-every',
      '10',
      '--checkpoint-every',
      '10',
      '--valid-tokens',
      '256',
      '--backend',
      'cpu',
      '--config',
      '{"truncationKs":[1,2,4,8,16],"truncationTokens":256}',
    ];
    const atStep = (index: number, step: number) => (l: Record<string, unknown>) =>
      l['type'] === 'experiment-progress' && l['index'] === index && (l['step'] as number) >= step;
    // Ctrl-C in member 2 (rnn-lambda-0.5): it checkpoints and the experiment ends stopped.
    const first = await runUntil(args, atStep(1, 10), 'SIGINT');
    const id = first.find((l) => l['type'] === 'experiment')!['id'] as number;
    expect(first.filter((l) => l['type'] === 'member').map((l) => l['role'])).toEqual(['rnn-unconstrained', 'rnn-lambda-0.5']);
    expect(
      first.filter((l) => l['type'] === 'experiment-progress').every((l) => l['etaSeconds'] === null || (l['etaSeconds'] as number) >= 0),
    ).toBe(true);
    const stopped = jsonLines(seqlab(home, ['--json', 'experiment', 'show', String(id)]).stdout)[0] as unknown as Summary;
    expect(stopped.status).toBe('stopped');
    expect(stopped.members.map((m) => m.status)).toEqual(['completed', 'stopped', 'queued']);

    // Resume, then kill -9 in the middle of member 3 (rnn-lambda-0.9), after its step-10 checkpoint.
    const second = await runUntil(['experiment', 'resume', String(id)], atStep(2, 20), 'SIGKILL');
    expect(second.filter((l) => l['type'] === 'member').map((l) => l['role'])).toEqual(['rnn-lambda-0.5', 'rnn-lambda-0.9']);
    expect((second.find((l) => l['type'] === 'started') as { resumedFrom: number }).resumedFrom).toBeGreaterThanOrEqual(10);

    // The next start finds the process gone: failed, then resumed to the end.
    const r = seqlab(home, ['--json', 'experiment', 'resume', String(id)]);
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.filter((l) => l['type'] === 'member').map((l) => l['role'])).toEqual(['rnn-lambda-0.9']);
    expect((lines.find((l) => l['type'] === 'started') as { resumedFrom: number }).resumedFrom).toBeGreaterThanOrEqual(10);
    const final = lines.at(-1) as unknown as Summary;
    expect(final.status).toBe('completed');
    expect(final.members.map((m) => [m.role, m.status, m.step])).toEqual([
      ['rnn-unconstrained', 'completed', 80],
      ['rnn-lambda-0.5', 'completed', 80],
      ['rnn-lambda-0.9', 'completed', 80],
    ]);

    const sweep = final.result!.tables.find((t) => t.name === 'lambda-sweep')!;
    expect(column(sweep, 'lambda')).toEqual({ 'rnn-unconstrained': null, 'rnn-lambda-0.5': 0.5, 'rnn-lambda-0.9': 0.9 });
    const bound = column(sweep, 'final stability bound');
    expect(bound['rnn-lambda-0.5'] as number).toBeLessThanOrEqual(0.5 + 1e-4);
    expect(bound['rnn-lambda-0.9'] as number).toBeLessThanOrEqual(0.9 + 1e-4);
    const contraction = column(sweep, 'final contraction');
    expect(contraction['rnn-lambda-0.5'] as number).toBeLessThan(contraction['rnn-lambda-0.9'] as number);
    expect(column(sweep, 'vs unconstrained (%)')['rnn-unconstrained']).toBe(0);
    const truncation = final.result!.tables.find((t) => t.name === 'truncation')!;
    expect(truncation.rows.filter((row) => row[0] === 'rnn-lambda-0.5').map((row) => row[1])).toEqual([1, 2, 4, 8, 16, 'full']);
    expect(final.result!.plots.map((p) => p.name)).toEqual([
      'valid-loss',
      'train-loss',
      'stability-bound',
      'contraction',
      'loss-vs-lambda',
      'contraction-vs-lambda',
      'truncation-distance',
    ]);
  }, 600_000);
});
