// Parameter counts from a config alone, without building the model: the UI
// asks for them on every keystroke of the New-run form, and building a large
// model just to count it would allocate and initialise every weight.
// test/ml/models.test.ts checks these against the built models.
import type { ModelConfig } from './model-config.ts';

export function countParameters(config: ModelConfig): number {
  const { vocabSize: v, embedSize: e, hiddenSize: h } = config;
  const io = v * e + e + h * v + v; // input projection + read-out
  switch (config.kind) {
    case 'lstm': {
      let n = io;
      for (let l = 0; l < config.layers; l++) n += (l === 0 ? e : h) * 4 * h + h * 4 * h + 4 * h;
      return n;
    }
    case 'tcn': {
      let n = io;
      const k = config.kernelSize;
      for (let l = 0; l < config.levels; l++) {
        for (let c = 0; c < config.convsPerBlock; c++) {
          const cin = l === 0 && c === 0 ? e : h;
          n += k * cin * h + h + (config.weightNorm ? h : 0); // kernel (or v), bias, g
        }
        if (config.residual && l === 0 && e !== h) n += e * h + h; // 1×1 downsample
      }
      return n;
    }
  }
}
