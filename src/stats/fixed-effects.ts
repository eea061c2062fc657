import { EstimationError } from '../core/errors';
import { choleskyScaled, choleskySolve } from './linalg';
import { wordsHash } from './hash';

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
  if (weights) addWeightedByGroup(sums, group, weights, col, n);
  else addByGroup(sums, group, col, n);
  let largest = 0;
  for (let g = 0; g < sums.length; g++) {
    sums[g] = wSum[g] > 0 ? sums[g] / wSum[g] : 0;
    const a = Math.abs(sums[g]);
    if (a > largest) largest = a;
  }
  subtractByGroup(col, sums, group, n);
  return largest;
}

// sums[group[i]] += w_i·col_i, in row order.
function addWeightedByGroup(sums: Float64Array, group: Int32Array, weights: Float64Array, col: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) sums[group[i]] += weights[i] * col[i];
}

// sums[group[i]] += col_i, in row order.
function addByGroup(sums: Float64Array, group: Int32Array, col: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) sums[group[i]] += col[i];
}

// col_i −= means[group[i]].
function subtractByGroup(col: Float64Array, means: Float64Array, group: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) col[i] -= means[group[i]];
}

/** What {@link demeanTwoWay} did: sweeps used per column and whether all converged. */
export interface DemeanReport {
  iterations: number[];
  converged: boolean;
  /** `exact` when the period effects were solved for directly (`solve: 'exact'` and it applied), else `alternating`. */
  method: 'exact' | 'alternating';
}

/**
 * Two-way within transformation for an unbalanced panel by alternating
 * projections (the method of alternating projections, as `fixest` and
 * `lfe` use it): subtract unit means, then period means, and repeat until
 * the period means left are below `tol` × the column's scale. A balanced
 * panel converges in one sweep; an unbalanced one in a few. No dummy matrix
 * is ever built, so millions of employee-months fit in memory. Columns are
 * changed in place. `solve: 'exact'` solves for the period effects directly
 * instead (one periods × periods system, a few passes per column, the
 * residuals to rounding rather than to `tol`) when there are few periods,
 * every weight is positive and the panel is connected; otherwise it falls
 * back to alternating projections. The report says which ran. With the
 * exact method, `periodEffects[c]` receives column c's period effects τ (0
 * for the reference period and periods without rows): the column less its
 * residual is then a per-unit constant plus τ of the row's period.
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
  opts: { weights?: Float64Array; tol?: number; maxIterations?: number; solve?: 'alternating' | 'exact'; periodEffects?: Float64Array[] } = {},
): DemeanReport {
  const n = unit.length;
  if (time.length !== n) throw new RangeError(`demeanTwoWay: \`unit\` has ${n} rows but \`time\` has ${time.length}`);
  const solve = opts.solve ?? 'alternating';
  if (solve !== 'alternating' && solve !== 'exact') throw new RangeError(`demeanTwoWay: \`solve\` must be 'alternating' or 'exact', got ${JSON.stringify(opts.solve)}`);
  for (const col of columns) if (col.length !== n) throw new RangeError(`demeanTwoWay: a column has ${col.length} rows, \`unit\` has ${n}`);
  const effects = opts.periodEffects;
  if (effects !== undefined && (effects.length !== columns.length || effects.some((e) => e.length !== nTimes))) {
    throw new RangeError(`demeanTwoWay: \`periodEffects\` must hold one array of ${nTimes} per column`);
  }
  if (solve === 'exact' && demeanExact(columns, unit, nUnits, time, nTimes, opts.weights, effects)) {
    return { iterations: columns.map(() => 1), converged: true, method: 'exact' };
  }
  const tol = opts.tol ?? 1e-10;
  const maxIterations = opts.maxIterations ?? 10000;
  const weights = opts.weights;
  const wUnit = new Float64Array(nUnits);
  const wTime = new Float64Array(nTimes);
  unitAndTimeWeights(unit, time, weights, wUnit, wTime, n);
  const unitSums = new Float64Array(nUnits);
  const timeSums = new Float64Array(nTimes);
  const iterations: number[] = [];
  let converged = true;
  for (const col of columns) {
    const scale = largestAbs(col, n);
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
  return { iterations, converged, method: 'alternating' };
}

// wUnit[unit] += w_i and wTime[time] += w_i over the rows (w = 1 without weights).
function unitAndTimeWeights(unit: Int32Array, time: Int32Array, weights: Float64Array | undefined, wUnit: Float64Array, wTime: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const wi = weights ? weights[i] : 1;
    wUnit[unit[i]] += wi;
    wTime[time[i]] += wi;
  }
}

// max |col_i| (0 for none).
function largestAbs(col: Float64Array, n: number): number {
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(col[i]));
  return scale;
}

/** Periods up to which {@link demeanExact} solves for the period effects (a dense periods × periods system). */
const EXACT_MAX_TIMES = 400;

/**
 * The units with a positive weight whose rows of the units × periods table
 * `a` differ, each with the number of units sharing its row (found by a hash
 * of the row's bits, then compared entry by entry).
 */
