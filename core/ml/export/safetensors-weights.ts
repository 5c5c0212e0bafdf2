// The trained weights as a safetensors file for other tools, plus a layout
// description for the JSON sidecar. Pure: bytes out.
//
// Tensors are little-endian float32 with names that say the layer (and, for
// LSTM, the gate): `lstm.0.forget_gate.kernel` is columns H..2H of the lab's
// `lstm0/kernel`. Every tensor is a bit-exact copy (or column slice) of one
// trained parameter; weight norm is kept as v and g. Each entry names its
// source parameter (and column range), so a reader can reassemble the lab's
// parameters exactly; the folder's load_torch.py does that and runs the model.
// Read with `await data()` (ExportWeights), never dataSync.
import { encodeSafetensors, type TensorData } from '../train/checkpoint.ts';
import { LstmModel } from '../models/lstm-model.ts';
import type { SequenceModel } from '../models/sequence-model.ts';
import { GruModel } from '../models/gru-model.ts';
import { RnnModel } from '../models/rnn-model.ts';
import { TcnModel } from '../models/tcn-model.ts';
import { TruncatedModel } from '../models/truncated-model.ts';
import type { OutputKind } from '../tasks/task-types.ts';
import { ExportWeights, type WeightArray } from './export-weights.ts';

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

/** safetensors `__metadata__`: what the file holds, readable without seqlab.json. */
function fileMetadata(model: SequenceModel, output: OutputKind): Record<string, string> {
  const { config } = model;
  const meta: Record<string, string> = {
    format: 'seqlab-weights',
    kind: config.kind,
    input: config.inputFeatures > 0 ? `features:${config.inputFeatures}` : `tokens:${config.vocabSize}`,
    output_kind: output,
  };
  if (config.kind === 'truncated') Object.assign(meta, { k: String(config.k), base_kind: config.base.kind });
  return meta;
}

/** Columns [from, to) of a row-major [rows, cols] matrix, or of a vector. */
function columns(t: WeightArray, from: number, to: number): TensorData {
  if (t.shape.length === 1) return { shape: [to - from], values: t.values.slice(from, to) };
  const [rows, cols] = t.shape as [number, number];
  const out = new Float32Array(rows * (to - from));
  for (let r = 0; r < rows; r++) out.set(t.values.subarray(r * cols + from, r * cols + to), r * (to - from));
  return { shape: [rows, to - from], values: out };
}

/** The weights as safetensors bytes and their layout; `output` is what the outputs mean (recorded in the metadata). */
export async function toSafetensors(model: SequenceModel, output: OutputKind): Promise<SafetensorsExport> {
  const weights = await ExportWeights.of(model);
  // A truncated model holds exactly its base's parameters: the base's layout, and how to truncate it.
  const { tensors, layout } = model instanceof TruncatedModel ? truncatedLayout(model, weights) : tensorLayout(model, weights);
  return { bytes: encodeSafetensors(tensors, fileMetadata(model, output)), layout };
}

function truncatedLayout(
  model: TruncatedModel,
  weights: ExportWeights,
): { tensors: [string, TensorData][]; layout: SafetensorsExport['layout'] } {
  const base = tensorLayout(model.base, weights);
  const k = model.config.k;
  const note = `k-truncated (k = ${k}): output t = the ${model.config.base.kind} below run from a zero state over inputs t-${k - 1} … t only (fewer at the start)`;
  return { tensors: base.tensors, layout: { ...base.layout, pytorch: [note, ...base.layout.pytorch] } };
}

