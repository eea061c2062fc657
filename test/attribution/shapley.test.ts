import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { PathCounts } from '../../src/attribution/paths';
import { shapleyAttribution, shapleyFromTable, shapleyValues } from '../../src/attribution/shapley';

const counts = (paths: string[][], conv: number[], value: number[], nulls: number[]): PathCounts => ({
  paths,
  conversions: Float64Array.from(conv),
  value: Float64Array.from(value),
  nulls: Float64Array.from(nulls),
});

// A random game on n players: v(∅) = 0 and arbitrary values elsewhere.
const game = fc
  .integer({ min: 1, max: 6 })
  .chain((n) => fc.tuple(fc.constant(n), fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 2 ** n, maxLength: 2 ** n })));

describe('Shapley axioms (fast-check)', () => {
  it('efficiency: values sum to v(N) − v(∅)', () => {
    fc.assert(
      fc.property(game, ([n, vs]) => {
        const phi = shapleyFromTable(n, Float64Array.from(vs));
        const sum = phi.reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo(vs[2 ** n - 1] - vs[0], 8);
      }),
    );
  });
  it('symmetry: swapping two players in the game swaps their values', () => {
    fc.assert(
      fc.property(game, ([n, vs]) => {
        if (n < 2) return;
        // Symmetrise players 0 and 1: v'(S) = v(S) + v(swap01(S)).
        const swap = (mask: number): number => {
          const b0 = mask & 1;
          const b1 = (mask >> 1) & 1;
          return (mask & ~3) | (b0 << 1) | b1;
        };
        const sym = Float64Array.from(vs, (_, mask) => vs[mask] + vs[swap(mask)]);
        const phi = shapleyFromTable(n, sym);
        expect(phi[0]).toBeCloseTo(phi[1], 8);
      }),
    );
  });
  it('dummy: a player who adds nothing gets 0', () => {
    fc.assert(
      fc.property(game, ([n, vs]) => {
        if (n < 2) return;
        // Player n−1 is a dummy: v(S ∪ {last}) = v(S).
        const last = 1 << (n - 1);
        const dummy = Float64Array.from(vs, (_, mask) => vs[mask & ~last]);
        expect(Math.abs(shapleyFromTable(n, dummy)[n - 1])).toBeLessThan(1e-9);
      }),
    );
  });
  it('additivity: φ(v + w) = φ(v) + φ(w)', () => {
    fc.assert(
      fc.property(game, fc.integer({ min: 0, max: 1000 }), ([n, vs], shift) => {
        const w = Float64Array.from(vs, (x, mask) => ((mask * 7919 + shift) % 13) - 6);
        const v = Float64Array.from(vs);
        const both = shapleyFromTable(n, Float64Array.from(v, (x, i) => x + w[i]));
        const a = shapleyFromTable(n, v);
        const b = shapleyFromTable(n, w);
        for (let j = 0; j < n; j++) expect(both[j]).toBeCloseTo(a[j] + b[j], 8);
      }),
    );
  });
  it('the glove game, by hand', () => {
    const phi = shapleyFromTable(3, Float64Array.of(0, 0, 0, 1, 0, 1, 0, 1));
    expect(Array.from(phi)).toEqual([expect.closeTo(2 / 3, 12), expect.closeTo(1 / 6, 12), expect.closeTo(1 / 6, 12)]);
  });
  it('sampling agrees with the exact values within its reported error, and is seeded', () => {
    const n = 8;
    const weights = [5, 1, 3, 0, 2, 8, 1, 4];
    // A game with interactions: additive part plus a bonus when players 0 and 5 are both in.
    const v = (m: Uint8Array): number => m.reduce((s, x, j) => s + x * weights[j], 0) + (m[0] && m[5] ? 10 : 0) - (m[1] && m[2] ? 3 : 0);
    const exact = shapleyValues(n, v);
    expect(exact.exact).toBe(true);
    const sampled = shapleyValues(n, v, { exactLimit: 0, draws: 4000, seed: 3 });
    expect(sampled.exact).toBe(false);
    for (let j = 0; j < n; j++) {
      expect(Math.abs(sampled.values[j] - exact.values[j])).toBeLessThan(4 * sampled.standardErrors![j] + 1e-12);
    }
    expect(exact.values[0]).toBeCloseTo(10, 12); // 5 + half of the bonus
    expect(Array.from(shapleyValues(n, v, { exactLimit: 0, draws: 50, seed: 3 }).values)).toEqual(
      Array.from(shapleyValues(n, v, { exactLimit: 0, draws: 50, seed: 3 }).values),
    );
  });
});

