import { describe, expect, it } from 'vitest';
import { designMatrix, subsetRows, type Design } from '../../src/stats/design';
import { columnSupport, weightedGram } from '../../src/stats/linalg';
import { fitOls, fitStructure } from '../../src/stats/ols';
import { vcovOls } from '../../src/stats/vcov';
import { createRng } from '../../src/stats/rng';
import { firstDifference, plainClusterMeat, plainFitted, plainGram, plainHat } from './plain-kernels';
import { sandwichProduct } from '../../src/stats/linalg';
import { clusterCodes, hatValues } from '../../src/stats/vcov';

// A design like a study's stacked data: revenue-scale numeric columns, a 30-level cohort factor, a role factor, 0/1 flags.
function stackedLike(n: number, seed: number): { X: Design; y: Float64Array; w: Float64Array; cluster: Int32Array } {
  const rng = createRng(seed);
  const cohort: string[] = [];
  const role: string[] = [];
  const yPre = new Float64Array(n);
  const tenure = new Float64Array(n);
  const treat = new Float64Array(n);
  const prior = new Float64Array(n);
  const y = new Float64Array(n);
  const w = new Float64Array(n);
  const cluster = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const g = rng.int(30);
    const r = rng.int(4);
    cohort.push(`g${String(g).padStart(2, '0')}`);
    role.push(['AE', 'AM', 'SDR', 'Support'][r]);
    yPre[i] = [40000, 30000, 12000, 6000][r] * (1 + 0.15 * rng.normal());
    tenure[i] = 6 + rng.int(120);
    treat[i] = rng.uniform() < 0.05 ? 1 : 0;
    prior[i] = rng.uniform() < 0.3 ? 1 : 0;
    y[i] = 0.8 * yPre[i] + 1500 * treat[i] + 20 * tenure[i] + 300 * g + 2000 * rng.normal();
    w[i] = 1 + rng.int(12);
    cluster[i] = rng.int(Math.floor(n / 3));
  }
  const X = designMatrix([
    { name: 'treat', values: treat },
    { name: 'y_pre', values: yPre },
    { name: 'tenure', values: tenure },
    { name: 'prior', values: prior },
    { name: 'role', values: role },
    { name: 'cohort', values: cohort },
  ]);
  return { X, y, w, cluster };
}

describe('weightedGram with factor indicators', () => {
  it('treats a one-level indicator as sparse and a numeric column as dense', () => {
    const { X } = stackedLike(400, 1);
    const { rows } = columnSupport(X);
    expect(rows[X.names.indexOf('y_pre')]).toBeNull();
    const g05 = rows[X.names.indexOf('cohortg05')];
    expect(g05).not.toBeNull();
    for (const i of g05 as Int32Array) expect(X.x[X.names.indexOf('cohortg05') * X.n + i]).toBe(1);
  });
  it('equals the plain triple loop bit for bit (the skipped terms are exact zeros)', () => {
    const { X, w } = stackedLike(3000, 2);
    expect(Array.from(weightedGram(X, w))).toEqual(Array.from(plainGram(X, w)));
  });
});

describe('fitOls on tall designs: the Gram path agrees with QR', () => {
  const { X, y, w, cluster } = stackedLike(60000, 3);
  const qr = fitOls(X, y, { weights: w, solver: 'qr' });
  const auto = fitOls(X, y, { weights: w });
  it('coefficients within 1e-10 relative, residuals and R² too', () => {
    for (let j = 0; j < X.p; j++) expect(Math.abs(auto.coef[j] - qr.coef[j])).toBeLessThan(1e-10 * Math.max(1, Math.abs(qr.coef[j])));
    expect(Math.abs(auto.rss - qr.rss) / qr.rss).toBeLessThan(1e-12);
    expect(auto.r2).toBeCloseTo(qr.r2, 12);
    expect(auto.coef[1]).toBeGreaterThan(1400); // the planted treatment effect of 1500, give or take noise
    expect(auto.coef[1]).toBeLessThan(1600);
  });
  it('the same variances: classical, HC1, HC3 (through R⁻¹) and clustered', () => {
    for (const type of ['classical', 'HC1', 'HC3', { cluster }] as const) {
      const a = vcovOls(auto, X, type);
      const b = vcovOls(qr, X, type);
      for (let k = 0; k < a.length; k++) expect(Math.abs(a[k] - b[k])).toBeLessThan(1e-8 * Math.sqrt(Math.abs(b[Math.floor(k / X.p) * (X.p + 1)] * b[(k % X.p) * (X.p + 1)])) + 1e-300);
    }
  });
  it('a collinear column gets QR’s error, naming it', () => {
    const dup = { ...X, p: X.p + 1, names: [...X.names, 'y_pre_again'], x: new Float64Array(X.n * (X.p + 1)) };
    dup.x.set(X.x);
    dup.x.set(X.x.subarray(X.names.indexOf('y_pre') * X.n, (X.names.indexOf('y_pre') + 1) * X.n), X.p * X.n);
    expect(() => fitOls(dup, y, { weights: w })).toThrow(/singular design: column `y_pre_again` is a linear combination/);
    expect(() => fitOls(X, y, { solver: 'lu' as never })).toThrow(/`solver` must be/);
  });
});

