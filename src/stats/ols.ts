import { EstimationError } from '../core/errors';
import type { Design } from './design';
import { choleskyScaled, choleskySolve, crossprodVector, designStructure, linearPredictor, structureRows, weightedGram, type DesignStructure } from './linalg';
import { countPositive } from './arrays';

/**
 * A least-squares fit. `rInverse` is R⁻¹ from the QR of √W·X (p×p, row-major,
 * upper triangular), so (XᵀWX)⁻¹ = R⁻¹R⁻ᵀ is there without ever inverting XᵀWX.
 */
export interface OlsFit {
  coef: Float64Array;
  names: string[];
  residuals: Float64Array;
  fitted: Float64Array;
  /** Rows in the fit, zero-weight rows included (as `sandwich` counts them). */
  n: number;
  p: number;
  /** Rows with positive weight minus p (as R's `lm`). */
  dfResidual: number;
  /** Row weights, or undefined for an unweighted fit. */
  weights?: Float64Array;
  /** R⁻¹ of the QR factorisation of √W·X, row-major p×p. */
  rInverse: Float64Array;
  /** (XᵀWX)⁻¹, row-major p×p. */
  bread: Float64Array;
  /** Weighted residual sum of squares. */
  rss: number;
  /** Coefficient of determination (weighted, around the weighted mean when there is an intercept). */
  r2: number;
}

/** Columns whose remaining norm after earlier reflections falls below this share of their own norm are collinear (R's lm uses 1e-7). */
const RANK_TOLERANCE = 1e-7;

/** Designs with at least this many rows (and this many rows per column) are solved through their Gram matrix; smaller ones by QR alone. */
export const GRAM_MIN_ROWS = 50_000;
export const GRAM_ROWS_PER_COLUMN = 50;
/**
 * A scaled Cholesky pivot below this (the squared share of a column's norm
 * left after projecting out the earlier columns) sends the fit to QR, whose
 * own test (a share of 1e-7, i.e. 1e-14 squared) then decides. Far above the
 * Gram matrix's rounding error, so a design QR calls regular never fails here
 * silently.
 */
const GRAM_PIVOT_TOLERANCE = 1e-8;

function checkInputs(X: Design, y: Float64Array, weights: Float64Array | undefined): void {
  if (!X || !(X.x instanceof Float64Array) || X.x.length !== X.n * X.p) {
    throw new TypeError('fitOls: `X` must be a Design { n, p, names, x: Float64Array(n*p) }');
  }
  if (!(y instanceof Float64Array)) throw new TypeError('fitOls: `y` must be a Float64Array');
  if (y.length !== X.n) throw new RangeError(`fitOls: \`y\` has ${y.length} rows, the design has ${X.n}`);
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i])) throw new RangeError(`fitOls: \`y\` is not finite at row index ${i} (${y[i]})`);
  }
  if (weights !== undefined) {
    if (!(weights instanceof Float64Array)) throw new TypeError('fitOls: `weights` must be a Float64Array');
    if (weights.length !== X.n) throw new RangeError(`fitOls: \`weights\` has ${weights.length} rows, the design has ${X.n}`);
    for (let i = 0; i < weights.length; i++) {
      if (!(weights[i] >= 0) || !Number.isFinite(weights[i])) {
        throw new RangeError(`fitOls: \`weights\` must be finite and >= 0, got ${weights[i]} at row index ${i}`);
      }
    }
  }
  if (X.p === 0) throw new RangeError('fitOls: the design has no columns');
}

function describeCollinear(X: Design, j: number, w: Float64Array | undefined): string {
  const n = X.n;
  const off = j * n;
  let first = NaN;
  let constant = true;
  for (let i = 0; i < n; i++) {
    if (w && w[i] === 0) continue;
    if (Number.isNaN(first)) first = X.x[off + i];
    else if (X.x[off + i] !== first) {
      constant = false;
      break;
    }
  }
  const name = X.names[j];
  if (constant && j > 0) return `column \`${name}\` is constant (${first}) and so duplicates the intercept; drop it`;
  if (constant) return `column \`${name}\` is all zero`;
  return `column \`${name}\` is a linear combination of the columns before it (${X.names.slice(0, j).join(', ')}); drop it or one of them`;
}

