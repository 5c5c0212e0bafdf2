// The one wording of a zod error (core/ml/zod-issues.ts), used by configs, the
// contract, stored rows, sweep files, run bundles and piano-roll files: each
// case is a schema, a value it refuses, the wording options and the message.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeIssues, type IssueWording } from '../../core/ml/zod-issues.ts';

const config = z
  .object({
    train: z.object({ steps: z.number({ error: 'steps: must be a number' }), lr: z.number() }).strict(),
    split: z.array(z.array(z.number({ error: 'must be a pitch' }))),
  })
  .strict();

function check(value: unknown, wording: IssueWording, expected: string): void {
  const r = config.safeParse(value);
  expect(r.success).toBe(false);
  expect(describeIssues(r.error!, wording)).toBe(expected);
}

describe('describeIssues', () => {
  const good = { train: { steps: 1, lr: 0.1 }, split: [[1, 2]] };
  it.each<[string, unknown, IssueWording, string]>([
    ['a full path, the field named once', { ...good, train: { steps: 'x', lr: 0.1 } }, {}, 'train.steps: must be a number'],
    ['an unknown key by its own path', { ...good, train: { steps: 1, lr: 0.1, bogus: 1 } }, {}, 'train.bogus: unknown field'],
    [
      'every issue, joined',
      { train: { steps: 1, lr: 'a' }, split: [[1, 'b']] },
      {},
      'train.lr: Invalid input: expected number, received string; split.0.1: must be a pitch',
    ],
    ['a prefix before every path', { ...good, extra: 1 }, { prefix: 'trials.3' }, 'trials.3.extra: unknown field'],
    ['a whole-value issue alone', [], {}, 'Invalid input: expected object, received array'],
    ['a whole-value issue named', [], { topLevel: '(top level)' }, '(top level): Invalid input: expected object, received array'],
    [
      'places in a file with brackets, the first issue only',
      { ...good, split: [[1], [2, 'x', 'y']] },
      { indexes: 'brackets', limit: 1 },
      'split[1][1]: must be a pitch',
    ],
  ])('%s', (_name, value, wording, expected) => check(value, wording, expected));
});
