// The files of a paper-check report folder: report.md (core/ml/experiments/
// paper-check/report-markdown.ts), claims.json (the checks as the CLI's
// --json prints them) and one PNG per claim that has a figure.
import type { ClaimCheck } from '../ml/experiments/paper-check/claim-types.ts';
import { figureFile, paperCheckMarkdown } from '../ml/experiments/paper-check/report-markdown.ts';
import { renderPlotPng } from './plot-png.ts';

/** @returns relative file name -> contents */
export function paperReportFiles(
  checks: readonly ClaimCheck[],
  opts: { generatedAt: string; version: string },
): Record<string, Uint8Array | string> {
  const files: Record<string, Uint8Array | string> = {
    'report.md': paperCheckMarkdown(checks, opts),
    'claims.json': `${JSON.stringify({ generatedAt: opts.generatedAt, version: opts.version, claims: checks.map(({ figure: _figure, ...rest }) => rest) }, null, 2)}\n`,
  };
  for (const c of checks) if (c.figure) files[figureFile(c)] = renderPlotPng(c.figure);
  return files;
}
