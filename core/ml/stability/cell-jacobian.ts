// Closed-form state Jacobians of the lab's rnn, gru and lstm cells, for the
// data-dependent contraction. Autodiff (contraction.ts) needs one backward
// pass per state unit, i.e. a batch of batch × stateSize rows, which on the
// CPU backend took ~17 s per step for a 2 × 128 LSTM; here each layer costs a
// few [batch, H, H] products. Row-vector convention as the kernels:
// z = x·W + h·U + b, so ∂z_i/∂h_j = U[j, i] and a block "diag(d)·Uᵀ" is
// d[b, i]·U[j, i]. test/ml/stability.test.ts checks these against autodiff.
import * as tf from '@tensorflow/tfjs';
import type { RecurrentSequenceModel } from '../models/recurrent-model.ts';

/** ∂(new state of one layer)/∂(its old state) and /∂(its input), and its new h (the next layer's input). */
interface LayerJacobian {
  /** [batch, S_l, S_l] */
  state: tf.Tensor3D;
  /** [batch, S_l, in_l] */
  input: tf.Tensor3D;
  /** [batch, H] */
  h: tf.Tensor2D;
}

/** diag(d)·Mᵀ for every batch row: [batch, rows(d), cols(Mᵀ)]. @param d [batch, H] @param m [in, H] */
function diagTimesTransposed(d: tf.Tensor2D, m: tf.Tensor2D): tf.Tensor3D {
  return tf.mul(tf.expandDims(d, 2), tf.expandDims(tf.transpose(m), 0)) as tf.Tensor3D;
}

/** Columns [gate·H, (gate+1)·H) of a [rows, gates·H] matrix. */
function gate(m: tf.Tensor2D, index: number, h: number): tf.Tensor2D {
  return tf.slice(m, [0, index * h], [-1, h]);
}

/** diag(v) as [batch, H, H]. */
function diag(v: tf.Tensor2D): tf.Tensor3D {
  return tf.mul(tf.expandDims(v, 2), tf.expandDims(tf.eye(v.shape[1]), 0)) as tf.Tensor3D;
}

type Param = (name: string) => tf.Tensor2D;

/** h' = tanh(z): ∂h'/∂h = diag(1 − h'²)·Uᵀ. */
function rnnLayer(p: Param, x: tf.Tensor2D, [h]: tf.Tensor2D[]): LayerJacobian {
  const [w, u] = [p('kernel'), p('recurrent_kernel')];
  const next = tf.tanh(tf.add(tf.add(tf.matMul(x, w), tf.matMul(h!, u)), p('bias')));
  const d = tf.sub(1, tf.square(next)) as tf.Tensor2D;
  return { state: diagTimesTransposed(d, u), input: diagTimesTransposed(d, w), h: next as tf.Tensor2D };
}

/** PyTorch GRU (ops/gru-sequence.ts), differentiated through z, r and n. */
function gruLayer(p: Param, x: tf.Tensor2D, [h]: tf.Tensor2D[], hidden: number): LayerJacobian {
  const [w, u, bias] = [p('kernel'), p('recurrent_kernel'), p('bias')];
  const [bIn, bRec] = tf.unstack(bias, 0) as [tf.Tensor1D, tf.Tensor1D];
  const [az, ar, an] = tf.split(tf.add(tf.matMul(x, w), bIn), 3, 1) as tf.Tensor2D[];
  const [rz, rr, rn] = tf.split(tf.add(tf.matMul(h!, u), bRec), 3, 1) as tf.Tensor2D[];
  const z = tf.sigmoid(tf.add(az!, rz!)) as tf.Tensor2D;
  const r = tf.sigmoid(tf.add(ar!, rr!)) as tf.Tensor2D;
  const n = tf.tanh(tf.add(an!, tf.mul(r, rn!))) as tf.Tensor2D;
  const next = tf.add(n, tf.mul(z, tf.sub(h!, n))) as tf.Tensor2D;
  const dz = tf.mul(tf.sub(h!, n), tf.mul(z, tf.sub(1, z))) as tf.Tensor2D; // ∂h'/∂z-preactivation
  const dn = tf.mul(tf.sub(1, z), tf.sub(1, tf.square(n))) as tf.Tensor2D; // ∂h'/∂n-preactivation
  const dnr = tf.mul(dn, tf.mul(rn!, tf.mul(r, tf.sub(1, r)))) as tf.Tensor2D; // via r (r multiplies r̃_n)
  const through = (m: tf.Tensor2D, extraN: tf.Tensor2D) =>
    tf.addN([
      diagTimesTransposed(dz, gate(m, 0, hidden)),
      diagTimesTransposed(dnr, gate(m, 1, hidden)),
      diagTimesTransposed(extraN, gate(m, 2, hidden)),
    ]) as tf.Tensor3D;
  return {
    state: tf.add(diag(z), through(u, tf.mul(dn, r) as tf.Tensor2D)) as tf.Tensor3D,
    input: through(w, dn),
    h: next,
  };
}

