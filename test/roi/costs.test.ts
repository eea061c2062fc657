import { describe, expect, it } from 'vitest';
import { fullyLoadedCost } from '../../src/roi/costs';

describe('fullyLoadedCost', () => {
  it('adds direct, time and fixed costs', () => {
    // 50 × 400 = 20,000 direct; 50 × 8 h × 60 = 24,000 time; 10,000 fixed; total 54,000 = 1,080 per learner.
    expect(fullyLoadedCost({ trained: 50, costPerLearner: 400, hours: 8, hourlyCost: 60, fixedCost: 10000 })).toEqual({
      direct: 20000, time: 24000, fixed: 10000, total: 54000, perLearner: 1080,
    });
  });
  it('names a bad argument', () => {
    expect(() => fullyLoadedCost({ trained: 5, costPerLearner: -1 })).toThrow('fullyLoadedCost: `costPerLearner` must be ≥ 0, got -1');
    expect(() => fullyLoadedCost({ trained: 5, fixedCost: NaN })).toThrow(TypeError);
  });
});
