import { describe, expect, it } from 'vitest';
import { balanceTable, ecdfMaxDistance } from '../../src/causal/balance';

// The sums over a group's rows and the eCDF pass through per-row steps must give the very numbers of the
// plain passes over every row (same additions in the same order), whatever the weights leave out.
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function reference(x: Float64Array, treat: Float64Array, w: Float64Array | undefined) {
  const order = Array.from(x.keys()).sort((a, b) => x[a] - x[b] || a - b);
  let wt = 0, wc = 0, sT = 0, sC = 0, swT = 0, swC = 0;
  for (let i = 0; i < x.length; i++) {
    const wi = w ? w[i] : 1;
    if (wi <= 0) continue;
    if (treat[i] === 1) (wt += wi), (sT += wi * x[i]), (swT += wi);
    else {
      wc += wi;
      if (treat[i] === 0) (sC += wi * x[i]), (swC += wi);
    }
  }
  let ft = 0, fc = 0, best = 0, last = -1;
  for (const i of order) {
    const wi = w ? w[i] : 1;
    if (wi <= 0) continue;
    if (last >= 0 && x[i] !== x[last]) best = Math.max(best, Math.abs(ft - fc));
    if (treat[i] === 1) ft += wi / wt;
    else fc += wi / wc;
    last = i;
  }
  return { ecdf: Math.max(best, Math.abs(ft - fc)), meanT: sT / swT, meanC: sC / swC };
}

describe('balance fast passes', () => {
  it('match the plain passes bit for bit, with rows left out and ties', () => {
    const r = lcg(7);
    const n = 3000;
    const treat = Float64Array.from({ length: n }, () => (r() < 0.2 ? 1 : 0));
    const before = Float64Array.from({ length: n }, () => 0.5 + r());
    const after = Float64Array.from({ length: n }, (_, i) => (treat[i] === 1 ? before[i] : r() < 0.3 ? 0 : before[i] * r() * 3));
    const tied = Float64Array.from({ length: n }, () => Math.floor(r() * 7) - 3);
    const spread = Float64Array.from({ length: n }, () => (r() - 0.5) * 1e3);
    for (const x of [tied, spread]) {
      for (const w of [undefined, before, after]) {
        const ref = reference(x, treat, w);
        expect(ecdfMaxDistance(x, treat, w)).toBe(ref.ecdf);
      }
      const [row] = balanceTable([{ name: 'x', values: x }], treat, { before, after });
      const b = reference(x, treat, before), a = reference(x, treat, after);
      expect([row.meanControlBefore, row.meanControlAfter, row.meanTreated]).toEqual([b.meanC, a.meanC, a.meanT]);
      expect([row.ecdfMaxBefore, row.ecdfMaxAfter]).toEqual([b.ecdf, a.ecdf]);
      // A second table on the same inputs (the before side and the order from the caches) gives the same row.
      expect(balanceTable([{ name: 'x', values: x }], treat, { before, after })[0]).toEqual(row);
    }
  });
});
