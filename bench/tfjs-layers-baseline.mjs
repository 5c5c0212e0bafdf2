// Raw TF.js baseline (shared/guide/engine.md's "before any work of ours"):
// the torch_ref.py LSTM built from stock tf.layers and trained with
// tf.train.adam through optimizer.minimize. Prints the same JSON fields as
// `seqlab bench`, so seqlab's own training path can be compared with plain
// TF.js on the same machine in the same minute.
//   node bench/tfjs-layers-baseline.mjs --backend wasm
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const backend = arg('backend', 'wasm');
const [H, B, T, V, steps] = ['hidden', 'batch', 'seq-len', 'vocab', 'steps'].map((n, i) => Number(arg(n, [128, 32, 64, 64, 10][i])));
tf.env().set('PROD', true);
await tf.setBackend(backend);
await tf.ready();

const model = tf.sequential();
model.add(tf.layers.dense({ units: 32, inputShape: [T, V] }));
model.add(
  tf.layers.lstm({
    units: H,
    returnSequences: true,
    recurrentActivation: 'sigmoid',
    kernelInitializer: 'glorotUniform',
    recurrentInitializer: 'glorotUniform',
  }),
);
model.add(tf.layers.dense({ units: V }));
const opt = tf.train.adam(1e-3);
const x = tf.oneHot(tf.randomUniform([B, T], 0, V, 'int32'), V).toFloat();
const y = tf.oneHot(tf.randomUniform([B, T], 0, V, 'int32'), V).toFloat();
const step = () => opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x)), true);
for (let i = 0; i < 3; i++) await step().data();
const t0 = performance.now();
let loss;
for (let i = 0; i < steps; i++) {
  loss?.dispose();
  loss = step();
  await loss.data(); // one read-back per step, as seqlab does for NaN detection
}
const sec = (performance.now() - t0) / 1000 / steps;
console.log(
  JSON.stringify({
    impl: `tfjs-layers-${backend}`,
    model: 'lstm',
    hidden: H,
    batch: B,
    seqLen: T,
    vocab: V,
    msPerStep: +(sec * 1000).toFixed(3),
    tokensPerSec: +((B * T) / sec).toFixed(1),
    threads: 1,
  }),
);
