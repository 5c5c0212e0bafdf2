// Creating an experiment: its member runs planned, validated and stored in
// one transaction. Driving it (training the members in their own processes,
// then the analysis) is supervision, in core/app/experiment-supervisor.ts.
import type { ExperimentKind } from '../ml/experiments/experiment-config.ts';
import type { ExperimentRecord, History } from '../storage/history.ts';
import { planExperiment } from './experiments/plans.ts';
import { checkRunMemory, CONTRACT_BUDGET_LABELS } from './memory-budget.ts';
import { createRun } from './runs.ts';

/**
 * Validates and stores a queued experiment with its member runs; nothing is
 * written when any check fails (errors name the field: "train.steps: ...").
 */
export function createExperiment(history: History, kind: ExperimentKind, input: unknown, name?: string): ExperimentRecord {
  const plan = planExperiment(history, kind, input);
  // Every member must fit the memory budget before anything is stored (members train one at a time).
  for (const m of plan.members) {
    if (!('config' in m)) continue;
    const refusal = checkRunMemory(m.config, plan.dataset, CONTRACT_BUDGET_LABELS).refusal;
    if (refusal) throw new Error(`config: member ${m.role}: ${refusal}`);
  }
  return history.transaction(() => {
    const experiment = history.insertExperiment({
      kind,
      config: plan.experiment.config as Record<string, unknown>,
      ...(name ? { name } : {}),
    });
    for (const m of plan.members) {
      const runId = 'runId' in m ? m.runId : createRun(history, plan.dataset, m.config, `experiment ${experiment.id}: ${m.role}`).id;
      history.addExperimentMember(experiment.id, { runId, role: m.role, owned: !('runId' in m) });
    }
    return history.getExperiment(experiment.id)!;
  });
}