function distinctRows(a: Float64Array, nUnits: number, T: number, wUnit: Float64Array): { rows: number[]; count: number[] } {
  const bits = new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
  const byHash = new Map<number, number[]>();
  const rows: number[] = [];
  const count: number[] = [];
  for (let u = 0; u < nUnits; u++) {
    if (!(wUnit[u] > 0)) continue;
    const [h1, h2] = wordsHash(bits, 2 * u * T, 2 * (u + 1) * T, 0x2545f491);
    const key = (h1 >>> 0) * 0x200000 + (h2 & 0x1fffff);
    const same = byHash.get(key);
    let found = -1;
    if (same) {
      for (const r of same) {
        const v = rows[r] * T;
        let equal = true;
        for (let t = 0; t < T && equal; t++) equal = a[v + t] === a[u * T + t];
        if (equal) {
          found = r;
          break;
        }
      }
    }
    if (found >= 0) count[found]++;
    else {
      if (same) same.push(rows.length);
      else byHash.set(key, [rows.length]);
      rows.push(u);
      count.push(1);
    }
  }
  return { rows, count };
}

/**
 * The two-way within transformation in closed form, for few periods: by
 * Frisch–Waugh, the residual of y on unit and period dummies is the unit-
 * demeaned y minus the unit-demeaned period effects τ, where τ solves the
 * periods × periods system (DᵀW M_U D) τ = DᵀW M_U y, M_U the (weighted)
 * unit demeaning and one period the reference. The system is built once for
 * all columns, in one pass over the rows and one outer product per unit over
 * its periods; each column then takes three passes. False (columns
 * untouched) when it does not apply: too many periods, a weight that is not
 * positive (a zero-weight row's residual is not defined by the fit), or a
 * system that is singular, as when the panel splits into unit-period sets
 * with no period in common.
 */
function demeanExact(columns: Float64Array[], unit: Int32Array, nUnits: number, time: Int32Array, nTimes: number, weights: Float64Array | undefined, effects?: Float64Array[]): boolean {
  const system = exactTwoWay(unit, nUnits, time, nTimes, weights);
  if (system === null) return false;
  for (let c = 0; c < columns.length; c++) system.demean(columns[c], effects?.[c]);
  return true;
}

/** The within transformation of {@link demeanExact} with its system built and factorised once, for any number of columns of the same rows. */
export interface ExactTwoWay {
  /** Demeans `col` in place (its rows those the system was built from); `effects` receives the period effects τ. */
  demean(col: Float64Array, effects?: Float64Array): void;
}

/**
 * The periods × periods system of {@link demeanExact} for these rows, built
 * and factorised, or null where the closed form does not apply (too many
 * periods, a weight that is not positive, a singular system). A caller with
 * several columns of the same rows at different times (a course's treatment
 * beside an outcome shared by every course) builds it once.
 */
export function exactTwoWay(unit: Int32Array, nUnits: number, time: Int32Array, nTimes: number, weights: Float64Array | undefined): ExactTwoWay | null {
  const n = unit.length;
  // The dense units × periods table must stay near the panel's own size.
  if (nTimes > EXACT_MAX_TIMES || nTimes < 1 || nUnits * nTimes > 4 * n + 1_000_000) return null;
  if (weights && !allPositive(weights, n)) return null;
  // a[u·T + t]: weight of unit u in period t; its row sums are the units' weights.
  const T = nTimes;
  const a = new Float64Array(nUnits * T);
  const wUnit = new Float64Array(nUnits);
  const wTime = new Float64Array(T);
  unitPeriodWeights(unit, time, weights, T, a, wUnit, wTime, n);
  // Periods with rows, the first of them the reference (its effect 0); the others are the unknowns.
  const slot = new Int32Array(T).fill(-1);
  let q = 0;
  let reference = -1;
  for (let t = 0; t < T; t++) {
    if (!(wTime[t] > 0)) continue;
    if (reference < 0) reference = t;
    else slot[t] = q++;
  }
  if (reference < 0) return null;
  // M = diag(wTime) − Σ_u a_u a_uᵀ / W_u, on the unknown periods.
  const M = new Float64Array(q * q);
  for (let t = 0; t < T; t++) if (slot[t] >= 0) M[slot[t] * q + slot[t]] = wTime[t];
  // Units with the same row of a (the same periods at the same weights: in a panel, the same months
  // from hire to leaving) subtract the same term: each distinct row once, times its units.
  const { rows, count } = distinctRows(a, nUnits, T, wUnit);
  subtractUnitTerms(M, q, rows, count, a, wUnit, T, slot);
  for (let x = 0; x < q; x++) for (let y = 0; y < x; y++) M[x * q + y] = M[y * q + x];
  let chol: { L: Float64Array; d: Float64Array } | null = null;
  if (q > 0) {
    const f = choleskyScaled(M, q);
    if ('dependent' in f) return null;
    chol = f;
  }
  const system: ExactSystem = { n, nUnits, T, q, unit, time, weights, a, wUnit, slot, chol, unitMean: new Float64Array(nUnits), rhs: new Float64Array(q), tau: new Float64Array(T) };
  return { demean: (col, effects) => demeanWithSystem(system, col, effects) };
}