function tensorLayout(
  model: SequenceModel,
  weights: ExportWeights,
): { tensors: [string, TensorData][]; layout: SafetensorsExport['layout'] } {
  const tensors: [string, TensorData][] = [];
  const entries: TensorLayoutEntry[] = [];
  const add = (name: string, param: string, meaning: string, cols: [number, number] | null = null) => {
    const full = weights.get(param);
    const t = cols ? columns(full, cols[0], cols[1]) : { shape: full.shape, values: full.values };
    tensors.push([name, t]);
    entries.push({ name, dtype: 'F32', shape: t.shape, source: { param, columns: cols }, meaning });
  };
  const { vocabSize: V, embedSize: E } = model.config;
  // Kinds without a single hidden width (wavenet) go to parameterLayout below, which does not read H.
  const H = 'hiddenSize' in model.config ? model.config.hiddenSize : 0;
  let pytorch: string[];
  const F = model.config.inputFeatures;
  if (F > 0)
    add('input.weight', 'input/kernel', `[features ${F}, embed ${E}]: projected input x_t = features_t · input.weight + input.bias`);
  else add('input.weight', 'input/kernel', `[vocab ${V}, embed ${E}]: embedding x_t = input.weight[token] + input.bias`);
  add('input.bias', 'input/bias', `[embed ${E}]`);
  const readoutNote =
    "read-out: torch.nn.Linear(hidden, outputs) with weight = output.weight.T, bias = output.bias; then softmax (categorical), sigmoid (bernoulli) or nothing (regression), as seqlab.json's output.kind says";
  const inputNote =
    F > 0
      ? 'input: torch.nn.Linear(features, embed) with weight = input.weight.T, bias = input.bias'
      : 'embedding: torch.nn.Embedding(vocab, embed) with weight = input.weight + input.bias';
  if (model instanceof LstmModel) {
    for (let l = 0; l < model.config.layers; l++) {
      const inSize = l === 0 ? E : H;
      LSTM_GATES.forEach((gate, gi) => {
        const cols: [number, number] = [gi * H, (gi + 1) * H];
        add(`lstm.${l}.${gate}.kernel`, `lstm${l}/kernel`, `[in ${inSize}, hidden ${H}]: x_t · kernel`, cols);
        add(
          `lstm.${l}.${gate}.recurrent_kernel`,
          `lstm${l}/recurrent_kernel`,
          `[hidden ${H}, hidden ${H}]: h_{t-1} · recurrent_kernel`,
          cols,
        );
        add(`lstm.${l}.${gate}.bias`, `lstm${l}/bias`, `[hidden ${H}]`, cols);
      });
    }
    pytorch = [
      'per layer l: z = x_t·kernel + h_{t-1}·recurrent_kernel + bias per gate; c_t = σ(forget)·c_{t-1} + σ(input)·tanh(cell_candidate); h_t = σ(output)·tanh(c_t); state zero at start',
      `torch.nn.LSTM(${E}, ${H}, num_layers=${model.config.layers}, batch_first=True): PyTorch's gate order (i, f, g, o) is the same`,
      'weight_ih_l{l} = torch.cat([lstm.{l}.{g}.kernel for g in (input_gate, forget_gate, cell_candidate, output_gate)], dim=1).T',
      'weight_hh_l{l} = torch.cat([lstm.{l}.{g}.recurrent_kernel for g in ...], dim=1).T',
      'bias_ih_l{l} = torch.cat([lstm.{l}.{g}.bias for g in ...]); bias_hh_l{l} = zeros',
      inputNote,
      readoutNote,
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
      `block l (dilation d = 2**l): ${convsPerBlock} × [F.pad(x, ((k-1)·d, 0)) → Conv1d(dilation=d) → ReLU]` +
        (model.config.residual ? ' then ReLU(out + skip), skip = downsample(x) when present, else x' : ''),
      `Conv1d weight [out, in, k] = kernel.reshape(${k}, in, out).permute(2, 1, 0)` +
        (weightNorm
          ? '; with torch weight_norm(dim=0): weight_v = weight_v.reshape(k, in, out).permute(2, 1, 0), weight_g = weight_g.reshape(out, 1, 1)'
          : ''),
      ...(model.hasDownsample(0)
        ? ['downsample (block 0): Conv1d(embed, hidden, 1) with weight = block.0.downsample.kernel.T.unsqueeze(-1)']
        : []),
      inputNote,
      readoutNote,
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
      inputNote,
      readoutNote,
    ];
  } else if (model instanceof GruModel) {
    for (let l = 0; l < model.config.layers; l++) {
      const inSize = l === 0 ? E : H;
      GRU_GATES.forEach((gate, gi) => {
        const cols: [number, number] = [gi * H, (gi + 1) * H];
        add(`gru.${l}.${gate}.kernel`, `gru${l}/kernel`, `[in ${inSize}, hidden ${H}]: x_t · kernel`, cols);
        add(
          `gru.${l}.${gate}.recurrent_kernel`,
          `gru${l}/recurrent_kernel`,
          `[hidden ${H}, hidden ${H}]: h_{t-1} · recurrent_kernel`,
          cols,
        );
        add(`gru.${l}.${gate}.bias`, `gru${l}/bias`, `[2, hidden ${H}]: row 0 input bias, row 1 recurrent bias`, cols);
      });
    }
    pytorch = [
      'per layer l, gates from a = x_t·kernel + bias[0], b = h_{t-1}·recurrent_kernel + bias[1]: z = σ(a_update + b_update), r = σ(a_reset + b_reset), n = tanh(a_candidate + r·b_candidate), h_t = (1 − z)·n + z·h_{t-1}; state zero at start',
      `torch.nn.GRU(${E}, ${H}, num_layers=${model.config.layers}, batch_first=True): the same maths; PyTorch's gate order is (r, z, n)`,
      'weight_ih_l{l} = torch.cat([gru.{l}.{g}.kernel for g in (reset_gate, update_gate, candidate)], dim=1).T; weight_hh_l{l} likewise from recurrent_kernel',
      'bias_ih_l{l} = torch.cat([gru.{l}.{g}.bias[0] for g in (reset_gate, update_gate, candidate)]); bias_hh_l{l} = the same with bias[1]',
      inputNote,
      readoutNote,
    ];
  } else {
    return parameterLayout(model, weights);
  }
  add('output.weight', 'output/kernel', `[hidden ${H}, vocab ${V}]: logits = h · output.weight + output.bias`);
  add('output.bias', 'output/bias', `[vocab ${V}]`);
  const covered = new Set(entries.map((e) => e.source.param));
  const missing = model.variables.filter((v) => !covered.has(v.name)).map((v) => v.name);
  if (missing.length) throw new Error(`safetensors export: parameters without a tensor: ${missing.join(', ')}`);
  return {
    tensors,
    layout: { format: 'seqlab-weights', version: 1, byteOrder: 'little-endian', tensors: entries, pytorch: [LOADER_NOTE, ...pytorch] },
  };
}

