import { describe, expect, it } from 'vitest';
import { benefitMultiplier, discountFactor, isDetectable } from '../../src/roi/benefits';

describe('benefits', () => {
  it('discounts each month at its end', () => {
    expect(discountFactor(12, 0)).toBe(1);
    // one month at 12.6825 % a year = 1 % a month → 1/1.01.
    expect(discountFactor(1, Math.pow(1.01, 12) - 1)).toBeCloseTo(1 / 1.01, 12);
    // two months at 1 % a month: (1/1.01 + 1/1.0201) / 2 = 0.985147…
    expect(discountFactor(2, Math.pow(1.01, 12) - 1)).toBeCloseTo((1 / 1.01 + 1 / 1.0201) / 2, 12);
  });
  it('multiplies trained × months × margin', () => {
    expect(benefitMultiplier(100, { months: 12, margin: 0.5 })).toBe(600);
    expect(benefitMultiplier(100)).toBe(1200);
  });
  it('calls an effect detectable only when its interval excludes 0', () => {
    expect(isDetectable({ ci: [5, 20] })).toBe(true);
    expect(isDetectable({ ci: [-20, -5] })).toBe(true);
    expect(isDetectable({ ci: [-5, 20] })).toBe(false);
    expect(isDetectable({ ci: [NaN, NaN] })).toBe(false);
  });
});

describe('discountFactor worked example', () => {
  it('matches the documented value', () => {
    // mean over m = 1..12 of 1.1^(−m/12), computed independently in Python: 0.950040652444224.
    expect(discountFactor(12, 0.1)).toBeCloseTo(0.950040652444224, 12);
  });
});