describe('the sparse-aware fitted values and variances are the plain loops bit for bit', () => {
  const { X, y, w, cluster } = stackedLike(3000, 5);
  const fit = fitOls(X, y, { weights: w });
  const we = Float64Array.from(fit.residuals, (e, i) => w[i] * e);
  it('fitted values and leverages', () => {
    expect(firstDifference(fit.fitted, plainFitted(X, fit.coef))).toBe(-1);
    expect(firstDifference(hatValues(fit, X), plainHat(X, fit.rInverse, w))).toBe(-1);
  });
  it('HC1 and one-way cluster (HC1 type)', () => {
    const omega = we.map((v) => v * v);
    expect(firstDifference(vcovOls(fit, X, 'HC1'), sandwichProduct(fit.bread, plainGram(X, omega), X.p, X.n / (X.n - X.p)))).toBe(-1);
    const { codes, groups } = clusterCodes(cluster);
    const scale = (groups / (groups - 1)) * ((X.n - 1) / (X.n - X.p));
    expect(firstDifference(vcovOls(fit, X, { cluster }), sandwichProduct(fit.bread, plainClusterMeat(X, we, codes, groups), X.p, scale))).toBe(-1);
  });
});

describe('clusterCodes', () => {
  it('integer labels give the codes of first appearance, by table or by map alike', () => {
    const small = Int32Array.from([7, -3, 7, 12, -3, 0, 12, 5]);
    expect(clusterCodes(small)).toEqual({ codes: Int32Array.from([0, 1, 0, 2, 1, 3, 2, 4]), groups: 5 });
    expect(clusterCodes(Array.from(small))).toEqual(clusterCodes(small));
    const wide = Int32Array.from([2_000_000_000, -5, 2_000_000_000, 9]); // too wide a range for a table
    expect(clusterCodes(wide)).toEqual({ codes: Int32Array.from([0, 1, 0, 2]), groups: 3 });
    expect(clusterCodes(new Int32Array(0))).toEqual({ codes: new Int32Array(0), groups: 0 });
  });
});

describe('fitOls on a row subset through zero weights (as aipw fits its controls)', () => {
  it('gives the subset fit’s coefficients and R² bit for bit on the Gram path', () => {
    const { X, y, w } = stackedLike(60_000, 4);
    const treat = X.x.subarray(X.names.indexOf('treat') * X.n, (X.names.indexOf('treat') + 1) * X.n);
    const rows = Int32Array.from(Array.from({ length: X.n }, (_, i) => i).filter((i) => treat[i] === 0));
    const pick = (v: Float64Array) => Float64Array.from(rows, (i) => v[i]);
    // Without the treatment column, which is all zero among the controls.
    const keep = Int32Array.from(X.names.map((_, j) => j).filter((j) => X.names[j] !== 'treat'));
    const Xk: Design = { n: X.n, p: keep.length, names: Array.from(keep, (j) => X.names[j]), x: new Float64Array(X.n * keep.length) };
    keep.forEach((j, c) => Xk.x.set(X.x.subarray(j * X.n, (j + 1) * X.n), c * X.n));
    const sub = fitOls(subsetRows(Xk, rows), pick(y), { weights: pick(w) });
    const zeroed = new Float64Array(X.n);
    for (const i of rows) zeroed[i] = w[i];
    const all = fitOls(Xk, y, { weights: zeroed, solver: 'gram' });
    expect(Array.from(all.coef)).toEqual(Array.from(sub.coef));
    expect(all.r2).toBe(sub.r2);
  });
});

describe('fitStructure: the variance reuses the structure its fit found', () => {
  it('is the fit’s own for its design and absent for any other design, where vcovOls finds it afresh with the same result', () => {
    const rng = createRng(11);
    const n = 400;
    const g = Array.from({ length: n }, () => ['a', 'b', 'c'][rng.int(3)]);
    const z = Float64Array.from({ length: n }, () => rng.uniform());
    const X = designMatrix([{ name: 'z', values: z }, { name: 'g', values: g }], { intercept: true });
    const y = Float64Array.from({ length: n }, (_, i) => 1 + 2 * z[i] + (g[i] === 'b' ? 1 : 0) + rng.normal());
    const fit = fitOls(X, y, { solver: 'gram' });
    expect(fitStructure(fit, X)?.groups.length).toBe(1);
    const copy: Design = { ...X, x: X.x.slice() };
    expect(fitStructure(fit, copy)).toBeUndefined();
    const cluster = Int32Array.from({ length: n }, (_, i) => i % 40);
    expect(Array.from(vcovOls(fit, copy, { cluster }))).toEqual(Array.from(vcovOls(fit, X, { cluster })));
    expect(Array.from(vcovOls(fit, copy, 'HC3'))).toEqual(Array.from(vcovOls(fit, X, 'HC3')));
  });
});
