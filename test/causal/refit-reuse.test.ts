import { describe, expect, it } from 'vitest';
import { regressionRefit, type FastRefit } from '../../src/causal/refit';
import { regressionAdjustment } from '../../src/causal/regression';
import { subsetInput, type CrossSectionInput } from '../../src/causal/cross-section-input';
import { dataSubset, randomCommonCause } from '../../src/causal/refute';
import { createRng } from '../../src/stats/rng';

// Stacked-like data: rows cohort by cohort (a text label whose codes never decrease, as the stacked data's
// `cohort`), a role in random order, two numbers, weights, employees as clusters across cohorts. More rows
// than one block of the Gram sums (2,048), so that runs of a cohort cross block bounds.
function stackedLike(seed: number, n = 5000): CrossSectionInput {
  const rng = createRng(seed);
  const cohorts = ['2020-01', '2020-02', '2020-03', '2020-05', '2020-08', '2020-09', '2021-01'];
  const age = new Float64Array(n), tenure = new Float64Array(n), treat = new Float64Array(n), y = new Float64Array(n), weights = new Float64Array(n);
  const role: string[] = [];
  const cohort: string[] = [];
  const cluster = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const g = Math.min(cohorts.length - 1, Math.floor((i / n) * cohorts.length + 0.3 * rng.uniform()));
    cohort.push(cohorts[Math.max(g, i > 0 ? cohorts.indexOf(cohort[i - 1]) : 0)]);
    age[i] = 30 + 8 * rng.normal();
    tenure[i] = rng.int(60);
    role.push(['analyst', 'manager', 'sales', 'support'][rng.int(4)]);
    treat[i] = rng.bernoulli(1 / (1 + Math.exp(-(age[i] - 30) / 8)));
    y[i] = 100 + 2 * treat[i] + 0.5 * age[i] + 0.1 * tenure[i] + (role[i] === 'manager' ? 5 : 0) + cohorts.indexOf(cohort[i]) + 3 * rng.normal();
    weights[i] = 1 + rng.int(12);
    cluster[i] = rng.int(Math.floor(n / 4));
  }
  return {
    y,
    treat,
    covariates: [
      { name: 'role', values: role },
      { name: 'age', values: age },
      { name: 'tenure', values: tenure },
      { name: 'cohort', values: cohort },
    ],
    weights,
    cluster,
  };
}

function rowsOf(keep: Uint8Array): Int32Array {
  const rows: number[] = [];
  keep.forEach((k, i) => k === 1 && rows.push(i));
  return Int32Array.from(rows);
}

const close = (a: number, b: number, tol = 1e-9) => expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));