/** LSTM (gates i, f, c, o), state [h, c]. */
function lstmLayer(p: Param, x: tf.Tensor2D, [h, c]: tf.Tensor2D[], hidden: number): LayerJacobian {
  const [w, u] = [p('kernel'), p('recurrent_kernel')];
  const pre = tf.add(tf.add(tf.matMul(x, w), tf.matMul(h!, u)), p('bias'));
  const [i, f, g, o] = tf.split(pre, 4, 1).map((t, k) => (k === 2 ? tf.tanh(t) : tf.sigmoid(t))) as tf.Tensor2D[];
  const cNext = tf.add(tf.mul(f!, c!), tf.mul(i!, g!)) as tf.Tensor2D;
  const tc = tf.tanh(cNext) as tf.Tensor2D;
  const hNext = tf.mul(o!, tc) as tf.Tensor2D;
  const sd = (s: tf.Tensor2D) => tf.mul(s, tf.sub(1, s)) as tf.Tensor2D; // σ'
  const dci = tf.mul(g!, sd(i!)) as tf.Tensor2D;
  const dcf = tf.mul(c!, sd(f!)) as tf.Tensor2D;
  const dcg = tf.mul(i!, tf.sub(1, tf.square(g!))) as tf.Tensor2D;
  const dho = tf.mul(tc, sd(o!)) as tf.Tensor2D;
  const dhc = tf.mul(o!, tf.sub(1, tf.square(tc))) as tf.Tensor2D; // ∂h'/∂c'
  /** ∂c'/∂(h or x) and ∂h'/∂(h or x) through the matrix m (U or W). */
  const through = (m: tf.Tensor2D) => {
    const dc = tf.addN([
      diagTimesTransposed(dci, gate(m, 0, hidden)),
      diagTimesTransposed(dcf, gate(m, 1, hidden)),
      diagTimesTransposed(dcg, gate(m, 2, hidden)),
    ]) as tf.Tensor3D;
    const dh = tf.add(diagTimesTransposed(dho, gate(m, 3, hidden)), tf.mul(tf.expandDims(dhc, 2), dc)) as tf.Tensor3D;
    return { dh, dc };
  };
  const viaH = through(u);
  const viaX = through(w);
  const hByC = diag(tf.mul(dhc, f!) as tf.Tensor2D);
  const cByC = diag(f!);
  // Rows [h'; c'], columns [h, c].
  const state = tf.concat([tf.concat([viaH.dh, hByC], 2), tf.concat([viaH.dc, cByC], 2)], 1) as tf.Tensor3D;
  return { state, input: tf.concat([viaX.dh, viaX.dc], 1) as tf.Tensor3D, h: hNext };
}

/**
 * ∂s_t/∂s_{t−1} of the whole stack (state layout of initialState()), or null
 * for a model this file has no formula for.
 * @param xt [batch, 1, embed] (the projected input of step t)
 * @returns [batch, S, S]
 */
export function analyticStateJacobian(model: RecurrentSequenceModel, xt: tf.Tensor3D, state: tf.Tensor2D[]): tf.Tensor3D | null {
  const kind = model.config.kind;
  if (kind !== 'rnn' && kind !== 'gru' && kind !== 'lstm') return null;
  const { layers, hiddenSize: hidden } = model.config;
  const perLayer = kind === 'lstm' ? 2 : 1;
  return tf.tidy(() => {
    const byName = new Map(model.variables.map((v) => [v.name, v.variable as tf.Tensor]));
    let x = tf.reshape(xt, [xt.shape[0], xt.shape[2]]) as tf.Tensor2D;
    // blocks[l][m] = ∂s^l_t/∂s^m_{t−1}; zero above the diagonal (a layer never sees the old state of a layer above it).
    const blocks: tf.Tensor3D[][] = [];
    for (let l = 0; l < layers; l++) {
      const p: Param = (name) => {
        const v = byName.get(`${kind}${l}/${name}`);
        if (!v) throw new Error(`contraction: parameter ${kind}${l}/${name} missing`);
        return v as tf.Tensor2D;
      };
      const own = state.slice(l * perLayer, (l + 1) * perLayer);
      const jac = kind === 'rnn' ? rnnLayer(p, x, own) : kind === 'gru' ? gruLayer(p, x, own, hidden) : lstmLayer(p, x, own, hidden);
      const row: tf.Tensor3D[] = [];
      for (let m = 0; m < l; m++) {
        // The input of layer l is h^{l−1}_t, the first `hidden` rows of layer l−1's state block.
        const hRows = tf.slice(blocks[l - 1]![m]!, [0, 0, 0], [-1, hidden, -1]);
        row.push(tf.matMul(jac.input, hRows) as tf.Tensor3D);
      }
      row.push(jac.state);
      blocks.push(row);
      x = jac.h;
    }
    const batch = xt.shape[0];
    const width = perLayer * hidden;
    const rows = blocks.map((row) => {
      const zeros = layers - row.length > 0 ? [tf.zeros([batch, width, (layers - row.length) * width]) as tf.Tensor3D] : [];
      return row.length + zeros.length === 1 ? row[0]! : (tf.concat([...row, ...zeros], 2) as tf.Tensor3D);
    });
    return rows.length === 1 ? rows[0]! : (tf.concat(rows, 1) as tf.Tensor3D);
  });
}
