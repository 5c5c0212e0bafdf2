// Truncated-BPTT batching: the token range is cut into `batchSize` contiguous
// streams; step s reads the window at `cursor` from every stream, then moves
// the cursor by seqLen. Recurrent state carries across windows because row b
// of one batch continues row b of the previous one. When a stream runs out the
// cursor wraps to 0 and the state must be reset (an epoch ends).
import type { TokenRange, TokenSource } from '../data/dataset-types.ts';

export interface Window {
  /** Inputs, row-major [batchSize, seqLen]. */
  inputs: Int32Array;
  /** Next tokens, row-major [batchSize, seqLen]. */
  targets: Int32Array;
  /** True when this window starts a new pass over the streams (reset the state). */
  reset: boolean;
}

export class WindowBatcher {
  /** Tokens per stream. */
  readonly streamLength: number;
  /** Position of the next window inside every stream. */
  cursor = 0;
  epoch = 0;

  constructor(
    private readonly source: TokenSource,
    private readonly range: TokenRange,
    readonly batchSize: number,
    readonly seqLen: number,
  ) {
    this.streamLength = Math.floor((range.end - range.start) / batchSize);
    if (this.streamLength < seqLen + 1) {
      throw new Error(
        `data: ${range.end - range.start} tokens are too few for batchSize ${batchSize} × seqLen ${seqLen} (need at least ${batchSize * (seqLen + 1)})`,
      );
    }
  }

  /** Windows per pass over the streams. */
  get windowsPerEpoch(): number {
    return Math.floor((this.streamLength - 1) / this.seqLen);
  }

  next(): Window {
    let reset = this.cursor === 0;
    if (this.cursor + this.seqLen + 1 > this.streamLength) {
      this.cursor = 0;
      this.epoch++;
      reset = true;
    }
    const { batchSize, seqLen } = this;
    const inputs = new Int32Array(batchSize * seqLen);
    const targets = new Int32Array(batchSize * seqLen);
    for (let b = 0; b < batchSize; b++) {
      const chunk = this.source.read(this.range.start + b * this.streamLength + this.cursor, seqLen + 1);
      inputs.set(chunk.subarray(0, seqLen), b * seqLen);
      targets.set(chunk.subarray(1), b * seqLen);
    }
    this.cursor += seqLen;
    return { inputs, targets, reset };
  }
}
