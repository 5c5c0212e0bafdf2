// The trained weights as a safetensors file for other tools, plus a layout
// description for the JSON sidecar. Pure: bytes out.
//
// Tensors are little-endian float32 with names that say the layer (and, for
// LSTM, the gate): `lstm.0.forget_gate.kernel` is columns H..2H of the lab's
// `lstm0/kernel`. Every tensor is a bit-exact copy (or column slice) of one
// trained parameter; weight norm is kept as v and g (see `pytorch` in the
// layout for how to load them into torch.nn modules).
import { encodeSafetensors, type TensorData } from '../train/checkpoint.ts';
import { LstmModel } from '../models/lstm-model.ts';
import type { SequenceModel } from '../models/sequence-model.ts';
import { GruModel } from '../models/gru-model.ts';
import { RnnModel } from '../models/rnn-model.ts';
import { TcnModel } from '../models/tcn-model.ts';
import { TruncatedModel } from '../models/truncated-model.ts';

export interface TensorLayoutEntry {
  name: string;
  dtype: 'F32';
  shape: number[];
  /** The lab parameter it copies, and the column range [from, to) when a slice. */
  source: { param: string; columns: [number, number] | null };
  meaning: string;
}

export interface SafetensorsExport {
  bytes: Uint8Array;
  layout: {
    format: 'seqlab-weights';
    version: 1;
    byteOrder: 'little-endian';
    tensors: TensorLayoutEntry[];
    /** Model maths and how to load the tensors into equivalent torch.nn modules. */
    pytorch: string[];
  };
}

/** Keras / lab gate order inside a [*, 4H] LSTM matrix (also PyTorch's i, f, g, o). */
export const LSTM_GATES = ['input_gate', 'forget_gate', 'cell_candidate', 'output_gate'] as const;
/** Keras / ONNX / lab gate order inside a [*, 3H] GRU matrix (PyTorch's is r, z, n). */
export const GRU_GATES = ['update_gate', 'reset_gate', 'candidate'] as const;

function values(model: SequenceModel, name: string): { shape: number[]; values: Float32Array } {
  const v = model.variables.find((p) => p.name === name);
  if (!v) throw new Error(`safetensors export: parameter "${name}" missing`);
  return { shape: [...v.variable.shape], values: Float32Array.from(v.variable.dataSync() as Float32Array) };
}

/** Columns [from, to) of a row-major [rows, cols] matrix, or of a vector. */
function columns(t: { shape: number[]; values: Float32Array }, from: number, to: number): TensorData {
  if (t.shape.length === 1) return { shape: [to - from], values: t.values.slice(from, to) };
  const [rows, cols] = t.shape as [number, number];
  const out = new Float32Array(rows * (to - from));
  for (let r = 0; r < rows; r++) out.set(t.values.subarray(r * cols + from, r * cols + to), r * (to - from));
  return { shape: [rows, to - from], values: out };
}

