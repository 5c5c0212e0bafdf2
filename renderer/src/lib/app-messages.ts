// The core's messages are shared with the command line, where "seqlab resume 3"
// is the way forward. In the app the way forward is a button: this rewrites
// those hints into the app's own words, and drops any other command line.

const REWRITES: [RegExp, (...groups: string[]) => string][] = [
  [/\s*\(resume it: seqlab experiment resume (\d+)\)/g, (id) => ` (resume experiment ${id} on its page)`],
  [/\s*\(seqlab experiment delete (\d+)\)/g, (id) => ` (Delete experiment ${id} on the Experiments screen)`],
  [
    /;?\s*train it first \(seqlab resume (\d+)\)/g,
    (id) => `; sampling works after the first checkpoint (Resume run #${id} on its page to train it)`,
  ],
  [/;?\s*import one with: seqlab datasets import [^;)]*/g, () => '; import one on the Datasets screen'],
  [/;?\s*list (?:them|runs) with: seqlab [^;)]*/g, () => ''],
];
/** Anything left that reads like a command: "(seqlab …)" or ": seqlab …". */
const LEFTOVER = /\s*(?:\(seqlab [^)]*\)|[:;]\s*seqlab [^;]*)/g;

/** `message` without instructions to type `seqlab …` commands. */
export function forTheApp(message: string): string {
  let out = message;
  for (const [re, to] of REWRITES)
    out = out.replace(re, (_m, ...groups: unknown[]) => to(...groups.filter((g): g is string => typeof g === 'string')));
  return out.replace(LEFTOVER, '');
}
