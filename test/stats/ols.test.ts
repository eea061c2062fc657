import { describe, expect, it, beforeAll } from 'vitest';
import { designMatrix, type Design } from '../../src/stats/design';
import { fitOls, coefIndex, type OlsFit } from '../../src/stats/ols';
import { vcovOls, coefTable } from '../../src/stats/vcov';
import { DataError, EstimationError } from '../../src/core/errors';
import { lalonde, lalondeRegression, ref, reference, relErr } from '../fixtures/lalonde/load';

const TOL = 1e-6;
let X: Design;
let y: Float64Array;
let w: Float64Array;
let educ: Float64Array;
const R = reference();

beforeAll(async () => {
  ({ X, y, w, educ } = await lalondeRegression());
});

function expectAll(fit: OlsFit, values: (j: number) => number, prefix: string): void {
  fit.names.forEach((name, j) => {
    const expected = ref(R, `${prefix}.${name}`);
    expect(relErr(values(j), expected), `${prefix}.${name}: ${values(j)} vs ${expected}`).toBeLessThan(TOL);
  });
}

describe('designMatrix', () => {
  it('expands text columns with the first sorted level as reference, as R does', () => {
    expect(X.names).toEqual(['(Intercept)', 'treat', 'age', 'educ', 'racehispan', 'racewhite', 'married', 'nodegree', 're74', 're75']);
    expect(X.n).toBe(614);
  });
  it('names the column and counts missing rows', () => {
    const v = Float64Array.from([1, NaN, 3, NaN]);
    expect(() => designMatrix([{ name: 'tenure', values: v }])).toThrow(DataError);
    expect(() => designMatrix([{ name: 'tenure', values: v }])).toThrow(/`tenure` has 2 missing/);
    expect(() => designMatrix([{ name: 'role', values: ['a', null, 'b', 'a'] }])).toThrow(/`role` has 1 missing/);
  });
  it('rejects columns of different lengths', () => {
    expect(() => designMatrix([{ name: 'a', values: new Float64Array(3) }, { name: 'b', values: new Float64Array(4) }])).toThrow(RangeError);
  });
});

