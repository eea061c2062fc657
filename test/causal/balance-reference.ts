/**
 * The eCDF distance walked over a given order of the rows (ties adjacent): each distinct value's step is
 * closed before the next value is added, zero and negative weights skipped. The reference the balance
 * tests hold `ecdfMaxDistance` and `balanceTable` to, bit for bit, under one order or another.
 */
export function ecdfWalk(x: Float64Array, treat: Float64Array, w: Float64Array, order: Iterable<number>): number {
  let wt = 0, wc = 0;
  for (let i = 0; i < x.length; i++) if (w[i] > 0) (treat[i] === 1 ? (wt += w[i]) : (wc += w[i]));
  let ft = 0, fc = 0, best = 0, last = -1;
  for (const i of order) {
    if (!(w[i] > 0)) continue;
    if (last >= 0 && x[i] !== x[last]) best = Math.max(best, Math.abs(ft - fc));
    if (treat[i] === 1) ft += w[i] / wt;
    else fc += w[i] / wc;
    last = i;
  }
  return Math.max(best, Math.abs(ft - fc));
}