/**
 * Ordinary (or weighted) least squares through a Householder QR of √W·X,
 * never inverting XᵀX. A column that is (numerically) a linear combination
 * of the earlier ones is an EstimationError naming it, where R's `lm` would
 * silently report NA. Tall designs (≥ 50,000 rows and ≥ 50 rows per column,
 * as a study's stacked data) are solved through the Cholesky factor of XᵀWX
 * with one step of iterative refinement, an order of magnitude faster when
 * most columns are factor indicators and equal to QR within ~1e-12
 * relative; a near-singular pivot sends them back to QR, which decides.
 * `solver` forces one path ('qr' or 'gram'; default 'auto').
 *
 * @example
 * const X = designMatrix([{ name: 'x', values: Float64Array.from([1, 2, 3, 4]) }]);
 * const fit = fitOls(X, Float64Array.from([2.1, 3.9, 6.2, 7.8]));
 * fit.coef; // => Float64Array [0.15, 1.94]
 */
export function fitOls(X: Design, y: Float64Array, opts: { weights?: Float64Array; solver?: 'auto' | 'qr' | 'gram' } = {}): OlsFit {
  const weights = opts.weights;
  const solver = opts.solver ?? 'auto';
  if (solver !== 'auto' && solver !== 'qr' && solver !== 'gram') throw new RangeError(`fitOls: \`solver\` must be 'auto', 'qr' or 'gram', got ${JSON.stringify(solver)}`);
  checkInputs(X, y, weights);
  const { n, p } = X;
  const nPositive = weights ? countPositive(weights) : n;
  if (nPositive < p) {
    throw new EstimationError(`fitOls: ${nPositive} rows with positive weight cannot identify ${p} coefficients (${X.names.join(', ')})`);
  }
  const tall = n >= GRAM_MIN_ROWS && n >= GRAM_ROWS_PER_COLUMN * p;
  const structure = designStructure(X);
  const gram = solver === 'gram' || (solver === 'auto' && tall) ? solveByGram(X, y, weights, structure) : null;
  const solved = gram ?? solveByQr(X, y, weights);
  const fit = finishFit(X, y, weights, nPositive, solved.coef, solved.rInverse, solved.bread, structure);
  FIT_STRUCTURE.set(fit, { x: X.x, structure });
  return fit;
}

// The structure of the design each fit was made from, so that its variance (the next call, on the
// same design) need not check the design's indicator columns again.
const FIT_STRUCTURE = new WeakMap<OlsFit, { x: Float64Array; structure: DesignStructure }>();

/**
 * The indicator structure of `X` as found when `fit` was made from it
 * (undefined when `fit` came from another design): a fit belongs to its
 * design's contents at fitting time, and so does this.
 */
export function fitStructure(fit: OlsFit, X: Design): DesignStructure | undefined {
  const known = FIT_STRUCTURE.get(fit);
  return known !== undefined && known.x === X.x && known.structure.n === X.n && known.structure.p === X.p ? known.structure : undefined;
}

/**
 * Householder QR of √W·X: the exact path, and the judge of collinearity.
 * Each reflection sweeps all remaining columns over every row.
 */
