// The count tables of an interpolated Kneser-Ney n-gram model, built in one
// pass over a token stream. Contexts form a trie read backwards (most recent
// token first), so KN's backoff — drop the oldest token — is the parent node.
// Each (context, next token) pair holds the count KN uses at its order: the raw
// count at the top order, and below it the continuation count N1+(• h w), the
// number of distinct tokens seen just before h w (Kneser & Ney 1995; Chen &
// Goodman 1998, §2.7). The stream's start counts as one more distinct left
// neighbour, so every order's counts stay consistent with the order above.
import { IntKeyMap } from './int-key-map.ts';

const INITIAL_CONTEXTS = 1024;

export class NgramCounts {
  /** parent context id · V + token → context id; the empty context is id 0. */
  private readonly contexts: IntKeyMap;
  /** context id · V + token → count (raw at the top order, continuation below). */
  private readonly grams: IntKeyMap;
  private depthOf = new Uint8Array(INITIAL_CONTEXTS);
  /** Σ_w count(context, w). */
  private totalOf = new Int32Array(INITIAL_CONTEXTS);
  /** Number of tokens w with count(context, w) > 0. */
  private typesOf = new Int32Array(INITIAL_CONTEXTS);
  private numContexts = 1;
  /** The last order − 1 tokens fed, most recent first. */
  private readonly history: Int32Array;
  private fed = 0;

  /**
   * @param order n: the longest n-gram counted (context n − 1)
   * @param vocabSize token ids lie in [0, vocabSize)
   * @param maxNgrams cap on stored (context, token) pairs; contexts are capped at the same number
   */
  constructor(
    readonly order: number,
    readonly vocabSize: number,
    maxNgrams: number,
  ) {
    this.contexts = new IntKeyMap(maxNgrams, 'contexts');
    this.grams = new IntKeyMap(maxNgrams, 'n-grams');
    this.history = new Int32Array(Math.max(order - 1, 0));
  }

  /** Feeds the next tokens of the training stream, continuing any earlier call. */
  add(tokens: Int32Array): void {
    const n = this.order;
    const path = new Int32Array(n);
    for (let i = 0; i < tokens.length; i++) {
      const w = tokens[i]!;
      if (!(w >= 0 && w < this.vocabSize)) throw new RangeError(`n-gram model: token ${w} is outside [0, ${this.vocabSize})`);
      const depth = Math.min(n - 1, this.fed);
      for (let m = 1; m <= depth; m++) path[m] = this.childOrCreate(path[m - 1]!, this.history[m - 1]!, m);
      // The deepest n-gram always counts once: raw count at the top order, or
      // (near the stream's start) the start as its left neighbour. A shorter
      // n-gram counts only when its left extension was new: that is N1+(• h w).
      let created = this.bump(path[depth]!, w);
      for (let m = depth - 1; m >= 0 && created; m--) created = this.bump(path[m]!, w);
      this.history.copyWithin(1, 0);
      if (this.history.length > 0) this.history[0] = w;
      this.fed++;
    }
  }

  /**
   * Writes into `path` the context ids of the longest stored suffix of a history.
   * @param history previous tokens, most recent first (`have` of them valid)
   * @returns the depth reached: path[0..depth] are valid (path[0] is the empty context)
   */
  walk(history: ArrayLike<number>, have: number, path: Int32Array): number {
    path[0] = 0;
    const limit = Math.min(have, this.order - 1);
    let m = 0;
    while (m < limit) {
      const token = history[m]!;
      // An id outside the vocabulary would alias another context's key.
      if (!(token >= 0 && token < this.vocabSize))
        throw new RangeError(`n-gram model: context token ${token} is outside [0, ${this.vocabSize})`);
      const child = this.contexts.get(path[m]! * this.vocabSize + token);
      if (child < 0) break;
      path[++m] = child;
    }
    return m;
  }

  /** count(context, w) at the context's order (0 when unseen). */
  count(context: number, w: number): number {
    return Math.max(this.grams.get(context * this.vocabSize + w), 0);
  }

  total(context: number): number {
    return this.totalOf[context]!;
  }

  types(context: number): number {
    return this.typesOf[context]!;
  }

  /** n1[m], n2[m]: pairs with count exactly 1 and 2 whose context has depth m (order m + 1). */
  countsOfCounts(): { n1: number[]; n2: number[] } {
    const n1 = new Array<number>(this.order).fill(0);
    const n2 = new Array<number>(this.order).fill(0);
    this.grams.forEach((key, c) => {
      const depth = this.depthOf[Math.floor(key / this.vocabSize)]!;
      if (c === 1) n1[depth]!++;
      else if (c === 2) n2[depth]!++;
    });
    return { n1, n2 };
  }

  get ngrams(): number {
    return this.grams.size;
  }

  /** Contexts stored, the empty one included. */
  get contextCount(): number {
    return this.numContexts;
  }

  /** Bytes held by the tables. */
  get bytes(): number {
    return this.contexts.bytes + this.grams.bytes + this.depthOf.byteLength + this.totalOf.byteLength + this.typesOf.byteLength;
  }

  private bump(context: number, w: number): boolean {
    const c = this.grams.add(context * this.vocabSize + w, 1);
    this.totalOf[context]!++;
    if (c !== 1) return false;
    this.typesOf[context]!++;
    return true;
  }

  private childOrCreate(parent: number, token: number, depth: number): number {
    const key = parent * this.vocabSize + token;
    const found = this.contexts.get(key);
    if (found >= 0) return found;
    const id = this.numContexts;
    this.contexts.set(key, id); // throws at the cap before anything changes
    this.numContexts++;
    if (id >= this.depthOf.length) this.growContexts();
    this.depthOf[id] = depth;
    return id;
  }

  private growContexts(): void {
    const grow = <T extends Uint8Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(a.length * 2);
      b.set(a);
      return b;
    };
    this.depthOf = grow(this.depthOf, (n) => new Uint8Array(n));
    this.totalOf = grow(this.totalOf, (n) => new Int32Array(n));
    this.typesOf = grow(this.typesOf, (n) => new Int32Array(n));
  }
}
