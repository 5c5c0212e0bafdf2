// An open-addressing hash map from non-negative integer keys (< 2^53, so a
// packed n-gram key is exact in a float64) to int32 values, in two typed
// arrays. Why not Map: a JS Map costs ~50-80 bytes per entry and V8 refuses
// more than 2^24 entries; this costs 12 bytes per slot at load ≤ 0.7, so a
// stored entry takes 17-34 bytes, and a cap turns "out of memory" into a
// clear error.

const EMPTY = -1;
const MAX_LOAD = 0.7;

/** Error thrown when a map would grow past its cap. */
export class CapacityError extends RangeError {}

export class IntKeyMap {
  private keys: Float64Array;
  private vals: Int32Array;
  private mask: number;
  /** Entries stored. */
  size = 0;

  /**
   * @param maxSize entries allowed before `add`/`set` throw a CapacityError
   * @param what the entries' name, for that error
   */
  constructor(
    private readonly maxSize: number,
    private readonly what = 'entries',
    initialCapacity = 1024,
  ) {
    let capacity = 16;
    while (capacity < initialCapacity) capacity *= 2;
    this.keys = new Float64Array(capacity).fill(EMPTY);
    this.vals = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  /** Value stored under `key`, or -1 when absent. */
  get(key: number): number {
    const i = this.slot(key);
    return this.keys[i] === key ? this.vals[i]! : -1;
  }

  /** Adds `delta` to the value under `key` (absent counts as 0) and returns the new value. */
  add(key: number, delta: number): number {
    let i = this.slot(key);
    if (this.keys[i] !== key) i = this.insert(key, i);
    return (this.vals[i] = this.vals[i]! + delta);
  }

  /** Stores `value` under `key`. */
  set(key: number, value: number): void {
    let i = this.slot(key);
    if (this.keys[i] !== key) i = this.insert(key, i);
    this.vals[i] = value;
  }

  /** Calls `fn` for every entry, in slot order. */
  forEach(fn: (key: number, value: number) => void): void {
    const { keys, vals } = this;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) fn(keys[i]!, vals[i]!);
  }

  /** Bytes held by the table's arrays. */
  get bytes(): number {
    return this.keys.byteLength + this.vals.byteLength;
  }

  /** Slot holding `key`, or the empty slot where it would go (linear probing). */
  private slot(key: number): number {
    const { keys, mask } = this;
    let i = hashKey(key) & mask;
    while (keys[i] !== EMPTY && keys[i] !== key) i = (i + 1) & mask;
    return i;
  }

  private insert(key: number, emptySlot: number): number {
    if (this.size >= this.maxSize)
      throw new CapacityError(
        `n-gram model: more than ${this.maxSize.toLocaleString('en')} ${this.what}; lower the order or train on fewer tokens (or raise maxNgrams)`,
      );
    this.size++;
    if (this.size > this.keys.length * MAX_LOAD) {
      this.grow();
      emptySlot = this.slot(key);
    }
    this.keys[emptySlot] = key;
    this.vals[emptySlot] = 0;
    return emptySlot;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    this.keys = new Float64Array(oldKeys.length * 2).fill(EMPTY);
    this.vals = new Int32Array(oldKeys.length * 2);
    this.mask = this.keys.length - 1;
    for (let i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] === EMPTY) continue;
      const j = this.slot(oldKeys[i]!);
      this.keys[j] = oldKeys[i]!;
      this.vals[j] = oldVals[i]!;
    }
  }
}

/** 32-bit mix of both halves of an integer key (murmur3's finaliser constants). */
function hashKey(key: number): number {
  const lo = key >>> 0;
  const hi = (key / 4294967296) >>> 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
