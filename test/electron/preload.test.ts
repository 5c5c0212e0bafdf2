// The real preload bundle (built by scripts/build-electron.mjs), run in a vm
// context with a fake contextBridge, ipcRenderer and webUtils: it exposes
// exactly window.lab, unwraps replies, hands listeners the payload only, and
// never sends outside the "lab:" channels. It carries no zod and no core.
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabBridge, LabEvent } from '../../core/contract/lab-contract.ts';
import { IPC_CHANNELS as IPC, isLabChannel } from '../../electron/ipc-channels.ts';
import { invokeLab, unwrapReply } from '../../electron/lab-bridge.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
let dir: string;
let bundle: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-preload-'));
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-electron.mjs'), '--outdir', dir], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  bundle = fs.readFileSync(path.join(dir, 'preload.cjs'), 'utf8');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A fake ipcRenderer: records invokes, answers with `reply`, and can deliver events like Electron (event first). */
class FakeIpcRenderer extends EventEmitter {
  readonly invoked: { channel: string; args: unknown[] }[] = [];
  reply: (channel: string, args: unknown[]) => unknown = () => ({ ok: true, result: null });
  async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked.push({ channel, args });
    return this.reply(channel, args);
  }
  send(channel: string): void {
    throw new Error(`send(${channel}) must not be used`);
  }
  deliver(payload: unknown): void {
    this.emit(IPC.event, { sender: this, senderId: 0 }, payload);
  }
}

/** Runs the bundle as Electron would: CommonJS with only `electron` requirable. */
function loadPreload() {
  const exposed: Record<string, unknown> = {};
  const ipcRenderer = new FakeIpcRenderer();
  const webUtils = { getPathForFile: (file: { name: string }) => `/home/u/${file.name}` };
  const contextBridge = { exposeInMainWorld: (key: string, api: unknown) => void (exposed[key] = api) };
  const required: string[] = [];
  const requireFn = (id: string) => {
    required.push(id);
    if (id === 'electron') return { contextBridge, ipcRenderer, webUtils };
    throw new Error(`a sandboxed preload cannot require ${id}`);
  };
  const module = { exports: {} };
  const context = vm.createContext({ console });
  const wrapper = vm.runInContext(`(function (require, module, exports) {\n${bundle}\n})`, context) as (
    r: typeof requireFn,
    m: typeof module,
    e: unknown,
  ) => void;
  wrapper(requireFn, module, module.exports);
  return { exposed, ipcRenderer, required, lab: exposed['lab'] as LabBridge };
}