export function toSafetensors(model: SequenceModel): SafetensorsExport {
  // A truncated model holds exactly its base's parameters: the base's layout, and how to truncate it.
  if (model instanceof TruncatedModel) {
    const base = toSafetensors(model.base);
    const k = model.config.k;
    return { ...base, layout: { ...base.layout, pytorch: [`k-truncated (k = ${k}): logits at t = the model below run from a zero state over inputs t-${k - 1} … t only (fewer at the start)`, ...base.layout.pytorch] } };
  }
  const tensors: [string, TensorData][] = [];
  const entries: TensorLayoutEntry[] = [];
  const add = (name: string, param: string, meaning: string, cols: [number, number] | null = null) => {
    const full = values(model, param);
    const t = cols ? columns(full, cols[0], cols[1]) : { shape: full.shape, values: full.values };
    tensors.push([name, t]);
    entries.push({ name, dtype: 'F32', shape: t.shape, source: { param, columns: cols }, meaning });
  };
  const { vocabSize: V, embedSize: E } = model.config;
  // Kinds without a single hidden width (wavenet) go to parameterSafetensors below, which does not read H.
  const H = 'hiddenSize' in model.config ? model.config.hiddenSize : 0;
  let pytorch: string[];
  add('input.weight', 'input/kernel', `[vocab ${V}, embed ${E}]: embedding x_t = input.weight[token] + input.bias`);
  add('input.bias', 'input/bias', `[embed ${E}]`);
  if (model instanceof LstmModel) {
    for (let l = 0; l < model.config.layers; l++) {
      const inSize = l === 0 ? E : H;
      LSTM_GATES.forEach((gate, gi) => {
        const cols: [number, number] = [gi * H, (gi + 1) * H];
        add(`lstm.${l}.${gate}.kernel`, `lstm${l}/kernel`, `[in ${inSize}, hidden ${H}]: x_t · kernel`, cols);
        add(`lstm.${l}.${gate}.recurrent_kernel`, `lstm${l}/recurrent_kernel`, `[hidden ${H}, hidden ${H}]: h_{t-1} · recurrent_kernel`, cols);
        add(`lstm.${l}.${gate}.bias`, `lstm${l}/bias`, `[hidden ${H}]`, cols);
      });
    }
    pytorch = [
      'per layer l: z = x_t·kernel + h_{t-1}·recurrent_kernel + bias per gate; c_t = σ(forget)·c_{t-1} + σ(input)·tanh(cell_candidate); h_t = σ(output)·tanh(c_t); state zero at start',
      `torch.nn.LSTM(${E}, ${H}, num_layers=${model.config.layers}, batch_first=True): PyTorch's gate order (i, f, g, o) is the same`,
      'weight_ih_l{l} = torch.cat([lstm.{l}.{g}.kernel for g in (input_gate, forget_gate, cell_candidate, output_gate)], dim=1).T',
      'weight_hh_l{l} = torch.cat([lstm.{l}.{g}.recurrent_kernel for g in ...], dim=1).T',
      'bias_ih_l{l} = torch.cat([lstm.{l}.{g}.bias for g in ...]); bias_hh_l{l} = zeros',
      'embedding: torch.nn.Embedding(vocab, embed) with weight = input.weight + input.bias',
      'read-out: torch.nn.Linear(hidden, vocab) with weight = output.weight.T, bias = output.bias; logits, no softmax',
    ];
  } else if (model instanceof TcnModel) {
    const { levels, kernelSize: k, convsPerBlock, weightNorm } = model.config;
    for (let l = 0; l < levels; l++) {
      for (let c = 0; c < convsPerBlock; c++) {
        const cin = l === 0 && c === 0 ? E : H;
        const src = `block${l}/conv${c}`;
        const shape = `[kernel ${k} · in ${cin}, out ${H}], tap j (oldest first) at rows j·${cin}..(j+1)·${cin}-1; dilation ${model.dilation(l)}`;
        if (weightNorm) {
          add(`block.${l}.conv.${c}.weight_v`, `${src}/v`, `${shape}: direction v of w = g·v/‖v‖ (norm per output column)`);
          add(`block.${l}.conv.${c}.weight_g`, `${src}/g`, `[out ${H}]: magnitude g of w = g·v/‖v‖`);
        } else {
          add(`block.${l}.conv.${c}.kernel`, `${src}/kernel`, shape);
        }
        add(`block.${l}.conv.${c}.bias`, `${src}/bias`, `[out ${H}]`);
      }
      if (model.hasDownsample(l)) {
        add(`block.${l}.downsample.kernel`, `block${l}/downsample/kernel`, `[in ${E}, out ${H}]: 1×1 convolution on the residual path`);
        add(`block.${l}.downsample.bias`, `block${l}/downsample/bias`, `[out ${H}]`);
      }
    }
    pytorch = [
      `block l (dilation d = 2**l): ${convsPerBlock} × [F.pad(x, ((k-1)·d, 0)) → Conv1d(dilation=d) → ReLU]` + (model.config.residual ? ' then ReLU(out + skip), skip = downsample(x) when present, else x' : ''),
      `Conv1d weight [out, in, k] = kernel.reshape(${k}, in, out).permute(2, 1, 0)` +
        (weightNorm ? '; with torch weight_norm(dim=0): weight_v = weight_v.reshape(k, in, out).permute(2, 1, 0), weight_g = weight_g.reshape(out, 1, 1)' : ''),
      'downsample: Conv1d(embed, hidden, 1) with weight = downsample.kernel.T.unsqueeze(-1)',
      'embedding: torch.nn.Embedding(vocab, embed) with weight = input.weight + input.bias',
      'read-out: torch.nn.Linear(hidden, vocab) with weight = output.weight.T, bias = output.bias; logits, no softmax',
    ];
  } else if (model instanceof RnnModel) {
    for (let l = 0; l < model.config.layers; l++) {
      const inSize = l === 0 ? E : H;
      add(`rnn.${l}.kernel`, `rnn${l}/kernel`, `[in ${inSize}, hidden ${H}]: x_t · kernel`);
      add(`rnn.${l}.recurrent_kernel`, `rnn${l}/recurrent_kernel`, `[hidden ${H}, hidden ${H}]: h_{t-1} · recurrent_kernel`);
      add(`rnn.${l}.bias`, `rnn${l}/bias`, `[hidden ${H}]`);
    }
    pytorch = [
      'per layer l: h_t = tanh(x_t·kernel + h_{t-1}·recurrent_kernel + bias); state zero at start',
      `torch.nn.RNN(${E}, ${H}, num_layers=${model.config.layers}, nonlinearity='tanh', batch_first=True)`,
      'weight_ih_l{l} = rnn.{l}.kernel.T; weight_hh_l{l} = rnn.{l}.recurrent_kernel.T; bias_ih_l{l} = rnn.{l}.bias; bias_hh_l{l} = zeros',
      'embedding: torch.nn.Embedding(vocab, embed) with weight = input.weight + input.bias',
      'read-out: torch.nn.Linear(hidden, vocab) with weight = output.weight.T, bias = output.bias; logits, no softmax',
    ];
  } else if (model instanceof GruModel) {
    for (let l = 0; l < model.config.layers; l++) {
      const inSize = l === 0 ? E : H;
      GRU_GATES.forEach((gate, gi) => {
        const cols: [number, number] = [gi * H, (gi + 1) * H];
        add(`gru.${l}.${gate}.kernel`, `gru${l}/kernel`, `[in ${inSize}, hidden ${H}]: x_t · kernel`, cols);
        add(`gru.${l}.${gate}.recurrent_kernel`, `gru${l}/recurrent_kernel`, `[hidden ${H}, hidden ${H}]: h_{t-1} · recurrent_kernel`, cols);
        add(`gru.${l}.${gate}.bias`, `gru${l}/bias`, `[2, hidden ${H}]: row 0 input bias, row 1 recurrent bias`, cols);
      });
    }
    pytorch = [
      'per layer l, gates from a = x_t·kernel + bias[0], b = h_{t-1}·recurrent_kernel + bias[1]: z = σ(a_update + b_update), r = σ(a_reset + b_reset), n = tanh(a_candidate + r·b_candidate), h_t = (1 − z)·n + z·h_{t-1}; state zero at start',
      `torch.nn.GRU(${E}, ${H}, num_layers=${model.config.layers}, batch_first=True): the same maths; PyTorch's gate order is (r, z, n)`,
      'weight_ih_l{l} = torch.cat([gru.{l}.{g}.kernel for g in (reset_gate, update_gate, candidate)], dim=1).T; weight_hh_l{l} likewise from recurrent_kernel',
      'bias_ih_l{l} = torch.cat([gru.{l}.{g}.bias[0] for g in (reset_gate, update_gate, candidate)]); bias_hh_l{l} = the same with bias[1]',
      'embedding: torch.nn.Embedding(vocab, embed) with weight = input.weight + input.bias',
      'read-out: torch.nn.Linear(hidden, vocab) with weight = output.weight.T, bias = output.bias; logits, no softmax',
    ];
  } else {
    return parameterSafetensors(model);
  }
  add('output.weight', 'output/kernel', `[hidden ${H}, vocab ${V}]: logits = h · output.weight + output.bias`);
  add('output.bias', 'output/bias', `[vocab ${V}]`);
  const covered = new Set(entries.map((e) => e.source.param));
  const missing = model.variables.filter((v) => !covered.has(v.name)).map((v) => v.name);
  if (missing.length) throw new Error(`safetensors export: parameters without a tensor: ${missing.join(', ')}`);
  const bytes = encodeSafetensors(tensors, { format: 'seqlab-weights', kind: model.config.kind });
  return { bytes, layout: { format: 'seqlab-weights', version: 1, byteOrder: 'little-endian', tensors: entries, pytorch } };
}

/**
 * Every kind without a dedicated layout: each parameter as it is, under the
 * lab's own name with dots for slashes ("block0/conv0/v" → "block0.conv0.v").
 */
export function parameterSafetensors(model: SequenceModel): SafetensorsExport {
  const tensors: [string, TensorData][] = [];
  const entries: TensorLayoutEntry[] = [];
  for (const { name } of model.variables) {
    const t = values(model, name);
    const tensorName = name.replaceAll('/', '.');
    tensors.push([tensorName, t]);
    entries.push({ name: tensorName, dtype: 'F32', shape: t.shape, source: { param: name, columns: null }, meaning: `the lab's parameter ${name} [${t.shape.join(', ')}], row-major` });
  }
  const bytes = encodeSafetensors(tensors, { format: 'seqlab-weights', kind: model.config.kind });
  const pytorch = [`no torch.nn mapping is written for "${model.config.kind}": tensors are the lab's parameters by name; see the model's source for the maths`];
  return { bytes, layout: { format: 'seqlab-weights', version: 1, byteOrder: 'little-endian', tensors: entries, pytorch } };
}