function solveByQr(X: Design, y: Float64Array, weights: Float64Array | undefined): { coef: Float64Array; rInverse: Float64Array; bread: Float64Array } {
  const { n, p } = X;
  const a = new Float64Array(n * p);
  const b = new Float64Array(n);
  const sw = sqrtWeights(weights, n);
  for (let j = 0; j < p; j++) scaleColumn(X.x, j * n, sw, a);
  scaleColumn(y, 0, sw, b);

  const colNorm = new Float64Array(p);
  for (let j = 0; j < p; j++) colNorm[j] = Math.sqrt(squaresFrom(a, j * n, 0, n));
  const diag = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const off = j * n;
    const s = squaresFrom(a, off, j, n);
    const norm = Math.sqrt(s);
    if (!(norm > RANK_TOLERANCE * colNorm[j]) || colNorm[j] === 0) {
      throw new EstimationError(`fitOls: singular design: ${describeCollinear(X, j, weights)}`);
    }
    const alpha = a[off + j] >= 0 ? -norm : norm;
    a[off + j] -= alpha;
    // vᵀv = s - x_j² + (x_j - alpha)²
    const vtv = s - (a[off + j] + alpha) * (a[off + j] + alpha) + a[off + j] * a[off + j];
    const beta = 2 / vtv;
    // Reflect the remaining columns four at a time: one pass for four dot products, one for four updates.
    let k = j + 1;
    for (; k + 3 < p; k += 4) reflect4(a, off, k * n, n, j, beta);
    for (; k < p; k++) reflect1(a, off, a, k * n, j, n, beta);
    reflect1(a, off, b, 0, j, n, beta);
    diag[j] = alpha;
  }
  // R is upper triangular: R[j][k] = a[k*n + j] for k > j, R[j][j] = diag[j].
  const coef = new Float64Array(p);
  for (let j = p - 1; j >= 0; j--) {
    let s = b[j];
    for (let k = j + 1; k < p; k++) s -= a[k * n + j] * coef[k];
    coef[j] = s / diag[j];
  }
  const { rInverse, bread } = inverseAndBread(p, (j, k) => (j === k ? diag[j] : a[k * n + j]));
  return { coef, rInverse, bread };
}

// √w for each row (1 without weights).
function sqrtWeights(weights: Float64Array | undefined, n: number): Float64Array {
  const sw = new Float64Array(n);
  for (let i = 0; i < n; i++) sw[i] = weights ? Math.sqrt(weights[i]) : 1;
  return sw;
}

// out[off + i] ← v[off + i]·sw[i] for every row i (sw: the square roots of the weights).
function scaleColumn(v: Float64Array, off: number, sw: Float64Array, out: Float64Array): void {
  for (let i = 0; i < sw.length; i++) out[off + i] = v[off + i] * sw[i];
}

// Σ a[off + i]² over rows from..n−1, in order.
function squaresFrom(a: Float64Array, off: number, from: number, n: number): number {
  let s = 0;
  for (let i = from; i < n; i++) s += a[off + i] * a[off + i];
  return s;
}

// The Householder reflection v (a's column at off, rows j..n−1; β = 2/vᵀv) applied to the four columns
// from o0: their four dot products with v in one pass, then the four updates in another.
function reflect4(a: Float64Array, off: number, o0: number, n: number, j: number, beta: number): void {
  const o1 = o0 + n;
  const o2 = o1 + n;
  const o3 = o2 + n;
  let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
  for (let i = j; i < n; i++) {
    const v = a[off + i];
    d0 += v * a[o0 + i];
    d1 += v * a[o1 + i];
    d2 += v * a[o2 + i];
    d3 += v * a[o3 + i];
  }
  d0 *= beta;
  d1 *= beta;
  d2 *= beta;
  d3 *= beta;
  for (let i = j; i < n; i++) {
    const v = a[off + i];
    a[o0 + i] -= d0 * v;
    a[o1 + i] -= d1 * v;
    a[o2 + i] -= d2 * v;
    a[o3 + i] -= d3 * v;
  }
}

// The same reflection applied to one column, c's rows from offk (a later column of a, or b).
function reflect1(a: Float64Array, off: number, c: Float64Array, offk: number, j: number, n: number, beta: number): void {
  let d = 0;
  for (let i = j; i < n; i++) d += a[off + i] * c[offk + i];
  d *= beta;
  for (let i = j; i < n; i++) c[offk + i] -= d * a[off + i];
}

