import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchNearest } from '../../src/causal/matching';

/** The greedy nearest-neighbour spec written the slow way: O(n_t × n_c), no skip structures. */
function bruteForce(d: number[], t: number[], opts: { caliperWidth?: number; exact?: number[]; order?: 'largest' | 'smallest' | 'data'; ratio?: number }): number[] {
  const n = d.length;
  const ratio = opts.ratio ?? 1;
  const free = t.map((v) => v === 0);
  const treated = t.flatMap((v, i) => (v === 1 ? [i] : []));
  const order = [...treated];
  if (opts.order !== 'data') {
    const s = opts.order === 'smallest' ? 1 : -1;
    order.sort((a, b) => s * (d[a] - d[b]) || a - b);
  }
  const pairs = new Array(treated.length * ratio).fill(-1);
  const cal = opts.caliperWidth ?? Infinity;
  const before = (c: number, i: number) => d[c] < d[i] || (d[c] === d[i] && c < i);
  for (let r = 0; r < ratio; r++) {
    for (const i of order) {
      const slot = treated.indexOf(i);
      if (r > 0 && pairs[slot * ratio + r - 1] < 0) continue;
      let left = -1;
      let right = -1;
      for (let c = 0; c < n; c++) {
        if (!free[c] || (opts.exact && opts.exact[c] !== opts.exact[i])) continue;
        if (before(c, i)) {
          if (left < 0 || d[c] > d[left] || (d[c] === d[left] && c > left)) left = c;
        } else if (right < 0 || d[c] < d[right] || (d[c] === d[right] && c < right)) right = c;
      }
      if (left >= 0 && d[i] - d[left] > cal) left = -1;
      if (right >= 0 && d[right] - d[i] > cal) right = -1;
      const pick = left >= 0 && right >= 0 ? (d[i] - d[left] <= d[right] - d[i] ? left : right) : left >= 0 ? left : right;
      if (pick < 0) continue;
      pairs[slot * ratio + r] = pick;
      free[pick] = false;
    }
  }
  return pairs;
}

const unitArb = fc.array(fc.record({ d: fc.integer({ min: 0, max: 12 }), t: fc.integer({ min: 0, max: 2 }), cell: fc.integer({ min: 0, max: 2 }) }), { minLength: 2, maxLength: 40 }).filter(
  (u) => u.some((x) => x.t === 1) && u.some((x) => x.t !== 1),
);

describe('matchNearest (binary search + skips) equals the brute-force greedy spec', () => {
  it('for random data with many ties, every order, ratio 1–3, caliper and exact cells', () => {
    fc.assert(
      fc.property(
        unitArb,
        fc.constantFrom('largest', 'smallest', 'data') as fc.Arbitrary<'largest' | 'smallest' | 'data'>,
        fc.integer({ min: 1, max: 3 }),
        fc.option(fc.constantFrom(0.1, 0.5, 1), { nil: undefined }),
        fc.boolean(),
        (units, order, ratio, caliper, useExact) => {
          const d = units.map((u) => u.d / 4);
          const t = units.map((u) => (u.t === 1 ? 1 : 0));
          const exact = useExact ? units.map((u) => u.cell) : undefined;
          const m = matchNearest(Float64Array.from(d), Float64Array.from(t), { order, ratio, caliper, exact });
          const expected = bruteForce(d, t, { order, ratio, exact, caliperWidth: m.caliperWidth });
          expect(Array.from(m.pairs)).toEqual(expected);
        },
      ),
      { numRuns: 400, seed: 42 },
    );
  });
});

describe('matchNearest weights and options', () => {
  it('1:2 without replacement: each treated gets two distinct controls, weights 1 for all matched', () => {
    const d = Float64Array.from([1, 0.9, 1.1, 2, 1.95, 2.2, 5]);
    const t = Float64Array.from([1, 0, 0, 1, 0, 0, 0]);
    const m = matchNearest(d, t, { ratio: 2 });
    expect(Array.from(m.pairs)).toEqual([1, 2, 4, 5]);
    expect(Array.from(m.weights)).toEqual([1, 1, 1, 1, 1, 1, 0]);
    expect(m.unusedControls).toBe(1);
  });
  it('with replacement a control serving two treated gets weight 2 before rescaling to the number of matched controls', () => {
    // treated at 1.0 and 1.05 both take the control at 1.02; the control at 3 is unused
    const d = Float64Array.from([1.0, 1.05, 1.02, 3]);
    const t = Float64Array.from([1, 1, 0, 0]);
    const m = matchNearest(d, t, { replace: true });
    expect(Array.from(m.pairs)).toEqual([2, 2]);
    // raw weight 2, rescaled so control weights sum to the 1 distinct matched control
    expect(m.weights[2]).toBeCloseTo(1, 12);
    expect(m.nMatchedControls).toBe(1);
    expect(Array.from(m.subclass)).toEqual([-1, -1, -1, -1]);
  });
  it("order 'random' depends only on the seed", () => {
    const d = Float64Array.from({ length: 30 }, (_, i) => (i * 7) % 10);
    const t = Float64Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const a = matchNearest(d, t, { order: 'random', seed: 5 });
    const b = matchNearest(d, t, { order: 'random', seed: 5 });
    expect(Array.from(a.pairs)).toEqual(Array.from(b.pairs));
  });
});
