// The safetensors folder's load_torch.py, run by Debian's python3-torch
// (CI installs it, .ci/run): it rebuilds every kind as a torch.nn.Module and
// `python3 load_torch.py INPUT.json` prints the lab's outputs (probabilities
// or values) within 1e-5. One case runs the command line itself; all cases
// run it in one Python process through runpy (one torch import, ~2 s, not 14).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { exportSafetensors } from '../../core/export/safetensors-export.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import { caseInput, EXPORT_CASES, labForward, maxAbsDiff, testContext } from '../helpers/export-cases.ts';
import { useCpuBackend } from '../helpers/tf-cpu.ts';

const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

beforeAll(useCpuBackend);

interface Prepared {
  name: string;
  dir: string;
  inputFile: string;
  outputFile: string;
  want: Float32Array;
  shape: number[];
}

async function prepare(root: string): Promise<Prepared[]> {
  const out: Prepared[] = [];
  for (const [i, [name, c]] of Object.entries(EXPORT_CASES).entries()) {
    const model = buildModel(c.config, 13 + i);
    const dir = path.join(root, `case${i}`);
    const result = await exportSafetensors(model, dir, testContext(c));
    expect(result.files.sort()).toEqual(['SHA256SUMS', 'load_torch.py', 'model.safetensors', 'seqlab.json']);
    const input = caseInput(c.config, 2, 7, 5 + i);
    const inputFile = path.join(root, `input${i}.json`);
    fs.writeFileSync(inputFile, JSON.stringify(input));
    out.push({
      name,
      dir,
      inputFile,
      outputFile: path.join(root, `output${i}.json`),
      want: (await labForward(model, input, c.output)).outputs,
      shape: [2, 7, c.config.vocabSize],
    });
    model.dispose();
  }
  return out;
}

function check(p: Prepared, printed: string): void {
  const got = JSON.parse(printed) as number[][][];
  expect([got.length, got[0]!.length, got[0]![0]!.length], p.name).toEqual(p.shape);
  expect(maxAbsDiff(got.flat(2), p.want), p.name).toBeLessThanOrEqual(1e-5);
}

it.skipIf(!hasTorch)(
  'load_torch.py rebuilds every kind and prints the lab’s outputs',
  async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-torch-'));
    const cases = await prepare(root);

    // The command line exactly as a user runs it, from another folder.
    const first = cases[0]!;
    check(first, execFileSync(PYTHON, [path.join(first.dir, 'load_torch.py'), first.inputFile], { cwd: root, encoding: 'utf8' }));

    // Every case's __main__ through runpy in one process, stdout to a file each.
    const driver = [
      'import json, runpy, sys',
      'for script, inp, out in json.load(open(sys.argv[1])):',
      '    sys.argv = [script, inp]',
      '    with open(out, "w") as f:',
      '        sys.stdout = f',
      '        try:',
      '            runpy.run_path(script, run_name="__main__")',
      '        except SystemExit as e:',
      '            assert not e.code, (script, e.code)',
      '        finally:',
      '            sys.stdout = sys.__stdout__',
    ].join('\n');
    const jobs = path.join(root, 'jobs.json');
    fs.writeFileSync(jobs, JSON.stringify(cases.map((p) => [path.join(p.dir, 'load_torch.py'), p.inputFile, p.outputFile])));
    execFileSync(PYTHON, ['-c', driver, jobs], { encoding: 'utf8' });
    for (const p of cases) check(p, fs.readFileSync(p.outputFile, 'utf8'));
  },
  120_000,
);
