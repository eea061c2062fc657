import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { balanceTable, ecdfMaxDistance, stableOrder } from '../../src/causal/balance';
import { createRng } from '../../src/stats/rng';
import { ecdfWalk } from './balance-reference';

// The counting sort stableOrder used before its table of distinct values was keyed on the doubles'
// bits: a Map from value to slot, then ranks, then a stable pass. Kept here as the reference the
// new one must equal row for row (with the finite check and the comparator fallback it sat behind).
const FEW_VALUES = 4096;

function mapCountingOrder(x: Float64Array, idx: Uint32Array): Uint32Array | null {
  const n = x.length;
  const slot = new Map<number, number>();
  const rank = new Uint32Array(n);
  let last = NaN;
  let lastSlot = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v !== last) {
      let s = slot.get(v);
      if (s === undefined) {
        if (slot.size === FEW_VALUES) return null;
        s = slot.size;
        slot.set(v, s);
      }
      last = v;
      lastSlot = s;
    }
    rank[i] = lastSlot;
  }
  const values = [...slot.keys()];
  const bySlot = values.map((_, s) => s).sort((a, b) => values[a] - values[b]);
  const rankOf = new Uint32Array(values.length);
  bySlot.forEach((s, r) => (rankOf[s] = r));
  const start = new Uint32Array(values.length + 1);
  for (let i = 0; i < n; i++) {
    const r = rankOf[rank[i]];
    rank[i] = r;
    start[r + 1]++;
  }
  for (let r = 0; r < values.length; r++) start[r + 1] += start[r];
  for (let i = 0; i < n; i++) idx[start[rank[i]]++] = i;
  return idx;
}

// The old stableOrder's choice of path: a column with a NaN is sorted by the comparator (whose order
// with NaN depends on the sort), a few-valued one by the Map, any other by a stable sort by value.
function oldStableOrder(x: Float64Array): number[] {
  const idx = Uint32Array.from(x, (_, i) => i);
  if (x.some((v) => v !== v)) return Array.from(idx.sort((a, b) => x[a] - x[b]));
  const few = mapCountingOrder(x, idx);
  if (few !== null) return Array.from(few);
  return Array.from(x, (_, i) => i).sort((a, b) => x[a] - x[b] || a - b);
}

// Values from a small pool (with −0, 0, infinities, tiny and huge numbers, and 0.1 + 0.2), in runs as
// stacked rows come, and now and then a NaN.
const POOL = [0, -0, 1, -1, 0.5, 0.1 + 0.2, 0.3, 1e-300, -1e-300, 5e-324, 1e300, -1e300, Infinity, -Infinity, 42, 1000];

function pooledColumn(picks: number[], runs: number[], nan: boolean[]): Float64Array {
  const out: number[] = [];
  picks.forEach((p, k) => {
    for (let r = 0; r < runs[k]; r++) out.push(nan[k] ? NaN : POOL[p % POOL.length]);
  });
  return Float64Array.from(out);
}

describe('stableOrder (counting path keyed on the bits)', () => {
  it('equals the Map-based counting sort on few-valued columns with ties, runs, −0 and infinities', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 0, maxLength: 300 }),
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 300, maxLength: 300 }),
        (picks, runs) => {
          const x = pooledColumn(picks, runs, picks.map(() => false));
          expect(Array.from(stableOrder(x))).toEqual(oldStableOrder(x));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('takes the comparator sort, as before, for any column with a NaN', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 200 }),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 200, maxLength: 200 }),
        fc.array(fc.boolean(), { minLength: 200, maxLength: 200 }),
        (picks, runs, nan) => {
          const x = pooledColumn(picks, runs, nan.map((b, k) => b && k % 7 === 0));
          expect(Array.from(stableOrder(x))).toEqual(oldStableOrder(x));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('equals it on arbitrary doubles (any bit pattern but NaN), few or many distinct', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true }), { maxLength: 500 }), fc.integer({ min: 1, max: 40 }), (values, distinct) => {
        // The same doubles as a few-valued column (values reused) and as they come.
        const few = Float64Array.from(values, (_, i) => values[(i * 7) % Math.min(distinct, values.length)]);
        expect(Array.from(stableOrder(few))).toEqual(oldStableOrder(few));
        const all = Float64Array.from(values);
        expect(Array.from(stableOrder(all))).toEqual(oldStableOrder(all));
      }),
      { numRuns: 300 },
    );
  });

  it('gives up at the same point: 4,096 distinct values count, 4,097 go to the radix sort, with the same order either way', () => {
    const rng = createRng(21);
    for (const distinct of [4095, 4096, 4097, 6000]) {
      // Values whose bits differ only low in the mantissa or only in the exponent: hash collisions welcome.
      const values = Array.from({ length: distinct }, (_, k) => (k % 2 === 0 ? 1 + k * 2 ** -52 : 2 ** (k % 900) * (k % 3 === 0 ? -1 : 1)));
      const x = Float64Array.from({ length: 3 * distinct }, () => values[rng.int(distinct)]);
      expect(Array.from(stableOrder(x))).toEqual(oldStableOrder(x));
    }
  });

  it('keeps the balance table and the eCDF distance bit for bit on few-valued columns with zero weights', () => {
    const rng = createRng(22);
    const n = 3000;
    const treat = Float64Array.from({ length: n }, () => (rng.uniform() < 0.3 ? 1 : 0));
    const before = Float64Array.from({ length: n }, () => (rng.uniform() < 0.1 ? 0 : 0.5 + rng.uniform()));
    const after = Float64Array.from(before, (w) => (rng.uniform() < 0.4 ? 0 : w * rng.uniform()));
    const level = Float64Array.from({ length: n }, () => [1, 2, 3, -0, 0][rng.int(5)]);
    const rating = Float64Array.from({ length: n }, () => 1 + rng.int(5) * 0.25);
    // The eCDF distance through the Map-based order, as ecdfMaxDistance walked it.
    const reference = (x: Float64Array, w: Float64Array) => ecdfWalk(x, treat, w, oldStableOrder(x));
    for (const x of [level, rating]) {
      expect(Object.is(ecdfMaxDistance(x, treat, after), reference(x, after))).toBe(true);
      const [row] = balanceTable([{ name: 'x', values: x }], treat, { before, after });
      expect(Object.is(row.ecdfMaxBefore, reference(x, before))).toBe(true);
      expect(Object.is(row.ecdfMaxAfter, reference(x, after))).toBe(true);
    }
  });
});
