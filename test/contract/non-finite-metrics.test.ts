// A diverged run's metrics cross the contract: Infinity and NaN (which JSON
// cannot carry and the contract's numbers refuse) travel as null plus a
// `nonFinite` note, and the renderer restores them. Before, one infinite
// stability bound made getMetrics fail for the whole run.
import { describe, expect, it } from 'vitest';
import { fromContractRow, toContractRow } from '../../core/app/metric-rows.ts';
import { metricRowSchema } from '../../core/contract/lab-contract.ts';
import type { MetricRow } from '../../core/storage/history.ts';
import { restoreNonFinite } from '../../renderer/src/lib/metric-row.ts';

const finite: MetricRow = {
  step: 3,
  wallMs: 120,
  trainLoss: 3.9,
  validLoss: 4.1,
  bitsPerSymbol: 5.6,
  validAccuracy: null,
  stabilityBound: 12,
  contraction: 0.9,
  tokensPerSec: 5000,
  gradNorm: 2,
  lr: 10,
};

describe('non-finite metric values over the contract', () => {
  it('pass a finite row unchanged', () => {
    expect(toContractRow(finite)).toBe(finite);
    expect(metricRowSchema.safeParse(finite).success).toBe(true);
  });

  it('carry Infinity and NaN as null plus a note, through JSON, and back', () => {
    const diverged: MetricRow = { ...finite, trainLoss: NaN, stabilityBound: Infinity, gradNorm: -Infinity };
    expect(metricRowSchema.safeParse(diverged).success).toBe(false); // what broke getMetrics
    const sent = toContractRow(diverged);
    expect(sent).toMatchObject({
      trainLoss: null,
      stabilityBound: null,
      gradNorm: null,
      nonFinite: { trainLoss: 'NaN', stabilityBound: 'Infinity', gradNorm: '-Infinity' },
    });
    const received = metricRowSchema.parse(JSON.parse(JSON.stringify(sent)));
    const restored = restoreNonFinite(received);
    expect(restored.trainLoss).toBeNaN();
    expect(restored.stabilityBound).toBe(Infinity);
    expect(restored.gradNorm).toBe(-Infinity);
    expect(restored.validLoss).toBe(4.1);
  });

  it('come back as the stored row for a front that prints numbers (seqlab show)', () => {
    const diverged: MetricRow = { ...finite, validLoss: NaN, stabilityBound: Infinity };
    const received = metricRowSchema.parse(JSON.parse(JSON.stringify(toContractRow(diverged))));
    const stored = fromContractRow(received);
    expect(stored).toEqual(diverged);
    expect(stored).not.toHaveProperty('nonFinite');
    expect(fromContractRow(metricRowSchema.parse(finite))).toEqual(finite);
  });
});
