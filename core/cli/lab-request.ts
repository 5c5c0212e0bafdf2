// One request from a CLI command through the application layer (LabService),
// the same handlers the app and browser mode use, so a rule of a run's,
// experiment's, sweep's or dataset's life exists once (issue 15).
import { LabService, type LabServiceOptions } from '../app/lab-service.ts';
import type { LabArgs, LabReply, LabRequestName, LabResult } from '../contract/lab-contract.ts';
import { FieldError } from '../contract/structured-error.ts';
import type { CliContext } from './context.ts';

/** A LabService over the command's history, for a command that sends several requests or follows events. */
export function cliLabService(
  c: CliContext,
  extra: Pick<LabServiceOptions, 'onTrainingEvent' | 'onExperimentEvent' | 'runWords' | 'keepBackend'> = {},
): LabService {
  return new LabService({ dataDir: c.dataDir, history: c.history, mode: 'browser', ...extra });
}

/**
 * The result of a reply, or its refusal thrown: a refused input as the
 * FieldError it was (so main() words it as the flag the user typed), any
 * other failure as an Error with its message.
 */
export function resultOf<N extends LabRequestName>(reply: LabReply<unknown>): LabResult<N> {
  if (reply.ok) return reply.result as LabResult<N>;
  const p = reply.problem;
  if (p)
    throw new FieldError(p.field, p.reason, { ...(p.hint ? { hint: p.hint } : {}), ...(p.suggestion ? { suggestion: p.suggestion } : {}) });
  throw new Error(reply.error);
}

/** One request through LabService; an error reply is thrown (see resultOf). */
export async function labRequest<N extends LabRequestName>(
  c: CliContext,
  name: N,
  args: unknown,
  extra: Pick<LabServiceOptions, 'keepBackend'> = {},
): Promise<LabResult<N>> {
  const service = cliLabService(c, extra);
  try {
    return resultOf<N>(await service.handle(name, args));
  } finally {
    await service.close();
  }
}

/** Sends one request through a session's LabService; an error reply is thrown (see resultOf). */
export type LabAsk = <N extends LabRequestName>(name: N, args: LabArgs<N>) => Promise<LabResult<N>>;

/**
 * Several requests through one LabService (a command that reads a run's
 * detail, its metrics and its dataset), closed when `use` ends. `keepBackend`:
 * such a command builds no model in this thread.
 */
export async function withLabService<T>(c: CliContext, use: (ask: LabAsk, service: LabService) => Promise<T>): Promise<T> {
  const service = cliLabService(c, { keepBackend: true });
  try {
    const ask: LabAsk = async <N extends LabRequestName>(name: N, args: LabArgs<N>) => resultOf<N>(await service.handle(name, args));
    return await use(ask, service);
  } finally {
    await service.close();
  }
}
