// Checkpoint snapshot (plain data) and its byte encoding. The bytes are a
// valid safetensors file: u64-LE header length, JSON header, raw little-endian
// float32 data; the non-tensor state rides in __metadata__.seqlab as JSON.
// Pure: bytes in, bytes out; where they are stored is the caller's business.
import type { RngState } from '../rng.ts';
import type { OptimizerSnapshot } from './optimizer.ts';

export interface TensorData {
  shape: number[];
  values: Float32Array;
}

export interface CheckpointSnapshot {
  /** Completed optimiser steps. */
  step: number;
  elapsedMs: number;
  /** Data position: window cursor inside every stream, and passes completed. */
  cursor: number;
  epoch: number;
  rng: RngState;
  params: Record<string, TensorData>;
  optimizer: OptimizerSnapshot;
  /** Recurrent state carried into the next window, or null. */
  state: TensorData[] | null;
  /** Early stopping's record: best valid loss so far and validations since it (absent in older checkpoints). */
  plateau?: PlateauState;
}

export interface PlateauState {
  best: number;
  since: number;
}

interface Meta {
  format: 'seqlab-checkpoint';
  version: 1;
  step: number;
  elapsedMs: number;
  cursor: number;
  epoch: number;
  rng: RngState;
  optimizer: { kind: OptimizerSnapshot['kind']; step: number };
  stateCount: number | null;
  plateau?: PlateauState;
}

/** Encodes tensors named `param/...`, `opt/...`, `state/i` into one safetensors buffer. */
export function encodeCheckpoint(snap: CheckpointSnapshot): Uint8Array {
  const tensors: [string, TensorData][] = [];
  for (const [name, t] of Object.entries(snap.params)) tensors.push([`param/${name}`, t]);
  for (const [name, values] of Object.entries(snap.optimizer.slots)) tensors.push([`opt/${name}`, { shape: [values.length], values }]);
  snap.state?.forEach((t, i) => tensors.push([`state/${i}`, t]));
  const meta: Meta = {
    format: 'seqlab-checkpoint',
    version: 1,
    step: snap.step,
    elapsedMs: snap.elapsedMs,
    cursor: snap.cursor,
    epoch: snap.epoch,
    rng: snap.rng,
    optimizer: { kind: snap.optimizer.kind, step: snap.optimizer.step },
    stateCount: snap.state ? snap.state.length : null,
    ...(snap.plateau ? { plateau: snap.plateau } : {}),
  };
  return encodeSafetensors(tensors, { seqlab: JSON.stringify(meta) });
}

export function decodeCheckpoint(bytes: Uint8Array): CheckpointSnapshot {
  const { tensors, metadata } = decodeSafetensors(bytes);
  const raw = metadata['seqlab'];
  if (!raw) throw new Error('checkpoint: no seqlab metadata');
  const meta = JSON.parse(raw) as Meta;
  if (meta.format !== 'seqlab-checkpoint' || meta.version !== 1)
    throw new Error(`checkpoint: unsupported format ${meta.format} v${meta.version}`);
  const params: Record<string, TensorData> = {};
  const slots: Record<string, Float32Array> = {};
  for (const [name, t] of tensors) {
    if (name.startsWith('param/')) params[name.slice(6)] = t;
    else if (name.startsWith('opt/')) slots[name.slice(4)] = t.values;
  }
  let state: TensorData[] | null = null;
  if (meta.stateCount !== null) {
    state = [];
    for (let i = 0; i < meta.stateCount; i++) {
      const t = tensors.get(`state/${i}`);
      if (!t) throw new Error(`checkpoint: state/${i} missing`);
      state.push(t);
    }
  }
  return {
    step: meta.step,
    elapsedMs: meta.elapsedMs,
    cursor: meta.cursor,
    epoch: meta.epoch,
    rng: meta.rng,
    params,
    optimizer: { ...meta.optimizer, slots },
    state,
    ...(meta.plateau ? { plateau: meta.plateau } : {}),
  };
}

/** safetensors writer for float32 tensors (https://github.com/huggingface/safetensors). */
export function encodeSafetensors(tensors: [string, TensorData][], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    const size = t.values.length * 4;
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8); // align data to 8 bytes
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const [, t] of tensors) {
    const dv = new DataView(out.buffer, pos, t.values.length * 4);
    for (let i = 0; i < t.values.length; i++) dv.setFloat32(i * 4, t.values[i]!, true);
    pos += t.values.length * 4;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array): { tensors: Map<string, TensorData>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new Error(`safetensors: ${bytes.length} bytes, too short for a header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8)
    throw new Error(`safetensors: header length ${headerLength} exceeds the file (${bytes.length} bytes)`);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, TensorData>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const {
      dtype,
      shape,
      data_offsets: [begin, end],
    } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (dtype !== 'F32') throw new Error(`safetensors: tensor "${name}" has dtype ${dtype}; only F32 is supported`);
    if (end > bytes.length - dataStart || begin > end || (end - begin) % 4 !== 0)
      throw new Error(`safetensors: tensor "${name}" offsets [${begin}, ${end}] are out of range`);
    const count = (end - begin) / 4;
    const values = new Float32Array(count);
    const dv = new DataView(bytes.buffer, bytes.byteOffset + dataStart + begin, end - begin);
    for (let i = 0; i < count; i++) values[i] = dv.getFloat32(i * 4, true);
    if (shape.reduce((a, b) => a * b, 1) !== count)
      throw new Error(`safetensors: tensor "${name}" shape [${shape}] does not match ${count} values`);
    tensors.set(name, { shape, values });
  }
  return { tensors, metadata };
}
