// Tests for core/ml/text/builtin-corpora.ts: deterministic, fast, about 600 KB, brackets balanced
// on every line, agreement sentences well formed.
import { describe, it, expect } from 'vitest';
import { BUILTIN_CORPORA } from '../../core/ml/text/builtin-corpora.ts';

const corpus = (name: string) => BUILTIN_CORPORA.find((c) => c.name === name)!;

describe('BUILTIN_CORPORA', () => {
  it('has brackets and agreement, each deterministic, fast and about 600 KB', () => {
    expect(BUILTIN_CORPORA.map((c) => c.name)).toEqual(expect.arrayContaining(['brackets', 'agreement']));
    for (const c of BUILTIN_CORPORA) {
      expect(c.description.length).toBeGreaterThan(20);
      const t0 = performance.now();
      const a = c.generate();
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(c.generate()).toBe(a);
      expect(a.length).toBeGreaterThan(550_000);
      expect(a.length).toBeLessThan(700_000);
      expect(a.endsWith('\n')).toBe(true);
    }
  });

  it('brackets: every line balanced with matching kinds, depth up to 6, long-range pairs', () => {
    const lines = corpus('brackets').generate().trimEnd().split('\n');
    const close: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
    let maxDepth = 0;
    let longest = 0;
    const bad: string[] = [];
    for (const line of lines) {
      if (!/^[()[\]{} a-z]+$/.test(line)) bad.push(line);
      const stack: [string, number][] = [];
      for (let i = 0; i < line.length; i++) {
        const ch = line[i]!;
        if (ch === '(' || ch === '[' || ch === '{') {
          stack.push([ch, i]);
          maxDepth = Math.max(maxDepth, stack.length);
        } else if (ch in close) {
          const top = stack.pop();
          if (!top || top[0] !== close[ch]) bad.push(line);
          else longest = Math.max(longest, i - top[1]);
        }
      }
      if (stack.length > 0) bad.push(line);
    }
    expect(bad).toEqual([]);
    expect(maxDepth).toBeGreaterThanOrEqual(5);
    expect(maxDepth).toBeLessThanOrEqual(6);
    expect(longest).toBeGreaterThan(80);
  });

  it('agreement: sentences end with " .", have long subject-verb distances', () => {
    const lines = corpus('agreement').generate().trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(5000);
    for (const l of lines.slice(0, 2000)) expect(l).toMatch(/^[a-z]+( [a-z]+)* \.$/);
    expect(lines.some((l) => / that the \w+ (near|by|under|behind|beside) /.test(l) || / that .* that /.test(l))).toBe(true);
    expect(lines.filter((l) => l.split(' ').length > 15).length).toBeGreaterThan(100);
  });
});
