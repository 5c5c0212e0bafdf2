// ONNX bodies of the recurrent kinds: stacked ONNX LSTM / GRU / RNN operators
// with the state carried out, and in for the streaming graph, and the k-truncated model
// unrolled as k steps of the same operators over every position at once.
//
// Weights: our LSTM gate order is Keras' i, f, c, o and ONNX's is i, o, f, c,
// so W, R and B are re-ordered per gate (W = kernelᵀ, R = recurrent_kernelᵀ,
// B = [bias, 0]). ONNX's GRU with linear_before_reset = 1 is PyTorch's (the
// lab's) and its gate order z, r, h is the lab's: W, R transposed, B = the
// lab's [2, 3H] bias flattened. RNN: tanh, B = [bias, 0].
import type { RecurrentConfig } from '../models/model-config.ts';
import type { ExportWeights } from './export-weights.ts';
import { type GraphBuilder, transpose } from './onnx-builder.ts';

/** Keras gate blocks (i, f, c, o) in ONNX order (i, o, f, c). */
const ONNX_GATES_FROM_KERAS = [0, 3, 1, 2];

/** [rows, 4H] (Keras columns) -> [4H, rows] with gate blocks re-ordered for ONNX. */
function onnxGateMatrix(m: Float32Array, rows: number, hidden: number): Float32Array {
  const t = transpose(m, rows, 4 * hidden);
  const out = new Float32Array(t.length);
  ONNX_GATES_FROM_KERAS.forEach((src, dst) => out.set(t.subarray(src * hidden * rows, (src + 1) * hidden * rows), dst * hidden * rows));
  return out;
}

function onnxGateVector(b: Float32Array, hidden: number): Float32Array {
  const out = new Float32Array(b.length);
  ONNX_GATES_FROM_KERAS.forEach((src, dst) => out.set(b.subarray(src * hidden, (src + 1) * hidden), dst * hidden));
  return out;
}

/** One recurrent layer as an ONNX operator: its type, W/R/B initializer names and attributes. */
interface LayerOp {
  op: 'LSTM' | 'GRU' | 'RNN';
  weights: [string, string, string];
  attrs: Record<string, number | string>;
}

function layerOp(g: GraphBuilder, w: ExportWeights, kind: RecurrentConfig['kind'], l: number, inSize: number, h: number): LayerOp {
  const attrs: Record<string, number | string> = { hidden_size: h, direction: 'forward' };
  if (kind === 'lstm') {
    const B = new Float32Array(8 * h);
    B.set(onnxGateVector(w.values(`lstm${l}/bias`), h));
    return {
      op: 'LSTM',
      weights: [
        g.floats(`lstm${l}.W`, [1, 4 * h, inSize], onnxGateMatrix(w.values(`lstm${l}/kernel`), inSize, h)),
        g.floats(`lstm${l}.R`, [1, 4 * h, h], onnxGateMatrix(w.values(`lstm${l}/recurrent_kernel`), h, h)),
        g.floats(`lstm${l}.B`, [1, 8 * h], B),
      ],
      attrs,
    };
  }
  const gates = kind === 'gru' ? 3 : 1;
  const B = new Float32Array(2 * gates * h);
  B.set(w.values(`${kind}${l}/bias`)); // gru: [input bias; recurrent bias]; rnn: [bias; 0]
  if (kind === 'gru') attrs['linear_before_reset'] = 1;
  return {
    op: kind === 'gru' ? 'GRU' : 'RNN',
    weights: [
      g.floats(`${kind}${l}.W`, [1, gates * h, inSize], transpose(w.values(`${kind}${l}/kernel`), inSize, gates * h)),
      g.floats(`${kind}${l}.R`, [1, gates * h, h], transpose(w.values(`${kind}${l}/recurrent_kernel`), h, gates * h)),
      g.floats(`${kind}${l}.B`, [1, 2 * gates * h], B),
    ],
    attrs,
  };
}

/** Runs one operator; returns Y [T, 1, B, H], Y_h [1, B, H] and, for LSTM, Y_c. */
function runOp(g: GraphBuilder, op: LayerOp, x: string, h0: string, c0: string, name: string): { y: string; h: string; c: string } {
  const inputs = [x, ...op.weights, '', h0];
  if (op.op === 'LSTM') inputs.push(c0);
  const outs = g.node(op.op, inputs, op.attrs, name, op.op === 'LSTM' ? 3 : 2);
  return { y: outs[0]!, h: outs[1]!, c: outs[2] ?? '' };
}

/**
 * The stacked recurrent model with its state out and, when h0 (c0) name
 * graph inputs, in; '' starts every layer from zero (the operator's omitted
 * initial_h / initial_c), which needs no input at all.
 * @param embedded [B, T, E] @param h0 [layers, B, H] or '' @param c0 [layers, B, H] (lstm) or ''
 * @returns hs [B, T, H], hT and cT [layers, B, H] (cT '' unless lstm)
 */
