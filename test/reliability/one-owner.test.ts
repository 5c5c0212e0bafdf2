// One owner per run: two `seqlab resume`s of one run, started together in real
// processes, must leave exactly one trainer. The loser is told who owns the run
// and changes nothing: no metric of the winner is deleted, and the live run is
// never marked crashed under it.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { resolveDataset } from '../../core/services/datasets.ts';
import { createRun, parseRunConfig } from '../../core/services/runs.ts';
import { History } from '../../core/storage/history.ts';
import { BIN, tempHome } from '../helpers/cli.ts';

const ROUNDS = 2;
const STEPS = 300;

interface Exit {
  code: number;
  stderr: string;
}

function resume(home: string, runId: number): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, '--json', 'resume', String(runId)], {
      env: { ...process.env, SEQLAB_HOME: home, NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

describe('two concurrent resumes of one run', () => {
  it(`leave one owner, the loser refused with the owner's pid and changing nothing (${ROUNDS} rounds)`, async () => {
    const home = tempHome();
    const setup = History.open(home);
    const dataset = await resolveDataset(setup, home, 'brackets');
    const config = parseRunConfig(
      {
        model: { kind: 'lstm', hiddenSize: 8, embedSize: 8 },
        train: {
          steps: STEPS,
          batchSize: 2,
          seqLen: 8,
          backend: 'cpu',
          checkpointEvery: 50,
          validEvery: 1000,
          validTokens: 64,
          sampleEvery: 0,
        },
      },
      dataset,
    );
    const ids = Array.from({ length: ROUNDS }, () => createRun(setup, dataset, config).id);
    setup.close();

    for (const id of ids) {
      const a = resume(home, id);
      const b = resume(home, id);
      const first = await Promise.race([a, b]);
      // Whoever exits first, the run is never left crashed under a live trainer.
      const h = History.open(home, { markCrashed: false });
      const atFirstExit = h.getRun(id)!;
      h.close();
      const results = await Promise.all([a, b]);
      const winners = results.filter((r) => r.code === 0);
      const losers = results.filter((r) => r.code !== 0);
      expect(winners, results.map((r) => r.stderr).join('\n---\n')).toHaveLength(1);
      expect(losers[0]!.stderr).toMatch(new RegExp(`run ${id} is already running in process \\d+|run ${id} already completed`));
      if (first.code !== 0)
        expect(['running', 'completed'], `status when the loser exited: ${atFirstExit.error}`).toContain(atFirstExit.status);

      const after = History.open(home, { markCrashed: false });
      expect(after.getRun(id)).toMatchObject({ status: 'completed', step: STEPS, error: null });
      expect(after.getMetrics(id).map((m) => m.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
      expect(after.integrityCheck()).toEqual(['ok']);
      after.close();
    }
  });
});
