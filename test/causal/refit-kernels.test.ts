import { describe, expect, it } from 'vitest';
import { regressionRefit } from '../../src/causal/refit';
import { regressionAdjustment } from '../../src/causal/regression';
import { subsetInput, type CrossSectionInput } from '../../src/causal/cross-section-input';
import { createRng } from '../../src/stats/rng';

// The Gram kernel pairs weighted columns two at a time against four, two or one others, sums text
// levels eight, four or one dense column a pass and works over blocks of 2048 rows: designs with 0 to 9
// numbers (every remainder of those passes) and several thousand rows (several blocks) against the QR fit.
function data(seed: number, numbers: number, n: number): CrossSectionInput {
  const rng = createRng(seed);
  const treat = new Float64Array(n), y = new Float64Array(n), weights = new Float64Array(n);
  const cluster = new Int32Array(n);
  const xs = Array.from({ length: numbers }, () => new Float64Array(n));
  const role: string[] = [];
  const site: string[] = [];
  for (let i = 0; i < n; i++) {
    let lin = 0;
    xs.forEach((x, k) => {
      x[i] = k % 3 === 2 ? rng.int(2) : rng.normal() + k;
      lin += (k % 2 === 0 ? 0.3 : -0.2) * x[i];
    });
    role.push(['analyst', 'manager', 'sales'][rng.int(3)]);
    site.push(`s${rng.int(7)}`);
    treat[i] = rng.bernoulli(1 / (1 + Math.exp(-0.3 * lin)));
    y[i] = 10 + 2 * treat[i] + lin + (role[i] === 'manager' ? 1 : 0) + rng.normal();
    weights[i] = 1 + rng.int(6);
    cluster[i] = Math.floor(i / 4);
  }
  const covariates = [...xs.map((values, k) => ({ name: `x${k}`, values })), { name: 'role', values: role }, { name: 'site', values: site }];
  return { y, treat, covariates, weights, cluster };
}

const close = (a: number, b: number, tol: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));

describe('regressionRefit over many dense columns and row blocks', () => {
  it('gives regressionAdjustment’s estimate on all rows, on subsets, with another covariate and another outcome, for 0 to 9 numbers', () => {
    for (let numbers = 0; numbers <= 9; numbers++) {
      const input = data(numbers + 1, numbers, 4500);
      const n = input.y.length;
      const fast = regressionRefit(input)!;
      close(fast.estimate, regressionAdjustment(input).estimate, 1e-10);
      const rng = createRng(100 + numbers);
      for (const share of [0.7, 0.3]) {
        const keep = Uint8Array.from({ length: n }, () => (rng.uniform() < share ? 1 : 0));
        const rows = Int32Array.from(Array.from(keep.keys()).filter((i) => keep[i] === 1));
        close(fast.onRows(keep)!, regressionAdjustment(subsetInput(input, rows)).estimate, 1e-9);
        const other = Float64Array.from({ length: n }, () => rng.normal());
        const placebo = fast.withOutcome(other, keep)!;
        const ordinary = regressionAdjustment({ ...subsetInput(input, rows), y: Float64Array.from(rows, (i) => other[i]) });
        close(placebo.estimate, ordinary.estimate, 1e-9);
        close(placebo.se, ordinary.se, 1e-9);
      }
      const noise = Float64Array.from({ length: n }, () => rng.normal());
      close(fast.withCovariate(noise)!, regressionAdjustment({ ...input, covariates: [...input.covariates, { name: 'noise', values: noise }] }).estimate, 1e-10);
    }
  });
});
