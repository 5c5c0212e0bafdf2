// The terminal's words for a refused input: a service names the field
// ("temperature"), the CLI names the flag the user typed ("--temperature").
import { fieldProblemOf, wordProblem, type FieldProblem } from '../contract/structured-error.ts';
import { FLAG_FOR_FIELD } from './options.ts';
import type { RunRefusalWords } from '../app/handler-context.ts';
import { CLI_BUDGET_LABELS } from '../services/memory-budget.ts';

/** Request input (as services name it) → the flag that sets it; config fields are in FLAG_FOR_FIELD. */
export const FIELD_FLAGS: Readonly<Record<string, string>> = {
  name: '--name',
  dataset: '--dataset',
  datasetId: '--dataset',
  encoding: '--encoding',
  rate: '--rate',
  trimSilenceDb: '--trim-silence',
  length: '--length',
  temperature: '--temperature',
  topK: '--top-k',
  format: '--format',
};

/** Inputs the CLI takes as positional arguments (`seqlab resume <run>`): their refusal names the run itself, with no flag before it. */
const POSITIONAL_FIELDS: ReadonlySet<string> = new Set(['id']);

/**
 * How the CLI names the run inputs in the refusals that name two at once (a
 * dataset too small for a step, the memory budget): its flags.
 */
export const CLI_RUN_WORDS: RunRefusalWords = {
  fit: { field: '--batch/--seq-len', formula: 'batch × (seq-len + 1)' },
  budget: CLI_BUDGET_LABELS,
  budgetPrefix: '',
};

/** "--temperature: must be a number from 0 to 10"; a suggestion becomes "try --encoding windows-1252". */
export function problemForCli(problem: FieldProblem): string {
  if (POSITIONAL_FIELDS.has(problem.field)) return `${problem.reason}${problem.hint ? `; ${problem.hint}` : ''}`;
  const last = problem.field.split('.').at(-1)!;
  const flag = FIELD_FLAGS[problem.field] ?? FLAG_FOR_FIELD[last] ?? problem.field;
  const text = wordProblem(problem, flag);
  return problem.suggestion ? `${text}; try ${flag} ${problem.suggestion}` : text;
}

/** The message the CLI prints for any error: a refused input in flags, anything else as it is. */
export function errorForCli(e: unknown): string {
  const problem = fieldProblemOf(e);
  return problem ? problemForCli(problem) : (e as Error).message;
}
