// Dumps what the lab's adding-200 TCN run of one seed starts from (the preset's model, 39,697 parameters):
// the initial weights, the 50,000 training sequences with the batch order of 6,000 steps, and the 1,000
// validation sequences, as raw little-endian float32 / uint32 files, so that bench/torch_tcn_adding_twin.py
// can train the same model on the same batches in PyTorch (docs/benchmarks.md, "Memory tasks and stability").
//   npx tsx bench/dump-tcn-adding.ts SEED OUTDIR
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../core/ml/models/build-model.ts';
import { createSyntheticTask } from '../core/ml/tasks/synthetic.ts';
import { epochOrder } from '../core/ml/tasks/episodes.ts';

const seed = Number(process.argv[2]);
const out = process.argv[3]!;
fs.mkdirSync(out, { recursive: true });
await tf.setBackend('cpu');
const model = buildModel(
  { kind: 'tcn', vocabSize: 1, inputFeatures: 2, embedSize: 32, hiddenSize: 24, levels: 4, kernelSize: 8, dropout: 0 },
  seed,
);
const manifest: Record<string, number[]> = {};
for (const { name, variable } of model.variables) {
  manifest[name] = variable.shape;
  fs.writeFileSync(`${out}/w_${name.replaceAll('/', '.')}.f32`, Buffer.from(((await variable.data()) as Float32Array).buffer));
}
fs.writeFileSync(`${out}/weights.json`, JSON.stringify(manifest));
const task = createSyntheticTask({ task: 'adding', length: 200 });
// One batch of the whole split in epoch 0's order of seed 12345 (any seed): rows are examples order[r].
const all = task.trainStream(50_000, 64, 12345).next();
const order0 = epochOrder(50_000, 12345, 0);
const x = new Float32Array(50_000 * 400);
const y = new Float32Array(50_000);
for (let r = 0; r < 50_000; r++) {
  const i = order0[r]!;
  x.set((all.inputs as Float32Array).subarray(r * 400, (r + 1) * 400), i * 400);
  y[i] = (all.targets as Float32Array)[r * 200 + 199]!;
}
fs.writeFileSync(`${out}/train_x.f32`, Buffer.from(x.buffer));
fs.writeFileSync(`${out}/train_y.f32`, Buffer.from(y.buffer));
// The run's batches: epoch e visits epochOrder(50000, seed, e) in batches of 32, the tail of 16 skipped.
const steps = 6000;
const idx = new Uint32Array(steps * 32);
for (let s = 0; s < steps; s++) {
  const e = Math.floor(s / 1562);
  const c = s % 1562;
  idx.set(epochOrder(50_000, seed, e).subarray(c * 32, c * 32 + 32), s * 32);
}
fs.writeFileSync(`${out}/order.u32`, Buffer.from(idx.buffer));
const valid = task.evalBatches('valid', { batchSize: 1000, seqLen: 1, maxScored: 1000, context: 0 })[Symbol.iterator]().next().value!;
fs.writeFileSync(`${out}/valid_x.f32`, Buffer.from((valid.inputs as Float32Array).buffer));
const vy = new Float32Array(1000);
for (let r = 0; r < 1000; r++) vy[r] = (valid.targets as Float32Array)[r * 200 + 199]!;
fs.writeFileSync(`${out}/valid_y.f32`, Buffer.from(vy.buffer));
console.log('dumped', seed, model.parameterCount(), 'baseline', task.baselineLoss);
