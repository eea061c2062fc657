import type { Design } from './design';

// Small dense kernels on flat arrays. Matrices here are p×p and row-major
// (p is the number of coefficients); designs are n×p and column-major.

/**
 * XᵀΩX = Σ_i ω_i x_i x_iᵀ (p×p row-major), column pair by column pair so that
 * each inner loop runs over contiguous memory.
 *
 * @example
 * weightedGram(X, new Float64Array(X.n).fill(1)); // => XᵀX
 */
export function weightedGram(X: Design, omega: Float64Array, scratch: Float64Array = new Float64Array(X.n)): Float64Array {
  const { n, p } = X;
  const out = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    const offj = j * n;
    for (let i = 0; i < n; i++) scratch[i] = omega[i] * X.x[offj + i];
    for (let k = j; k < p; k++) {
      const offk = k * n;
      let s = 0;
      for (let i = 0; i < n; i++) s += scratch[i] * X.x[offk + i];
      out[j * p + k] = s;
      out[k * p + j] = s;
    }
  }
  return out;
}

/**
 * B·M·B·scale for p×p row-major B and M (the sandwich of a robust variance).
 *
 * @example
 * sandwichProduct(bread, meat, p, n / (n - p)); // HC1
 */
export function sandwichProduct(bread: Float64Array, meat: Float64Array, p: number, scale = 1): Float64Array {
  const tmp = new Float64Array(p * p);
  for (let r = 0; r < p; r++)
    for (let c = 0; c < p; c++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += bread[r * p + k] * meat[k * p + c];
      tmp[r * p + c] = s;
    }
  const out = new Float64Array(p * p);
  for (let r = 0; r < p; r++)
    for (let c = r; c < p; c++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += tmp[r * p + k] * bread[k * p + c];
      out[r * p + c] = s * scale;
      out[c * p + r] = s * scale;
    }
  return out;
}

/**
 * Cholesky factor of a symmetric positive-definite p×p matrix after scaling
 * it to unit diagonal (so the pivot test is relative); returns the index of
 * the first column that is (numerically) dependent on the earlier ones, or
 * the factor L (row-major, lower) and the scaling d (A = D⁻¹LLᵀD⁻¹).
 *
 * @example
 * const f = choleskyScaled(Float64Array.from([4, 2, 2, 3]), 2);
 * 'L' in f; // => true
 */
export function choleskyScaled(a: Float64Array, p: number, tol = 1e-10): { L: Float64Array; d: Float64Array } | { dependent: number } {
  const d = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const v = a[j * p + j];
    if (!(v > 0)) return { dependent: j };
    d[j] = 1 / Math.sqrt(v);
  }
  const L = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    let s = a[j * p + j] * d[j] * d[j];
    for (let k = 0; k < j; k++) s -= L[j * p + k] * L[j * p + k];
    if (!(s > tol)) return { dependent: j };
    const ljj = Math.sqrt(s);
    L[j * p + j] = ljj;
    for (let i = j + 1; i < p; i++) {
      let t = a[i * p + j] * d[i] * d[j];
      for (let k = 0; k < j; k++) t -= L[i * p + k] * L[j * p + k];
      L[i * p + j] = t / ljj;
    }
  }
  return { L, d };
}

/**
 * Solves A x = b given the scaled Cholesky factor of A.
 *
 * @example
 * choleskySolve(f, Float64Array.from([1, 2]), 2);
 */
export function choleskySolve(f: { L: Float64Array; d: Float64Array }, b: Float64Array, p: number): Float64Array {
  const { L, d } = f;
  const z = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = b[i] * d[i];
    for (let k = 0; k < i; k++) s -= L[i * p + k] * z[k];
    z[i] = s / L[i * p + i];
  }
  const x = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < p; k++) s -= L[k * p + i] * x[k];
    x[i] = s / L[i * p + i];
  }
  for (let i = 0; i < p; i++) x[i] *= d[i];
  return x;
}

/**
 * A⁻¹ (p×p row-major) from the scaled Cholesky factor, column by column.
 *
 * @example
 * choleskyInverse(f, 2); // => inverse of A
 */
export function choleskyInverse(f: { L: Float64Array; d: Float64Array }, p: number): Float64Array {
  const inv = new Float64Array(p * p);
  const e = new Float64Array(p);
  for (let c = 0; c < p; c++) {
    e.fill(0);
    e[c] = 1;
    const col = choleskySolve(f, e, p);
    for (let r = 0; r < p; r++) inv[r * p + c] = col[r];
  }
  return inv;
}

/**
 * X·β for a column-major design.
 *
 * @example
 * linearPredictor(X, coef); // => Float64Array(n)
 */
export function linearPredictor(X: Design, beta: Float64Array, out: Float64Array = new Float64Array(X.n)): Float64Array {
  const { n, p } = X;
  out.fill(0);
  for (let j = 0; j < p; j++) {
    const b = beta[j];
    if (b === 0) continue;
    const off = j * n;
    for (let i = 0; i < n; i++) out[i] += X.x[off + i] * b;
  }
  return out;
}
