import { describe, expect, it } from 'vitest';
import { dataSubset, placeboOutcome, randomCommonCause, type RefuteInput } from '../../src/causal/refute';
import { designMatrix } from '../../src/stats/design';
import { fitOls } from '../../src/stats/ols';
import { coefTable, vcovOls } from '../../src/stats/vcov';
import { createRng } from '../../src/stats/rng';
import type { Estimate } from '../../src/core/estimate';

// A plain regression estimator (classical SE) standing in for the study's estimators.
function ols(input: RefuteInput): Estimate {
  const X = designMatrix([{ name: 'treat', values: input.treat }, ...input.covariates]);
  const fit = fitOls(X, input.y);
  const row = coefTable(fit, vcovOls(fit, X, 'classical')).find((r) => r.name === 'treat')!;
  let nt = 0;
  for (const t of input.treat) nt += t;
  return { method: 'ols', estimand: 'ATT', estimate: row.estimate, se: row.se, ci: [row.lower, row.upper], nTreated: nt, nControl: input.y.length - nt, diagnostics: {} };
}

// 1:1 nearest-neighbour matching with replacement on Euclidean distance over all covariates.
function matchEuclid(input: RefuteInput): Estimate {
  const n = input.y.length;
  const cols = input.covariates.map((c) => c.values as Float64Array);
  const diffs: number[] = [];
  for (let i = 0; i < n; i++) {
    if (input.treat[i] !== 1) continue;
    let best = -1;
    let bestD = Infinity;
    for (let j = 0; j < n; j++) {
      if (input.treat[j] !== 0) continue;
      let d = 0;
      for (const c of cols) d += (c[i] - c[j]) ** 2;
      if (d < bestD) { bestD = d; best = j; }
    }
    diffs.push(input.y[i] - input.y[best]);
  }
  const m = diffs.reduce((a, b) => a + b, 0) / diffs.length;
  const sd = Math.sqrt(diffs.reduce((a, b) => a + (b - m) ** 2, 0) / (diffs.length - 1));
  const se = sd / Math.sqrt(diffs.length);
  return { method: 'match_euclid', estimand: 'ATT', estimate: m, se, ci: [m - 1.96 * se, m + 1.96 * se], nTreated: diffs.length, nControl: n - diffs.length, diagnostics: {} };
}

// Clean data: selection on the measured x only; effect 1.5; a pre-period outcome that training cannot affect.
function cleanData(seed: number, n = 600) {
  const rng = createRng(seed);
  const x = new Float64Array(n), u = new Float64Array(n), treat = new Float64Array(n), y = new Float64Array(n), yPrev = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = rng.normal();
    u[i] = rng.normal();
    treat[i] = rng.bernoulli(1 / (1 + Math.exp(-x[i])));
    yPrev[i] = 1 + x[i] + u[i];
    y[i] = 2 + 1.5 * treat[i] + x[i] + u[i] + rng.normal();
  }
  return { input: { y, treat, covariates: [{ name: 'x', values: x }] } as RefuteInput, yPrev, u };
}

describe('refuters on clean data', () => {
  const { input, yPrev } = cleanData(1);
  it('random common cause passes', () => {
    const r = randomCommonCause(input, ols, { seed: 2 });
    expect(r.passed).toBe(true);
    expect(r.values).toHaveLength(5);
    expect(r.reading).toMatch(/^Passed/);
  });
  it('data subset passes', () => {
    const r = dataSubset(input, ols, { seed: 3 });
    expect(r.passed).toBe(true);
    expect(r.reading).toMatch(/^Passed: on 20 random 80 % subsets/);
  });
  it('placebo outcome passes', () => {
    const r = placeboOutcome(input, ols, { outcome: yPrev, name: 'last year’s revenue' });
    expect(r.passed).toBe(true);
    expect(r.reading).toMatch(/last year’s revenue/);
  });
  it('is deterministic for a seed', () => {
    expect(dataSubset(input, ols, { seed: 9 }).values).toEqual(dataSubset(input, ols, { seed: 9 }).values);
  });
});

