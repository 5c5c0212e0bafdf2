// The sbatch script of a Slurm sweep, without a scheduler: the array covers
// every trial, each task's log and threads, the optional limits, quoting, and
// refusals of what an #SBATCH line cannot carry.
import { describe, expect, it } from 'vitest';
import { parseSbatchJobId, sbatchScript, shellQuote } from '../../core/services/sweep-bundles/slurm-submit.ts';

describe('the sbatch script', () => {
  const base = {
    sweepId: 7,
    trials: 12,
    folder: '/shared/seqlab/sweep-7',
    cpusPerTask: 4,
    seqlabCommand: "/usr/bin/node '/opt/seq lab/bin/seqlab.mjs'",
  };

  it('runs one array task per trial, each a sweep trial with its own log and SEQLAB_THREADS = its CPUs', () => {
    const script = sbatchScript({ ...base, partition: 'gpu', time: '02:00:00', gpusPerTask: 1 });
    const lines = script.split('\n');
    expect(lines[0]).toBe('#!/bin/bash');
    expect(lines.filter((l) => l.startsWith('#SBATCH'))).toEqual([
      '#SBATCH --job-name=seqlab-sweep-7',
      '#SBATCH --array=0-11',
      '#SBATCH --output=/shared/seqlab/sweep-7/logs/trial-%a.log',
      '#SBATCH --open-mode=append',
      '#SBATCH --chdir=/shared/seqlab/sweep-7',
      '#SBATCH --ntasks=1',
      '#SBATCH --cpus-per-task=4',
      '#SBATCH --partition=gpu',
      '#SBATCH --time=02:00:00',
      '#SBATCH --gpus-per-task=1',
    ]);
    expect(lines).toContain('export SEQLAB_THREADS="${SLURM_CPUS_PER_TASK:-4}"');
    expect(lines).toContain(
      `exec /usr/bin/node '/opt/seq lab/bin/seqlab.mjs' sweep trial 7 --index "$SLURM_ARRAY_TASK_ID" --shared-dir /shared/seqlab`,
    );
  });

  it('leaves out the limits not asked for', () => {
    const script = sbatchScript(base);
    expect(script).not.toMatch(/--partition|--time|--gpus-per-task/);
  });

  it('refuses a value an #SBATCH line would split, naming the flag', () => {
    expect(() => sbatchScript({ ...base, folder: '/shared/my sweeps/sweep-7' })).toThrow(
      /^--shared-dir: "\/shared\/my sweeps\/sweep-7\/logs\/trial-%a\.log" holds whitespace or quotes/,
    );
    expect(() => sbatchScript({ ...base, partition: 'gpu --qos=high' })).toThrow(/^--partition: /);
  });

  it('quotes words for the shell and reads the job id sbatch --parsable prints', () => {
    expect(shellQuote('/plain/path-1.2')).toBe('/plain/path-1.2');
    expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
    expect(parseSbatchJobId('4242\n')).toBe('4242');
    expect(parseSbatchJobId('4242;cluster-a\n')).toBe('4242');
    expect(() => parseSbatchJobId('sbatch: error: Batch job submission failed')).toThrow(/did not print a job id/);
  });
});
