import { describe, expect, it } from 'vitest';
import { readPathFile, type PathCounts } from '../../src/attribution/paths';
import { absorbFromStart, buildMarkovChain, markovAttribution, transitionMatrix, type MarkovChain } from '../../src/attribution/markov';
import { createRng } from '../../src/stats/rng';

const counts = (paths: string[][], conv: number[], value: number[], nulls: number[]): PathCounts => ({
  paths,
  conversions: Float64Array.from(conv),
  value: Float64Array.from(value),
  nulls: Float64Array.from(nulls),
});

describe('markovAttribution on hand-worked chains', () => {
  it('two courses, order 1', () => {
    // start→A ½, start→B ½; A→B ½, A→null ½; B→conv ⅔, B→null ⅓.
    // P = ½·½·⅔ + ½·⅔ = ½.  Without A: ½·⅔ = ⅓ → effect ⅓.  Without B: 0 → effect 1.
    // Shares ¼ and ¾ of the 2 conversions. Value: every conversion is reached from B
    // (mean 7), so value effects equal conversion effects: A 14·¼ = 3.5.
    const r = markovAttribution(counts([['A', 'B'], ['A'], ['B']], [1, 0, 1], [10, 0, 4], [0, 1, 1]));
    expect(r.conversionProbability).toBeCloseTo(0.5, 14);
    expect(r.removalEffects.A).toBeCloseTo(1 / 3, 14);
    expect(r.removalEffects.B).toBeCloseTo(1, 14);
    expect(r.credit.A).toBeCloseTo(0.25, 14);
    expect(r.conversions.B).toBeCloseTo(1.5, 14);
    expect(r.value.A).toBeCloseTo(3.5, 12);
    expect(r.expectedValue).toBeCloseTo(3.5, 12);
  });
  it('the same journeys, order 2, remember where B came from', () => {
    // States (A), (A>B), (B). start→(A) ½, start→(B) ½; (A)→(A>B) ½, (A)→null ½;
    // (A>B)→conv 1; (B)→conv ½, null ½.  P = ¼ + ¼ = ½.
    // Without A ((A), (A>B) gone): ¼ → effect ½.  Without B: 0 → effect 1.  Shares ⅓, ⅔.
    const r = markovAttribution(counts([['A', 'B'], ['A'], ['B']], [1, 0, 1], [10, 0, 4], [0, 1, 1]), { order: 2 });
    expect(r.removalEffects.A).toBeCloseTo(0.5, 14);
    expect(r.credit.A).toBeCloseTo(1 / 3, 14);
    expect(r.credit.B).toBeCloseTo(2 / 3, 14);
    // Value: from (A>B) each conversion is worth 10, from (B) 4: E = ¼·10 + ¼·4 = 3.5;
    // without A: 1; without B: 0 → effects 5/7 and 1 → A gets 14·(5/7)/(12/7) = 35/6.
    expect(r.expectedValue).toBeCloseTo(3.5, 12);
    expect(r.value.A).toBeCloseTo(35 / 6, 12);
  });
  it('a chain with a cycle (A > B > A)', () => {
    // start→A ¾, start→B ¼; A→B ¼, A→conv ½, A→null ¼; B→A ½, B→null ½.
    // x_A = ¼x_B + ½, x_B = ½x_A → x_A = 4/7, x_B = 2/7; P = ¾·4/7 + ¼·2/7 = ½.
    // Without B: x_A = ½ → P = 3/8 → effect ¼.  Without A: 0 → effect 1.  Shares 4/5, 1/5.
    const c = counts([['A', 'B', 'A'], ['B'], ['A']], [1, 0, 1], [1, 0, 1], [0, 1, 1]);
    const r = markovAttribution(c);
    expect(r.conversionProbability).toBeCloseTo(0.5, 14);
    expect(r.removalEffects.B).toBeCloseTo(0.25, 14);
    expect(r.credit.A).toBeCloseTo(0.8, 14);
    // The iterative solver agrees with LU.
    const gs = markovAttribution(c, { denseLimit: 0 });
    expect(gs.credit.A).toBeCloseTo(0.8, 12);
    expect(gs.notes[0]).toMatch(/Gauss–Seidel/);
  });
  it('rejects orders outside 1..3', () => {
    const c = counts([['A']], [1], [1], [1]);
    expect(() => markovAttribution(c, { order: 4 })).toThrow(/`order` must be 1, 2 or 3, got 4/);
  });
  it('transitionMatrix rows sum to 1 for transient states', () => {
    const t = transitionMatrix(counts([['A', 'B'], ['A'], ['B']], [1, 0, 1], [10, 0, 4], [0, 1, 1]));
    expect(t.labels).toEqual(['(start)', 'A', 'B', '(conversion)', '(null)']);
    expect(t.matrix[1]).toEqual([0, 0, 0.5, 0, 0.5]);
    for (let i = 0; i < 3; i++) expect(t.matrix[i].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
  });
});

// Walks the fitted chain from the start until absorption; states in `removed` absorb to null.
function simulate(chain: MarkovChain, removed: Uint8Array, walks: number, seed: number): number {
  const rng = createRng(seed);
  let converted = 0;
  for (let w = 0; w < walks; w++) {
    let s = 0;
    for (;;) {
      if (removed[s]) break;
      let u = rng.uniform();
      if (u < chain.toConversion[s]) {
        converted++;
        break;
      }
      u -= chain.toConversion[s];
      if (u < chain.toNull[s]) break;
      u -= chain.toNull[s];
      let next = chain.to[chain.rowStart[s + 1] - 1];
      for (let e = chain.rowStart[s]; e < chain.rowStart[s + 1]; e++) {
        if (u < chain.prob[e]) {
          next = chain.to[e];
          break;
        }
        u -= chain.prob[e];
      }
      s = next;
    }
  }
  return converted / walks;
}

describe('markovAttribution on PathData agrees with a seeded simulation of the same chain', async () => {
  const data = await readPathFile('data/channel_paths/path_data.csv', {
    path: 'path', conversions: 'total_conversions', value: 'total_conversion_value', nulls: 'total_null' });
  for (const order of [1, 2]) {
    it(`order ${order}: P(conversion) and the removal of alpha and iota`, () => {
      const chain = buildMarkovChain(data, { order });
      const ext = chain;
      const n = chain.labels.length;
      const exact = absorbFromStart(chain, new Uint8Array(n));
      const walks = 100000;
      const p = simulate(ext, new Uint8Array(n), walks, 11 + order);
      const se = Math.sqrt((exact.probability * (1 - exact.probability)) / walks);
      expect(Math.abs(p - exact.probability)).toBeLessThan(4 * se);
      for (const course of ['alpha', 'iota']) {
        const c = chain.courses.indexOf(course);
        const removed = Uint8Array.from(chain.tuples, (t) => (t.includes(c) ? 1 : 0));
        const ex = absorbFromStart(chain, removed).probability;
        const sim = simulate(ext, removed, walks, 101 + order);
        expect(Math.abs(sim - ex)).toBeLessThan(4 * Math.sqrt((ex * (1 - ex)) / walks) + 1e-12);
      }
      // The fitted chain reproduces the data's conversion rate exactly at order 1 and 2.
      expect(exact.probability).toBeCloseTo(19785 / (19785 + 68602), 10);
    });
  }
  it('orders 1–3 give shares that sum to 1; iterative and LU solutions agree at order 2', () => {
    for (const order of [1, 2, 3]) {
      const r = markovAttribution(data, { order });
      expect(Object.values(r.credit).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(Object.values(r.value).reduce((a, b) => a + b, 0)).toBeCloseTo(74803, 0);
    }
    const lu = markovAttribution(data, { order: 2, denseLimit: 100000 });
    const gs = markovAttribution(data, { order: 2, denseLimit: 0 });
    for (const c of Object.keys(lu.credit)) expect(gs.credit[c]).toBeCloseTo(lu.credit[c], 10);
  });
});
