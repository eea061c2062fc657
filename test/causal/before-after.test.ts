import { describe, expect, it } from 'vitest';
import { beforeAfter, BEFORE_AFTER_CAVEAT } from '../../src/causal/before-after';
import { fitOls } from '../../src/stats/ols';
import { vcovOls } from '../../src/stats/vcov';
import { EstimationError } from '../../src/core/errors';

describe('beforeAfter', () => {
  // Three trained units (groups 4, 4, 5) and one never-trained unit; months 1..7; unit 3 misses month 6.
  const unit = Int32Array.of(1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 9, 9);
  const time = Int32Array.of(1, 2, 3, 4, 5, 6, 7, 1, 2, 3, 4, 5, 6, 7, 1, 2, 3, 4, 5, 7, 1, 2);
  const group = Int32Array.of(4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 0, 0);
  const y = Float64Array.of(1, 2, 3, 9, 10, 11, 30, 2, 2, 2, 5, 6, 7, 40, 4, 4, 4, 4, 8, 9, 0, 0);
  it('is the window mean minus the baseline mean, weighted by observed window months (hand-worked)', () => {
    const r = beforeAfter({ unit, time, group, y }, { window: [1, 2], baseline: 2 });
    // unit 1: baseline months 2,3 → 2.5; window months 5,6 → 10.5; change 8, 2 months
    // unit 2: baseline 2; window 6.5; change 4.5, 2 months
    // unit 3: baseline months 3,4 → 4; window months 6 (missing), 7 → 9; change 5, 1 month
    expect(r.estimate).toBeCloseTo((2 * 8 + 2 * 4.5 + 5) / 5, 12);
    expect(r.nTreated).toBe(3);
    expect(r.diagnostics.caveat).toBe(BEFORE_AFTER_CAVEAT);
  });
  it('SE equals a weighted intercept-only regression with HC1 errors by unit', () => {
    const r = beforeAfter({ unit, time, group, y }, { window: [1, 2], baseline: 2 });
    const X = { n: 3, p: 1, names: ['(Intercept)'], x: Float64Array.of(1, 1, 1) };
    const fit = fitOls(X, Float64Array.of(8, 4.5, 5), { weights: Float64Array.of(2, 2, 1) });
    expect(fit.coef[0]).toBeCloseTo(r.estimate, 12);
    expect(r.se).toBeCloseTo(Math.sqrt(vcovOls(fit, X, 'HC1')[0]), 12);
  });
  it('says how many trained units have no window yet, and refuses when too few remain', () => {
    const r = beforeAfter({ unit, time, group, y }, { window: [3, 3], baseline: 2 });
    expect(r.nTreated).toBe(2);
    expect((r.diagnostics.warnings as string[]).some((w) => /1 treated units have no period of the window observed yet/.test(w))).toBe(true);
    expect(() => beforeAfter({ unit, time, group, y }, { window: [6, 9] })).toThrow(EstimationError);
    expect(() => beforeAfter({ unit, time, group, y }, { window: [3, 1] })).toThrow(RangeError);
  });
});
