// `seqlab experiment run <kind>` flags -> the kind's config. Each flag sets
// one config field, and only for the kinds that have it: a flag that does not
// apply is refused naming the kind, instead of being silently ignored.
// --config '<json>' gives any field (e.g. per-kind models); flags override it.
import type { ExperimentKind } from '../ml/experiments/experiment-config.ts';

export interface ExperimentFlags {
  config?: string;
  dataset?: string;
  run?: number;
  ks?: number[];
  model?: string;
  base?: string;
  hidden?: number;
  embed?: number;
  layers?: number;
  levels?: number;
  kernel?: number;
  dropout?: number;
  lambda?: number;
  lambdas?: number[];
  preset?: string;
  matched?: string[];
  fit?: string;
  patience?: number;
  timeLimit?: number;
  k?: number;
  contexts?: number[];
  kinds?: string[];
  targetParams?: number;
  recurrentRun?: number;
  maxLag?: number;
  steps?: number;
  batch?: number;
  seqLen?: number;
  lr?: number;
  optimizer?: string;
  clip?: number;
  seed?: number;
  validEvery?: number;
  validTokens?: number;
  checkpointEvery?: number;
  backend?: string;
}

type Key = keyof ExperimentFlags;
/** Where a flag lands, per kind: a dotted config path; absent = the flag does not apply. */
type Target = Partial<Record<ExperimentKind, string>>;

const TRAINED: ExperimentKind[] = ['stability', 'recurrent-vs-conv', 'memory', 'truncated-vs-recurrent'];
const all = (path: string): Target => Object.fromEntries(TRAINED.map((k) => [k, path]));
/** Model fields go to the kind's model object (memory: the feed-forward model or the truncated base; truncated-vs-recurrent: base). */
const modelField = (field: string): Target => ({
  stability: `model.${field}`,
  memory: `model.${field}`,
  'truncated-vs-recurrent': `base.${field}`,
});

export const FLAG_TARGETS: Partial<Record<Key, { flag: string; target: Target }>> = {
  run: { flag: '--run', target: { truncation: 'runId' } },
  ks: { flag: '--ks', target: { truncation: 'ks' } },
  model: { flag: '--model', target: { stability: 'model.kind', memory: 'kind', 'truncated-vs-recurrent': 'base.kind' } },
  base: { flag: '--base', target: { memory: 'model.kind' } },
  hidden: { flag: '--hidden', target: modelField('hiddenSize') },
  embed: { flag: '--embed', target: modelField('embedSize') },
  layers: { flag: '--layers', target: modelField('layers') },
  levels: { flag: '--levels', target: { memory: 'model.levels' } },
  kernel: { flag: '--kernel', target: { memory: 'model.kernelSize' } },
  dropout: { flag: '--dropout', target: modelField('dropout') },
  lambda: { flag: '--lambda', target: { stability: 'lambda' } },
  lambdas: { flag: '--lambdas', target: { stability: 'lambdas' } },
  preset: { flag: '--preset', target: { memory: 'preset', stability: 'preset' } },
  matched: { flag: '--matched', target: { memory: 'matchedRecurrent' } },
  fit: { flag: '--fit', target: { memory: 'fit' } },
  patience: { flag: '--patience', target: all('train.patience') },
  timeLimit: { flag: '--time-limit', target: all('train.timeLimitSeconds') },
  k: { flag: '--k', target: { 'truncated-vs-recurrent': 'k' } },
  contexts: { flag: '--contexts', target: { memory: 'contexts' } },
  kinds: { flag: '--kinds', target: { 'recurrent-vs-conv': 'kinds', stability: 'kinds' } },
  targetParams: { flag: '--target-params', target: { 'recurrent-vs-conv': 'targetParams' } },
  recurrentRun: { flag: '--recurrent-run', target: { memory: 'recurrentRunId' } },
  maxLag: { flag: '--max-lag', target: { memory: 'maxLag' } },
  steps: { flag: '--steps', target: all('train.steps') },
  batch: { flag: '--batch', target: all('train.batchSize') },
  seqLen: { flag: '--seq-len', target: all('train.seqLen') },
  lr: { flag: '--lr', target: all('train.lr') },
  optimizer: { flag: '--optimizer', target: all('train.optimizer') },
  clip: { flag: '--clip', target: all('train.clip') },
  seed: { flag: '--seed', target: all('train.seed') },
  validEvery: { flag: '--valid-every', target: all('train.validEvery') },
  validTokens: { flag: '--valid-tokens', target: { ...all('train.validTokens'), truncation: 'validTokens' } },
  checkpointEvery: { flag: '--checkpoint-every', target: all('train.checkpointEvery') },
  backend: { flag: '--backend', target: all('train.backend') },
};

