// Readable when full, mid-session (issue 17): the disk fills while a run
// trains. The write that fails turns the history read-only (reopened
// read-only), clients are told why (the reply, a history.readOnly event,
// systemInfo's readOnlyReason for the app's banner; a line from the CLI),
// listing, showing, sampling and exporting to another disk keep working, and
// the run whose final status could not be written is reconciled ('crashed')
// on the first open after its process ended and space was freed.
// Runs on a real tmpfs where the tests may mount one (root on Linux).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabService } from '../../core/app/lab-service.ts';
import type { LabEvent } from '../../core/contract/lab-contract.ts';
import { History } from '../../core/storage/history.ts';
import { BIN, jsonLines, seqlab } from '../helpers/cli.ts';
import { fillUp, mountTmpfs, unmountTmpfs } from '../helpers/full-disk.ts';

const mounts: string[] = [];
const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-otherdisk-'));
afterAll(() => {
  for (const m of mounts) unmountTmpfs(m);
  fs.rmSync(elsewhere, { recursive: true, force: true });
});

/** A request's reply, either way (the assertions say which is expected). */
const call = async (service: LabService, name: string, args: unknown) =>
  (await service.handle(name, args)) as { ok: boolean; result?: unknown; error?: string };

const TINY_RUN = {
  model: { kind: 'gru', hiddenSize: 16, embedSize: 4 },
  train: { steps: 1_000_000, batchSize: 4, seqLen: 16, backend: 'cpu', validEvery: 1_000_000, sampleEvery: 0, checkpointEvery: 1 },
} as const;

describe('a server whose disk fills while a run trains', () => {
  it('turns read-only, says why, keeps reading, sampling and exporting elsewhere', { timeout: 400_000 }, async (t) => {
    const mount = mountTmpfs('3m', 'seqlab-fills-');
    if (!mount) return t.skip();
    mounts.push(mount);
    const home = path.join(mount, 'home');
    const history = History.open(home);
    const service = new LabService({ dataDir: home, history, mode: 'browser' });
    const events: LabEvent[] = [];
    service.subscribe((e) => events.push(e));
    try {
      const d = await call(service, 'ensureBuiltin', { name: 'brackets' });
      expect(d.ok, d.error).toBe(true);
      const started = new Promise<void>((resolve) =>
        service.subscribe((e) => e.type === 'run.progress' && e.metrics.step >= 3 && resolve()),
      );
      const ended = new Promise<LabEvent>((resolve) => service.subscribe((e) => e.type === 'run.status' && resolve(e)));
      const r = await call(service, 'startRun', { datasetId: (d.result as { id: number }).id, ...TINY_RUN });
      expect(r.ok, r.error).toBe(true);
      await started;
      fillUp(mount);

      // The trainer's next write fails; so does recording its end: the history turns read-only and says so.
      const end = (await ended) as Extract<LabEvent, { type: 'run.status' }>;
      expect(end).toMatchObject({ status: 'crashed', error: expect.stringMatching(/full/) });
      expect(history.readOnlyReason).toMatch(
        /failed because the disk is full .* reopened read-only: listing, showing, sampling and exporting to another disk work/,
      );
      expect(events).toContainEqual({ type: 'history.readOnly', reason: history.readOnlyReason });
      const info = await call(service, 'systemInfo', {});
      expect(info).toMatchObject({ ok: true, result: { readOnlyReason: history.readOnlyReason } });

      // Reads go on; the run shows as last recorded: 'crashed' if the worker's own last write fitted (reusing room in
      // the write-ahead log), else still 'running' until the first open with room reconciles it.
      const runs = await call(service, 'listRuns', {});
      expect(runs).toMatchObject({ ok: true, result: [{ id: 1 }] });
      expect(['running', 'crashed']).toContain((runs.result as { status: string }[])[0]!.status);
      const metrics = await call(service, 'getMetrics', { id: 1 });
      expect((metrics.result as unknown[]).length).toBeGreaterThanOrEqual(3);
      const sampled = await call(service, 'sample', { id: 1, length: 5 });
      expect(sampled.ok, sampled.error).toBe(true);
      const exported = await call(service, 'exportRun', { id: 1, format: 'safetensors', outDir: path.join(elsewhere, 'run-1') });
      expect(exported.ok, exported.error).toBe(true);
      expect(fs.readdirSync(path.join(elsewhere, 'run-1')).length).toBeGreaterThan(0);
      // Writes are refused with the reason, before anything starts.
      const refused = await call(service, 'startRun', { datasetId: (d.result as { id: number }).id, ...TINY_RUN });
      expect(refused).toMatchObject({ ok: false, error: expect.stringContaining(history.readOnlyReason!) });
    } finally {
      await service.close();
      history.close();
    }
  });
});

describe('seqlab train whose disk fills', () => {
  it('says why it stopped, and the run is reconciled once space is freed', { timeout: 400_000 }, async (t) => {
    const mount = mountTmpfs('3m', 'seqlab-fills-');
    if (!mount) return t.skip();
    mounts.push(mount);
    const home = path.join(mount, 'home');
    expect(seqlab(home, ['datasets', 'synth', '--task', 'adding', '--length', '8', '--name', 'adding']).code).toBe(0);
    const child = spawn(
      process.execPath,
      [
        BIN,
        '--json',
        'train',
        '--dataset',
        'adding',
        '--model',
        'gru',
        '--hidden',
        '16',
        '--batch',
        '4',
        '--steps',
        '1000000',
        '--backend',
        'cpu',
        '--checkpoint-every',
        '1',
      ],
      {
        env: { ...process.env, SEQLAB_HOME: home, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // 'close', not 'exit': the reason is written to stderr last and may still be in the pipe when the process has exited.
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Until it has trained a few steps.
    while (!/"step":3\b/.test(stdout) && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    fillUp(mount);
    expect(await exited).toBe(1);
    expect(stderr).toMatch(/full.*the disk holding the history is full, so nothing more can be recorded until space is freed/s);
    expect(jsonLines(stdout).at(-1)).toMatchObject({ id: 1, status: 'crashed', error: expect.stringMatching(/full/) });

    // Still full: reads work (read-only), the run shows as last recorded. Fill again first: the training
    // process may free blocks as it exits (its database closed, temporary files removed), and this open must
    // meet a full disk. (On a full disk SQLite could still write into pages its files held, so the open used
    // to come up writable in some runs; History.open now checks the file system's free blocks itself.)
    fillUp(mount);
    const listed = seqlab(home, ['--json', 'runs']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stderr).toMatch(/read-only/);
    // Space freed: the first open reconciles the run its process could not finish recording.
    fs.rmSync(path.join(mount, 'filler'));
    const after = jsonLines(seqlab(home, ['--json', 'runs']).stdout)[0] as unknown as { id: number; status: string }[];
    expect(after.map((r) => [r.id, r.status])).toEqual([[1, 'crashed']]);
    const h = History.open(home);
    expect(h.integrityCheck()).toEqual(['ok']);
    h.close();
  });
});
