// Times the native causal convolution alone (core/engine/native/src/conv.cc):
// forward and backward of one layer on random data, outside any training step,
// so a change to the kernels can be compared build against build in the same
// minutes. Prints one JSON line per shape: the median and the fastest of the
// timed calls, wall and process CPU time (user + system, all threads), in ms;
// on a loaded machine the CPU time of a 1-thread run is the steadier figure.
// GFLOP/s are of the fastest wall time (the forward pass is one product of
// 2·B·T·C·K·C flops, the backward two), to set against bench/fma-peak.cc.
// The addon is the one beside the sources unless a path is given (e.g. an
// older build in a scratch folder).
//   SEQLAB_THREADS=1 node bench/native-conv-speed.mjs [addon.node] [--shape B,T,C,K,D]... [--reps N]
import { createRequire } from 'node:module';
import path from 'node:path';

const args = process.argv.slice(2);
const addonPath = path.resolve(
  args.find((a) => a.endsWith('.node')) ?? path.join(import.meta.dirname, '../core/engine/native/build/seqlab_kernels.node'),
);
const shapes = args.flatMap((a, i) => (a === '--shape' ? [args[i + 1].split(',').map(Number)] : []));
const repsAt = args.indexOf('--reps');
const reps = repsAt >= 0 ? Number(args[repsAt + 1]) : 10;
// [B, T, C, K, D]: the TCN's layers in `seqlab bench` at h128 and at h512 (dilation 2, the second block)
if (shapes.length === 0) shapes.push([32, 64, 128, 3, 2], [64, 128, 512, 3, 2]);

const native = createRequire(import.meta.url)(addonPath);

/** Uniform in [-1, 1) from a fixed linear congruential sequence: the same data for every build. */
function data(n, seed) {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

/** { median, min } of ms values, rounded to 0.01. */
function summary(ms) {
  ms.sort((a, b) => a - b);
  return { median: +ms[ms.length >> 1].toFixed(2), min: +ms[0].toFixed(2) };
}

/** Wall and CPU ms of `reps` calls of fn after two warm-up calls. */
function time(fn) {
  fn();
  fn();
  const wall = [];
  const cpu = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    fn();
    wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e3);
  }
  return { wall: summary(wall), cpu: summary(cpu) };
}

for (const [B, T, C, K, D] of shapes) {
  const x = data(B * T * C, 1);
  const w = data(K * C * C, 2);
  const bias = data(C, 3);
  const dy = data(B * T * C, 4);
  const forward = time(() => native.convForward(B, T, C, C, K, D, x, w, bias));
  const backward = time(() => native.convBackward(B, T, C, C, K, D, x, w, dy));
  const flops = 2 * B * T * C * K * C;
  const line = {
    addon: addonPath,
    threads: native.threads(),
    simd: native.simd(),
    B,
    T,
    C,
    K,
    D,
    reps,
    forwardMs: forward,
    backwardMs: backward,
    forwardGflops: +(flops / forward.wall.min / 1e6).toFixed(1),
    backwardGflops: +((2 * flops) / backward.wall.min / 1e6).toFixed(1),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
