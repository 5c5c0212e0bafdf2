// Option parsers that name the flag and the allowed values when input is bad.
import { InvalidArgumentError } from 'commander';

export function intOption(flag: string) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`${flag} must be a whole number (got "${value}")`);
    return Number(value);
  };
}

export function numberOption(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} must be a number (got "${value}")`);
    return n;
  };
}

export function choiceOption<T extends string>(flag: string, choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value))
      throw new InvalidArgumentError(`${flag} must be one of ${choices.join(', ')} (got "${value}")`);
    return value as T;
  };
}

/** CLI flag for each config field, so validation errors name what the user typed. */
export const FLAG_FOR_FIELD: Record<string, string> = {
  hiddenSize: '--hidden',
  layers: '--layers',
  levels: '--levels',
  kernelSize: '--kernel',
  dropout: '--dropout',
  embedSize: '--embed',
  steps: '--steps',
  batchSize: '--batch',
  seqLen: '--seq-len',
  lr: '--lr',
  clip: '--clip',
  seed: '--seed',
  checkpointEvery: '--checkpoint-every',
  validEvery: '--valid-every',
  validTokens: '--valid-tokens',
  backend: '--backend',
  optimizer: '--optimizer',
  schedule: '--schedule',
  warmupSteps: '--warmup',
};

/** Rewrites "hiddenSize: must be ..." as "--hidden (hiddenSize): must be ...". */
export function withFlags(message: string): string {
  // A field may come with its path ("model.hiddenSize:"); the flag sets the last part.
  return message.replace(/(^|; )(?:[a-zA-Z]+\.)*([a-zA-Z]+):/g, (m, sep: string, field: string) =>
    FLAG_FOR_FIELD[field] ? `${sep}${FLAG_FOR_FIELD[field]} (${field}):` : m,
  );
}