// Whether every weight is > 0.
function allPositive(weights: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (!(weights[i] > 0)) return false;
  return true;
}

// a[u·T + t] += w_i, wUnit[u] += w_i, wTime[t] += w_i over the rows (w = 1 without weights).
function unitPeriodWeights(unit: Int32Array, time: Int32Array, weights: Float64Array | undefined, T: number, a: Float64Array, wUnit: Float64Array, wTime: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const wi = weights ? weights[i] : 1;
    a[unit[i] * T + time[i]] += wi;
    wUnit[unit[i]] += wi;
    wTime[time[i]] += wi;
  }
}

// The upper triangle of M −= count·a_u a_uᵀ / W_u on the unknown periods, for each distinct row u of a.
function subtractUnitTerms(M: Float64Array, q: number, rows: number[], count: number[], a: Float64Array, wUnit: Float64Array, T: number, slot: Int32Array): void {
  const seen = new Int32Array(T);
  for (let r = 0; r < rows.length; r++) {
    const u = rows[r];
    const W = wUnit[u];
    const off = u * T;
    let k = 0;
    for (let t = 0; t < T; t++) if (a[off + t] !== 0 && slot[t] >= 0) seen[k++] = t;
    for (let x = 0; x < k; x++) {
      const sx = slot[seen[x]];
      const ax = (count[r] * a[off + seen[x]]) / W;
      for (let y = x; y < k; y++) M[sx * q + slot[seen[y]]] -= ax * a[off + seen[y]];
    }
  }
}

interface ExactSystem {
  n: number;
  nUnits: number;
  T: number;
  q: number;
  unit: Int32Array;
  time: Int32Array;
  weights: Float64Array | undefined;
  a: Float64Array;
  wUnit: Float64Array;
  slot: Int32Array;
  chol: { L: Float64Array; d: Float64Array } | null;
  /** Scratch, reused by every column. */
  unitMean: Float64Array;
  rhs: Float64Array;
  tau: Float64Array;
}

// A top-level function with its arrays in locals: V8 optimises these loops better than a closure's.
function demeanWithSystem(system: ExactSystem, col: Float64Array, effects?: Float64Array): void {
  const { n, nUnits, T, q, unit, time, weights, a, wUnit, slot, chol, unitMean, rhs, tau } = system;
  // The unit-demeaned column, and its weighted sum per period.
  unitMean.fill(0);
  unitWeightedSums(unitMean, unit, weights, col, n);
  unitMeans(unitMean, wUnit, nUnits);
  rhs.fill(0);
  demeanByUnit(col, unitMean, unit, slot, time, weights, rhs, n);
  tau.fill(0);
  if (chol !== null) {
    const sol = choleskySolve(chol, rhs, q);
    for (let t = 0; t < T; t++) if (slot[t] >= 0) tau[t] = sol[slot[t]];
  }
  effects?.set(tau);
  // Subtract the period effects, demeaned within unit: τ_t − Σ_t a_ut τ_t / W_u.
  unitEffectMeans(unitMean, a, tau, wUnit, nUnits, T);
  subtractEffects(col, tau, time, unitMean, unit, n);
}

// demeanWithSystem's loops, one a function (so V8's code for one loop never runs on into the next).

// unitMean[unit] += w_i·col_i over the rows (w = 1 without weights).
function unitWeightedSums(unitMean: Float64Array, unit: Int32Array, weights: Float64Array | undefined, col: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) unitMean[unit[i]] += (weights ? weights[i] : 1) * col[i];
}

// unitMean[u] = its sum / W_u (0 for a unit without weight).
function unitMeans(unitMean: Float64Array, wUnit: Float64Array, nUnits: number): void {
  for (let u = 0; u < nUnits; u++) unitMean[u] = wUnit[u] > 0 ? unitMean[u] / wUnit[u] : 0;
}

// col_i −= its unit's mean; rhs[slot] += w_i·col_i for the rows of the unknown periods.
function demeanByUnit(col: Float64Array, unitMean: Float64Array, unit: Int32Array, slot: Int32Array, time: Int32Array, weights: Float64Array | undefined, rhs: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    col[i] -= unitMean[unit[i]];
    const s = slot[time[i]];
    if (s >= 0) rhs[s] += (weights ? weights[i] : 1) * col[i];
  }
}

// unitMean[u] = Σ_t a_ut τ_t / W_u for each unit with weight.
function unitEffectMeans(unitMean: Float64Array, a: Float64Array, tau: Float64Array, wUnit: Float64Array, nUnits: number, T: number): void {
  for (let u = 0; u < nUnits; u++) {
    if (!(wUnit[u] > 0)) continue;
    const off = u * T;
    let s = 0;
    for (let t = 0; t < T; t++) s += a[off + t] * tau[t];
    unitMean[u] = s / wUnit[u];
  }
}

// col_i −= τ_(time i) − unitMean_(unit i).
function subtractEffects(col: Float64Array, tau: Float64Array, time: Int32Array, unitMean: Float64Array, unit: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) col[i] -= tau[time[i]] - unitMean[unit[i]];
}
