// A refusal of one input, as data: which field, why, and what would help.
// Services raise a FieldError; each front words it: the CLI names its flag
// (core/cli/flag-words.ts), the app the field's label. The contract's reply
// carries the problem itself, so no front scrapes a hint out of a message.
import { z } from 'zod';

export const fieldProblemSchema = z
  .object({
    /** The input's name in the core's words (a contract argument or config key: "name", "temperature", "encoding"). */
    field: z.string(),
    /** What is wrong with it, without naming the field. */
    reason: z.string(),
    /** What to do, in words that fit every front (optional). */
    hint: z.string().optional(),
    /** A value of the field that would work, e.g. the encoding a file seems to be in (optional). */
    suggestion: z.string().optional(),
  })
  .strict();

export type FieldProblem = z.infer<typeof fieldProblemSchema>;

/** "name: reason; hint": the problem under `name` (the field itself unless a front names it otherwise). */
export function wordProblem(problem: FieldProblem, name: string = problem.field): string {
  return `${name}: ${problem.reason}${problem.hint ? `; ${problem.hint}` : ''}`;
}

export class FieldError extends Error {
  readonly problem: FieldProblem;

  constructor(field: string, reason: string, extra: { hint?: string; suggestion?: string } = {}, options?: ErrorOptions) {
    const problem: FieldProblem = {
      field,
      reason,
      ...(extra.hint ? { hint: extra.hint } : {}),
      ...(extra.suggestion ? { suggestion: extra.suggestion } : {}),
    };
    super(wordProblem(problem), options);
    this.name = 'FieldError';
    this.problem = problem;
  }
}

/** The problem of a FieldError, or undefined for any other error. */
export function fieldProblemOf(e: unknown): FieldProblem | undefined {
  return e instanceof FieldError ? e.problem : undefined;
}
