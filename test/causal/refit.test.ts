import { describe, expect, it } from 'vitest';
import { regressionRefit } from '../../src/causal/refit';
import { regressionAdjustment } from '../../src/causal/regression';
import { subsetInput, type CrossSectionInput } from '../../src/causal/cross-section-input';
import { dataSubset, placeboOutcome, randomCommonCause } from '../../src/causal/refute';
import { createRng } from '../../src/stats/rng';

// Confounded by age and role, effect 2, weights and clusters as in the study's stacked data.
function clusteredData(seed: number, n = 400): CrossSectionInput {
  const rng = createRng(seed);
  const age = new Float64Array(n), treat = new Float64Array(n), y = new Float64Array(n), weights = new Float64Array(n);
  const role: string[] = [];
  const cluster = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    age[i] = 30 + 8 * rng.normal();
    role.push(['analyst', 'manager', 'sales'][rng.int(3)]);
    treat[i] = rng.bernoulli(1 / (1 + Math.exp(-(age[i] - 30) / 8 - (role[i] === 'sales' ? 0.5 : 0))));
    y[i] = 100 + 2 * treat[i] + 0.5 * age[i] + (role[i] === 'manager' ? 5 : 0) + 3 * rng.normal();
    weights[i] = 1 + rng.int(12);
    cluster[i] = Math.floor(i / 3);
  }
  return { y, treat, covariates: [{ name: 'age', values: age }, { name: 'role', values: role }], weights, cluster };
}

function rowsOf(keep: Uint8Array): Int32Array {
  const rows: number[] = [];
  keep.forEach((k, i) => k === 1 && rows.push(i));
  return Int32Array.from(rows);
}

const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-10 * Math.max(1, Math.abs(b)));

