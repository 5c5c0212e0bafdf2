// The one wording of a zod error, used by every config, contract and stored-row
// check: "path: reason; path: reason", the path written in full
// (train.steps), each unknown key named itself. Lives in core/ml because the
// configs here use it and core/ml imports nothing of ours outside itself; the
// contract re-exports it for the renderer.
import type { z } from 'zod';

export interface IssueWording {
  /** Written before every path, e.g. "stats" for a stored column; default none. */
  prefix?: string;
  /** The reason given for an unknown key; default "unknown field". */
  unknownKey?: string;
  /** How array positions are written: "dots" (train.0.3, default) or "brackets" (train[0][3], for places in a data file). */
  indexes?: 'dots' | 'brackets';
  /** Names the place of an issue about the whole value, e.g. "(top level)"; default: the reason alone. */
  topLevel?: string;
  /** Words at most this many issues (a broken data file can have thousands); default all. */
  limit?: number;
}

/**
 * "path: reason" per issue, joined with "; ". A reason that already starts
 * with its field's own name ("seqLen: must be …", as the config schemas word
 * them) is not named twice.
 */
export function describeIssues(error: z.ZodError, wording: IssueWording = {}): string {
  const unknown = wording.unknownKey ?? 'unknown field';
  const join = (parts: PropertyKey[]) =>
    [wording.prefix ?? '', ...parts].reduce<string>((out, k) => {
      if (wording.indexes === 'brackets' && typeof k === 'number') return `${out}[${k}]`;
      const name = String(k);
      return !name ? out : out ? `${out}.${name}` : name;
    }, '');
  return error.issues
    .slice(0, wording.limit)
    .map((i) => {
      if (i.code === 'unrecognized_keys') return i.keys.map((k) => `${join([...i.path, k])}: ${unknown}`).join('; ');
      const path = join(i.path);
      const last = String(i.path.at(-1) ?? '');
      const reason =
        last && i.message.startsWith(`${last}:`)
          ? i.message.slice(last.length + 1).trim()
          : path && i.message.startsWith(`${path}:`)
            ? i.message.slice(path.length + 1).trim()
            : i.message;
      const place = path || wording.topLevel;
      return place ? `${place}: ${reason}` : reason;
    })
    .join('; ');
}
