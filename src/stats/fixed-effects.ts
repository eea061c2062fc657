import { EstimationError } from '../core/errors';

/**
 * Subtracts group means from each column in place, one grouping factor:
 * the within transformation that absorbs one set of fixed effects.
 * `group` holds dense codes 0..nGroups−1; `weights` gives weighted means.
 *
 * @example
 * const y = Float64Array.of(1, 3, 10, 20);
 * demeanOneWay([y], Int32Array.of(0, 0, 1, 1), 2);
 * y; // => Float64Array [-1, 1, -5, 5]
 */
export function demeanOneWay(columns: Float64Array[], group: Int32Array, nGroups: number, weights?: Float64Array): void {
  const n = group.length;
  const wSum = new Float64Array(nGroups);
  for (let i = 0; i < n; i++) wSum[group[i]] += weights ? weights[i] : 1;
  const sums = new Float64Array(nGroups);
  for (const col of columns) {
    if (col.length !== n) throw new RangeError(`demeanOneWay: a column has ${col.length} rows, \`group\` has ${n}`);
    subtractMeans(col, group, wSum, sums, weights);
  }
}

function subtractMeans(col: Float64Array, group: Int32Array, wSum: Float64Array, sums: Float64Array, weights?: Float64Array): number {
  const n = group.length;
  sums.fill(0);
  if (weights) for (let i = 0; i < n; i++) sums[group[i]] += weights[i] * col[i];
  else for (let i = 0; i < n; i++) sums[group[i]] += col[i];
  let largest = 0;
  for (let g = 0; g < sums.length; g++) {
    sums[g] = wSum[g] > 0 ? sums[g] / wSum[g] : 0;
    const a = Math.abs(sums[g]);
    if (a > largest) largest = a;
  }
  for (let i = 0; i < n; i++) col[i] -= sums[group[i]];
  return largest;
}

/** What {@link demeanTwoWay} did: sweeps used per column and whether all converged. */
export interface DemeanReport {
  iterations: number[];
  converged: boolean;
}

/**
 * Two-way within transformation for an unbalanced panel by alternating
 * projections (the method of alternating projections, as `fixest` and
 * `lfe` use it): subtract unit means, then period means, and repeat until
 * the period means left are below `tol` × the column's scale. A balanced
 * panel converges in one sweep; an unbalanced one in a few. No dummy matrix
 * is ever built, so millions of employee-months fit in memory. Columns are
 * changed in place.
 *
 * @example
 * // unit effects 0 and 10, period effects 0 and 1, no noise: everything is absorbed
 * const y = Float64Array.of(0, 1, 10, 11);
 * demeanTwoWay([y], Int32Array.of(0, 0, 1, 1), 2, Int32Array.of(0, 1, 0, 1), 2);
 * Array.from(y).map((v) => Math.abs(v) < 1e-12); // => [true, true, true, true]
 */
export function demeanTwoWay(
  columns: Float64Array[],
  unit: Int32Array,
  nUnits: number,
  time: Int32Array,
  nTimes: number,
  opts: { weights?: Float64Array; tol?: number; maxIterations?: number } = {},
): DemeanReport {
  const n = unit.length;
  if (time.length !== n) throw new RangeError(`demeanTwoWay: \`unit\` has ${n} rows but \`time\` has ${time.length}`);
  const tol = opts.tol ?? 1e-10;
  const maxIterations = opts.maxIterations ?? 10000;
  const weights = opts.weights;
  const wUnit = new Float64Array(nUnits);
  const wTime = new Float64Array(nTimes);
  for (let i = 0; i < n; i++) {
    const wi = weights ? weights[i] : 1;
    wUnit[unit[i]] += wi;
    wTime[time[i]] += wi;
  }
  const unitSums = new Float64Array(nUnits);
  const timeSums = new Float64Array(nTimes);
  const iterations: number[] = [];
  let converged = true;
  for (const col of columns) {
    if (col.length !== n) throw new RangeError(`demeanTwoWay: a column has ${col.length} rows, \`unit\` has ${n}`);
    let scale = 0;
    for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(col[i]));
    const threshold = tol * Math.max(scale, 1e-300);
    let it = 0;
    for (;;) {
      it++;
      subtractMeans(col, unit, wUnit, unitSums, weights);
      const left = subtractMeans(col, time, wTime, timeSums, weights);
      // Converged when the period means removed were already negligible, so the unit means are still ~0.
      if (left <= threshold) break;
      if (it >= maxIterations) {
        converged = false;
        break;
      }
    }
    iterations.push(it);
  }
  if (!converged) {
    throw new EstimationError(
      `demeanTwoWay: alternating projections did not converge in ${maxIterations} sweeps; the panel may be split into disconnected unit-period sets`,
    );
  }
  return { iterations, converged };
}
