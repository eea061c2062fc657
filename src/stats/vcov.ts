import type { Design } from './design';
import { fitStructure, type OlsFit } from './ols';
import { criticalValue, twoSidedP } from './dists';
import { cr2Meat } from './cr2';
import { designStructure, sandwichProduct as sandwich, structureRows, weightedGram, type DesignStructure } from './linalg';

// The design's indicator structure as its fit found it, or found afresh for a design the fit was not made from.
function structureOf(fit: OlsFit, X: Design): DesignStructure {
  return fitStructure(fit, X) ?? designStructure(X);
}

/** Cluster labels: dense integer codes or any labels. */
export type ClusterLabels = Int32Array | readonly (string | number)[];

/**
 * Which variance: classical, heteroskedasticity-consistent HC0–HC3, one-way
 * cluster-robust, or two-way cluster-robust (Cameron–Gelbach–Miller). A
 * one-way cluster's `type` picks its small-sample factor: HC1 (default,
 * vcovCL's G/(G−1)·(n−1)/(n−p)), HC0 (G/(G−1)) or CR1p (G/(G−p), as
 * clubSandwich names it: each cluster counted as one observation, for few
 * clusters against many coefficients) or CR2 (each cluster's residuals
 * corrected for its own leverage, `cr2Meat`).
 */
export type VcovType =
  | 'classical'
  | 'HC0'
  | 'HC1'
  | 'HC2'
  | 'HC3'
  | { cluster: ClusterLabels; type?: 'HC0' | 'HC1' | 'CR1p' | 'CR2' }
  | { cluster2: [ClusterLabels, ClusterLabels]; type?: 'HC0' | 'HC1' };

/**
 * Dense 0..G-1 codes for cluster labels, in order of first appearance.
 *
 * @example
 * clusterCodes(['b', 'a', 'b']); // => { codes: Int32Array [0, 1, 0], groups: 2 }
 */
export function clusterCodes(labels: ClusterLabels): { codes: Int32Array; groups: number } {
  const codes = new Int32Array(labels.length);
  if (labels instanceof Int32Array && labels.length > 0) {
    // Integer codes over a modest range (employee indices): a lookup table instead of a hash map.
    const [lo, hi] = labelRange(labels);
    if (hi - lo <= 4 * labels.length + 1024) return { codes, groups: tableCodes(labels, lo, hi, codes) };
  }
  return { codes, groups: mapCodes(labels, codes) };
}

// The least and greatest of (non-empty) integer labels.
function labelRange(labels: Int32Array): [number, number] {
  let lo = labels[0];
  let hi = labels[0];
  for (let i = 1; i < labels.length; i++) {
    if (labels[i] < lo) lo = labels[i];
    else if (labels[i] > hi) hi = labels[i];
  }
  return [lo, hi];
}

// codes = clusterCodes' codes for integer labels in lo..hi, through a lookup table; returns the number of groups.
function tableCodes(labels: Int32Array, lo: number, hi: number, codes: Int32Array): number {
  const first = new Int32Array(hi - lo + 1).fill(-1);
  let groups = 0;
  for (let i = 0; i < labels.length; i++) {
    const k = labels[i] - lo;
    if (first[k] < 0) first[k] = groups++;
    codes[i] = first[k];
  }
  return groups;
}

// codes = clusterCodes' codes for any labels, through a hash map; returns the number of groups.
function mapCodes(labels: ClusterLabels, codes: Int32Array): number {
  const seen = new Map<string | number, number>();
  for (let i = 0; i < labels.length; i++) {
    const key = labels[i];
    if (key === null || key === undefined || (typeof key === 'number' && !Number.isFinite(key))) {
      throw new RangeError(`vcovOls: cluster label missing at row index ${i}`);
    }
    let c = seen.get(key);
    if (c === undefined) {
      c = seen.size;
      seen.set(key, c);
    }
    codes[i] = c;
  }
  return seen.size;
}

/**
 * Leverages h_i = w_i·x_iᵀ(XᵀWX)⁻¹x_i (the diagonal of the hat matrix), from R⁻¹.
 *
 * @example
 * hatValues(fit, X).reduce((a, b) => a + b); // => p
 */
