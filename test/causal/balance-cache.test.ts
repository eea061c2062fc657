import { describe, expect, it } from 'vitest';
import { balanceTable, ecdfMaxDistance, stableOrder } from '../../src/causal/balance';
import { createRng } from '../../src/stats/rng';
import { ecdfWalk } from './balance-reference';

// Hand-rolled references: the direct definitions, with none of balanceTable's sharing.
function ecdfReference(x: Float64Array, treat: Float64Array, w: Float64Array): number {
  const values = [...new Set(Array.from(x, (v) => v + 0))].sort((a, b) => a - b);
  let wt = 0, wc = 0;
  for (let i = 0; i < x.length; i++) if (w[i] > 0) (treat[i] === 1 ? (wt += w[i]) : (wc += w[i]));
  let best = 0;
  for (const v of values) {
    let ft = 0, fc = 0;
    for (let i = 0; i < x.length; i++) if (w[i] > 0 && x[i] <= v) (treat[i] === 1 ? (ft += w[i]) : (fc += w[i]));
    best = Math.max(best, Math.abs(ft / wt - fc / wc));
  }
  return best;
}

// The same walk over a comparator sort (stable: ties in row order): equal to the last bit, since the
// eCDF sums run in sorted order.
function ecdfComparatorSort(x: Float64Array, treat: Float64Array, w: Float64Array): number {
  return ecdfWalk(x, treat, w, Array.from(x, (_, i) => i).sort((a, b) => x[a] - x[b]));
}

function sample(n: number, seed: number) {
  const rng = createRng(seed);
  const treat = Float64Array.from({ length: n }, () => (rng.uniform() < 0.3 ? 1 : 0));
  // Few distinct values (many ties, a signed zero) and many distinct values.
  const tied = Float64Array.from({ length: n }, () => {
    const v = rng.int(7) - 3;
    return v === 0 && rng.uniform() < 0.5 ? -0 : v;
  });
  const spread = Float64Array.from({ length: n }, () => rng.normal());
  const role = Array.from({ length: n }, () => (rng.uniform() < 0.05 ? null : ['analyst', 'manager', 'sales'][rng.int(3)]));
  const after = Float64Array.from({ length: n }, () => (rng.uniform() < 0.4 ? 0 : rng.uniform() * 2));
  return { treat, tied, spread, role, after };
}

describe('balanceTable sharing (sorts and level codes cached per column)', () => {
  it('eCDF maxima match the direct definition with ties, signed zeros and zero weights (1e-12)', () => {
    const { treat, tied, spread, after } = sample(400, 3);
    for (const x of [tied, spread]) expect(Math.abs(ecdfMaxDistance(x, treat, after) - ecdfReference(x, treat, after))).toBeLessThan(1e-12);
  });

  it('sorts as a stable comparator sort does: eCDF maxima equal to the last bit (ties, −0, negatives, tiny and huge values)', () => {
    const { treat, tied, spread, after } = sample(5000, 17);
    const wide = spread.map((v, i) => (i % 7 === 0 ? v * 1e-300 : i % 11 === 0 ? v * 1e300 : v));
    for (const x of [tied, spread, wide]) expect(ecdfMaxDistance(x, treat, after)).toBe(ecdfComparatorSort(x, treat, after));
  });

  it('a text column gives exactly the rows of its 0/1 level columns', () => {
    const { treat, role, after } = sample(500, 5);
    const levels = ['analyst', 'manager', 'sales'];
    const dense = levels.map((l) => ({ name: 'role' + l, values: Float64Array.from(role, (v) => (v === l ? 1 : 0)) }));
    expect(balanceTable([{ name: 'role', values: role }], treat, { after })).toEqual(balanceTable(dense, treat, { after }));
  });

  it('infinite weights still give the indicator columns’ results (NaN where 0 × ∞ enters)', () => {
    const { treat, role } = sample(50, 8);
    const after = new Float64Array(50).fill(1);
    after[treat.indexOf(0)] = Infinity;
    const dense = ['analyst', 'manager', 'sales'].map((l) => ({ name: 'role' + l, values: Float64Array.from(role, (v) => (v === l ? 1 : 0)) }));
    expect(balanceTable([{ name: 'role', values: role }], treat, { after })).toEqual(balanceTable(dense, treat, { after }));
  });

  it('a column changed in place after a first call is sorted and coded afresh', () => {
    const { treat, tied, spread, role, after } = sample(300, 11);
    const covariates = [{ name: 'tied', values: tied }, { name: 'spread', values: spread }, { name: 'role', values: role }];
    balanceTable(covariates, treat, { after });
    spread.reverse();
    tied.set(tied.map((v) => -v));
    role.reverse();
    const fresh = [{ name: 'tied', values: tied.slice() }, { name: 'spread', values: spread.slice() }, { name: 'role', values: role.slice() }];
    expect(balanceTable(covariates, treat, { after })).toEqual(balanceTable(fresh, treat, { after }));
  });

  it('the before side is computed afresh when the treatment or the sample weights change in place', () => {
    const { treat, tied, spread, after } = sample(300, 17);
    const covariates = [{ name: 'tied', values: tied }, { name: 'spread', values: spread }];
    const weights = new Float64Array(300).fill(1);
    balanceTable(covariates, treat, { before: weights, after });
    treat.reverse();
    weights[5] = 7;
    const fresh = [{ name: 'tied', values: tied.slice() }, { name: 'spread', values: spread.slice() }];
    expect(balanceTable(covariates, treat, { before: weights, after })).toEqual(balanceTable(fresh, treat.slice(), { before: weights.slice(), after }));
    // and without sample weights, after a call with them
    expect(balanceTable(covariates, treat, { after })).toEqual(balanceTable(fresh.map((c) => ({ ...c, values: c.values.slice() })), treat.slice(), { after }));
  });

  it('the before side does not depend on the after weights or on a previous call', () => {
    const { treat, spread } = sample(300, 13);
    const covariates = [{ name: 'spread', values: spread }];
    const a = balanceTable(covariates, treat, { after: new Float64Array(300).fill(1) });
    const b = balanceTable(covariates, treat);
    expect(a[0].ecdfMaxBefore).toBe(b[0].ecdfMaxAfter);
    expect(a[0].smdBefore).toBe(b[0].smdAfter);
    expect(a[0].varianceRatioBefore).toBe(b[0].varianceRatioAfter);
  });
});

