// A refused request as the app sees it: the message in the app's words and,
// for a refused input, the problem as data (field, reason, hint, suggestion),
// so a screen can act on it (offer the suggested encoding) without reading
// the message. No DOM here: the client's bridges live in lab-client.ts.
import { fieldProblemSchema, type FieldProblem } from '../../../core/contract/structured-error.ts';
import { forTheApp } from './app-messages.ts';
import { problemText } from './config-fields.ts';

/** A refused request: the message, and (for a refused input) the problem as data: field, reason, hint, suggestion. */
export class LabRequestError extends Error {
  constructor(
    message: string,
    readonly problem: FieldProblem | undefined,
  ) {
    super(message);
    this.name = 'LabRequestError';
  }
}

/** The problem a refusal carries (also when a store rethrew it as the `cause` of its own error). */
export function problemOf(e: unknown): FieldProblem | undefined {
  for (let x: unknown = e; x instanceof Error; x = x.cause) if (x instanceof LabRequestError) return x.problem;
  return undefined;
}

/** The error a failed reply becomes: a refused input worded with its field's label, any other failure in the core's words. */
export function refusalError(reply: { error: string; problem?: unknown }): LabRequestError {
  const problem = fieldProblemSchema.safeParse(reply.problem).data;
  return new LabRequestError(forTheApp(problem ? problemText(problem) : reply.error), problem);
}
