// Built-in synthetic corpora with long-range structure (bracket matching, subject-verb agreement)
// so training works offline with zero setup. Pure and deterministic: a seeded PRNG, no IO.

/** A built-in corpus: `generate()` returns the same text on every call. */
export interface BuiltinCorpus {
  name: string;
  description: string;
  generate(): string;
}

/** Size each generator aims for, in characters (all ASCII, so also bytes). */
const TARGET_CHARS = 600_000;

/** mulberry32: a tiny 32-bit seeded PRNG; returns floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function picker(rand: () => number) {
  return <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
}

/** Lines of text until the target size is reached, one line per `line()` call. */
function fill(line: () => string): string {
  const lines: string[] = [];
  let n = 0;
  while (n < TARGET_CHARS) {
    const l = line();
    lines.push(l);
    n += l.length + 1;
  }
  return lines.join('\n') + '\n';
}

const BRACKET_WORDS = ['a', 'an', 'ox', 'map', 'sun', 'key', 'lid', 'box', 'tree', 'fig', 'owl', 'jam', 'cup', 'ink', 'rod'];
const PAIRS: readonly [string, string][] = [
  ['(', ')'],
  ['[', ']'],
  ['{', '}'],
];

/** Balanced brackets of three kinds, depth up to 6, words inside so closers sit far from openers. */
function generateBrackets(): string {
  const rand = mulberry32(0x5eed01);
  const pick = picker(rand);
  const group = (depth: number): string => {
    const [open, close] = pick(PAIRS);
    const items: string[] = [];
    const n = 1 + Math.floor(rand() * 4);
    for (let i = 0; i < n; i++) {
      // Deeper levels nest less often so lines stay a readable length.
      items.push(depth < 6 && rand() < 0.55 - depth * 0.06 ? group(depth + 1) : pick(BRACKET_WORDS));
    }
    return open + items.join(' ') + close;
  };
  return fill(() => {
    const parts: string[] = [];
    const n = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < n; i++) parts.push(group(1));
    return parts.join(' ');
  });
}

interface Noun {
  sg: string;
  pl: string;
}
const nouns = (...xs: string[]): Noun[] =>
  xs.map((x) => (x.includes('/') ? { sg: x.split('/')[0]!, pl: x.split('/')[1]! } : { sg: x, pl: x + 's' }));
const ANIMATE = nouns(
  'dog',
  'cat',
  'bird',
  'farmer',
  'teacher',
  'child/children',
  'man/men',
  'woman/women',
  'fox/foxes',
  'girl',
  'boy',
  'doctor',
);
const PLACES = nouns('house', 'river', 'garden', 'table', 'bridge', 'church/churches', 'road', 'tree', 'wall', 'box/boxes');
const ADJ = ['old', 'small', 'big', 'red', 'quiet', 'happy', 'tall', 'green', 'young', 'dark'];
const PREP = ['near', 'behind', 'beside', 'under', 'by', 'across from', 'next to'];
/** [singular, plural] verb forms. */
const INTRANS: [string, string][] = [
  ['runs', 'run'],
  ['sleeps', 'sleep'],
  ['sings', 'sing'],
  ['waits', 'wait'],
  ['smiles', 'smile'],
  ['barks', 'bark'],
  ['is here', 'are here'],
  ['was late', 'were late'],
];
const TRANS: [string, string][] = [
  ['sees', 'see'],
  ['watches', 'watch'],
  ['likes', 'like'],
  ['chases', 'chase'],
  ['helps', 'help'],
  ['knows', 'know'],
  ['follows', 'follow'],
];

/** English-like sentences whose main verb agrees with a subject many words back. */
function generateAgreement(): string {
  const rand = mulberry32(0xa9ee);
  const pick = picker(rand);
  const det = (plural: boolean): string =>
    plural ? pick(['the', 'the', 'some', 'many', 'two']) : pick(['the', 'the', 'a', 'one', 'every']);
  const np = (depth: number, pool: Noun[] = ANIMATE): { text: string; plural: boolean } => {
    const plural = rand() < 0.5;
    const n = pick(pool);
    const d = det(plural);
    const rest = `${rand() < 0.35 ? pick(ADJ) + ' ' : ''}${plural ? n.pl : n.sg}`;
    let text = `${d === 'a' && /^[aeiou]/.test(rest) ? 'an' : d} ${rest}`;
    const r = depth < 3 ? rand() : 1;
    if (r < 0.3) {
      text += ` ${pick(PREP)} ${np(depth + 1, PLACES).text}`;
    } else if (pool === ANIMATE && r < 0.55) {
      // Object relative: the verb inside agrees with the inner subject, not the head noun.
      const inner = np(depth + 1);
      text += ` that ${inner.text} ${pick(TRANS)[inner.plural ? 1 : 0]}`;
    } else if (pool === ANIMATE && r < 0.75) {
      // Subject relative: the verb inside agrees with the head noun.
      text += ` that ${pick(TRANS)[plural ? 1 : 0]} ${np(depth + 1).text}`;
    }
    return { text, plural };
  };
  return fill(() => {
    const subj = np(0);
    const form = subj.plural ? 1 : 0;
    const pred = rand() < 0.5 ? pick(INTRANS)[form] : `${pick(TRANS)[form]} ${np(2).text}`;
    return `${subj.text} ${pred} .`;
  });
}

/** The built-in corpora, by name. */
export const BUILTIN_CORPORA: BuiltinCorpus[] = [
  {
    name: 'brackets',
    description:
      'Nested balanced brackets of three kinds, (), [] and {}, with short words inside (depth up to 6): each closer must match an opener many characters back. About 600 KB.',
    generate: generateBrackets,
  },
  {
    name: 'agreement',
    description:
      'English-like sentences from a small grammar with subject-verb number agreement across relative clauses and prepositional phrases. About 600 KB.',
    generate: generateAgreement,
  },
];
