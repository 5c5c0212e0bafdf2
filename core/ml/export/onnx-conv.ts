// ONNX bodies of the convolutional kinds (TCN, gated convolutional LM,
// WaveNet): Pad + Conv (dilated), Relu / Tanh / Sigmoid / Mul / Add, on an
// NCW view. Each takes the projected input [batch, time, embed] and returns
// what the read-out reads, [batch, time, width] (channels last). Weight norm is
// folded (ExportWeights.kernel); dropout is off at inference.
import type { GcnnConfig, TcnConfig, WavenetConfig } from '../models/model-config.ts';
import { WAVENET_INPUT_KERNEL, wavenetLayers } from '../models/wavenet-model.ts';
import type { ExportWeights } from './export-weights.ts';
import { causalConv, type GraphBuilder, pointwise, swapTimeChannels } from './onnx-builder.ts';

/** locuslab/TCN: blocks of [causal conv (dilation 2^l) → ReLU] × convsPerBlock, then ReLU(out + skip). */
export function tcnBody(g: GraphBuilder, w: ExportWeights, config: TcnConfig, embedded: string): string {
  const { levels, kernelSize: k, convsPerBlock, residual } = config;
  let x = swapTimeChannels(g, embedded, 'to_channels_first');
  for (let l = 0; l < levels; l++) {
    const d = 2 ** l;
    const blockInput = x;
    for (let c = 0; c < convsPerBlock; c++) {
      const name = `block${l}/conv${c}`;
      x = g.one(
        'Relu',
        [causalConv(g, `block${l}_conv${c}`, x, w.kernel(name), w.values(`${name}/bias`), k, d)],
        {},
        `block${l}_conv${c}_relu`,
      );
    }
    if (residual) {
      const down = `block${l}/downsample`;
      const skip = w.has(`${down}/kernel`)
        ? pointwise(g, `block${l}_downsample`, blockInput, w.get(`${down}/kernel`), w.values(`${down}/bias`))
        : blockInput;
      x = g.one('Relu', [g.one('Add', [x, skip], {}, `block${l}_residual`)], {}, `block${l}_relu`);
    }
  }
  return swapTimeChannels(g, x, 'to_channels_last');
}

/** Dauphin et al.: residual blocks of GLU convolutions (X*W + b) ⊙ σ(X*V + c); dilation 1, or 2^l when `dilated`. */
export function gcnnBody(g: GraphBuilder, w: ExportWeights, config: GcnnConfig, embedded: string): string {
  const { levels, kernelSize: k, convsPerBlock, dilated } = config;
  let x = swapTimeChannels(g, embedded, 'to_channels_first');
  for (let l = 0; l < levels; l++) {
    const d = dilated ? 2 ** l : 1;
    let h = x;
    for (let c = 0; c < convsPerBlock; c++) {
      const name = `block${l}/conv${c}`;
      const tag = `block${l}_conv${c}`;
      const linear = causalConv(g, `${tag}_linear`, h, w.kernel(`${name}/linear`), w.values(`${name}/linear/bias`), k, d);
      const gate = causalConv(g, `${tag}_gate`, h, w.kernel(`${name}/gate`), w.values(`${name}/gate/bias`), k, d);
      h = g.one('Mul', [linear, g.one('Sigmoid', [gate], {}, `${tag}_sigmoid`)], {}, `${tag}_glu`);
    }
    const proj = `block${l}/projection`;
    const skip = w.has(`${proj}/kernel`) ? pointwise(g, `block${l}_projection`, x, w.get(`${proj}/kernel`), w.values(`${proj}/bias`)) : x;
    x = g.one('Add', [h, skip], {}, `block${l}_residual`);
  }
  return swapTimeChannels(g, x, 'to_channels_last');
}

/**
 * van den Oord et al.: causal input convolution (kernel 2), gated layers
 * tanh(W_f*x) ⊙ σ(W_g*x) with 1×1 skip and residual projections, then
 * ReLU → 1×1 → ReLU over the sum of skips (the final 1×1 is the read-out).
 */
export function wavenetBody(g: GraphBuilder, w: ExportWeights, config: WavenetConfig, embedded: string): string {
  let x = swapTimeChannels(g, embedded, 'to_channels_first');
  x = causalConv(g, 'causal', x, w.get('causal/kernel'), w.values('causal/bias'), WAVENET_INPUT_KERNEL, 1);
  let skipSum: string | null = null;
  for (const layer of wavenetLayers(config)) {
    const name = `layer${layer.index}`;
    const f = causalConv(
      g,
      `${name}_filter`,
      x,
      w.get(`${name}/filter/kernel`),
      w.values(`${name}/filter/bias`),
      config.kernelSize,
      layer.dilation,
    );
    const gate = causalConv(
      g,
      `${name}_gate`,
      x,
      w.get(`${name}/gate/kernel`),
      w.values(`${name}/gate/bias`),
      config.kernelSize,
      layer.dilation,
    );
    const z = g.one('Mul', [g.one('Tanh', [f], {}, `${name}_tanh`), g.one('Sigmoid', [gate], {}, `${name}_sigmoid`)], {}, `${name}_gated`);
    const skip = pointwise(g, `${name}_skip`, z, w.get(`${name}/skip/kernel`), w.values(`${name}/skip/bias`));
    skipSum = skipSum ? g.one('Add', [skipSum, skip], {}, `${name}_skip_sum`) : skip;
    if (layer.hasResidual)
      x = g.one(
        'Add',
        [x, pointwise(g, `${name}_residual`, z, w.get(`${name}/residual/kernel`), w.values(`${name}/residual/bias`))],
        {},
        `${name}_next`,
      );
  }
  const hidden = pointwise(
    g,
    'output_hidden',
    g.one('Relu', [skipSum!], {}, 'skip_relu'),
    w.get('output/hidden/kernel'),
    w.values('output/hidden/bias'),
  );
  return swapTimeChannels(g, g.one('Relu', [hidden], {}, 'hidden_relu'), 'to_channels_last');
}
