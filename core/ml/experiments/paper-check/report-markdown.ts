// The paper check as a Markdown report: a summary table, then one section per
// claim with the paper's figure, the lab's, the settings, the verdict and its
// reason, and the claim's figure (a PNG beside the report). Pure text.
import type { ClaimCheck } from './claim-types.ts';

/** File name of a claim's figure in the report folder. */
export const figureFile = (c: Pick<ClaimCheck, 'id'>): string => `claim-${c.id}.png`;

/** A table cell: pipes escaped, line breaks flattened. */
const cellOf = (s: string) => s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

/**
 * @param generatedAt ISO time written in the header
 * @param version the seqlab version that checked
 */
export function paperCheckMarkdown(checks: readonly ClaimCheck[], opts: { generatedAt: string; version: string }): string {
  const lines = [
    '# Paper check',
    '',
    `Each claim of the seed papers (Miller & Hardt 2019; Bai, Kolter & Koltun 2018) beside the lab's own figure, read from the newest finished experiment of the matching kind and dataset in this history. Generated ${opts.generatedAt} by seqlab ${opts.version}.`,
    '',
    'Verdicts: **holds**; **holds within X %** (the lab is that much off the claim); **does not hold at this budget** (the lab disagrees at the settings it ran; a longer run may differ); **not run yet** (with the command that runs it). Papers\' numbers marked "approx." are quoted from memory of the paper, not checked against it.',
    '',
    '| claim | verdict | lab | paper |',
    '| --- | --- | --- | --- |',
    ...checks.map((c) => `| ${cellOf(c.claim)} | ${cellOf(c.verdict)} | ${cellOf(c.lab)} | ${cellOf(c.paper)} |`),
    '',
  ];
  checks.forEach((c, i) => {
    lines.push(
      `## ${i + 1}. ${c.claim}`,
      '',
      `- **Verdict:** ${c.verdict}: ${c.reason}`,
      `- **Paper:** ${c.paper} (${c.source})`,
      `- **Lab:** ${c.lab}`,
      `- **Settings:** ${c.settings}`,
    );
    if (c.run) lines.push(`- **${c.kind === 'not-run' ? 'Run it' : 'See it'}:** \`${c.run}\``);
    if (c.figure) lines.push('', `![${c.figure.title}](${figureFile(c)})`);
    lines.push('');
  });
  return lines.join('\n');
}
