import { describe, expect, it } from 'vitest';
import { demeanOneWay, demeanTwoWay } from '../../src/stats/fixed-effects';
import { fitOls } from '../../src/stats/ols';
import { createRng } from '../../src/stats/rng';
import type { Design } from '../../src/stats/design';

/** Residuals of y on unit and period dummies, by QR: the reference the demeaning must equal. */
function dummyResiduals(y: Float64Array, unit: Int32Array, nU: number, time: Int32Array, nT: number, w?: Float64Array): Float64Array {
  const n = y.length;
  const p = nU + nT - 1;
  const x = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    x[unit[i] * n + i] = 1;
    if (time[i] > 0) x[(nU + time[i] - 1) * n + i] = 1;
  }
  const X: Design = { n, p, names: Array.from({ length: p }, (_, j) => `d${j}`), x };
  return fitOls(X, y, w ? { weights: w } : {}).residuals;
}

describe('demeanTwoWay', () => {
  it('equals the residuals of a dummy regression on an unbalanced, weighted panel', () => {
    const rng = createRng(3);
    const nU = 30;
    const nT = 8;
    const unit: number[] = [];
    const time: number[] = [];
    for (let u = 0; u < nU; u++) for (let t = 0; t < nT; t++) if (rng.uniform() < 0.75 || t === 0) { unit.push(u); time.push(t); }
    const n = unit.length;
    const U = Int32Array.from(unit);
    const T = Int32Array.from(time);
    const y = Float64Array.from({ length: n }, (_, i) => unit[i] * 0.3 + time[i] * time[i] * 0.1 + rng.normal());
    const w = Float64Array.from({ length: n }, (_, i) => 1 + (unit[i] % 3));
    for (const weights of [undefined, w]) {
      const expected = dummyResiduals(y, U, nU, T, nT, weights);
      const col = Float64Array.from(y);
      const rep = demeanTwoWay([col], U, nU, T, nT, { weights, tol: 1e-13 });
      expect(rep.converged).toBe(true);
      for (let i = 0; i < n; i++) expect(Math.abs(col[i] - expected[i])).toBeLessThan(1e-9);
    }
  });
  it('converges in one sweep on a balanced panel', () => {
    const U = Int32Array.of(0, 0, 0, 1, 1, 1);
    const T = Int32Array.of(0, 1, 2, 0, 1, 2);
    const y = Float64Array.of(1, 2, 4, 3, 5, 10);
    const rep = demeanTwoWay([y], U, 2, T, 3);
    expect(rep.iterations[0]).toBeLessThanOrEqual(2);
    // y_it − ȳ_i − ȳ_t + ȳ by hand: ȳ_0 = 7/3, ȳ_1 = 6, ȳ_t = 2, 3.5, 7, ȳ = 25/6
    expect(y[0]).toBeCloseTo(1 - 7 / 3 - 2 + 25 / 6, 12);
    expect(y[5]).toBeCloseTo(10 - 6 - 7 + 25 / 6, 12);
  });
  it('rejects columns of the wrong length', () => {
    expect(() => demeanTwoWay([new Float64Array(3)], Int32Array.of(0, 1), 2, Int32Array.of(0, 0), 1)).toThrow(RangeError);
  });
});

describe('demeanOneWay', () => {
  it('subtracts (weighted) group means', () => {
    const y = Float64Array.of(1, 3, 10, 20);
    demeanOneWay([y], Int32Array.of(0, 0, 1, 1), 2, Float64Array.of(1, 3, 1, 1));
    expect(Array.from(y)).toEqual([1 - 2.5, 3 - 2.5, -5, 5]);
  });
});

