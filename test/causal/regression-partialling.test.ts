import { describe, expect, it } from 'vitest';
import { regressionAdjustment, treatmentCoefficient } from '../../src/causal/regression';
import { encodeCovariates } from '../../src/causal/covariate-encoding';
import { fitPropensity } from '../../src/causal/propensity';
import { createRng } from '../../src/stats/rng';
import type { CrossSectionInput } from '../../src/causal/cross-section-input';

// A stacked-data-like input tall enough (60,000 rows) for regressionAdjustment to partial the covariates out
// (Frisch–Waugh–Lovell) instead of fitting the full design: it must give the full regression's coefficient and
// variances, which treatmentCoefficient on the explicit design [1, treat, covariates] computes the ordinary way.
function tallInput(seed: number): CrossSectionInput {
  const rng = createRng(seed);
  const n = 60_000;
  const role = Array.from({ length: n }, () => ['AE', 'AM', 'SDR', 'Support'][rng.int(4)]);
  const cohort = Array.from({ length: n }, (_, i) => `2025-${String(1 + Math.floor((i * 12) / n)).padStart(2, '0')}`);
  const tenure = Float64Array.from({ length: n }, () => 6 + rng.int(60));
  const yPre = Float64Array.from({ length: n }, () => 1000 + 200 * rng.normal());
  const prior = Float64Array.from({ length: n }, () => rng.bernoulli(0.2));
  const treat = Float64Array.from({ length: n }, (_, i) => rng.bernoulli(1 / (1 + Math.exp(-(-1.5 + (yPre[i] - 1000) / 300 + (role[i] === 'AE' ? 0.5 : 0))))));
  const y = Float64Array.from({ length: n }, (_, i) => 50 + 0.8 * yPre[i] + 2 * tenure[i] + (role[i] === 'SDR' ? -40 : 0) + 30 * prior[i] + 120 * treat[i] + 80 * rng.normal());
  const weights = Float64Array.from({ length: n }, () => 1 + rng.int(12));
  const cluster = Int32Array.from({ length: n }, () => rng.int(9000));
  return {
    y,
    treat,
    weights,
    cluster,
    covariates: [
      { name: 'role', values: role },
      { name: 'tenure', values: tenure },
      { name: 'y_pre', values: yPre },
      { name: 'prior', values: prior },
      { name: 'cohort', values: cohort },
    ],
  };
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('regressionAdjustment by partialling out on tall data', () => {
  const input = tallInput(3);
  for (const [label, vcov] of [
    ['clustered (HC1 factor)', 'cluster'],
    ['HC1', 'HC1'],
    ['HC0', 'HC0'],
  ] as const) {
    it(`equals the full regression's coefficient and ${label} standard error`, () => {
      const data = vcov === 'cluster' ? input : { ...input, cluster: undefined };
      const est = regressionAdjustment(data, vcov === 'cluster' ? {} : { vcov });
      const full = treatmentCoefficient(data.y, data.treat, encodeCovariates(data.covariates), data.weights, vcov === 'cluster' ? { cluster: data.cluster! } : vcov);
      expect(rel(est.estimate, full.estimate)).toBeLessThan(1e-10);
      expect(rel(est.se, full.se)).toBeLessThan(1e-9);
      expect(est.diagnostics.coefficients).toBe(full.fit.p);
      expect(rel(est.diagnostics.r2 as number, full.fit.r2)).toBeLessThan(1e-12);
      // the interval uses the full regression's residual degrees of freedom
      expect(est.ci[1] - est.estimate).toBeCloseTo(full.se * 1.96, 1);
      // and the truth (120) is inside it
      expect(est.ci[0]).toBeLessThan(120);
      expect(est.ci[1]).toBeGreaterThan(120);
    });
  }
  it("applies CR1p's factor G/(G − p) as the full regression does", () => {
    const est = regressionAdjustment(input, { clusterAdjustment: 'CR1p' });
    const full = treatmentCoefficient(input.y, input.treat, encodeCovariates(input.covariates), input.weights, { cluster: input.cluster!, type: 'CR1p' });
    expect(rel(est.se, full.se)).toBeLessThan(1e-9);
    expect(est.diagnostics.vcov).toBe('cluster (CR1p factor G/(G−p))');
    expect(est.se).toBeGreaterThan(regressionAdjustment(input).se);
  });
  it('HC3 takes the ordinary path, with the same coefficient', () => {
    const data = { ...input, cluster: undefined };
    const hc3 = regressionAdjustment(data, { vcov: 'HC3' });
    const full = treatmentCoefficient(data.y, data.treat, encodeCovariates(data.covariates), data.weights, 'HC3');
    expect(hc3.estimate).toBe(full.estimate);
    expect(hc3.se).toBe(full.se);
  });
  it('shares its design with the propensity score (the covariates are encoded once)', () => {
    const fresh = tallInput(4);
    regressionAdjustment(fresh);
    const ps = fitPropensity(fresh.treat, fresh.covariates, { weights: fresh.weights });
    expect(ps.design.names[0]).toBe('(Intercept)');
    expect(fitPropensity(fresh.treat, fresh.covariates, { weights: fresh.weights }).design).toBe(ps.design);
  });
  it('a treatment the covariates explain is refused in the ordinary path’s words', () => {
    const data = { ...input, covariates: [...input.covariates, { name: 'copy', values: Float64Array.from(input.treat) }] };
    expect(() => regressionAdjustment(data)).toThrow(/column `copy` is a linear combination of the columns before it/);
  });
});
