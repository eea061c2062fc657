import { describe, expect, it } from 'vitest';
import { crossprodVector, designStructure, linearPredictor, markReadOnly, weightedGram } from '../../src/stats/linalg';
import { sharedInterceptDesign } from '../../src/causal/covariate-encoding';
import { designMatrix, type Design, type NamedColumn } from '../../src/stats/design';
import { createRng } from '../../src/stats/rng';
import { firstDifference, plainBlockedPredictor, plainCrossprod, plainGram } from './plain-kernels';

// Factors, lone indicators (rare and common), numeric columns, a sparse numeric column, an all-zero
// indicator, a 0/1 column that overlaps a factor's levels (so is not one of them), and a column of
// 0s and 1s up to a late 2, an indicator that is 1 on most rows (read as dense); columns shuffled so that indicators sit before and after numeric ones.
function mixedDesign(n: number, seed: number, intercept: boolean): { X: Design; omega: Float64Array; v: Float64Array } {
  const rng = createRng(seed);
  const cohort: string[] = [];
  const role: string[] = [];
  const cols: Record<string, Float64Array> = {};
  for (const name of ['tenure', 'y_pre', 'treat', 'prior', 'notExclusive', 'allZero', 'lateTwo', 'treatTenure', 'small', 'common']) cols[name] = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const g = rng.int(7);
    cohort.push(`g${g}`);
    role.push(['AE', 'AM', 'SDR'][rng.int(3)]);
    cols.tenure[i] = 1 + rng.int(100);
    cols.y_pre[i] = 30000 * (1 + 0.3 * rng.normal());
    cols.treat[i] = rng.uniform() < 0.08 ? 1 : 0;
    cols.prior[i] = rng.uniform() < 0.4 ? 1 : 0;
    cols.notExclusive[i] = g === 2 || g === 3 ? 1 : 0;
    cols.lateTwo[i] = i === n - 3 ? 2 : rng.uniform() < 0.1 ? 1 : 0;
    cols.treatTenure[i] = cols.treat[i] * cols.tenure[i];
    cols.small[i] = 1e-3 * rng.normal();
    cols.common[i] = rng.uniform() < 0.7 ? 1 : 0;
  }
  const columns: NamedColumn[] = [
    { name: 'treat', values: cols.treat },
    { name: 'cohort', values: cohort },
    { name: 'tenure', values: cols.tenure },
    { name: 'notExclusive', values: cols.notExclusive },
    { name: 'role', values: role },
    { name: 'y_pre', values: cols.y_pre },
    { name: 'prior', values: cols.prior },
    { name: 'allZero', values: cols.allZero },
    { name: 'lateTwo', values: cols.lateTwo },
    { name: 'treatTenure', values: cols.treatTenure },
    { name: 'small', values: cols.small },
    { name: 'common', values: cols.common },
  ];
  const order = columns.map((_, k) => k);
  for (let k = order.length - 1; k > 0; k--) {
    const r = rng.int(k + 1);
    [order[k], order[r]] = [order[r], order[k]];
  }
  const X = designMatrix(order.map((k) => columns[k]), { intercept });
  const omega = new Float64Array(n);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // Zero weights and a few negative ones (a sum that crosses zero must still match).
    omega[i] = rng.uniform() < 0.1 ? 0 : rng.uniform() < 0.05 ? -rng.uniform() : rng.uniform() * 12;
    v[i] = rng.normal() * 1000;
  }
  return { X, omega, v };
}

