// The structured-error seam: a service refuses an input as data (field,
// reason, hint); the CLI words it as the flag the user typed, the contract
// reply carries the problem, and the app words it with the field's label,
// reading a suggestion from the problem rather than from the message.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabService } from '../../core/app/lab-service.ts';
import { errorForCli, problemForCli } from '../../core/cli/flag-words.ts';
import { SAMPLE_LIMITS } from '../../core/contract/request-limits.ts';
import { parseLabRequest } from '../../core/contract/lab-contract.ts';
import { FieldError, fieldProblemOf } from '../../core/contract/structured-error.ts';
import { createRun, parseRunConfig } from '../../core/services/runs.ts';
import { createSyntheticDataset } from '../../core/services/task-datasets.ts';
import { importDataset } from '../../core/services/datasets.ts';
import { History } from '../../core/storage/history.ts';
import { unwrapReply } from '../../electron/lab-bridge.ts';
import { fieldLabel, problemText } from '../../renderer/src/lib/config-fields.ts';
import { problemOf, refusalError } from '../../renderer/src/lib/lab-errors.ts';
import { seqlab, tempHome } from '../helpers/cli.ts';

describe('structured errors', () => {
  let home: string;
  let history: History;
  let service: LabService;
  let corpus: string;
  beforeAll(() => {
    home = tempHome();
    history = History.open(home);
    service = new LabService({ dataDir: home, history, mode: 'browser' });
    corpus = path.join(home, 'corpus.txt');
    fs.writeFileSync(corpus, 'abc abc abc\n'.repeat(50));
  });
  afterAll(async () => {
    await service.close();
    history.close();
  });

  it('a service raises the field, the reason and the hint, in no front’s words', async () => {
    const refused = await importDataset(history, home, { paths: [corpus], level: 'char', name: '..' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(FieldError);
    expect(fieldProblemOf(refused)).toEqual({ field: 'name', reason: expect.stringMatching(/^"\.\." must be 1-64 letters/) });
    expect((refused as Error).message).not.toMatch(/--/);
    expect(fieldProblemOf(new Error('name: plain'))).toBeUndefined();
  });

  it('the CLI names the flag', () => {
    expect(problemForCli({ field: 'topK', reason: 'must be a whole number ≥ 0 (0 = off)' })).toBe(
      '--top-k: must be a whole number ≥ 0 (0 = off)',
    );
    expect(errorForCli(new FieldError('temperature', 'must be a number from 0 to 10'))).toBe(
      '--temperature: must be a number from 0 to 10',
    );
    expect(errorForCli(new FieldError('encoding', 'a.txt: invalid UTF-8 at byte 3', { suggestion: 'windows-1252' }))).toBe(
      '--encoding: a.txt: invalid UTF-8 at byte 3; try --encoding windows-1252',
    );
    expect(errorForCli(new Error('run 3 is already running'))).toBe('run 3 is already running');
  });

  it('the real CLI prints the flag for a refused input', () => {
    const r = seqlab(home, ['datasets', 'import', corpus, '--name', '..']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--name: "\.\." must be 1-64 letters/);
  });

  it('the contract reply carries the problem, and the app words it with the field’s label', async () => {
    const reply = await service.handle('importDataset', { paths: [corpus], level: 'char', name: '..' });
    expect(reply).toMatchObject({ ok: false, problem: { field: 'name', reason: expect.stringMatching(/must be 1-64 letters/) } });
    // The Electron bridge hands the refusal over as the envelope (an Error crossing the context bridge keeps only its message) ...
    const envelope = unwrapReply<{ ok: false; error: string; problem: unknown }>(reply);
    expect(envelope).toBe(reply);
    // ... and the renderer's client turns it into the error a screen sees.
    const refused = refusalError(envelope);
    expect(refused.message).toMatch(/^Name: "\.\." must be 1-64 letters/);
    expect(problemOf(new Error('wrapped', { cause: refused }))?.field).toBe('name');
    // A failure that is not a refused input keeps the core's message, has no problem, and the bridge throws it.
    const other = await service.handle('getRun', { id: 999 });
    expect(other).toMatchObject({ ok: false });
    expect(other).not.toHaveProperty('problem');
    expect(() => unwrapReply(other)).toThrow();
    expect(problemOf(refusalError(other as { error: string }))).toBeUndefined();
  });

  it('a file in another encoding is a refusal of the encoding field, with the encoding that would work', async () => {
    const legacy = path.join(home, 'legacy.txt');
    fs.writeFileSync(legacy, Buffer.from('the caf\xe9 is open\n'.repeat(20), 'latin1'));
    const refused = await importDataset(history, home, { paths: [legacy], level: 'char' }).catch((e: unknown) => e);
    // chardet's guess for Latin-1 text (ISO-8859-1, or windows-1252 when unsure) is the suggestion.
    const problem = fieldProblemOf(refused)!;
    expect(problem).toEqual({
      field: 'encoding',
      reason: expect.stringMatching(/legacy\.txt: invalid UTF-8 at byte 7 \(0xE9\); it (looks like|may be)/),
      suggestion: expect.stringMatching(/^(ISO-8859-1|windows-1252)$/),
    });
    expect(problem.reason).not.toMatch(/--encoding/);
    expect(errorForCli(refused)).toMatch(
      new RegExp(`^--encoding: .*legacy\\.txt: invalid UTF-8 at byte 7.*; try --encoding ${problem.suggestion}$`),
    );
    const reply = await service.handle('importDataset', { paths: [legacy], level: 'char' });
    expect(reply).toMatchObject({ ok: false, problem: { field: 'encoding', suggestion: problem.suggestion } });
    expect(history.listDatasets().map((d) => d.name)).not.toContain('legacy');
  });

  describe('a sample longer than the one limit (SAMPLE_LIMITS, owned by the sampling service)', () => {
    const tooLong = SAMPLE_LIMITS.length.max + 1;
    const reason = `must be a whole number from 1 to ${SAMPLE_LIMITS.length.max}`;
    let runId: number;
    beforeAll(() => {
      // A run record is enough: the length is refused before any model is loaded or task started.
      const dataset = createSyntheticDataset(history, {
        task: 'adding',
        length: 4,
        trainSize: 4,
        validSize: 2,
        testSize: 2,
        name: 'adding',
      });
      const config = parseRunConfig({ model: { kind: 'gru', hiddenSize: 4, layers: 1 }, train: { steps: 1, batchSize: 2 } }, dataset);
      runId = createRun(history, dataset, config).id;
    });

    it('the contract itself sets no other cap (it once said 20,000 while the service allowed 100,000)', () => {
      expect(parseLabRequest('sample', { id: runId, length: SAMPLE_LIMITS.length.max }).args).toMatchObject({ length: 100_000 });
    });

    it('the app gets the problem and names the field’s label', async () => {
      const reply = await service.handle('sample', { id: runId, length: tooLong });
      expect(reply).toMatchObject({ ok: false, problem: { field: 'length', reason } });
      expect(refusalError(reply as { error: string; problem?: unknown }).message).toBe(`Length: ${reason}`);
    });

    it('the real CLI names --length', () => {
      const r = seqlab(home, ['sample', String(runId), '--length', String(tooLong)]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`--length: ${reason}`);
    });
  });

  it('labels: request inputs and config keys', () => {
    expect(fieldLabel('topK')).toBe('Top-k');
    expect(fieldLabel('model.hiddenSize')).toBe('Hidden size');
    expect(problemText({ field: 'encoding', reason: 'a.txt: invalid UTF-8 at byte 3', suggestion: 'windows-1252' })).toBe(
      'Encoding: a.txt: invalid UTF-8 at byte 3',
    );
  });
});
