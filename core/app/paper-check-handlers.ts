// The paper-check requests of the contract (checkPaperClaims,
// writePaperCheckReport, startClaimExperiment), spread into lab-handlers.ts's
// table. The CLI's `seqlab experiment check` goes through these too.
import type { LabParsedArgs, LabResult } from '../contract/lab-contract.ts';
import { createExperiment } from '../services/experiments.ts';
import { claimExperiment, defaultReportDir, paperCheck } from '../services/paper-check/paper-check.ts';
import type { ExportResult } from '../export/export-context.ts';
import { runTask } from '../worker/task-host.ts';
import { experimentSummary } from './experiment-handlers.ts';
import type { HandlerContext } from './handler-context.ts';

type PaperCheckRequest = 'checkPaperClaims' | 'writePaperCheckReport' | 'startClaimExperiment';
type Handlers = { [N in PaperCheckRequest]: (ctx: HandlerContext, args: LabParsedArgs<N>) => Promise<LabResult<N>> | LabResult<N> };

export const paperCheckHandlers: Handlers = {
  // Records only (no dataset file is read): answers in milliseconds on the main thread.
  checkPaperClaims: (ctx) => ({ claims: paperCheck(ctx.history) }),

  // PNG drawing is CPU work: it runs in a task worker like the experiment exports.
  async writePaperCheckReport(ctx, { outDir }) {
    const dir = outDir ?? defaultReportDir(ctx.dataDir);
    return runTask<ExportResult>({ kind: 'paperReport', dataDir: ctx.dataDir, outDir: dir });
  },

  async startClaimExperiment(ctx, { claim }) {
    const { kind, config, name } = await claimExperiment(ctx.history, ctx.dataDir, claim);
    const e = createExperiment(ctx.history, kind, config, name);
    ctx.driveExperiment(e.id);
    return experimentSummary(ctx.history, ctx.history.getExperiment(e.id)!);
  },
};