describe('fitOls on LaLonde (R lm + sandwich fixtures, 1e-6 relative)', () => {
  it('reproduces every coefficient and R²', () => {
    const fit = fitOls(X, y);
    expectAll(fit, (j) => fit.coef[j], 'ols.coef');
    expect(fit.coef[coefIndex(fit, 'treat')]).toBeCloseTo(1548.24, 2);
    expect(relErr(fit.r2, ref(R, 'ols.r2'))).toBeLessThan(TOL);
    expect(fit.dfResidual).toBe(604);
  });
  it.each(['classical', 'HC0', 'HC1', 'HC2', 'HC3'] as const)('reproduces %s standard errors', (type) => {
    const fit = fitOls(X, y);
    const V = vcovOls(fit, X, type);
    expectAll(fit, (j) => Math.sqrt(V[j * fit.p + j]), `ols.se_${type}`);
  });
  it('reproduces the published treat SEs 781.279 / 734.521 / 740.576 / 749.987', () => {
    const fit = fitOls(X, y);
    const j = coefIndex(fit, 'treat');
    const se = (t: 'classical' | 'HC0' | 'HC1' | 'HC3') => Math.sqrt(vcovOls(fit, X, t)[j * fit.p + j]);
    expect(se('classical')).toBeCloseTo(781.279, 3);
    expect(se('HC0')).toBeCloseTo(734.521, 3);
    expect(se('HC1')).toBeCloseTo(740.576, 3);
    expect(se('HC3')).toBeCloseTo(749.987, 3);
  });
  it('reproduces vcovCL clustered by educ (HC1 default and HC0)', () => {
    const fit = fitOls(X, y);
    const V1 = vcovOls(fit, X, { cluster: Array.from(educ) });
    expectAll(fit, (j) => Math.sqrt(V1[j * fit.p + j]), 'ols.se_cluster_educ');
    const V0 = vcovOls(fit, X, { cluster: Array.from(educ), type: 'HC0' });
    expectAll(fit, (j) => Math.sqrt(V0[j * fit.p + j]), 'ols.se_cluster_educ_HC0');
  });
  it('reproduces two-way vcovCL clustered by educ and nodegree', async () => {
    const t = await lalonde();
    const fit = fitOls(X, y);
    const V = vcovOls(fit, X, { cluster2: [Array.from(educ), Array.from(t.columns.nodegree as Float64Array)] });
    expectAll(fit, (j) => Math.sqrt(V[j * fit.p + j]), 'ols.se_cluster2_educ_nodegree');
  });
  it('two-way clustering on (g, unit) collapses to one-way on g, since the intersection is the unit', () => {
    const fit = fitOls(X, y);
    const unit = Array.from({ length: X.n }, (_, i) => i);
    const V2 = vcovOls(fit, X, { cluster2: [Array.from(educ), unit] });
    const V1 = vcovOls(fit, X, { cluster: Array.from(educ) });
    V1.forEach((v, k) => expect(relErr(V2[k], v)).toBeLessThan(1e-9));
  });
  it('weighted least squares matches lm(weights=) with classical, HC1, HC3 and cluster SEs', () => {
    const fit = fitOls(X, y, { weights: w });
    expectAll(fit, (j) => fit.coef[j], 'wols.coef');
    for (const type of ['classical', 'HC1', 'HC3'] as const) {
      const V = vcovOls(fit, X, type);
      expectAll(fit, (j) => Math.sqrt(V[j * fit.p + j]), `wols.se_${type}`);
    }
    const V = vcovOls(fit, X, { cluster: Array.from(educ) });
    expectAll(fit, (j) => Math.sqrt(V[j * fit.p + j]), 'wols.se_cluster_educ');
  });
  it("clusters with CR1p's factor G/(G − p) as clubSandwich::vcovCR(type = 'CR1p') does, weighted or not", () => {
    const R1p = reference('cr1p_reference.csv');
    const fit = fitOls(X, y);
    const V = vcovOls(fit, X, { cluster: Array.from(educ), type: 'CR1p' });
    for (let j = 0; j < fit.p; j++) expect(relErr(Math.sqrt(V[j * fit.p + j]), ref(R1p, `ols.se_cluster_educ_CR1p.${fit.names[j]}`)), fit.names[j]).toBeLessThan(TOL);
    const wfit = fitOls(X, y, { weights: w });
    const W = vcovOls(wfit, X, { cluster: Array.from(educ), type: 'CR1p' });
    for (let j = 0; j < wfit.p; j++) expect(relErr(Math.sqrt(W[j * wfit.p + j]), ref(R1p, `wols.se_cluster_educ_CR1p.${wfit.names[j]}`)), wfit.names[j]).toBeLessThan(TOL);
    // 16 education levels against 10 coefficients: CR1p's factor is far above vcovCL's
    const V1 = vcovOls(fit, X, { cluster: Array.from(educ) });
    const j = coefIndex(fit, 'treat');
    expect(V[j * fit.p + j] / V1[j * fit.p + j]).toBeGreaterThan(1.5);
  });
  it('coefTable gives t, p and interval from the t distribution (lmtest::coeftest, HC3: t 2.064, p 0.0394)', () => {
    const fit = fitOls(X, y);
    const row = coefTable(fit, vcovOls(fit, X, 'HC3')).find((r) => r.name === 'treat')!;
    expect(row.t).toBeCloseTo(2.064361515, 8);
    expect(row.p).toBeCloseTo(0.03940984607, 9);
    expect(row.lower).toBeLessThan(row.estimate);
    expect((row.lower + row.upper) / 2).toBeCloseTo(row.estimate, 8);
  });
});

describe('fitOls on hand-worked data', () => {
  it('fits y = 2 + 3x exactly and a known small example', () => {
    const x = Float64Array.from([1, 2, 3, 4, 5]);
    const fit = fitOls(designMatrix([{ name: 'x', values: x }]), x.map((v) => 2 + 3 * v));
    expect(fit.coef[0]).toBeCloseTo(2, 12);
    expect(fit.coef[1]).toBeCloseTo(3, 12);
    const f2 = fitOls(designMatrix([{ name: 'x', values: Float64Array.from([1, 2, 3, 4]) }]), Float64Array.from([2.1, 3.9, 6.2, 7.8]));
    expect(f2.coef[0]).toBeCloseTo(0.15, 12);
    expect(f2.coef[1]).toBeCloseTo(1.94, 12);
  });
  it('names a constant covariate and a collinear one', () => {
    const x = Float64Array.from([1, 2, 3, 4, 5]);
    const y5 = Float64Array.from([1, 3, 2, 5, 4]);
    const constant = designMatrix([{ name: 'x', values: x }, { name: 'site', values: new Float64Array(5).fill(7) }]);
    expect(() => fitOls(constant, y5)).toThrow(EstimationError);
    expect(() => fitOls(constant, y5)).toThrow(/`site` is constant/);
    const twice = designMatrix([{ name: 'x', values: x }, { name: 'x2', values: x.map((v) => 2 * v - 1) }]);
    expect(() => fitOls(twice, y5)).toThrow(/`x2` is a linear combination/);
  });
  it('rejects non-finite outcomes and negative weights', () => {
    const X1 = designMatrix([{ name: 'x', values: Float64Array.from([1, 2, 3]) }]);
    expect(() => fitOls(X1, Float64Array.from([1, NaN, 3]))).toThrow(/not finite at row index 1/);
    expect(() => fitOls(X1, Float64Array.from([1, 2, 3]), { weights: Float64Array.from([1, -1, 1]) })).toThrow(RangeError);
  });
});