describe('shapleyAttribution', () => {
  it('simplified equals the exact Shapley value of Zhao et al.’s game v(S) = Σ_{T ⊆ S} R(T)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.subarray(['A', 'B', 'C', 'D'], { minLength: 1 }), fc.integer({ min: 0, max: 20 })), { minLength: 1, maxLength: 12 }), (rows) => {
        if (rows.every(([, c]) => c === 0)) return;
        const c = counts(rows.map(([p]) => p), rows.map(([, k]) => k), rows.map(([, k]) => 2 * k), rows.map(() => 1));
        const res = shapleyAttribution(c, { courses: ['A', 'B', 'C', 'D'] });
        const table = new Float64Array(16);
        for (let mask = 0; mask < 16; mask++) {
          rows.forEach(([p, k]) => {
            const t = p.reduce((s, x) => s | (1 << 'ABCD'.indexOf(x)), 0);
            if ((t & ~mask) === 0) table[mask] += k;
          });
        }
        const phi = shapleyFromTable(4, table);
        ['A', 'B', 'C', 'D'].forEach((x, j) => expect(res.conversions[x]).toBeCloseTo(phi[j], 9));
      }),
    );
  });
  it('ordered: worked example by touch position', () => {
    // A > B > A converts 6: two distinct courses, 3 each; A's 3 split over positions 1 and 3.
    // B > C converts 2: 1 each, B at position 1, C at position 2.
    const res = shapleyAttribution(counts([['A', 'B', 'A'], ['B', 'C']], [6, 2], [60, 20], [1, 1]), { variant: 'ordered' });
    expect(res.byPosition).toEqual({ A: [1.5, 0, 1.5], B: [1, 3], C: [0, 1] });
    expect(res.conversions).toEqual({ A: 3, B: 4, C: 1 });
    expect(res.value.B).toBeCloseTo(40, 12);
  });
  it('rate: the two-course game by hand', () => {
    // Rates: none 0.1, {A} 0.3, {B} 0.2, {A,B} 0.6.
    // φ_A = ½(0.2 + 0.4) = 0.3, φ_B = ½(0.1 + 0.3) = 0.2 → shares 0.6, 0.4.
    const c = counts([[], ['A'], ['B'], ['A', 'B'], ['B', 'A']], [1, 3, 2, 3, 3], [0, 0, 0, 0, 0], [9, 7, 8, 2, 2]);
    const res = shapleyAttribution(c, { variant: 'rate' });
    expect(res.credit.A).toBeCloseTo(0.6, 12);
    expect(res.conversions.B).toBeCloseTo(0.4 * 11, 12);
    expect(res.notes.join(' ')).toMatch(/1 conversions after no training are the baseline/);
    const sampled = shapleyAttribution(c, { variant: 'rate', exactLimit: 0, draws: 3000, seed: 9 });
    expect(Math.abs(sampled.credit.A - 0.6)).toBeLessThan(4 * sampled.shareStandardErrors!.A + 1e-9);
  });
  it('rate: says so when courses add nothing over no training', () => {
    // None converts 2 of 3; C alone 1 of 2, E and A never: the best set converts as well as none.
    const c = counts([['C'], ['E'], [], ['A']], [1, 0, 2, 0], [0, 0, 0, 0], [1, 1, 1, 1]);
    expect(() => shapleyAttribution(c, { variant: 'rate' })).toThrow(/rate-based shares are undefined/);
  });
  it('rejects an unknown variant', () => {
    expect(() => shapleyAttribution(counts([['A']], [1], [1], [1]), { variant: 'fancy' as 'rate' })).toThrow(/`variant` must be simplified, ordered or rate, got "fancy"/);
  });
});

describe('shapleyAttribution rate variant: the exact table and the sampled lookup agree', () => {
  it('same game whether filled by dynamic programming or by scanning observed subsets', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.subarray(['A', 'B', 'C', 'D', 'E'], { minLength: 0 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 9 })), { minLength: 2, maxLength: 10 }),
        (rows) => {
          if (rows.every(([p, c]) => p.length === 0 || c === 0)) return;
          const c = counts(rows.map(([p]) => p), rows.map(([, k]) => k), rows.map(([, k]) => 3 * k), rows.map(([, , z]) => z));
          let exact;
          try {
            exact = shapleyAttribution(c, { variant: 'rate' });
          } catch (e) {
            // No gain over no training: shares are undefined, and said so.
            expect((e as Error).message).toMatch(/rate-based shares are undefined/);
            return;
          }
          // With exactLimit 0 the game is evaluated by scanning observed subsets instead of the
          // table: the sampled shares must agree with the exact ones within their sampling error.
          const sampled = shapleyAttribution(c, { variant: 'rate', exactLimit: 0, draws: 4000, seed: 5 });
          for (const k of Object.keys(exact.credit)) {
            const se = sampled.shareStandardErrors![k];
            expect(Math.abs(sampled.credit[k] - exact.credit[k])).toBeLessThanOrEqual(5 * se + 1e-9);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
