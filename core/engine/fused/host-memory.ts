// Direct views of a tensor's storage on the CPU backends, so a native kernel
// can read it without a copy and update it in place. TF.js has no public way
// to do either: these reach into the backends' own tables (wasm: the tensor's
// offset in the wasm heap; cpu: its backing array), as 4.22 lays them out,
// and return null for anything else so the caller falls back to the stock ops.
import * as tf from '@tensorflow/tfjs';

interface BackendStorage {
  refCount(dataId: object): number;
  /** wasm: a Float32Array over the tensor's bytes in the wasm heap. */
  typedArrayFromHeap?(t: { shape: number[]; dtype: string; dataId: object }): Float32Array;
  /** cpu: per-tensor records holding the values. */
  data?: { get(dataId: object): { values?: unknown } | undefined };
}

function storage(): { name: string; backend: BackendStorage } {
  return { name: tf.getBackend(), backend: tf.backend() as unknown as BackendStorage };
}

/**
 * The float32 values of `t` where they live (wasm heap or cpu array), or null
 * on another backend. A wasm view is valid only until the heap next grows
 * (any TF.js allocation): take it right before the native call.
 */
export function hostView(t: tf.Tensor): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const { name, backend } = storage();
  if (name === 'wasm' && backend.typedArrayFromHeap) return backend.typedArrayFromHeap(t);
  if (name === 'cpu' && backend.data) {
    const values = backend.data.get(t.dataId)?.values;
    return values instanceof Float32Array && values.length === t.size ? values : null;
  }
  return null;
}

/**
 * True when a kernel may write `t`'s storage in place. Never, for now:
 * - cpu: its dataSync() and data() hand out the backing array itself, so an
 *   optimiser snapshot taken earlier would change with the next step;
 * - wasm: with in-place Adam (refCount 1 checked) the losses still matched the
 *   reference, but the stable RNN's contraction read-out after 20 steps did
 *   not (4.5 % off, test/engine/webgpu-training.test.ts): some later read saw
 *   stale values. Until that reader is found, updates write copies that the
 *   variables are assigned, on both CPU backends.
 */
export function writableInPlace(t: tf.Tensor): boolean {
  void t;
  return false;
}
