// The shared lists of core/contract/kinds.ts are the ones every layer uses:
// the contract's enums, the history's statuses, the extensions the core's
// importers recognise, Electron's open dialog and the renderer's import panel.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATASET_FILE_EXTENSIONS, DATASET_KINDS, datasetKindOfFile, IMPORT_EXTENSIONS, RUN_STATUSES } from '../../core/contract/kinds.ts';
import { datasetSummarySchema, runStatusSchema } from '../../core/contract/lab-contract.ts';
import { AUDIO_EXTENSIONS, isAudioFile } from '../../core/data/audio-decode.ts';
import { majorityKind } from '../../core/services/folder-kind.ts';
import { FINAL_STATUSES } from '../../core/storage/history.ts';
import { importDialogOptions } from '../../electron/ipc.ts';
import { tempHome } from '../helpers/cli.ts';

describe('the kind and status lists', () => {
  it("are the contract's enums", () => {
    expect(runStatusSchema.options).toEqual([...RUN_STATUSES]);
    expect(datasetSummarySchema.shape.kind.options).toEqual([...DATASET_KINDS]);
    for (const s of FINAL_STATUSES) expect(RUN_STATUSES).toContain(s);
  });

  it('give every importable kind its extensions, each lower case, with its dot, owned by one kind', () => {
    for (const kind of DATASET_KINDS) {
      for (const e of DATASET_FILE_EXTENSIONS[kind]) {
        expect(e).toMatch(/^\.[a-z0-9]+$/);
        expect(datasetKindOfFile(`Some File${e.toUpperCase()}`)).toBe(kind);
      }
    }
    expect(new Set(IMPORT_EXTENSIONS).size).toBe(IMPORT_EXTENSIONS.length);
    expect(datasetKindOfFile('notes.md')).toBeNull();
  });

  it('are the extensions the audio decoder accepts', () => {
    expect([...AUDIO_EXTENSIONS]).toEqual([...DATASET_FILE_EXTENSIONS.audio]);
    for (const e of IMPORT_EXTENSIONS)
      expect(isAudioFile(`clip${e}`)).toBe((DATASET_FILE_EXTENSIONS.audio as readonly string[]).includes(e));
  });

  it('decide the kind of real files by the same list', () => {
    const dir = tempHome();
    for (const kind of ['text', 'music', 'audio'] as const) {
      for (const e of DATASET_FILE_EXTENSIONS[kind]) {
        const file = path.join(dir, `one${e}`);
        fs.writeFileSync(file, '');
        expect(majorityKind([file]), file).toBe(kind);
      }
    }
  });

  it("are what Electron's open dialog offers", () => {
    const filters = importDialogOptions('linux').filters!;
    expect(filters[0]!.extensions.map((e) => `.${e}`)).toEqual([...IMPORT_EXTENSIONS]);
    for (const kind of ['text', 'music', 'audio'] as const) {
      expect(filters.some((f) => f.extensions.map((e) => `.${e}`).join() === DATASET_FILE_EXTENSIONS[kind].join())).toBe(true);
    }
    expect(filters.at(-1)).toEqual({ name: 'All files', extensions: ['*'] });
  });

  it("are what the renderer's import panel accepts (no list of its own)", () => {
    const panel = fs.readFileSync(path.join(import.meta.dirname, '../../renderer/src/screens/datasets/ImportPanel.svelte'), 'utf8');
    expect(panel).toMatch(/import \{[^}]*\bIMPORT_EXTENSIONS\b[^}]*\} from '\.\.\/\.\.\/\.\.\/\.\.\/core\/contract\/kinds\.ts'/);
    expect(panel).toMatch(/const ACCEPT = \[\s*\.\.\.IMPORT_EXTENSIONS,/);
    // A hand-written extension pattern would drift again (it lacked .oga, .opus and .wave).
    expect(panel).not.toMatch(/\/\\\.\((txt|wav)/);
  });
});
