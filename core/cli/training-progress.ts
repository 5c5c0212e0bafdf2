// Shows a training run's events: a progress bar with ETA on a terminal, a
// plain line per validation otherwise, or one JSON line per event (--json).
import cliProgress from 'cli-progress';
import pc from 'picocolors';
import type { TrainingEvent } from '../worker/training-protocol.ts';
import { lossUnitOf, type LossUnit } from '../datasets/registry.ts';
import { formatLoss, type CliContext } from './context.ts';

export function trainingReporter(ctx: CliContext): (e: TrainingEvent) => void {
  const tty = process.stderr.isTTY && !ctx.json;
  let bar: cliProgress.SingleBar | undefined;
  let lastValid = '-';
  // How the run's task measures its loss (bits only for categorical tasks, MSE for the adding problem).
  let unit: LossUnit = 'nats';
  return (e) => {
    if (ctx.json) {
      ctx.emit(e.type === 'progress' ? { type: 'progress', runId: e.runId, totalSteps: e.totalSteps, ...e.metrics } : e);
      return;
    }
    switch (e.type) {
      case 'started': {
        const run = ctx.history.getRun(e.runId);
        const dataset = run ? ctx.history.getDataset(run.datasetId) : undefined;
        if (dataset) unit = lossUnitOf(dataset);
        ctx.note(
          `run ${e.runId}: ${e.paramCount.toLocaleString('en')} parameters on ${e.backend} (${e.device})${e.resumedFrom !== null ? `, resuming from step ${e.resumedFrom}` : ''}`,
        );
        if (tty) {
          bar = new cliProgress.SingleBar(
            {
              format: `${pc.cyan('{bar}')} {percentage}% | step {value}/{total} | loss {loss} | valid {valid} | {tps} tok/s | ETA {eta_formatted}`,
              hideCursor: true,
              etaBuffer: 50,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(e.totalSteps, e.step, { loss: '-', valid: '-', tps: '-' });
        }
        break;
      }
      case 'progress': {
        const m = e.metrics;
        if (m.validLoss !== null) lastValid = m.validLoss.toFixed(4);
        if (bar)
          bar.update(m.step, { loss: m.trainLoss.toFixed(4), valid: lastValid, tps: Math.round(m.tokensPerSec).toLocaleString('en') });
        else if (m.validLoss !== null)
          ctx.say(
            `step ${m.step}/${e.totalSteps}  train ${m.trainLoss.toFixed(4)}  valid ${formatLoss(m.validLoss, unit)}  ${Math.round(m.tokensPerSec)} tok/s`,
          );
        break;
      }
      case 'checkpoint':
        break;
      case 'done':
        bar?.stop();
        bar = undefined;
        ctx.say(
          `run ${e.runId} ${colourStatus(e.status)} at step ${e.step}, valid loss ${formatLoss(e.validLoss, unit)}${e.error ? `: ${e.error}` : ''}`,
        );
        break;
    }
  };
}

export function colourStatus(status: string): string {
  const colour = { completed: pc.green, running: pc.cyan, stopped: pc.yellow, crashed: pc.red, diverged: pc.magenta, queued: pc.dim }[
    status
  ];
  return colour ? colour(status) : status;
}