/** True when the kind trains member runs on a dataset (all but truncation). */
export function needsDataset(kind: ExperimentKind): boolean {
  return TRAINED.includes(kind);
}

/**
 * The config object of a `kind` experiment from --config and the flags
 * (--dataset is resolved by the caller: a name may need the history).
 */
export function configFromFlags(kind: ExperimentKind, f: ExperimentFlags): Record<string, unknown> {
  let config: Record<string, unknown> = {};
  if (f.config !== undefined) {
    try {
      config = JSON.parse(f.config) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`--config: not valid JSON (${(e as Error).message})`, { cause: e });
    }
    if (typeof config !== 'object' || config === null || Array.isArray(config))
      throw new Error('--config: must be a JSON object of config fields');
  }
  for (const [key, spec] of Object.entries(FLAG_TARGETS) as [Key, { flag: string; target: Target }][]) {
    const value = f[key];
    if (value === undefined) continue;
    const path = spec.target[kind];
    if (!path) {
      const applies = Object.keys(spec.target);
      throw new Error(`${spec.flag}: does not apply to a ${kind} experiment${applies.length ? ` (only to ${applies.join(', ')})` : ''}`);
    }
    setPath(config, path, value);
  }
  return config;
}

/**
 * "--lambdas 0.8,0.9,none" -> [0.8, 0.9]: "none" names the unconstrained
 * member, which a λ sweep always trains, so it adds nothing to the list.
 */
export function lambdaList(value: string): number[] {
  const parts = value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  const lambdas: number[] = [];
  for (const p of parts) {
    if (/^(none|unconstrained)$/i.test(p)) continue;
    const x = Number(p);
    if (!/^\d*\.?\d+(e-?\d+)?$/i.test(p) || !Number.isFinite(x))
      throw new Error(`--lambdas must be a comma-separated list of numbers and "none" (got "${value}")`);
    lambdas.push(x);
  }
  if (lambdas.length === 0) throw new Error(`--lambdas: give at least one λ besides "none" (got "${value}")`);
  return lambdas;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const p of parts.slice(0, -1)) {
    const next = node[p];
    node = node[p] = typeof next === 'object' && next !== null && !Array.isArray(next) ? (next as Record<string, unknown>) : {};
  }
  node[parts.at(-1)!] = value;
}

/**
 * Rewrites "train.steps: must be ..." as "--steps (train.steps): must be ..."
 * where a flag sets that field for `kind`. startExperiment files every part
 * under the request's `config` argument ("config.train.steps: ..."); the
 * terminal names the config field itself.
 */
export function withExperimentFlags(kind: ExperimentKind, message: string): string {
  const flagOf = new Map<string, string>();
  for (const spec of Object.values(FLAG_TARGETS)) {
    const path = spec!.target[kind];
    if (path) flagOf.set(path, spec!.flag);
  }
  flagOf.set('datasetId', '--dataset');
  return message.replace(/(^|; )(?:config\.)?([\w.]+?)(\.\d+)?:/g, (_m, sep: string, field: string, index: string | undefined) =>
    flagOf.has(field) ? `${sep}${flagOf.get(field)} (${field}${index ?? ''}):` : `${sep}${field}${index ?? ''}:`,
  );
}