export function hatValues(fit: OlsFit, X: Design): Float64Array {
  const { n, p } = X;
  const h = new Float64Array(n);
  const q = new Float64Array(n);
  const R = fit.rInverse;
  // An indicator or sparse column adds only at its non-zero rows: each q_i still takes its non-zero
  // terms in column order, so the values are the dense loop's, bit for bit.
  const rows = structureRows(structureOf(fit, X));
  // q = X · (column c of R⁻¹); h = Σ_c q².
  for (let c = 0; c < p; c++) {
    q.fill(0);
    for (let k = 0; k <= c; k++) {
      const r = R[k * p + c];
      if (r === 0) continue;
      const off = k * n;
      const idx = rows[k];
      if (idx === null) addColumnTimes(q, X.x, off, r, n);
      else addScaledAtRows(q, X.x, off, r, idx);
    }
    addSquaresTo(h, q, n);
  }
  if (fit.weights) multiplyBy(h, fit.weights, n);
  return h;
}

// q[i] += x[off + i]·r for every row.
function addColumnTimes(q: Float64Array, x: Float64Array, off: number, r: number, n: number): void {
  for (let i = 0; i < n; i++) q[i] += x[off + i] * r;
}

// q[i] += x[off + i]·r for the rows i of idx.
function addScaledAtRows(q: Float64Array, x: Float64Array, off: number, r: number, idx: Int32Array): void {
  for (let t = 0; t < idx.length; t++) q[idx[t]] += x[off + idx[t]] * r;
}

// h[i] += q[i]².
function addSquaresTo(h: Float64Array, q: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) h[i] += q[i] * q[i];
}

// h[i] *= w[i].
function multiplyBy(h: Float64Array, w: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) h[i] *= w[i];
}

// Σ_g s_g s_gᵀ with s_g = Σ_{i∈g} w_i e_i x_i.
function clusterMeat(fit: OlsFit, X: Design, codes: Int32Array, groups: number, structure: DesignStructure): Float64Array {
  const { n, p } = X;
  const x = X.x;
  // Column-major (score[j·groups + g]): a pass over one column scatters into one column of scores,
  // which stays in cache, where a row per cluster would spread every pass over groups·p entries.
  const score = new Float64Array(groups * p);
  const we = new Float64Array(n);
  weightedResiduals(fit, we, n);
  // Each score entry adds its rows in increasing order, as the dense loop; an indicator adds only at its
  // own rows (w_i e_i · 1), the terms skipped being exact zeros.
  for (const j of structure.dense) denseScores(score, j * groups, codes, we, x, j * n, n);
  for (const { columns, order, start } of structure.groups) {
    for (let l = 0; l < columns.length; l++) levelScores(score, columns[l] * groups, codes, we, order, start[l], start[l + 1]);
  }
  for (const { column: j, rows } of structure.sparse) sparseScores(score, j * groups, codes, we, x, j * n, rows);
  const meat = new Float64Array(p * p);
  outerSums(score, groups, p, meat);
  for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) meat[j * p + k] = meat[k * p + j];
  return meat;
}

// clusterMeat's loops, one a function (so V8's code for one loop never runs on into the next).

// we[i] = w_i·e_i.
function weightedResiduals(fit: OlsFit, we: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) we[i] = (fit.weights ? fit.weights[i] : 1) * fit.residuals[i];
}

// score[col + g] += Σ_{i∈g} we_i·x[off + i] over every row, in increasing order (a dense column).
function denseScores(score: Float64Array, col: number, codes: Int32Array, we: Float64Array, x: Float64Array, off: number, n: number): void {
  for (let i = 0; i < n; i++) score[col + codes[i]] += we[i] * x[off + i];
}

// score[col + g] += Σ_{i∈g} we_i over the rows order[from..to) (one level of an indicator group).
function levelScores(score: Float64Array, col: number, codes: Int32Array, we: Float64Array, order: Int32Array, from: number, to: number): void {
  for (let r = from; r < to; r++) score[col + codes[order[r]]] += we[order[r]];
}

// score[col + g] += Σ_{i∈g} we_i·x[off + i] over the rows of a sparse column.
function sparseScores(score: Float64Array, col: number, codes: Int32Array, we: Float64Array, x: Float64Array, off: number, rows: Int32Array): void {
  for (let r = 0; r < rows.length; r++) score[col + codes[rows[r]]] += we[rows[r]] * x[off + rows[r]];
}

