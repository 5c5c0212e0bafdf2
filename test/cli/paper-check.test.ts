// `seqlab experiment check` end to end in child processes on a tiny real
// history (one stability experiment, 2 members × 10 steps): the --json shape
// the issue fixes, a verdict for the claim that experiment shows and "not run
// yet" with a command for the others, the readable table, and the report
// folder (report.md naming every claim, PNG figures that decode).
import fs from 'node:fs';
import path from 'node:path';
import { loadImage } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { jsonLines, seqlab, tempHome } from '../helpers/cli.ts';

const home = tempHome();
const FIELDS = ['claim', 'source', 'paper', 'lab', 'settings', 'verdict', 'reason'];
const VERDICT = /^(holds|holds within [\d.]+ %|does not hold at this budget)$/;

/** Whether experiment 1's result has the per-member truncation table (stability experiments that sweep each member). */
function sweptMembers(): boolean {
  const shown = jsonLines(seqlab(home, ['--json', 'experiment', 'show', '1']).stdout)[0] as { result: { tables: { name: string }[] } };
  return shown.result.tables.some((t) => t.name === 'truncation');
}

describe.sequential('seqlab experiment check', () => {
  it('prints {"claims": [...]} with a verdict for the finished experiment and "not run yet" for the rest', () => {
    const run = seqlab(home, [
      'experiment',
      'run',
      'stability',
      '--dataset',
      'brackets',
      '--steps',
      '10',
      '--hidden',
      '8',
      '--batch',
      '4',
      '--seq-len',
      '16',
      '--valid-every',
      '5',
      '--valid-tokens',
      '128',
      '--backend',
      'cpu',
    ]);
    expect(run.code, run.stderr).toBe(0);

    const r = seqlab(home, ['--json', 'experiment', 'check']);
    expect(r.code, r.stderr).toBe(0);
    const [out] = jsonLines(r.stdout);
    expect(Object.keys(out!)).toEqual(['claims']);
    const claims = out!['claims'] as Record<string, unknown>[];
    expect(claims).toHaveLength(7);
    for (const c of claims) {
      expect(Object.keys(c).slice(0, FIELDS.length)).toEqual(FIELDS);
      for (const f of FIELDS) expect(typeof c[f], f).toBe('string');
    }
    const byId = Object.fromEntries(claims.map((c) => [c['id'], c]));
    const stability = byId['stability-costs-little']!;
    expect(stability['verdict']).toMatch(VERDICT);
    expect(stability['settings']).toMatch(/^experiment 1 \(stability\); on "brackets"/);
    expect(stability['lab']).toMatch(/rnn: unconstrained [\d.]+, stable [\d.]+ \([^)]*%[^)]*\) nats/);
    for (const id of ['truncated-trains-as-well', 'tcn-copy-memory', 'tcn-adding', 'tcn-jsb', 'tcn-char-ptb']) {
      expect(byId[id]!['verdict'], id).toBe('not run yet');
      expect(byId[id]!['run'], id).toMatch(/^seqlab /);
    }
    // A stability experiment that swept each member shows the truncation claim too; one that did not leaves it
    // to a truncation sweep of the stable member (run 2).
    const truncation = byId['stable-is-truncated']!;
    if (sweptMembers()) {
      expect(truncation['verdict']).toMatch(VERDICT);
      expect(truncation['experimentId']).toBe(1);
    } else {
      expect(truncation['verdict']).toBe('not run yet');
      expect(truncation['run']).toBe('seqlab experiment run truncation --run 2');
    }
  });

  it('prints a readable table without --json', () => {
    const r = seqlab(home, ['experiment', 'check']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^#\s+claim\s+verdict$/m);
    expect(r.stdout).toMatch(/^4\s+tcn-copy-memory\s+not run yet$/m);
    expect(r.stdout).toContain(`   run it    seqlab experiment run memory --dataset copy-100 --config '{"preset":"copy-100"}'`);
  });

  it('writes report.md, claims.json and the PNG figures into a new folder with --report', async () => {
    const dir = path.join(home, 'report');
    const r = seqlab(home, ['--json', 'experiment', 'check', '--report', dir]);
    expect(r.code, r.stderr).toBe(0);
    const out = jsonLines(r.stdout)[0]!;
    const files = fs.readdirSync(dir).sort();
    const figures = [...(sweptMembers() ? ['claim-stable-is-truncated.png'] : []), 'claim-stability-costs-little.png'];
    expect(files).toEqual([...figures, 'claims.json', 'report.md'].sort());
    expect(out['report']).toEqual({ outDir: dir, files });
    const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
    for (const c of out['claims'] as { claim: string; verdict: string }[]) {
      expect(md).toContain(c.claim);
    }
    for (const f of figures) {
      expect(md).toContain(`](${f})`);
      const image = await loadImage(fs.readFileSync(path.join(dir, f)));
      expect([image.width, image.height]).toEqual([1000, 600]);
    }
    // The folder exists: a second report there is refused, naming it.
    const again = seqlab(home, ['experiment', 'check', '--report', dir]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already exists and is not an empty folder/);
  });
});
