// An experiment's analysis: reads its member runs (metrics, checkpoints) and
// computes its result tables and plots. Builds models, so it runs in a worker
// thread (core/worker/task-worker.ts, kind 'analyze'), never on a thread that
// serves a user.
import { parseExperimentConfig, type AnyExperimentConfig, type ExperimentKind } from '../../ml/experiments/experiment-config.ts';
import type { ExperimentResult } from '../../ml/experiments/result-types.ts';
import type { History } from '../../storage/history.ts';
import { analyzeMemory } from './analyze-memory.ts';
import { analyzeStabilityExperiment } from './analyze-stability.ts';
import { analyzeRecurrentVsConv, analyzeTruncatedVsRecurrent, unitOf } from './analyze-training.ts';
import { analyzeTruncation } from './analyze-truncation.ts';
import { loadMembers, memberNotes, runsTable } from './members.ts';

export async function analyzeExperiment(history: History, id: number): Promise<ExperimentResult> {
  const experiment = history.getExperiment(id);
  if (!experiment) throw new Error(`no experiment with id ${id}`);
  const parsed = {
    kind: experiment.kind,
    config: parseExperimentConfig(experiment.kind as ExperimentKind, experiment.config),
  } as AnyExperimentConfig;
  const members = loadMembers(history, experiment);
  switch (parsed.kind) {
    case 'truncation': {
      const result = await analyzeTruncation(history, parsed.config);
      return {
        ...result,
        tables: [...result.tables, runsTable(members, unitOf(history, members[0]!.run.datasetId))],
        notes: [...memberNotes(members), ...result.notes],
      };
    }
    case 'stability':
      return analyzeStabilityExperiment(history, parsed.config, members);
    case 'recurrent-vs-conv':
      return analyzeRecurrentVsConv(history, parsed.config, members);
    case 'memory':
      return analyzeMemory(history, parsed.config, members);
    case 'truncated-vs-recurrent':
      return analyzeTruncatedVsRecurrent(history, parsed.config, members);
  }
}
