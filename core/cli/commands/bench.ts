// `seqlab bench`: training throughput in the JSON shape of shared/bench/torch_ref.py,
// so the two can be run side by side and their tokensPerSec divided.
// It measures in this thread on purpose: nothing else runs while it does.
import type { Command } from 'commander';
import * as tf from '@tensorflow/tfjs';
import { activateBackend } from '../../engine/backends.ts';
import { FUSED_BACKENDS, installFusedKernels } from '../../engine/fused/install-fused.ts';
import { installDispatchCounter } from '../../engine/webgpu/dispatch-counter.ts';
import { fusedKernelsFor } from '../../ml/engine/kernel-registry.ts';
import { runBenchmark } from '../../ml/bench.ts';
import { runGenerateBenchmark } from '../../ml/bench-generate.ts';
import { BACKEND_NAMES, type BackendName } from '../../ml/train/train-config.ts';
import type { CliContext } from '../context.ts';
import { choiceOption, intOption, numberOption } from '../options.ts';

const BENCH_MODELS = ['lstm', 'gru', 'rnn', 'tcn', 'gcnn', 'wavenet'] as const;
const BENCH_TASKS = ['text', 'adding'] as const;

export function registerBench(program: Command, ctx: () => CliContext): void {
  program
    .command('bench')
    .description('training throughput on random tokens (same shapes as shared/bench/torch_ref.py), or on the adding problem')
    .option('--model <kind>', BENCH_MODELS.join(', '), choiceOption('--model', BENCH_MODELS), 'lstm')
    .option('--hidden <n>', 'hidden size', intOption('--hidden'), 128)
    .option('--batch <n>', 'batch size', intOption('--batch'), 32)
    .option('--seq-len <n>', 'sequence length', intOption('--seq-len'), 64)
    .option('--vocab <n>', 'vocabulary size', intOption('--vocab'), 64)
    .option(
      '--levels <n>',
      'tcn: dilations 1..2^(levels-1); gcnn: blocks (of 2 GLU convolutions, dilation 1); wavenet: layers per stack (2 stacks)',
      intOption('--levels'),
      4,
    )
    .option('--kernel <n>', 'tcn, gcnn, wavenet kernel size', intOption('--kernel'), 3)
    .option('--steps <n>', 'timed steps after 3 warm-up steps', intOption('--steps'), 20)
    .option('--dropout <rate>', 'dropout while training, in [0, 0.9]', numberOption('--dropout'), 0)
    .option('--truncate <k>', "rnn, lstm, gru: train the model's k-truncated version instead", intOption('--truncate'))
    .option(
      '--task <name>',
      'text (random tokens) or adding (the adding problem, T = --seq-len)',
      choiceOption('--task', BENCH_TASKS),
      'text',
    )
    .option('--backend <name>', BACKEND_NAMES.join(', '), choiceOption('--backend', BACKEND_NAMES), 'auto')
    .option('--generate', 'instead: WaveNet audio generation speed (2×10 layers, 32 channels, 256 classes), cached vs naive')
    .option('--samples <n>', '--generate: samples timed with the cached method', intOption('--samples'), 16000)
    .option('--naive-samples <n>', '--generate: samples timed with the naive method', intOption('--naive-samples'), 20)
    .action(
      async (f: {
        model: (typeof BENCH_MODELS)[number];
        hidden: number;
        batch: number;
        seqLen: number;
        vocab: number;
        levels: number;
        kernel: number;
        steps: number;
        dropout: number;
        truncate?: number;
        task: (typeof BENCH_TASKS)[number];
        backend: BackendName;
        generate?: boolean;
        samples: number;
        naiveSamples: number;
      }) => {
        const c = ctx();
        if (f.generate) return benchGenerate(c, f);
        for (const [flag, v] of [
          ['--hidden', f.hidden],
          ['--batch', f.batch],
          ['--seq-len', f.seqLen],
          ['--levels', f.levels],
          ['--steps', f.steps],
        ] as const) {
          if (v < 1) throw new Error(`${flag}: must be at least 1 (got ${v})`);
        }
        if (f.vocab < 2) throw new Error(`--vocab: must be at least 2 (got ${f.vocab})`);
        if (f.kernel < 2) throw new Error(`--kernel: must be at least 2 (got ${f.kernel})`);
        if (f.truncate !== undefined && f.truncate < 1) throw new Error(`--truncate: must be at least 1 (got ${f.truncate})`);
        if (f.dropout < 0 || f.dropout > 0.9) throw new Error(`--dropout: must be in [0, 0.9] (got ${f.dropout})`);
        const backend = await activateBackend(f.backend);
        // On webgpu the work per step is counted too: dispatches are its budget (docs/benchmarks.md).
        const gpuWork = backend.name === 'webgpu' ? installDispatchCounter() : undefined;
        const r = await runBenchmark({
          model: f.model,
          hidden: f.hidden,
          batch: f.batch,
          seqLen: f.seqLen,
          vocab: f.vocab,
          levels: f.levels,
          kernel: f.kernel,
          steps: f.steps,
          dropout: f.dropout,
          ...(f.truncate !== undefined ? { truncate: f.truncate } : {}),
          task: f.task,
          gpuWork,
        });
        const line = {
          impl: `seqlab-${backend.name}`,
          ...r,
          ...kernelSetup(backend.name),
          backend: backend.name,
          device: backend.device,
          tfjs: tf.version.tfjs,
        };
        c.emit(line);
      },
    );
}

