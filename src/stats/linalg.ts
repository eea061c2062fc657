import type { Design } from './design';

// Small dense kernels on flat arrays. Matrices here are p×p and row-major
// (p is the number of coefficients); designs are n×p and column-major.

/**
 * Where each column of a design is non-zero, for the columns worth treating
 * as sparse: a 0/1 indicator of one level of a factor (a cohort, a region)
 * is zero in most rows, and a product with it needs only its non-zero rows.
 * `rows[j]` lists column j's non-zero row indices in increasing order, or is
 * null when the column is dense (more than a quarter of rows non-zero).
 *
 * @example
 * columnSupport(designMatrix([{ name: 'g', values: ['a', 'b', 'a', 'a'] }])).rows; // => [null, Int32Array [1]]
 */
export function columnSupport(X: Design): { rows: (Int32Array | null)[] } {
  const { n, p } = X;
  const x = X.x;
  const rows: (Int32Array | null)[] = new Array(p);
  const limit = n >> 2;
  for (let j = 0; j < p; j++) {
    const off = j * n;
    let nnz = 0;
    for (let i = 0; i < n && nnz <= limit; i++) if (x[off + i] !== 0) nnz++;
    if (nnz > limit) {
      rows[j] = null;
      continue;
    }
    const idx = new Int32Array(nnz);
    for (let i = 0, m = 0; i < n; i++) if (x[off + i] !== 0) idx[m++] = i;
    rows[j] = idx;
  }
  return { rows };
}

/**
 * XᵀΩX = Σ_i ω_i x_i x_iᵀ (p×p row-major), column pair by column pair so that
 * each inner loop runs over contiguous memory. A product with a sparse
 * column (see {@link columnSupport}) runs over that column's non-zero rows
 * only: the terms skipped are exact zeros, so the sums, added in the same
 * row order, are bit for bit those of the dense loop, at a fraction of the
 * cost when most columns are factor indicators.
 *
 * @example
 * weightedGram(X, new Float64Array(X.n).fill(1)); // => XᵀX
 */
export function weightedGram(X: Design, omega: Float64Array, scratch: Float64Array = new Float64Array(X.n)): Float64Array {
  const { n, p } = X;
  const x = X.x;
  const out = new Float64Array(p * p);
  const { rows } = columnSupport(X);
  const dense: number[] = [];
  for (let k = 0; k < p; k++) if (rows[k] === null) dense.push(k);
  for (let j = 0; j < p; j++) {
    const offj = j * n;
    const idxJ = rows[j];
    if (idxJ !== null) {
      // Sparse column j: ω_i x_ij at its non-zero rows, then one gathered sum per later column.
      const m = idxJ.length;
      const t = scratch.subarray(0, m);
      for (let r = 0; r < m; r++) t[r] = omega[idxJ[r]] * x[offj + idxJ[r]];
      for (let k = j; k < p; k++) {
        const o = k * n;
        let s = 0;
        for (let r = 0; r < m; r++) s += t[r] * x[o + idxJ[r]];
        out[j * p + k] = s;
      }
      continue;
    }
    for (let i = 0; i < n; i++) scratch[i] = omega[i] * x[offj + i];
    // Sparse later columns: gather at their own non-zero rows.
    for (let k = j + 1; k < p; k++) {
      const idxK = rows[k];
      if (idxK === null) continue;
      const o = k * n;
      let s = 0;
      for (let r = 0; r < idxK.length; r++) s += scratch[idxK[r]] * x[o + idxK[r]];
      out[j * p + k] = s;
    }
    // Dense later columns, four per pass: each scratch value is loaded once for four products, which doubles throughput in V8.
    let a = 0;
    while (a < dense.length && dense[a] < j) a++;
    for (; a + 3 < dense.length; a += 4) {
      const k0 = dense[a], k1 = dense[a + 1], k2 = dense[a + 2], k3 = dense[a + 3];
      const o0 = k0 * n, o1 = k1 * n, o2 = k2 * n, o3 = k3 * n;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let i = 0; i < n; i++) {
        const t = scratch[i];
        s0 += t * x[o0 + i];
        s1 += t * x[o1 + i];
        s2 += t * x[o2 + i];
        s3 += t * x[o3 + i];
      }
      out[j * p + k0] = s0;
      out[j * p + k1] = s1;
      out[j * p + k2] = s2;
      out[j * p + k3] = s3;
    }
    for (; a < dense.length; a++) {
      const k = dense[a];
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
