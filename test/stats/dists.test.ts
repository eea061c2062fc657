import { describe, expect, it } from 'vitest';
import { chisqCdf, criticalValue, fCdf, normalCdf, normalQuantile, tCdf, tQuantile, twoSidedP } from '../../src/stats/dists';

// Reference values from R 4.2: pt, qt, pnorm, qnorm, pchisq, pf.
describe('distribution wrappers agree with R', () => {
  it.each([
    ['pt(2.0639, 604)', () => tCdf(2.0639, 604), 0.980273126],
    ['qt(0.975, 10)', () => tQuantile(0.975, 10), 2.228138852],
    ['pnorm(1.959964)', () => normalCdf(1.959964), 0.975000],
    ['qnorm(0.975)', () => normalQuantile(0.975), 1.959963985],
    ['pchisq(3.841459, 1)', () => chisqCdf(3.841459, 1), 0.95],
    ['pf(4.964603, 1, 10)', () => fCdf(4.964603, 1, 10), 0.95],
  ])('%s', (_, f, expected) => {
    expect(Math.abs(f() - expected) / expected).toBeLessThan(1e-6);
  });
  it('twoSidedP and criticalValue', () => {
    expect(twoSidedP(1.959963985, Infinity)).toBeCloseTo(0.05, 9);
    expect(criticalValue(0.95, 10)).toBeCloseTo(2.228138852, 8);
    expect(() => criticalValue(1.5, 10)).toThrow(RangeError);
  });
});