describe('regressionRefit on stacked-like rows (a sorted cohort label, reused row lists)', () => {
  it('agrees with regressionAdjustment on subsets of either size, with a covariate and with another outcome', () => {
    const input = stackedLike(1);
    const n = input.y.length;
    const fast = regressionRefit(input)!;
    close(fast.estimate, regressionAdjustment(input).estimate);
    const rng = createRng(2);
    for (const share of [0.8, 0.3, 0.95]) {
      const keep = Uint8Array.from({ length: n }, () => (rng.uniform() < share ? 1 : 0));
      close(fast.onRows(keep)!, regressionAdjustment(subsetInput(input, rowsOf(keep))).estimate);
    }
    // A cohort left out entirely: the fast path declines and the ordinary one decides.
    const cohort = input.covariates[3].values as string[];
    const noFirst = Uint8Array.from(cohort, (c) => (c === '2020-01' ? 0 : 1));
    expect(fast.onRows(noFirst)).toBeUndefined();
    const noise = Float64Array.from({ length: n }, () => rng.normal());
    close(fast.withCovariate(noise)!, regressionAdjustment({ ...input, covariates: [...input.covariates, { name: 'noise', values: noise }] }).estimate);
    // A placebo outcome missing on some rows (those sit out), one cohort among them.
    const yOther = Float64Array.from(input.y, (v, i) => (i % 7 === 0 || cohort[i] === '2021-01' ? NaN : v + rng.normal()));
    const keep = Uint8Array.from(yOther, (v) => (Number.isNaN(v) ? 0 : 1));
    const rows = rowsOf(keep);
    const sub = subsetInput(input, rows);
    const ordinary = regressionAdjustment({ ...sub, y: Float64Array.from(rows, (i) => yOther[i]) });
    const placebo = fast.withOutcome(yOther, keep)!;
    close(placebo.estimate, ordinary.estimate);
    close(placebo.se, ordinary.se);
  });

  it('gives the same numbers to the bit whatever was refitted before (its row lists are reused)', () => {
    const input = stackedLike(3, 3000);
    const n = input.y.length;
    const rng = createRng(4);
    const masks = [0.8, 0.2, 0.6].map((share) => Uint8Array.from({ length: n }, () => (rng.uniform() < share ? 1 : 0)));
    const yOther = Float64Array.from(input.y, (v, i) => (i % 5 === 0 ? NaN : v - 1));
    const keepOther = Uint8Array.from(yOther, (v) => (Number.isNaN(v) ? 0 : 1));
    const fresh = masks.map((keep) => regressionRefit(input)!.onRows(keep));
    const freshOther = regressionRefit(input)!.withOutcome(yOther, keepOther)!;
    const fast = regressionRefit(input)!;
    const again = [masks[2], masks[0], masks[1], masks[0]].map((keep) => fast.onRows(keep));
    const other = fast.withOutcome(yOther, keepOther)!;
    const last = fast.onRows(masks[2]);
    expect(fresh.every((v) => v !== undefined && Number.isFinite(v))).toBe(true);
    expect(Object.is(again[0], fresh[2]) && Object.is(again[1], fresh[0]) && Object.is(again[2], fresh[1]) && Object.is(again[3], fresh[0])).toBe(true);
    expect(Object.is(last, fresh[2])).toBe(true);
    expect([other.estimate, other.se, other.ci[0], other.ci[1]]).toEqual([freshOther.estimate, freshOther.se, freshOther.ci[0], freshOther.ci[1]]);
  });
});

describe('the refuters with a refit that answers only sometimes', () => {
  it('randomCommonCause: the ordinary estimator gets a column of its own, never rewritten afterwards', () => {
    const input = stackedLike(5, 600);
    const original = regressionAdjustment(input);
    const real = regressionRefit(input)!;
    let calls = 0;
    // Answers on the even repetitions only.
    const half: FastRefit = { onRows: () => undefined, withCovariate: (z) => (calls++ % 2 === 0 ? real.withCovariate(z) : undefined) };
    const seen: { values: Float64Array; copy: Float64Array }[] = [];
    const estimator = (x: CrossSectionInput) => {
      const z = x.covariates[x.covariates.length - 1].values as Float64Array;
      seen.push({ values: z, copy: z.slice() });
      return regressionAdjustment(x);
    };
    const got = randomCommonCause(input, estimator, { original, seed: 7, repetitions: 5, refit: half });
    // The same draws by hand, each repetition in a new array.
    const rng = createRng(7);
    const expected: number[] = [];
    for (let r = 0; r < 5; r++) {
      const noise = Float64Array.from({ length: input.y.length }, () => rng.normal());
      expected.push(r % 2 === 0 ? real.withCovariate(noise)! : regressionAdjustment({ ...input, covariates: [...input.covariates, { name: 'random_common_cause', values: noise }] }).estimate);
    }
    expect(got.values.length).toBe(5);
    got.values.forEach((v, r) => expect(Object.is(v, expected[r])).toBe(true));
    expect(seen.length).toBe(2);
    expect(seen[0].values).not.toBe(seen[1].values);
    for (const s of seen) expect(s.values).toEqual(s.copy);
  });

  it('dataSubset: a refit that never answers gives the ordinary estimator’s numbers to the bit', () => {
    const input = stackedLike(6, 800);
    const original = regressionAdjustment(input);
    const never: FastRefit = { onRows: () => undefined, withCovariate: () => undefined };
    const a = dataSubset(input, (x) => regressionAdjustment(x), { original, seed: 3, repetitions: 4, refit: never });
    const b = dataSubset(input, (x) => regressionAdjustment(x), { original, seed: 3, repetitions: 4 });
    expect(a.values.length).toBe(4);
    a.values.forEach((v, r) => expect(Object.is(v, b.values[r])).toBe(true));
  });
});