export function recurrentBody(
  g: GraphBuilder,
  w: ExportWeights,
  config: RecurrentConfig,
  embedded: string,
  h0: string,
  c0: string,
): { hs: string; hT: string; cT: string } {
  const { embedSize: e, hiddenSize: h, layers, kind } = config;
  let x = g.one('Transpose', [embedded], { perm: [1, 0, 2] }, 'to_time_major'); // [T, B, E]
  const squeezeAxes = g.ints('squeeze_axes', [1]);
  const hs: string[] = [];
  const cs: string[] = [];
  for (let l = 0; l < layers; l++) {
    const layerState = (s: string, tag: string) =>
      s === ''
        ? ''
        : g.one(
            'Slice',
            [s, g.ints(`${tag}${l}.start`, [l]), g.ints(`${tag}${l}.end`, [l + 1]), g.ints(`${tag}${l}.axes`, [0])],
            {},
            `${tag}${l}_initial`,
          );
    const out = runOp(
      g,
      layerOp(g, w, kind, l, l === 0 ? e : h, h),
      x,
      layerState(h0, 'h'),
      kind === 'lstm' ? layerState(c0, 'c') : '',
      `${kind}${l}`,
    );
    x = g.one('Squeeze', [out.y, squeezeAxes], {}, `${kind}${l}_squeeze`); // [T, B, H]
    hs.push(out.h);
    cs.push(out.c);
  }
  const hT = g.one('Concat', hs, { axis: 0 }, 'hT');
  const cT = kind === 'lstm' ? g.one('Concat', cs, { axis: 0 }, 'cT') : '';
  return { hs: g.one('Transpose', [x], { perm: [1, 0, 2] }, 'to_batch_major'), hT, cT };
}

/**
 * Miller & Hardt's k-truncation, unrolled: the state at position t after step
 * j has read inputs t−k+1 … t−k+1+j, so step j feeds every position the input
 * k−1−j steps back (Pad + Slice on time) as one batch of B·T one-step runs.
 * Positions whose window starts before the sequence (t < k−1−j) are masked to
 * the zero state, so they start later rather than reading padding (a padded
 * step would not leave the state at zero: the projected zero input is the bias).
 * @param embedded [B, T, E] @returns hs [B, T, H]
 */
export function truncatedBody(g: GraphBuilder, w: ExportWeights, config: RecurrentConfig, k: number, embedded: string): string {
  const { embedSize: e, hiddenSize: h, layers, kind } = config;
  const ops = Array.from({ length: layers }, (_, l) => layerOp(g, w, kind, l, l === 0 ? e : h, h));
  const batchTime = g.one(
    'Slice',
    [g.one('Shape', [embedded], {}, 'embedded_shape'), g.ints('bt.start', [0]), g.ints('bt.end', [2]), g.ints('bt.axes', [0])],
    {},
    'batch_time',
  );
  const ones = g.one(
    'Expand',
    [g.floats('one', [1, 1, 1], Float32Array.of(1)), g.one('Concat', [batchTime, g.ints('one_width', [1])], { axis: 0 }, 'ones_shape')],
    {},
    'ones',
  ); // [B, T, 1]
  const flatIn = g.ints('flat_in_shape', [1, -1, e]);
  const flatMask = g.ints('flat_mask_shape', [1, -1, 1]);
  const timeAxis = g.ints('time_axis', [1]);
  const delayed = (x: string, s: number, tag: string) => {
    if (s === 0) return x;
    const padded = g.one('Pad', [x, g.ints(`${tag}.pads`, [0, s, 0, 0, 0, 0])], { mode: 'constant' }, `${tag}_pad`);
    return g.one('Slice', [padded, g.ints(`${tag}.start`, [0]), g.ints(`${tag}.end`, [-s]), timeAxis], {}, `${tag}_delayed`);
  };
  const hs: string[] = Array.from({ length: layers }, () => '');
  const cs: string[] = Array.from({ length: layers }, () => '');
  for (let j = 0; j < k; j++) {
    const s = k - 1 - j;
    let x = g.one('Reshape', [delayed(embedded, s, `step${j}_input`), flatIn], {}, `step${j}_input_flat`); // [1, B·T, E]
    const mask = s === 0 ? '' : g.one('Reshape', [delayed(ones, s, `step${j}_mask`), flatMask], {}, `step${j}_mask_flat`); // [1, B·T, 1]
    for (let l = 0; l < layers; l++) {
      const out = runOp(g, ops[l]!, x, hs[l]!, cs[l]!, `step${j}_${kind}${l}`);
      hs[l] = mask ? g.one('Mul', [out.h, mask], {}, `step${j}_${kind}${l}_h`) : out.h; // [1, B·T, H]
      if (kind === 'lstm') cs[l] = mask ? g.one('Mul', [out.c, mask], {}, `step${j}_${kind}${l}_c`) : out.c;
      x = hs[l]!;
    }
  }
  const outShape = g.one('Concat', [batchTime, g.ints('hidden_width', [h])], { axis: 0 }, 'hs_shape');
  return g.one('Reshape', [hs[layers - 1]!, outShape], {}, 'truncated_hs'); // [B, T, H]
}
