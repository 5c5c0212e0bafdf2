// claimRun: ownership of a run is taken in one BEGIN IMMEDIATE transaction, so
// of two processes racing for a run exactly one wins and the other changes nothing.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { History } from '../../core/storage/history.ts';
import { REPO_ROOT, cleanupTempDirs, deadPid, seedRun, tempDir } from './helpers.ts';

afterEach(cleanupTempDirs);

const RACER = path.join(REPO_ROOT, 'test/reliability/fixtures/claim-racer.ts');
const ROUNDS = 60;

/** A racer process with a reader of its output lines. */
function racer(dir: string): { child: ChildProcessWithoutNullStreams; next: () => Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', RACER, dir], { cwd: REPO_ROOT });
  const queue: string[] = [];
  const waiting: ((l: string) => void)[] = [];
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiting.shift();
      if (w) w(line);
      else queue.push(line);
    }
  });
  const next = () =>
    new Promise<string>((resolve) => {
      const l = queue.shift();
      if (l !== undefined) resolve(l);
      else waiting.push(resolve);
    });
  return { child, next };
}

describe('claimRun', () => {
  it(`gives each run to exactly one of two racing processes; the loser is told the owner's pid (${ROUNDS} rounds)`, async () => {
    const dir = tempDir();
    const h = History.open(dir);
    const ids = Array.from({ length: ROUNDS }, () => seedRun(h));
    const a = racer(dir);
    const b = racer(dir);
    expect([await a.next(), await b.next()]).toEqual(['ready', 'ready']);
    const wins = { a: 0, b: 0 };
    for (const id of ids) {
      a.child.stdin.write(`${id}\n`);
      b.child.stdin.write(`${id}\n`);
      const [ra, rb] = await Promise.all([a.next(), b.next()]);
      const aWon = ra === `won ${id}`;
      const [winner, loser, loserLine] = aWon ? [a, b, rb] : [b, a, ra];
      expect(
        [ra, rb].filter((l) => l.startsWith('won')),
        `${ra} | ${rb}`,
      ).toHaveLength(1);
      expect(loserLine).toBe(`lost ${id} run ${id} is already running in process ${winner.child.pid}`);
      expect(loser.child.pid).not.toBe(winner.child.pid);
      expect(h.getRun(id)).toMatchObject({ status: 'running', pid: winner.child.pid, error: null });
      wins[aWon ? 'a' : 'b']++;
    }
    a.child.stdin.end();
    b.child.stdin.end();
    expect(wins.a + wins.b).toBe(ROUNDS);
    h.close();
  });

  it('takes a run over from a dead owner, refuses a completed run, and is idempotent for its owner', async () => {
    const dir = tempDir();
    const h = History.open(dir, { markCrashed: false });
    const id = seedRun(h);
    const gone = await deadPid();
    h.claimRun(id, gone);
    expect(h.claimRun(id, process.pid)).toMatchObject({ status: 'running', pid: process.pid });
    expect(h.claimRun(id, process.pid)).toMatchObject({ status: 'running', pid: process.pid });
    h.setStatus(id, 'completed', undefined, process.pid);
    expect(() => h.claimRun(id, process.pid)).toThrow(`run ${id} already completed all 1000 steps`);
    h.close();
  });

  it("setStatus with an owner never ends another live process's run", () => {
    const dir = tempDir();
    const h = History.open(dir, { markCrashed: false });
    const id = seedRun(h);
    h.claimRun(id, 1); // pid 1 is always alive
    expect(() => h.claimRun(id, process.pid)).toThrow(`run ${id} is already running in process 1`);
    expect(() => h.setStatus(id, 'crashed', 'lost the race', process.pid)).toThrow(`run ${id} is owned by process 1, not ${process.pid}`);
    expect(h.getRun(id)).toMatchObject({ status: 'running', pid: 1, error: null });
    h.close();
  });
});
