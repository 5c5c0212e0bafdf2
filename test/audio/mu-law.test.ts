// Tests for core/ml/audio/mu-law.ts and dsp.ts: the round trip stays within
// half a code step (mapped through the companding curve), codes span 0..255
// symmetrically around 128, silence trimming keeps the loud middle.
import { describe, expect, it } from 'vitest';
import { MU_LAW_CLASSES, muLawDecode, muLawEncode, muLawErrorBound } from '../../core/ml/audio/mu-law.ts';
import { mixToMono, trimSilence } from '../../core/ml/audio/dsp.ts';

describe('mu-law', () => {
  it('round-trips every value within the quantisation bound', () => {
    const x = new Float32Array(20001).map((_, i) => -1 + (2 * i) / 20000);
    const y = muLawDecode(muLawEncode(x));
    for (let i = 0; i < x.length; i++) expect(Math.abs(y[i]! - x[i]!)).toBeLessThanOrEqual(muLawErrorBound(x[i]!));
    // The bound is tight near zero (fine steps) and coarse near full scale.
    expect(muLawErrorBound(0)).toBeLessThan(1e-4);
    expect(muLawErrorBound(0.99)).toBeGreaterThan(0.01);
  });

  it('maps the ends and zero to the expected codes, clips and zeroes non-finite input', () => {
    expect(MU_LAW_CLASSES).toBe(256);
    expect([...muLawEncode(new Float32Array([-1, 0, 1, -5, 5, NaN]))]).toEqual([0, 128, 255, 0, 255, 128]);
    const all = muLawDecode(Array.from({ length: 256 }, (_, i) => i));
    expect(all[0]).toBeCloseTo(-1, 6);
    expect(all[255]).toBeCloseTo(1, 6);
    for (let i = 1; i < 256; i++) expect(all[i]!).toBeGreaterThan(all[i - 1]!);
    // Every code decodes and re-encodes to itself.
    expect([...muLawEncode(all)]).toEqual(Array.from({ length: 256 }, (_, i) => i));
  });
});

describe('dsp', () => {
  it('mixes channels by averaging', () => {
    expect([...mixToMono([new Float32Array([1, 0.5]), new Float32Array([0, -0.5])])]).toEqual([0.5, 0]);
  });

  it('trims leading and trailing silence only', () => {
    const rate = 1000;
    const x = new Float32Array(3000);
    for (let i = 1000; i < 2000; i++) x[i] = 0.5 * Math.sin(i);
    x[1500] = 0; // silence inside stays
    const t = trimSilence(x, rate, -40);
    expect(t.start).toBe(1000);
    expect(t.end).toBe(2000);
    expect(trimSilence(new Float32Array(100), rate, -40).samples.length).toBe(0);
  });
});
