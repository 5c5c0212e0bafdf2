// The closed lists every layer shares: run statuses, dataset kinds and the
// file extensions each kind imports. One home, so storage, the contract, the
// renderer's import panel and Electron's open dialog cannot drift apart.
// Plain constants, no imports: it ships in the renderer bundle too.

/** Lifecycle of a training run, in order. The last four are final. */
export const RUN_STATUSES = ['queued', 'running', 'completed', 'stopped', 'crashed', 'diverged'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Task family of a dataset: next-token text, piano rolls, a generated synthetic task, or mu-law audio. */
export const DATASET_KINDS = ['text', 'music', 'synthetic', 'audio'] as const;
export type DatasetKind = (typeof DATASET_KINDS)[number];

/**
 * File extensions (lower case, with the dot) an import turns into a dataset of
 * each kind. A synthetic dataset is generated, never imported from files.
 */
export const DATASET_FILE_EXTENSIONS = {
  text: ['.txt'],
  music: ['.mid', '.midi', '.json'],
  synthetic: [],
  audio: ['.wav', '.wave', '.flac', '.mp3', '.ogg', '.oga', '.opus'],
} as const satisfies Record<DatasetKind, readonly string[]>;

/** A kind that can be imported from files. */
export type FileDatasetKind = { [K in DatasetKind]: (typeof DATASET_FILE_EXTENSIONS)[K] extends readonly [] ? never : K }[DatasetKind];

/** Every extension an import accepts, in kind order. */
export const IMPORT_EXTENSIONS: readonly string[] = DATASET_KINDS.flatMap((k) => DATASET_FILE_EXTENSIONS[k]);

/** The kind a file's name makes it (by extension, case-insensitively), or null for a file no import reads. */
export function datasetKindOfFile(name: string): FileDatasetKind | null {
  const lower = name.toLowerCase();
  for (const kind of DATASET_KINDS) {
    if (DATASET_FILE_EXTENSIONS[kind].some((e: string) => lower.endsWith(e))) return kind as FileDatasetKind;
  }
  return null;
}
