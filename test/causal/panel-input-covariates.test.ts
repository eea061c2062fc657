import { describe, expect, it } from 'vitest';
import { coursePanelInput } from '../../src/causal/panel-input';

// Four employees × two months; employee 3 never has the metric, so only 0–2 are in the panel.
const panel = {
  courses: ['C01'],
  firstCompletion: [Int32Array.of(1, -1, -2, 0)],
  nRows: 8,
  rowEmployee: Int32Array.of(0, 0, 1, 1, 2, 2, 3, 3),
  rowPeriod: Int32Array.of(0, 1, 0, 1, 0, 1, 0, 1),
  metrics: { revenue: Float64Array.of(1, 2, 3, 4, 5, 6, NaN, NaN) },
  role: Int32Array.of(0, 1, 2, 1),
  roleLevels: ['analyst', 'manager', 'sales'],
  level: Float64Array.of(1, 2, 3, 9),
  extraCovariates: {
    // The same as role=manager on employees 0–2 (differs only on employee 3, who is not in the panel): skipped.
    is_manager: Float64Array.of(0, 1, 0, 0),
    rating: Float64Array.of(3.5, NaN, 4, 1),
    short: Float64Array.of(7),
  },
};

describe('coursePanelInput covariates', () => {
  it('spreads employee values over their rows, role as indicators of the non-reference levels', () => {
    const input = coursePanelInput(panel, 'C01', 'revenue', { covariates: ['role', 'level', 'rating'] });
    expect(Array.from(input.unit)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(input.covariates!.map((c) => [c.name, Array.from(c.values)])).toEqual([
      ['role=manager', [0, 0, 1, 1, 0, 0]],
      ['role=sales', [0, 0, 0, 0, 1, 1]],
      ['level', [1, 1, 2, 2, 3, 3]],
      // Employee 1's blank rating: the mean of the present employees' (3.5 and 4). Its indicator would be
      // role=manager again (employee 1 is the only manager), so it is skipped as a copy.
      ['rating', [3.5, 3.5, 3.75, 3.75, 4, 4]],
    ]);
    const alone = coursePanelInput(panel, 'C01', 'revenue', { covariates: ['level', 'rating'] });
    expect(alone.covariates!.map((c) => [c.name, Array.from(c.values)])).toEqual([
      ['level', [1, 1, 2, 2, 3, 3]],
      ['rating', [3.5, 3.5, 3.75, 3.75, 4, 4]],
      ['rating_missing', [0, 0, 1, 1, 0, 0]],
    ]);
  });

  it('skips a column identical on the employees present to one already taken', () => {
    const input = coursePanelInput(panel, 'C01', 'revenue', { covariates: ['role', 'is_manager', 'level', 'rating', 'rating'] });
    expect(input.covariates!.map((c) => c.name)).toEqual(['role=manager', 'role=sales', 'level', 'rating']);
  });

  it('gives employees with a blank text covariate a level of their own, not the first level', () => {
    const input = coursePanelInput({ ...panel, role: Int32Array.of(0, -1, 2, 1) }, 'C01', 'revenue', { covariates: ['role'] });
    expect(input.covariates!.map((c) => [c.name, Array.from(c.values)])).toEqual([
      ['role=manager', [0, 0, 0, 0, 0, 0]], // no manager among them now (the estimator drops a constant)
      ['role=sales', [0, 0, 0, 0, 1, 1]],
      ['role=(missing)', [0, 0, 1, 1, 0, 0]],
    ]);
  });

  it('reads employees beyond a short column as missing, and rejects an unknown covariate', () => {
    const input = coursePanelInput(panel, 'C01', 'revenue', { covariates: ['short'] });
    expect(input.covariates!.map((c) => [c.name, Array.from(c.values)])).toEqual([
      ['short', [7, 7, 7, 7, 7, 7]],
      ['short_missing', [0, 0, 1, 1, 1, 1]],
    ]);
    expect(() => coursePanelInput(panel, 'C01', 'revenue', { covariates: ['age'] })).toThrow(/unknown covariate "age"; the covariates are role, region, level, is_manager, rating, short/);
  });
});
