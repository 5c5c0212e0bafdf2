// `seqlab experiment check [--json] [--report DIR]`: each claim of the seed
// papers beside the lab's own figure and a verdict, through LabService like
// the app's Paper check screen; --report writes report.md + PNG figures.
import path from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import type { LabResult } from '../../contract/lab-contract.ts';
import type { CliContext } from '../context.ts';
import { labRequest as request } from '../lab-request.ts';
import { table } from '../context.ts';

type Claim = LabResult<'checkPaperClaims'>['claims'][number];

const COLOUR: Record<Claim['kind'], (s: string) => string> = {
  holds: pc.green,
  'holds-within': pc.yellow,
  'does-not-hold': pc.red,
  'not-run': pc.dim,
};

/** The --json shape: the issue's seven fields first, then id, kind, experimentId and run. */
export function claimJson(c: Claim): Record<string, unknown> {
  return {
    claim: c.claim,
    source: c.source,
    paper: c.paper,
    lab: c.lab,
    settings: c.settings,
    verdict: c.verdict,
    reason: c.reason,
    id: c.id,
    kind: c.kind,
    experimentId: c.experimentId,
    run: c.run,
  };
}

function printClaims(c: CliContext, claims: Claim[]): void {
  c.say(
    table(
      ['#', 'claim', 'verdict'],
      claims.map((x, i) => [i + 1, x.id, COLOUR[x.kind](x.verdict)]),
    ),
  );
  claims.forEach((x, i) => {
    c.say(`\n${pc.bold(`${i + 1}. ${x.claim}`)}`);
    c.say(`   verdict   ${COLOUR[x.kind](x.verdict)}: ${x.reason}`);
    c.say(`   paper     ${x.paper} ${pc.dim(`(${x.source})`)}`);
    c.say(`   lab       ${x.lab}`);
    c.say(`   settings  ${x.settings}`);
    if (x.run) c.say(`   ${x.kind === 'not-run' ? 'run it  ' : 'see it  '}  ${pc.cyan(x.run)}`);
  });
}

export function registerPaperCheck(group: Command, ctx: () => CliContext): void {
  group
    .command('check')
    .description("the seed papers' claims (Miller & Hardt; Bai et al.) beside the lab's own figures, with a verdict each")
    .option('--report <dir>', 'also write report.md, claims.json and a PNG figure per claim into this new folder')
    .action(async (f: { report?: string }) => {
      const c = ctx();
      const { claims } = await request(c, 'checkPaperClaims', {});
      const report = f.report === undefined ? null : await request(c, 'writePaperCheckReport', { outDir: path.resolve(f.report) });
      if (c.json)
        return c.emit({ claims: claims.map(claimJson), ...(report ? { report: { outDir: report.outDir, files: report.files } } : {}) });
      printClaims(c, claims);
      if (report) c.say(`\nreport written to ${report.outDir}: ${report.files.join(', ')}`);
    });
}
