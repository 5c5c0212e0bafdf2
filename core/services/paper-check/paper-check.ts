// The paper check as a service: the claims checked against this history, the
// report folder (Markdown + PNG, written atomically), and the experiment that
// would check a claim not run yet, with its dataset resolved (a built-in is
// generated on first use).
import fs from 'node:fs';
import path from 'node:path';
import type { ExperimentKind } from '../../ml/experiments/experiment-config.ts';
import type { ClaimCheck } from '../../ml/experiments/paper-check/claim-types.ts';
import { checkPaperClaims, PAPER_CLAIMS } from '../../ml/experiments/paper-check/paper-claims.ts';
import { paperReportFiles } from '../../export/paper-report-files.ts';
import { writeFolderAtomically } from '../../export/write-folder-atomically.ts';
import type { ExportResult } from '../../export/export-context.ts';
import type { History } from '../../storage/history.ts';
import { resolveDataset } from '../datasets.ts';
import { seqlabVersion } from '../seqlab-version.ts';
import { gatherClaimEvidence } from './gather-evidence.ts';

/** Report folders are named so, under <dataDir>/exports (the browser's zip download finds them by this name alone). */
export const REPORT_NAME = /^paper-check-[0-9A-Za-z-]{1,64}$/;

/** The report folder `name` (REPORT_NAME) under <dataDir>/exports when it exists and holds report.md; null otherwise. */
export function reportFolder(dataDir: string, name: string): string | null {
  if (!REPORT_NAME.test(name)) return null;
  const dir = path.join(dataDir, 'exports', name);
  return fs.existsSync(path.join(dir, 'report.md')) ? dir : null;
}

export function paperCheck(history: History): ClaimCheck[] {
  return checkPaperClaims(gatherClaimEvidence(history));
}

/** A new report folder's default place: <dataDir>/exports/paper-check-<time>. */
export function defaultReportDir(dataDir: string, now = new Date()): string {
  return path.join(dataDir, 'exports', `paper-check-${now.toISOString().replace(/[:.]/g, '-')}`);
}

/** Writes report.md, claims.json and the claims' figures into `outDir` (new or empty), all or nothing. */
export function writePaperReport(history: History, outDir: string, now = new Date()): ExportResult {
  const files = paperReportFiles(paperCheck(history), { generatedAt: now.toISOString(), version: seqlabVersion() });
  const sha256 = writeFolderAtomically(outDir, files);
  return { outDir: path.resolve(outDir), files: Object.keys(files).sort(), sha256 };
}

/**
 * The experiment that checks claim `id`, ready to create: kind, config with its
 * datasetId, and a name. Throws naming the field when the claim cannot be
 * started from here (already run, under way, or a dataset to import first).
 */
export async function claimExperiment(
  history: History,
  dataDir: string,
  id: string,
): Promise<{ kind: ExperimentKind; config: Record<string, unknown>; name: string }> {
  if (!PAPER_CLAIMS.some((c) => c.id === id))
    throw new Error(`claim: no claim "${id}" (one of ${PAPER_CLAIMS.map((c) => c.id).join(', ')})`);
  const check = paperCheck(history).find((c) => c.id === id)!;
  if (!check.start) throw new Error(`claim: "${id}" cannot be started from here: ${check.reason}${check.run ? ` (${check.run})` : ''}`);
  const { kind, dataset, config } = check.start;
  const withData = dataset === null ? config : { ...config, datasetId: (await resolveDataset(history, dataDir, dataset)).id };
  return { kind, config: withData, name: `paper check: ${id}` };
}