describe("demeanTwoWay with solve: 'exact'", () => {
  function unbalanced(seed: number, nU: number, nT: number) {
    const rng = createRng(seed);
    const unit: number[] = [];
    const time: number[] = [];
    for (let u = 0; u < nU; u++) for (let t = 0; t < nT; t++) if (rng.uniform() < 0.7 || t === u % nT) { unit.push(u); time.push(t); }
    const n = unit.length;
    const y = Float64Array.from({ length: n }, (_, i) => 100 * unit[i] + 5 * time[i] * time[i] + rng.normal());
    const w = Float64Array.from({ length: n }, (_, i) => 1 + (unit[i] % 4));
    return { U: Int32Array.from(unit), T: Int32Array.from(time), y, w, n };
  }
  it('equals the residuals of a dummy regression (unweighted and weighted), without iterating', () => {
    const { U, T, y, w, n } = unbalanced(5, 40, 9);
    for (const weights of [undefined, w]) {
      const expected = dummyResiduals(y, U, 40, T, 9, weights);
      const col = Float64Array.from(y);
      const rep = demeanTwoWay([col], U, 40, T, 9, { weights, solve: 'exact' });
      expect(rep.method).toBe('exact');
      expect(rep.iterations).toEqual([1]);
      for (let i = 0; i < n; i++) expect(Math.abs(col[i] - expected[i])).toBeLessThan(1e-9);
    }
  });
  it('equals the dummy regression when many units share their months and weights (each distinct row counted once, times its units)', () => {
    // 300 units over 8 periods, each present from one of three hire months to one of three leaving
    // months, weighted 1 or 3 by unit: at most 18 distinct rows.
    const rng = createRng(17);
    const unit: number[] = [];
    const time: number[] = [];
    const wt: number[] = [];
    for (let u = 0; u < 300; u++) {
      const from = rng.int(3);
      const to = 5 + rng.int(3);
      const wu = u % 2 === 0 ? 1 : 3;
      for (let t = from; t <= to; t++) {
        unit.push(u);
        time.push(t);
        wt.push(wu);
      }
    }
    const U = Int32Array.from(unit), T = Int32Array.from(time), w = Float64Array.from(wt);
    const y = Float64Array.from(unit, (u, i) => 10 * u + 7 * Math.sin(time[i]) + rng.normal());
    for (const weights of [undefined, w]) {
      const expected = dummyResiduals(y, U, 300, T, 8, weights);
      const col = Float64Array.from(y);
      expect(demeanTwoWay([col], U, 300, T, 8, { weights, solve: 'exact' }).method).toBe('exact');
      for (let i = 0; i < y.length; i++) expect(Math.abs(col[i] - expected[i])).toBeLessThan(1e-8);
    }
  });
  it('gives each column’s period effects: the column less its residual is a unit constant plus τ of the period', () => {
    const { U, T, y, w, n } = unbalanced(9, 30, 7);
    const col = Float64Array.from(y);
    const tau = new Float64Array(7);
    expect(demeanTwoWay([col], U, 30, T, 7, { weights: w, solve: 'exact', periodEffects: [tau] }).method).toBe('exact');
    const constant = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const c = y[i] - col[i] - tau[T[i]];
      if (!constant.has(U[i])) constant.set(U[i], c);
      expect(Math.abs(c - (constant.get(U[i]) as number))).toBeLessThan(1e-9 * 3000);
    }
    expect(() => demeanTwoWay([col], U, 30, T, 7, { solve: 'exact', periodEffects: [new Float64Array(3)] })).toThrow('`periodEffects` must hold one array of 7 per column');
  });
  it('agrees with alternating projections, and leaves a period without rows out of the system', () => {
    const { U, T, y } = unbalanced(8, 25, 6);
    // period codes 0, 2..6: code 1 has no rows
    const T2 = Int32Array.from(T, (t) => (t === 0 ? 0 : t + 1));
    const a = Float64Array.from(y);
    const b = Float64Array.from(y);
    demeanTwoWay([a], U, 25, T2, 7, { solve: 'exact' });
    demeanTwoWay([b], U, 25, T2, 7, { tol: 1e-14 });
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-8);
  });
  it('falls back to alternating projections on a zero weight and on a panel split in two', () => {
    const { U, T, y, w, n } = unbalanced(9, 20, 5);
    const w0 = w.slice();
    w0[3] = 0;
    expect(demeanTwoWay([Float64Array.from(y)], U, 20, T, 5, { weights: w0, solve: 'exact' }).method).toBe('alternating');
    // units 0-1 only in periods 0-1, units 2-3 only in periods 2-3: no period in common, the system is singular
    const U2 = Int32Array.of(0, 0, 1, 1, 2, 2, 3, 3);
    const T3 = Int32Array.of(0, 1, 0, 1, 2, 3, 2, 3);
    const y2 = Float64Array.of(1, 2, 4, 3, 10, 12, 9, 8);
    expect(demeanTwoWay([y2], U2, 4, T3, 4, { solve: 'exact' }).method).toBe('alternating');
    expect(n).toBeGreaterThan(0);
  });
  it('rejects an unknown solver', () => {
    expect(() => demeanTwoWay([new Float64Array(2)], Int32Array.of(0, 1), 2, Int32Array.of(0, 0), 1, { solve: 'qr' as 'exact' })).toThrow(/`solve` must be 'alternating' or 'exact'/);
  });
});
