import { describe, expect, it } from 'vitest';
import { adjustedForConfounder, eValueContinuous, eValueRiskRatio, eValueWithCi, partialR2, robustnessValue, sensitivityReport } from '../../src/causal/sensitivity';

describe('E-value', () => {
  it('matches VanderWeele & Ding (2017)', () => {
    // RR 3.9: 3.9 + √(3.9 × 2.9) = 3.9 + 3.3630 = 7.263; lower limit 1.8: 1.8 + √(1.8 × 0.8) = 3.0.
    expect(eValueRiskRatio(3.9)).toBeCloseTo(7.263, 3);
    const e = eValueWithCi(3.9, [1.8, 8.7]);
    expect(e.ci).toBeCloseTo(3.0, 10);
    // a protective RR 0.5 is inverted: 2 + √2 = 3.414.
    expect(eValueRiskRatio(0.5)).toBeCloseTo(2 + Math.SQRT2, 12);
    expect(eValueWithCi(1.5, [0.9, 2.5]).ci).toBe(1);
  });
  it('approximates a continuous outcome through the standardised effect', () => {
    // d = 50/100 = 0.5 → RR = exp(0.455) = 1.57622; E = 1.57622 + √(1.57622 × 0.57622) = 1.57622 + 0.95303 = 2.52925.
    // lower: d − 1.96 × 0.1 = 0.304 → RR = exp(0.27664) = 1.31870; E = 1.31870 + √(1.31870 × 0.31870) = 1.97 (approx).
    const e = eValueContinuous(50, 10, 100);
    expect(e.rr).toBeCloseTo(1.57622, 4);
    expect(e.point).toBeCloseTo(2.5292, 3);
    const rrLo = Math.exp(0.91 * (0.5 - 1.959964 * 0.1));
    expect(e.ci).toBeCloseTo(rrLo + Math.sqrt(rrLo * (rrLo - 1)), 10);
    expect(e.ci).toBeCloseTo(1.9670, 3);
  });
  it('rejects a non-positive SD', () => {
    expect(() => eValueContinuous(1, 1, 0)).toThrow('eValueContinuous: `sdOutcome` must be > 0, got 0');
  });
});

describe('robustness value', () => {
  it("reproduces Cinelli & Hazlett's Darfur example", () => {
    // t = 4.18, df = 783: partial R² 2.19 %, RV 13.9 %, RV at α = 0.05 7.6 % (paper, Table 1).
    // (the paper rounds t from 4.187, so partial R² agrees to the third decimal.)
    expect(partialR2(4.18, 783)).toBeCloseTo(0.0219, 3);
    expect(robustnessValue(4.18, 783)).toBeCloseTo(0.1386, 3);
    expect(robustnessValue(4.18, 783, { alpha: 0.05 })).toBeCloseTo(0.0761, 3);
  });
  it('is 0 when the estimate is not significant at α', () => {
    expect(robustnessValue(1.5, 500, { alpha: 0.05 })).toBe(0);
  });
  it('uses the extreme bound when the confounder would need all the treatment variance', () => {
    // fq = 30/√10 = 9.487 > 1/fcrit; fcrit = t*(0.975, 9)/3 = 2.2622/3 = 0.75405.
    const fq = 30 / Math.sqrt(10);
    const fc = 2.262157 / 3;
    expect(robustnessValue(30, 10, { alpha: 0.05 })).toBeCloseTo((fq * fq - fc * fc) / (1 + fq * fq), 5);
  });
  it('adjusts an estimate for a hypothetical confounder', () => {
    // bias = 20 × √(0.05 × 0.05 / 0.95) × √400 = 20 × 0.051299 × 20 = 20.520.
    const a = adjustedForConfounder(100, 20, 400, { r2dz: 0.05, r2yz: 0.05 });
    expect(a.bias).toBeCloseTo(20.5196, 3);
    expect(a.estimate).toBeCloseTo(79.4804, 3);
  });
  it('the robustness value is the confounder strength that brings the estimate to zero', () => {
    const t = 5;
    const df = 300;
    const rv = robustnessValue(t, df);
    const a = adjustedForConfounder(t * 2, 2, df, { r2dz: rv, r2yz: rv });
    expect(a.estimate).toBeCloseTo(0, 8);
  });
});

describe('sensitivityReport', () => {
  it('reads the numbers in words', () => {
    const r = sensitivityReport({ method: 'regression_adjustment', estimand: 'ATT', estimate: 50, se: 10, ci: [30.4, 69.6], nTreated: 200, nControl: 800, diagnostics: {} }, { sdOutcome: 100 });
    expect(r.df).toBe(998);
    expect(r.eValue.point).toBeCloseTo(2.5292, 3);
    expect(r.reading[0]).toMatch(/risk ratio of 2\.53/);
    expect(r.reading[1]).toMatch(/robustness value/);
  });
});
