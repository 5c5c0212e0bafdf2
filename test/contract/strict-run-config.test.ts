// Unknown fields inside the run and experiment configs a request carries are
// refused by name through the real LabService (issue 17: browser mode used to
// start the run with defaults), and nothing is created.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabService } from '../../core/app/lab-service.ts';
import { History } from '../../core/storage/history.ts';
import { tempHome } from '../helpers/cli.ts';

let service: LabService;
let history: History;
let datasetId: number;

beforeAll(async () => {
  const home = tempHome();
  history = History.open(home);
  service = new LabService({ dataDir: home, history, mode: 'browser' });
  const d = await service.handle('ensureBuiltin', { name: 'brackets' });
  if (!d.ok) throw new Error(d.error);
  datasetId = (d.result as { id: number }).id;
});

afterAll(async () => {
  await service.close();
  history.close();
});

describe('unknown fields inside configs', () => {
  const cases: [string, string, (datasetId: number) => Record<string, unknown>][] = [
    ['startRun', 'model.bogus: unknown field', (id) => ({ datasetId: id, model: { kind: 'lstm', bogus: 1 }, train: {} })],
    ['startRun', 'train.bogus: unknown field', (id) => ({ datasetId: id, model: { kind: 'lstm' }, train: { bogus: 1 } })],
    [
      'startRun',
      'model.base.bogus: unknown field',
      (id) => ({ datasetId: id, model: { kind: 'truncated', k: 4, base: { kind: 'lstm', bogus: 1 } }, train: {} }),
    ],
    ['startRun', 'model.levels: unknown field', (id) => ({ datasetId: id, model: { kind: 'lstm', levels: 3 }, train: {} })],
    ['describeModel', 'model.bogus: unknown field', (id) => ({ datasetId: id, model: { kind: 'tcn', bogus: 1 } })],
    ['startExperiment', 'config.train.bogus', (id) => ({ kind: 'stability', config: { datasetId: id, train: { bogus: 1 } } })],
    ['startExperiment', 'bogus', (id) => ({ kind: 'stability', config: { datasetId: id, model: { kind: 'rnn', bogus: 1 } } })],
  ];
  it.each(cases)('%s refuses, naming %s', async (name, message, args) => {
    const reply = await service.handle(name, args(datasetId));
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error).toContain(message);
    expect(history.listRuns()).toEqual([]);
    expect(history.listExperiments()).toEqual([]);
  });
});