/**
 * What ran the step, so a comparison names its set-up: threads (the native
 * kernels use the pool's; TF.js's own kernels run on this one thread), the
 * kernel path (`fused-native`: the addon's kernels on a CPU backend;
 * `fused-webgpu`: WGSL kernels; `stock`: TF.js's kernels only) and, on the
 * native path, the SIMD width the addon was compiled for.
 */
function kernelSetup(backend: string): {
  threads: number;
  kernelPath: 'fused-native' | 'fused-webgpu' | 'stock';
  simd?: string;
  fusedKernels: string[];
} {
  const fusedKernels = fusedKernelsFor(backend);
  if (fusedKernels.length === 0) return { threads: 1, kernelPath: 'stock', fusedKernels };
  if (!(FUSED_BACKENDS as readonly string[]).includes(backend)) return { threads: 1, kernelPath: 'fused-webgpu', fusedKernels };
  const native = installFusedKernels();
  return { threads: native.threads, kernelPath: 'fused-native', ...(native.simd ? { simd: native.simd } : {}), fusedKernels };
}

/** `bench --generate`: samples/s of cached and naive WaveNet generation, and the real-time factor at 16 kHz. */
async function benchGenerate(c: CliContext, f: { backend: BackendName; samples: number; naiveSamples: number }): Promise<void> {
  if (f.samples < 1 || f.naiveSamples < 1) throw new Error('--samples, --naive-samples: must be at least 1');
  const backend = await activateBackend(f.backend);
  const r = await runGenerateBenchmark({ cachedSamples: f.samples, naiveSamples: f.naiveSamples, sampleRate: 16000 });
  const line = { bench: 'generate', ...r, backend: backend.name, device: backend.device, tfjs: tf.version.tfjs };
  if (c.json) return c.emit(line);
  c.say(
    `${r.model}, receptive field ${r.receptiveField}, ${r.params.toLocaleString('en')} parameters, on ${backend.name} (${backend.device})`,
  );
  for (const m of [r.cached, r.naive])
    c.say(
      `  ${m.method.padEnd(6)} ${m.samplesPerSec.toLocaleString('en').padStart(10)} samples/s  real-time factor ${m.realTimeFactor} at ${r.sampleRate} Hz  (${m.samples} samples in ${m.seconds} s)`,
    );
  c.say(`  cached / naive: ${r.speedup}× (cached products: ${r.simd ? 'WebAssembly SIMD' : 'plain JS'}, whatever the backend)`);
}