// The upper triangle of meat += Σ_g s_g s_gᵀ, s_g = score[j·groups + g]. Only the non-zero entries of each
// cluster's score: a cluster touches few levels of each factor.
function outerSums(score: Float64Array, groups: number, p: number, meat: Float64Array): void {
  const nonZero = new Int32Array(p);
  const value = new Float64Array(p);
  for (let g = 0; g < groups; g++) {
    let m = 0;
    for (let j = 0; j < p; j++) {
      const v = score[j * groups + g];
      if (v !== 0) {
        nonZero[m] = j;
        value[m++] = v;
      }
    }
    for (let a = 0; a < m; a++) {
      const row = nonZero[a] * p;
      const sj = value[a];
      for (let b = a; b < m; b++) meat[row + nonZero[b]] += sj * value[b];
    }
  }
}

function oneWayCluster(fit: OlsFit, X: Design, labels: ClusterLabels, type: 'HC0' | 'HC1' | 'CR1p' | 'CR2', structure: DesignStructure): Float64Array {
  if (labels.length !== X.n) throw new RangeError(`vcovOls: \`cluster\` has ${labels.length} labels, the fit has ${X.n} rows`);
  const { codes, groups } = clusterCodes(labels);
  if (groups < 2) throw new RangeError(`vcovOls: cluster-robust variance needs at least 2 clusters, got ${groups}`);
  if (type === 'CR2') return sandwich(fit.bread, cr2Meat(fit, X, codes, groups), X.p, 1);
  const meat = clusterMeat(fit, X, codes, groups, structure);
  return sandwich(fit.bread, meat, X.p, sandwichScale(type, X.n, X.p, groups));
}

/**
 * The small-sample factor of a sandwich variance, as `sandwich` computes it:
 * without clusters 1 (HC0) or n/(n−p) (HC1); with G clusters vcovCL's
 * default G/(G−1), times (n−1)/(n−p) for HC1; CR1p (clusters only) is
 * G/(G−p), which counts each cluster, not each row, as an observation.
 *
 * @example
 * sandwichScale('HC1', 100, 5); // => 100 / 95
 * sandwichScale('HC1', 100, 5, 20); // => (20 / 19) · (99 / 95)
 * sandwichScale('CR1p', 100, 5, 20); // => 20 / 15
 */
export function sandwichScale(type: 'HC0' | 'HC1' | 'CR1p', n: number, p: number, groups?: number): number {
  if (type === 'CR1p') {
    if (groups === undefined) throw new RangeError('sandwichScale: CR1p is a factor for clustered errors; pass the number of clusters');
    if (!(groups > p)) throw new RangeError(`sandwichScale: CR1p needs more clusters (${groups}) than coefficients (${p})`);
    return groups / (groups - p);
  }
  if (groups === undefined) return type === 'HC1' ? n / (n - p) : 1;
  return (groups / (groups - 1)) * (type === 'HC1' ? (n - 1) / (n - p) : 1);
}

/**
 * Variance–covariance matrix of OLS coefficients (p×p, row-major), as R's
 * `vcov`, `sandwich::vcovHC` and `sandwich::vcovCL` compute it: classical
 * σ²(XᵀWX)⁻¹; HC0 to HC3; one-way cluster with vcovCL's default factor
 * G/(G−1)·(n−1)/(n−p) (type HC1) or G/(G−1) (type HC0); two-way cluster as
 * V₁ + V₂ − V₁₂, each with its own G/(G−1) factor.
 *
 * @example
 * const V = vcovOls(fit, X, 'HC1');
 * Math.sqrt(V[1 * fit.p + 1]); // => SE of the second coefficient
 * vcovOls(fit, X, { cluster: employeeIds }); // cluster-robust by employee
 */