describe('stableOrder', () => {
  // The comparator sort it stands in for: by value, ties in row order, −0 equal to 0.
  const reference = (x: Float64Array) => Array.from(x, (_, i) => i).sort((a, b) => x[a] - x[b] || a - b);

  it('orders a column of few distinct values (the counting path) as the stable comparator sort, −0 and runs included', () => {
    const rng = createRng(11);
    const values = [0.93, -0, 0, 1.07, -2.5, 1e-300, -1e300, 0.1 + 0.2];
    const x = new Float64Array(5000);
    for (let i = 0; i < x.length; ) {
      const v = values[Math.floor(rng.uniform() * values.length)];
      const run = 1 + Math.floor(rng.uniform() * 40);
      for (let k = 0; k < run && i < x.length; k++) x[i++] = v;
    }
    expect(Array.from(stableOrder(x))).toEqual(reference(x));
  });

  it('orders a continuous column (the radix path) and a column just over the counting limit as the comparator sort', () => {
    const rng = createRng(12);
    const cont = Float64Array.from({ length: 20000 }, () => (rng.uniform() - 0.4) * 1e4);
    expect(Array.from(stableOrder(cont))).toEqual(reference(cont));
    // 4,097 distinct values, each twice: the counting path gives up and the radix sort answers.
    const many = Float64Array.from({ length: 8194 }, (_, i) => ((i * 7919) % 4097) - 2048.5);
    expect(Array.from(stableOrder(many))).toEqual(reference(many));
  });

  it('orders values that tie on their high 32 bits by value and row: short runs and one long run', () => {
    const rng = createRng(13);
    // ~20,000 distinct values; rows that share 1000 + a differ only far down the mantissa (runs of a few).
    const short = Float64Array.from({ length: 20000 }, () => 1000 + rng.int(5001) + rng.int(4) * 2 ** -35);
    expect(Array.from(stableOrder(short))).toEqual(reference(short));
    // Every value within 2^-23 of 1: one run of all rows, in no order.
    const long = Float64Array.from({ length: 10000 }, () => 1 + rng.int(100000) * 2 ** -40);
    expect(Array.from(stableOrder(long))).toEqual(reference(long));
    // Negative values tie too (their mapped keys are complemented).
    const negative = Float64Array.from(short, (v) => -v);
    expect(Array.from(stableOrder(negative))).toEqual(reference(negative));
  });
});