/**
 * Least squares through the weighted Gram matrix XᵀWX for tall designs: one
 * pass over the rows (factor indicators cost only their non-zero rows, see
 * `weightedGram`) instead of p Householder sweeps, a Cholesky factor after
 * scaling to unit diagonal, and one step of iterative refinement on the
 * residuals, which brings the coefficients back to QR's accuracy on the
 * designs a study builds (relative differences ~1e-12). Returns null when a
 * pivot is small enough that only QR can say whether the design is singular,
 * and which column: the caller then takes the QR path.
 */
function solveByGram(
  X: Design,
  y: Float64Array,
  weights: Float64Array | undefined,
  structure: DesignStructure,
): { coef: Float64Array; rInverse: Float64Array; bread: Float64Array } | null {
  const p = X.p;
  const ls = gramLeastSquares(X, weights, structure);
  if (ls === null) return null;
  const coef = ls.coef(y);
  // XᵀWX = D⁻¹LLᵀD⁻¹ = RᵀR with R = LᵀD⁻¹ (upper triangular), as QR's R up to signs.
  const { L, d } = ls.factor;
  const { rInverse, bread } = inverseAndBread(p, (j, k) => L[k * p + j] / d[k]);
  return { coef, rInverse, bread };
}

/**
 * Weighted least squares on X through its Gram matrix, factored once for any
 * number of outcomes: `coef(v)` solves the normal equations for v and takes
 * one step of iterative refinement on its residuals (which recovers the
 * digits the normal equations lose to QR). Null when a scaled pivot falls
 * below the Gram path's tolerance (nearly collinear columns: QR must judge).
 *
 * @example
 * const ls = gramLeastSquares(X, w, designStructure(X));
 * ls?.coef(y); // => fitOls(X, y, { weights: w, solver: 'gram' }).coef
 */
export function gramLeastSquares(
  X: Design,
  weights: Float64Array | undefined,
  structure: DesignStructure,
): { factor: { L: Float64Array; d: Float64Array }; coef: (v: Float64Array) => Float64Array } | null {
  const { n, p } = X;
  const w = weights ?? new Float64Array(n).fill(1);
  const f = choleskyScaled(weightedGram(X, w, undefined, structure), p, GRAM_PIVOT_TOLERANCE);
  if (!('L' in f)) return null;
  const factor = f;
  const wv = new Float64Array(n);
  const coef = (v: Float64Array): Float64Array => {
    weighInto(w, v, wv);
    const c = choleskySolve(factor, crossprodVector(X, wv, undefined, structure), p);
    const fitted = linearPredictor(X, c, undefined, structure);
    weighResidualsInto(w, v, fitted, wv);
    const step = choleskySolve(factor, crossprodVector(X, wv, undefined, structure), p);
    for (let j = 0; j < p; j++) c[j] += step[j];
    return c;
  };
  return { factor, coef };
}

/**
 * R⁻¹ (row-major, upper triangular) by back-substitution from R's entries
 * `r(j, k)`, k ≥ j, and the bread (XᵀWX)⁻¹ = R⁻¹R⁻ᵀ, for either path's R.
 */
function inverseAndBread(p: number, r: (j: number, k: number) => number): { rInverse: Float64Array; bread: Float64Array } {
  const rInverse = new Float64Array(p * p);
  for (let c = 0; c < p; c++) {
    // Solve R z = e_c by back-substitution; column c of R⁻¹.
    for (let j = c; j >= 0; j--) {
      let s = j === c ? 1 : 0;
      for (let k = j + 1; k <= c; k++) s -= r(j, k) * rInverse[k * p + c];
      rInverse[j * p + c] = s / r(j, j);
    }
  }
  const bread = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let c = i; c < p; c++) {
      let s = 0;
      for (let k = c; k < p; k++) s += rInverse[i * p + k] * rInverse[c * p + k];
      bread[i * p + c] = s;
      bread[c * p + i] = s;
    }
  }
  return { rInverse, bread };
}