describe('refuters on data built to fail them', () => {
  it('placebo outcome fails when an unmeasured trait drives both training and the outcome', () => {
    // treatment depends on u, which also drives the pre-period outcome; only x is measured.
    const rng = createRng(4);
    const n = 600;
    const x = new Float64Array(n), treat = new Float64Array(n), y = new Float64Array(n), yPrev = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = rng.normal();
      const u = rng.normal();
      treat[i] = rng.bernoulli(1 / (1 + Math.exp(-2 * u)));
      yPrev[i] = x[i] + 2 * u + rng.normal();
      y[i] = 1.5 * treat[i] + x[i] + 2 * u + rng.normal();
    }
    const r = placeboOutcome({ y, treat, covariates: [{ name: 'x', values: x }] }, ols, { outcome: yPrev });
    expect(r.passed).toBe(false);
    expect(r.refuted).toBeGreaterThan(1);
    expect(r.reading).toMatch(/^Failed: .*selection or a pre-existing trend/);
  });

  it('data subset fails when two rows drive the estimate', () => {
    // 50 trained, 2000 untrained, all N(0, 1) except two trained outliers at 100: the estimate (≈ 4)
    // is those two rows, and the pooled classical SE (≈ 0.47) hides it.
    const rng = createRng(5);
    const n = 2050;
    const x = new Float64Array(n), treat = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = rng.normal();
      treat[i] = i < 50 ? 1 : 0;
      y[i] = i < 2 ? 100 : rng.normal();
    }
    const input = { y, treat, covariates: [{ name: 'x', values: x }] };
    const r = dataSubset(input, ols, { seed: 6 });
    expect(r.passed).toBe(false);
    expect(r.reading).toMatch(/^Failed: .*a few rows drive the estimate/);
    // Without the outliers the same design passes.
    y[0] = rng.normal();
    y[1] = rng.normal();
    expect(dataSubset(input, ols, { seed: 6 }).passed).toBe(true);
  });

  it('random common cause fails for matching on every covariate, noise included', () => {
    // y = 3x + small noise, selection on x: matching on x alone is nearly exact; adding a noise
    // dimension spoils the matches on x and moves the estimate by many SEs.
    const rng = createRng(7);
    const n = 400;
    const x = new Float64Array(n), treat = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = rng.normal();
      treat[i] = rng.bernoulli(1 / (1 + Math.exp(-1.5 * x[i])));
      y[i] = 1 + treat[i] + 3 * x[i] + 0.1 * rng.normal();
    }
    const input = { y, treat, covariates: [{ name: 'x', values: x }] };
    const r = randomCommonCause(input, matchEuclid, { seed: 8, repetitions: 3 });
    expect(r.passed).toBe(false);
    expect(r.reading).toMatch(/^Failed: a random covariate that cannot matter moved/);
    expect(randomCommonCause(input, ols, { seed: 8 }).passed).toBe(true);
  });
});

describe('subsets and argument checks', () => {
  it('samples whole clusters', () => {
    const { input } = cleanData(11, 300);
    const cluster = new Int32Array(300);
    for (let i = 0; i < 300; i++) cluster[i] = i >> 2;
    const seen: number[] = [];
    dataSubset({ ...input, cluster }, (x) => { seen.push(x.y.length); return ols(x); }, { seed: 1, repetitions: 3 });
    // 75 clusters of 4 → 60 clusters kept → 240 rows, every time.
    expect(seen.slice(1)).toEqual([240, 240, 240]);
  });
  it('names bad arguments', () => {
    const { input } = cleanData(1, 50);
    expect(() => dataSubset(input, ols, { fraction: 1 })).toThrow('dataSubset: `fraction` must be in (0, 1), got 1');
    expect(() => placeboOutcome(input, ols, { outcome: new Float64Array(3) })).toThrow(/`outcome` must be a Float64Array of 50 rows/);
  });
});

describe('placebo outcome with missing rows', () => {
  it('leaves rows without the placebo outcome out and says so', () => {
    const { input, yPrev } = cleanData(12, 400);
    const partial = yPrev.slice();
    for (let i = 0; i < 50; i++) partial[i] = NaN;
    const r = placeboOutcome(input, ols, { outcome: partial });
    expect(r.passed).toBe(true);
    expect(r.reading).toMatch(/50 of 400 rows have no placebo outcome/);
  });
});