describe('designStructure', () => {
  it('groups the levels of a factor, keeps a non-exclusive 0/1 column and numeric columns apart', () => {
    const { X } = mixedDesign(2000, 1, true);
    const s = designStructure(X);
    const name = (j: number) => X.names[j];
    // common is 0/1 but 1 on most rows: dense.
    expect(Array.from(s.dense).map(name).sort()).toEqual(['(Intercept)', 'common', 'small', 'tenure', 'y_pre']);
    expect(s.ones).toBe(Array.from(s.dense).map(name).indexOf('(Intercept)'));
    // lateTwo is 0/1 until its 2, so numeric; a tenth of its rows are non-zero, so sparse.
    expect(s.sparse.map((c) => name(c.column)).sort()).toEqual(['lateTwo', 'treatTenure']);
    const groupOf = (col: string) => s.groups.findIndex((g) => Array.from(g.columns).map(name).includes(col));
    const cohortGroups = new Set(['g1', 'g2', 'g3', 'g4', 'g5', 'g6'].map((l) => groupOf(`cohort${l}`)));
    expect(cohortGroups.size).toBe(1);
    expect(new Set(['roleAM', 'roleSDR'].map(groupOf)).size).toBe(1);
    expect(groupOf('notExclusive')).not.toBe(groupOf('cohortg2'));
    // Every group is mutually exclusive and its code matches the columns.
    for (const g of s.groups) {
      for (let i = 0; i < X.n; i++) {
        let ones = 0;
        g.columns.forEach((j, l) => {
          if (X.x[j * X.n + i] === 1) {
            ones++;
            expect(g.code[i]).toBe(l + 1);
          }
        });
        expect(ones).toBeLessThanOrEqual(1);
        if (ones === 0) expect(g.code[i]).toBe(0);
      }
      for (let l = 0; l < g.columns.length; l++) {
        const rows = Array.from(g.order.subarray(g.start[l], g.start[l + 1]));
        expect(rows).toEqual(Array.from({ length: X.n }, (_, i) => i).filter((i) => X.x[g.columns[l] * X.n + i] === 1));
      }
    }
    const covered = [...s.dense, ...s.sparse.map((c) => c.column), ...s.groups.flatMap((g) => Array.from(g.columns))].sort((a, b) => a - b);
    expect(covered).toEqual(Array.from({ length: X.p }, (_, j) => j));
  });
  it('a structure for another design is refused', () => {
    const { X, omega } = mixedDesign(50, 2, true);
    const other = designMatrix([{ name: 'a', values: new Float64Array(50).fill(2) }]);
    expect(() => weightedGram(X, omega, undefined, designStructure(other))).toThrow(/`structure` is for a 50×2 design, X is 50×/);
  });
});

describe('weightedGram and crossprodVector by structure equal the plain loops bit for bit', () => {
  // Up to 6,500 rows: the dense part of weightedGram works in blocks of 2,048 rows, carried over.
  for (const [seed, intercept, n] of [[3, true, 1500], [4, false, 1800], [5, true, 6500], [6, true, 4099], [7, false, 2179]] as const) {
    it(`mixed design, seed ${seed}, ${n} rows${intercept ? '' : ', no intercept'}`, () => {
      const { X, omega, v } = mixedDesign(n, seed, intercept);
      const s = designStructure(X);
      expect(firstDifference(weightedGram(X, omega), plainGram(X, omega))).toBe(-1);
      expect(firstDifference(weightedGram(X, omega, undefined, s), plainGram(X, omega))).toBe(-1);
      expect(firstDifference(crossprodVector(X, v, undefined, s), plainCrossprod(X, v))).toBe(-1);
      expect(firstDifference(crossprodVector(X, omega), plainCrossprod(X, omega))).toBe(-1);
      // Coefficients of mixed signs and scales, one of them zero.
      const beta = Float64Array.from({ length: X.p }, (_, j) => (j === 3 ? 0 : (v[j] / 1000) * 10 ** ((j % 5) - 2)));
      expect(firstDifference(linearPredictor(X, beta, undefined, s), plainBlockedPredictor(X, beta))).toBe(-1);
      expect(firstDifference(linearPredictor(X, beta), plainBlockedPredictor(X, beta))).toBe(-1);
    });
  }
  it('all-numeric, all-indicator and one-row designs', () => {
    const rng = createRng(11);
    const n = 300;
    const num = designMatrix([1, 2, 3, 4, 5].map((k) => ({ name: `x${k}`, values: Float64Array.from({ length: n }, () => rng.normal() * k) })));
    const ind = designMatrix([{ name: 'f', values: Array.from({ length: n }, () => `l${rng.int(5)}`) }, { name: 'h', values: Array.from({ length: n }, () => `m${rng.int(3)}`) }], { intercept: false });
    const one = designMatrix([{ name: 'x', values: Float64Array.from([3]) }]);
    for (const X of [num, ind, one]) {
      const omega = Float64Array.from({ length: X.n }, () => rng.uniform());
      expect(firstDifference(weightedGram(X, omega), plainGram(X, omega))).toBe(-1);
      expect(firstDifference(crossprodVector(X, omega), plainCrossprod(X, omega))).toBe(-1);
    }
    // A hand-checked case: factor levels b and c, rows a b c b, ω = 1 2 3 4.
    const X = designMatrix([{ name: 'g', values: ['a', 'b', 'c', 'b'] }]);
    expect(Array.from(weightedGram(X, Float64Array.from([1, 2, 3, 4])))).toEqual([10, 6, 3, 6, 6, 0, 3, 0, 3]);
  });
});