function finishFit(
  X: Design,
  y: Float64Array,
  weights: Float64Array | undefined,
  nPositive: number,
  coef: Float64Array,
  rInverse: Float64Array,
  bread: Float64Array,
  structure: DesignStructure,
): OlsFit {
  const { n, p } = X;
  const fitted = new Float64Array(n);
  // Column by column, so each row adds its terms in column order; a sparse column only where it is
  // non-zero (the terms skipped are exact zeros, so the sums are the dense loop's, bit for bit).
  const rows = structureRows(structure);
  for (let j = 0; j < p; j++) {
    const idx = rows[j];
    if (idx === null) addColumn(X.x, j * n, coef[j], fitted);
    else addSparseColumn(X.x, j * n, coef[j], idx, fitted);
  }
  const residuals = new Float64Array(n);
  const { rss, sumW, sumWy } = residualSums(y, fitted, weights, residuals);
  const hasIntercept = X.names[0] === '(Intercept)';
  const centre = hasIntercept ? sumWy / sumW : 0;
  const tss = totalSquares(y, weights, centre);
  return {
    coef,
    names: X.names.slice(),
    residuals,
    fitted,
    n,
    p,
    dfResidual: nPositive - p,
    weights,
    rInverse,
    bread,
    rss,
    r2: tss > 0 ? 1 - rss / tss : NaN,
  };
}

// wv ← w∘v.
function weighInto(w: Float64Array, v: Float64Array, wv: Float64Array): void {
  for (let i = 0; i < wv.length; i++) wv[i] = w[i] * v[i];
}

// wv ← w∘(v − fitted): the weighted residuals.
function weighResidualsInto(w: Float64Array, v: Float64Array, fitted: Float64Array, wv: Float64Array): void {
  for (let i = 0; i < wv.length; i++) wv[i] = w[i] * (v[i] - fitted[i]);
}

// fitted[i] += x[off + i]·cj on every row: a dense column's share of the fitted values.
function addColumn(x: Float64Array, off: number, cj: number, fitted: Float64Array): void {
  for (let i = 0; i < fitted.length; i++) fitted[i] += x[off + i] * cj;
}

// As addColumn on the rows idx only (where a sparse column is non-zero).
function addSparseColumn(x: Float64Array, off: number, cj: number, idx: Int32Array, fitted: Float64Array): void {
  for (let r = 0; r < idx.length; r++) fitted[idx[r]] += x[off + idx[r]] * cj;
}

// residuals ← y − fitted, and in the same pass the weighted residual sum of squares, Σw and Σw·y.
function residualSums(y: Float64Array, fitted: Float64Array, weights: Float64Array | undefined, residuals: Float64Array): { rss: number; sumW: number; sumWy: number } {
  let rss = 0;
  let sumW = 0;
  let sumWy = 0;
  for (let i = 0; i < y.length; i++) {
    residuals[i] = y[i] - fitted[i];
    const wi = weights ? weights[i] : 1;
    rss += wi * residuals[i] * residuals[i];
    sumW += wi;
    sumWy += wi * y[i];
  }
  return { rss, sumW, sumWy };
}

// Σ w·(y − centre)², in row order.
function totalSquares(y: Float64Array, weights: Float64Array | undefined, centre: number): number {
  let tss = 0;
  for (let i = 0; i < y.length; i++) {
    const wi = weights ? weights[i] : 1;
    tss += wi * (y[i] - centre) * (y[i] - centre);
  }
  return tss;
}

/**
 * The index of a coefficient by name, with an error listing the names.
 *
 * @example
 * coefIndex(fit, 'treat'); // => 1
 */
export function coefIndex(fit: { names: string[] }, name: string): number {
  const j = fit.names.indexOf(name);
  if (j < 0) throw new RangeError(`coefIndex: no coefficient \`${name}\`; the coefficients are ${fit.names.join(', ')}`);
  return j;
}
