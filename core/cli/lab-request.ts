// One request from a CLI command through the application layer (LabService),
// the same handlers the app and browser mode use, so a rule of a run's,
// experiment's or sweep's life exists once (issue 15).
import { LabService } from '../app/lab-service.ts';
import type { LabRequestName, LabResult } from '../contract/lab-contract.ts';
import type { CliContext } from './context.ts';

/** One request through LabService; an error reply becomes a thrown Error with its message. */
export async function labRequest<N extends LabRequestName>(c: CliContext, name: N, args: unknown): Promise<LabResult<N>> {
  const service = new LabService({ dataDir: c.dataDir, history: c.history, mode: 'browser' });
  try {
    const reply = await service.handle(name, args);
    if (!reply.ok) throw new Error(reply.error);
    return reply.result as LabResult<N>;
  } finally {
    await service.close();
  }
}