describe('regressionRefit', () => {
  it('is a difference in means without covariates, on all rows and on a subset (worked by hand)', () => {
    const input: CrossSectionInput = { y: Float64Array.from([1, 2, 3, 10, 20, 30]), treat: Float64Array.from([0, 0, 0, 1, 1, 1]), covariates: [] };
    const fast = regressionRefit(input)!;
    close(fast.estimate, 20 - 2);
    // Controls 1, 2 and treated 20, 30: 25 − 1.5.
    close(fast.onRows(Uint8Array.from([1, 1, 0, 0, 1, 1]))!, 23.5);
  });

  it('gives regressionAdjustment’s estimate on all rows, on row subsets and with an added covariate (to 1e-10)', () => {
    const input = clusteredData(1);
    const n = input.y.length;
    const fast = regressionRefit(input)!;
    close(fast.estimate, regressionAdjustment(input).estimate);
    const rng = createRng(2);
    for (const share of [0.8, 0.3]) {
      const keep = Uint8Array.from({ length: n }, () => (rng.uniform() < share ? 1 : 0));
      close(fast.onRows(keep)!, regressionAdjustment(subsetInput(input, rowsOf(keep))).estimate);
    }
    const noise = Float64Array.from({ length: n }, () => rng.normal());
    const withNoise = regressionAdjustment({ ...input, covariates: [...input.covariates, { name: 'noise', values: noise }] }).estimate;
    close(fast.withCovariate(noise)!, withNoise);
  });

  it('gives regressionAdjustment’s whole estimate for another outcome on a subset, clustered or HC1 (to 1e-9)', () => {
    const input = clusteredData(9);
    const n = input.y.length;
    const rng = createRng(10);
    const yBefore = Float64Array.from(input.y, (v) => v - 2 + rng.normal());
    const keep = Uint8Array.from({ length: n }, () => (rng.uniform() < 0.85 ? 1 : 0));
    for (const data of [input, { ...input, cluster: undefined }]) {
      const fast = regressionRefit(data)!.withOutcome(yBefore, keep)!;
      const within = subsetInput(data, rowsOf(keep));
      const slow = regressionAdjustment({ ...within, y: Float64Array.from(rowsOf(keep), (i) => yBefore[i]) });
      close(fast.estimate, slow.estimate);
      expect(Math.abs(fast.se / slow.se - 1)).toBeLessThan(1e-9);
      close(fast.ci[0], slow.ci[0]);
      close(fast.ci[1], slow.ci[1]);
      expect([fast.nTreated, fast.nControl]).toEqual([slow.nTreated, slow.nControl]);
      expect(fast.diagnostics.vcov).toBe(slow.diagnostics.vcov);
      close(fast.diagnostics.r2 as number, slow.diagnostics.r2 as number);
    }
    const all = regressionRefit(input)!.withOutcome(input.y, null)!;
    const ra = regressionAdjustment(input);
    close(all.estimate, ra.estimate);
    expect(Math.abs(all.se / ra.se - 1)).toBeLessThan(1e-9);
    // with CR1p's factor, as the study asks for, on a subset too (G counting the clusters kept)
    const fast1p = regressionRefit(input, { clusterAdjustment: 'CR1p' })!.withOutcome(yBefore, keep)!;
    const within = subsetInput(input, rowsOf(keep));
    const slow1p = regressionAdjustment({ ...within, y: Float64Array.from(rowsOf(keep), (i) => yBefore[i]) }, { clusterAdjustment: 'CR1p' });
    expect(Math.abs(fast1p.se / slow1p.se - 1)).toBeLessThan(1e-9);
    expect(fast1p.diagnostics.vcov).toBe(slow1p.diagnostics.vcov);
    expect(fast1p.se).toBeGreaterThan(regressionRefit(input)!.withOutcome(yBefore, keep)!.se);
    // and the interval's degrees of freedom from the trained clusters kept, as the ordinary path counts them
    const opts = { clusterAdjustment: 'CR1p', clusterDf: 'treated' } as const;
    const fastDf = regressionRefit(input, opts)!.withOutcome(yBefore, keep)!;
    const slowDf = regressionAdjustment({ ...within, y: Float64Array.from(rowsOf(keep), (i) => yBefore[i]) }, opts);
    close(fastDf.ci[0], slowDf.ci[0]);
    close(fastDf.ci[1], slowDf.ci[1]);
  });

  it('drops a text level the kept rows lack, and takes the next level as reference when the first is gone, as the ordinary encoding does', () => {
    const input = clusteredData(11);
    const role = input.covariates[1].values as string[];
    const yBefore = Float64Array.from(input.y, (v, i) => v - 1 + Math.sin(i));
    const fast = regressionRefit(input)!;
    for (const lost of ['manager', 'analyst']) {
      const keep = Uint8Array.from(role, (r) => (r === lost ? 0 : 1));
      const rows = rowsOf(keep);
      const slow = regressionAdjustment({ ...subsetInput(input, rows), y: Float64Array.from(rows, (i) => yBefore[i]) });
      const quick = fast.withOutcome(yBefore, keep)!;
      expect(quick.diagnostics.coefficients).toBe(slow.diagnostics.coefficients);
      close(quick.estimate, slow.estimate);
      expect(Math.abs(quick.se / slow.se - 1)).toBeLessThan(1e-9);
    }
    // One role left: the ordinary path refuses the single-level column, so the quick one does not answer.
    expect(fast.withOutcome(yBefore, Uint8Array.from(role, (r) => (r === 'sales' ? 1 : 0)))).toBeUndefined();
  });

  it('answers undefined where the ordinary refit would change the design or fail', () => {
    const input = clusteredData(3, 60);
    const fast = regressionRefit(input)!;
    const role = input.covariates[1].values as string[];
    // No manager left: the ordinary path encodes role with one level fewer.
    expect(fast.onRows(Uint8Array.from(role, (r) => (r === 'manager' ? 0 : 1)))).toBeUndefined();
    // No treated row left.
    expect(fast.onRows(Uint8Array.from(input.treat, (t) => 1 - t))).toBeUndefined();
    // A copy of age adds nothing new: singular.
    expect(fast.withCovariate(Float64Array.from(input.covariates[0].values as Float64Array))).toBeUndefined();
    expect(() => fast.onRows(new Uint8Array(3))).toThrow('regressionRefit: `keep` has 3 rows, the input has 60');
    // A numeric covariate that is zero on every kept row: the ordinary fit calls it singular.
    const remote = Float64Array.from({ length: 60 }, (_, i) => (i < 6 ? 1 : 0));
    const withRemote = regressionRefit({ ...input, covariates: [...input.covariates, { name: 'remote', values: remote }] })!;
    expect(withRemote.onRows(Uint8Array.from(remote, (r) => 1 - r))).toBeUndefined();
    // A missing placebo outcome on a kept row.
    expect(fast.withOutcome(Float64Array.from(input.y, (v, i) => (i === 4 ? NaN : v)), null)).toBeUndefined();
  });

  it('is null when the input itself cannot be fitted as it is', () => {
    const input = clusteredData(4, 30);
    const y = Float64Array.from(input.y);
    y[5] = NaN;
    expect(regressionRefit({ ...input, y })).toBeNull();
    expect(regressionRefit({ ...input, treat: new Float64Array(30) })).toBeNull();
  });

  it('takes the anchor as the full-data estimate only when it agrees to rounding', () => {
    const input = clusteredData(5);
    const qr = regressionAdjustment(input).estimate;
    expect(regressionRefit(input, { anchor: qr })!.estimate).toBe(qr);
    expect(regressionRefit(input, { anchor: qr + 0.01 })!.estimate).not.toBe(qr + 0.01);
  });

  it('leaves the refuters’ numbers as the ordinary refits give them', () => {
    const input = clusteredData(6);
    const estimator = (x: CrossSectionInput) => regressionAdjustment(x);
    const original = estimator(input);
    const refit = regressionRefit(input, { anchor: original.estimate });
    const slow = dataSubset(input, estimator, { original, seed: 7, repetitions: 6 });
    const quick = dataSubset(input, estimator, { original, seed: 7, repetitions: 6, refit });
    quick.values.forEach((v, r) => close(v, slow.values[r]));
    expect(quick.reading).toBe(slow.reading);
    const slowRcc = randomCommonCause(input, estimator, { original, seed: 8 });
    const quickRcc = randomCommonCause(input, estimator, { original, seed: 8, refit });
    // The shifts themselves (not just the estimates) agree, so the reading's SE shares do too.
    quickRcc.values.forEach((v, r) => expect(Math.abs(v - slowRcc.values[r])).toBeLessThanOrEqual(1e-6 * Math.abs(slowRcc.values[r] - original.estimate)));
    expect(quickRcc.reading).toBe(slowRcc.reading);
    const before = Float64Array.from(input.y, (v, i) => (i % 7 === 0 ? NaN : v - 2));
    expect(placeboOutcome(input, estimator, { original, outcome: before, refit }).reading).toBe(placeboOutcome(input, estimator, { original, outcome: before }).reading);
  });
});