export function vcovOls(fit: OlsFit, X: Design, type: VcovType): Float64Array {
  const { n, p } = X;
  if (n !== fit.n || p !== fit.p) throw new RangeError(`vcovOls: the design (${n}×${p}) is not the one fitted (${fit.n}×${fit.p})`);
  if (type === 'classical') {
    const sigma2 = fit.rss / fit.dfResidual;
    return fit.bread.map((v) => v * sigma2);
  }
  if (typeof type === 'string') {
    if (!['HC0', 'HC1', 'HC2', 'HC3'].includes(type)) {
      throw new RangeError(`vcovOls: \`type\` must be classical, HC0, HC1, HC2, HC3, { cluster } or { cluster2 }, got ${JSON.stringify(type)}`);
    }
    const omega = new Float64Array(n);
    squaredResiduals(fit, omega, n);
    const scale = type === 'HC0' || type === 'HC1' ? sandwichScale(type, n, p) : 1;
    if (type === 'HC2' || type === 'HC3') leverageAdjust(omega, hatValues(fit, X), type, n);
    return sandwich(fit.bread, weightedGram(X, omega, undefined, structureOf(fit, X)), p, scale);
  }
  if ('cluster' in type) return oneWayCluster(fit, X, type.cluster, type.type ?? 'HC1', structureOf(fit, X));
  if ('cluster2' in type) {
    const [a, b] = type.cluster2;
    const t = type.type ?? 'HC1';
    if (a.length !== n || b.length !== n) throw new RangeError('vcovOls: both `cluster2` label vectors must have one label per row');
    const both: string[] = new Array(n);
    for (let i = 0; i < n; i++) both[i] = `${a[i]}\u0000${b[i]}`;
    const structure = structureOf(fit, X);
    const v1 = oneWayCluster(fit, X, a, t, structure);
    const v2 = oneWayCluster(fit, X, b, t, structure);
    const v12 = clusterCodes(both).groups > 1 ? oneWayCluster(fit, X, both, t, structure) : new Float64Array(p * p);
    return v1.map((v, k) => v + v2[k] - v12[k]);
  }
  throw new TypeError('vcovOls: unknown `type`');
}

// omega[i] = (w_i·e_i)².
function squaredResiduals(fit: OlsFit, omega: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const we = (fit.weights ? fit.weights[i] : 1) * fit.residuals[i];
    omega[i] = we * we;
  }
}

// omega[i] /= (1 − h_i) for HC2, (1 − h_i)² for HC3.
function leverageAdjust(omega: Float64Array, h: Float64Array, type: 'HC2' | 'HC3', n: number): void {
  for (let i = 0; i < n; i++) {
    const d = 1 - h[i];
    // Rows with leverage 1 have zero residual; leave them at zero as sandwich does not divide 0 by 0.
    if (d > 1e-12) omega[i] /= type === 'HC2' ? d : d * d;
  }
}

/** One row of a coefficient table. */
export interface CoefRow {
  name: string;
  estimate: number;
  se: number;
  /** t (or z) statistic. */
  t: number;
  /** Two-sided p-value. */
  p: number;
  /** 95% interval (or `level`). */
  lower: number;
  upper: number;
}

/**
 * Coefficient table: estimate, SE, t, two-sided p and interval, using the t
 * distribution with the fit's residual degrees of freedom (as `lmtest::coeftest`),
 * or the normal when `df` is Infinity.
 *
 * @example
 * coefTable(fit, vcovOls(fit, X, 'HC1')).find((r) => r.name === 'treat');
 * // => { name: 'treat', estimate: 1548.24, se: 740.58, t: 2.09, p: 0.037, lower: 93.8, upper: 3002.7 }
 */
export function coefTable(
  fit: { coef: Float64Array; names: string[]; dfResidual: number },
  vcov: Float64Array,
  opts: { df?: number; level?: number } = {},
): CoefRow[] {
  const p = fit.coef.length;
  if (vcov.length !== p * p) throw new RangeError(`coefTable: \`vcov\` must be ${p}×${p}, got ${vcov.length} entries`);
  const df = opts.df ?? fit.dfResidual;
  const crit = criticalValue(opts.level ?? 0.95, df);
  return fit.names.map((name, j) => {
    const estimate = fit.coef[j];
    const se = Math.sqrt(vcov[j * p + j]);
    const t = estimate / se;
    return { name, estimate, se, t, p: twoSidedP(t, df), lower: estimate - crit * se, upper: estimate + crit * se };
  });
}