const LOADER_NOTE =
  'load_torch.py in this folder rebuilds the model as a torch.nn.Module from these tensors (torch, json and struct only): python3 load_torch.py INPUT.json';

/**
 * Every kind without a dedicated layout: each parameter as it is, under the
 * lab's own name with dots for slashes ("block0/conv0/v" → "block0.conv0.v").
 */
function parameterLayout(
  model: SequenceModel,
  weights: ExportWeights,
): { tensors: [string, TensorData][]; layout: SafetensorsExport['layout'] } {
  const tensors: [string, TensorData][] = [];
  const entries: TensorLayoutEntry[] = [];
  for (const { name } of model.variables) {
    const t = weights.get(name);
    const tensorName = name.replaceAll('/', '.');
    tensors.push([tensorName, t]);
    entries.push({
      name: tensorName,
      dtype: 'F32',
      shape: t.shape,
      source: { param: name, columns: null },
      meaning: `the lab's parameter ${name} [${t.shape.join(', ')}], row-major`,
    });
  }
  const pytorch = [
    LOADER_NOTE,
    `tensors are the lab's ${model.config.kind} parameters by name (slashes as dots); load_torch.py holds the maths`,
  ];
  return { tensors, layout: { format: 'seqlab-weights', version: 1, byteOrder: 'little-endian', tensors: entries, pytorch } };
}
