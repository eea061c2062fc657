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
  const x = X.x;
  const out = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    const offj = j * n;
    for (let i = 0; i < n; i++) scratch[i] = omega[i] * x[offj + i];
    // Four columns per pass: each scratch value is loaded once for four products, which doubles throughput in V8.
    let k = j;
    for (; k + 3 < p; k += 4) {
      const o0 = k * n;
      const o1 = o0 + n;
      const o2 = o1 + n;
      const o3 = o2 + n;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let i = 0; i < n; i++) {
        const t = scratch[i];
        s0 += t * x[o0 + i];
        s1 += t * x[o1 + i];
        s2 += t * x[o2 + i];
        s3 += t * x[o3 + i];
      }
      out[j * p + k] = s0;
      out[j * p + k + 1] = s1;
      out[j * p + k + 2] = s2;
      out[j * p + k + 3] = s3;
    }
    for (; k < p; k++) {
      const o = k * n;
      let s = 0;
      for (let i = 0; i < n; i++) s += scratch[i] * x[o + i];
      out[j * p + k] = s;
    }
  }
  for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) out[j * p + k] = out[k * p + j];
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
  const x = X.x;
  out.fill(0);
  let j = 0;
  for (; j + 3 < p; j += 4) {
    const o0 = j * n;
    const o1 = o0 + n;
    const o2 = o1 + n;
    const o3 = o2 + n;
    const b0 = beta[j], b1 = beta[j + 1], b2 = beta[j + 2], b3 = beta[j + 3];
    for (let i = 0; i < n; i++) out[i] += x[o0 + i] * b0 + x[o1 + i] * b1 + x[o2 + i] * b2 + x[o3 + i] * b3;
  }
  for (; j < p; j++) {
    const b = beta[j];
    if (b === 0) continue;
    const off = j * n;
    for (let i = 0; i < n; i++) out[i] += x[off + i] * b;
  }
  return out;
}

/**
 * Xᵀv for a column-major design (p values).
 *
 * @example
 * crossprodVector(X, residuals); // => the score Σ x_i r_i
 */
export function crossprodVector(X: Design, v: Float64Array, out: Float64Array = new Float64Array(X.p)): Float64Array {
  const { n, p } = X;
  const x = X.x;
  let j = 0;
  for (; j + 3 < p; j += 4) {
    const o0 = j * n;
    const o1 = o0 + n;
    const o2 = o1 + n;
    const o3 = o2 + n;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let i = 0; i < n; i++) {
      const t = v[i];
      s0 += t * x[o0 + i];
      s1 += t * x[o1 + i];
      s2 += t * x[o2 + i];
      s3 += t * x[o3 + i];
    }
    out[j] = s0;
    out[j + 1] = s1;
    out[j + 2] = s2;
    out[j + 3] = s3;
  }
  for (; j < p; j++) {
    const o = j * n;
    let s = 0;
    for (let i = 0; i < n; i++) s += v[i] * x[o + i];
    out[j] = s;
  }
  return out;
}