describe('preload bundle', () => {
  it('is one small CommonJS file that requires only electron and carries no zod or core', () => {
    expect(bundle).not.toMatch(/\bimport\s/);
    const requires = [...bundle.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    expect(requires).toEqual(['electron']);
    expect(bundle).not.toMatch(/zod|safeParse|labRequests|better-sqlite3|tensorflow/);
    expect(bundle.length).toBeLessThan(8000);
  });

  it('exposes exactly one key, lab, with the LabBridge functions and nothing that leaks ipcRenderer', () => {
    const { exposed, ipcRenderer, required, lab } = loadPreload();
    expect(Object.keys(exposed)).toEqual(['lab']);
    expect(required).toEqual(['electron']);
    expect(Object.keys(lab).sort()).toEqual(['kind', 'pathForFile', 'pickExportFolder', 'pickImportPaths', 'request', 'subscribe']);
    expect(lab.kind).toBe('electron');
    for (const key of ['request', 'subscribe', 'pickImportPaths', 'pickExportFolder', 'pathForFile'] as const)
      expect(lab[key]).toBeTypeOf('function');
    expect(Object.values(lab)).not.toContain(ipcRenderer);
    expect(Object.isFrozen(lab)).toBe(true);
  });

  it('request sends (name, args) on lab:request and unwraps the reply', async () => {
    const { ipcRenderer, lab } = loadPreload();
    ipcRenderer.reply = (_c, [name]) =>
      name === 'systemInfo' ? { ok: true, result: { mode: 'electron' } } : { ok: false, error: 'datasetId: must be positive' };
    await expect(lab.request('systemInfo', {})).resolves.toEqual({ mode: 'electron' });
    await expect(lab.request('stopRun', { id: -1 })).rejects.toThrow('datasetId: must be positive');
    expect(ipcRenderer.invoked).toEqual([
      { channel: IPC.request, args: ['systemInfo', {}] },
      { channel: IPC.request, args: ['stopRun', { id: -1 }] },
    ]);
  });

  it('rejects a reply that is not an envelope', async () => {
    const { ipcRenderer, lab } = loadPreload();
    ipcRenderer.reply = () => undefined;
    await expect(lab.request('systemInfo', {})).rejects.toThrow('no valid reply');
  });

  it('dialogs and paths go through their lab: channels and webUtils', async () => {
    const { ipcRenderer, lab } = loadPreload();
    ipcRenderer.reply = (channel) =>
      channel === IPC.pickImportPaths ? { ok: true, result: ['/a.txt'] } : { ok: true, result: '/out/model' };
    await expect(lab.pickImportPaths!()).resolves.toEqual(['/a.txt']);
    await expect(lab.pickExportFolder!('run-1')).resolves.toBe('/out/model');
    expect(ipcRenderer.invoked.map((c) => c.channel)).toEqual([IPC.pickImportPaths, IPC.pickExportFolder]);
    expect(ipcRenderer.invoked[1]!.args).toEqual(['run-1']);
    expect(lab.pathForFile!({ name: 'corpus.txt' } as File)).toBe('/home/u/corpus.txt');
  });

  it('subscribe hands listeners the payload only and unsubscribes', () => {
    const { ipcRenderer, lab } = loadPreload();
    const got: unknown[] = [];
    const event: LabEvent = { type: 'dataset.importProgress', phase: 'scan', bytesDone: 1, bytesTotal: 2 };
    const off = lab.subscribe((e) => got.push(e));
    ipcRenderer.deliver(event);
    expect(got).toEqual([event]);
    expect(ipcRenderer.listenerCount(IPC.event)).toBe(1);
    off();
    off();
    ipcRenderer.deliver(event);
    expect(got).toEqual([event]);
    expect(ipcRenderer.listenerCount(IPC.event)).toBe(0);
  });

  it('never invokes a channel outside lab:', async () => {
    const { ipcRenderer, lab } = loadPreload();
    await lab.request('systemInfo', {});
    await lab.pickImportPaths!();
    await lab.pickExportFolder!('x');
    expect(ipcRenderer.invoked.length).toBe(3);
    for (const { channel } of ipcRenderer.invoked) expect(channel.startsWith('lab:')).toBe(true);
    expect(ipcRenderer.eventNames().every((n) => String(n).startsWith('lab:'))).toBe(true);
  });
});

describe('bridge pieces', () => {
  it('isLabChannel accepts only lab: channels', () => {
    for (const c of Object.values(IPC)) expect(isLabChannel(c)).toBe(true);
    for (const c of ['lab:', 'ELECTRON_BROWSER_REQUIRE', 'lab', 'x:lab:request', 42, null]) expect(isLabChannel(c)).toBe(false);
  });

  it('unwrapReply returns results and throws errors as Error', () => {
    expect(unwrapReply({ ok: true, result: 3 })).toBe(3);
    expect(() => unwrapReply({ ok: false, error: 'paths: give at least one file' })).toThrow(new Error('paths: give at least one file'));
    expect(() => unwrapReply({ ok: 'yes', result: 1 })).toThrow('no valid reply');
  });

  it('invokeLab refuses a channel outside lab: without sending anything', async () => {
    const sent: string[] = [];
    const ipc = { invoke: async (c: string) => (sent.push(c), { ok: true, result: 1 }) };
    for (const channel of ['ELECTRON_BROWSER_REQUIRE', 'lab', 'x:lab:request'])
      await expect(invokeLab(ipc, channel)).rejects.toThrow('refused channel');
    expect(sent).toEqual([]);
    await expect(invokeLab(ipc, IPC.request, 'systemInfo')).resolves.toBe(1);
    expect(sent).toEqual([IPC.request]);
  });
});