describe('designStructure is reused only while it still describes the design', () => {
  it('is the same object for an unchanged design, and found again after each change in place', () => {
    const { X, omega, v } = mixedDesign(1200, 21, true);
    const first = designStructure(X);
    expect(designStructure(X)).toBe(first);
    const col = (name: string) => X.names.indexOf(name) * X.n;
    const rowOf = (name: string, value: number) => {
      for (let i = 0; i < X.n; i++) if (X.x[col(name) + i] === value) return i;
      throw new Error(`no ${value} in ${name}`);
    };
    const changes: (() => void)[] = [
      // A second level of the cohort factor in a row (no longer exclusive).
      () => (X.x[col('cohortg1') + rowOf('cohortg1', 0)] = 1),
      // An indicator's 1 becomes 0.5, and another's 0 becomes 2.
      () => (X.x[col('treat') + rowOf('treat', 1)] = 0.5),
      () => (X.x[col('prior') + rowOf('prior', 0)] = 2),
      // A sparse numeric column gains a non-zero row; the intercept loses a 1.
      () => (X.x[col('treatTenure') + rowOf('treatTenure', 0)] = 3),
      () => (X.x[col('(Intercept)') + 5] = 0.25),
    ];
    let previous = first;
    for (const change of changes) {
      change();
      const now = designStructure(X);
      expect(now).not.toBe(previous);
      expect(firstDifference(weightedGram(X, omega), plainGram(X, omega))).toBe(-1);
      expect(firstDifference(crossprodVector(X, v, undefined, now), plainCrossprod(X, v))).toBe(-1);
      previous = now;
    }
    // A new value at a row already non-zero in a sparse numeric column changes no structure.
    const i = Array.from({ length: X.n }, (_, k) => k).find((k) => X.x[col('treatTenure') + k] !== 0) as number;
    X.x[col('treatTenure') + i] = 77;
    expect(designStructure(X)).toBe(previous);
    expect(firstDifference(weightedGram(X, omega), plainGram(X, omega))).toBe(-1);
  });
});

describe('markReadOnly', () => {
  it('lets designStructure return what it found without checking the design again (its owner promises no change)', () => {
    const { X } = mixedDesign(600, 23, true);
    const first = designStructure(X);
    markReadOnly(X);
    expect(designStructure(X)).toBe(first);
    // the promise is the owner's: a change in place is not looked for any more
    X.x[X.names.indexOf('treat') * X.n + 1] = 0.5;
    expect(designStructure(X)).toBe(first);
    // a copy is another array, checked as usual
    const copy = { ...X, x: X.x.slice() };
    expect(designStructure(copy)).not.toBe(first);
  });
  it('is how the study shares its covariate design', () => {
    const covariates = [{ name: 'g', values: ['a', 'b', 'a', 'c'] }, { name: 'z', values: Float64Array.of(1, 2, 3, 4) }];
    const X = sharedInterceptDesign(covariates);
    expect(sharedInterceptDesign(covariates)).toBe(X);
    const s = designStructure(X);
    X.x[0] = 7;
    expect(designStructure(X)).toBe(s);
  });
});

