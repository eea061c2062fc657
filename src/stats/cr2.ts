import type { Design } from './design';
import type { OlsFit } from './ols';

/**
 * The meat of the CR2 cluster-robust variance (Bell & McCaffrey 2002;
 * Pustejovsky & Tipton 2018), as clubSandwich's `vcovCR(type = "CR2")`
 * computes it for a weighted lm with inverse-variance weights (its default).
 * Least squares shrinks each cluster's residuals by the cluster's leverage,
 * and CR1's single factor restores that only on average; CR2 undoes it
 * cluster by cluster, so the variance is unbiased when the errors are
 * independent with variances 1/w. Cluster g's residuals e_g become A_g e_g,
 * A_g = Φ_g^½ G_g^−½ Φ_g^½ with Φ_g = W_g⁻¹ and
 * G_g = Φ_g^½ (Φ_g − X_g(XᵀWX)⁻¹X_gᵀ) Φ_g^½; unweighted, A_g = (I − H_gg)^−½.
 * A direction in which G_g is (nearly) zero, a unit the design fits exactly,
 * gets the pseudo-inverse. Rows with weight zero take no part. Returns the
 * p×p meat Σ_g (X_gᵀW_g a_g)(…)ᵀ with a_g = A_g e_g, row-major; the variance
 * is bread · meat · bread, with no further factor.
 *
 * Cost: n·p²/2 for the hat matrix's row coordinates, and an m×m symmetric
 * eigen-decomposition per cluster of m rows.
 *
 * @example
 * const meat = cr2Meat(fit, X, codes, groups);
 * sandwichProduct(fit.bread, meat, X.p); // => the CR2 variance
 */
export function cr2Meat(fit: OlsFit, X: Design, codes: Int32Array, groups: number): Float64Array {
  const { n, p } = X;
  const w = new Float64Array(n);
  const sw = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    w[i] = fit.weights ? fit.weights[i] : 1;
    sw[i] = Math.sqrt(w[i]);
  }
  // U_i·U_j = √(w_i w_j)·x_iᵀ(XᵀWX)⁻¹x_j.
  const U = hatCoordinates(X, fit.rInverse, sw);
  const { start, rows } = clusterLists(positiveCodes(codes, w), groups);
  const meat = new Float64Array(p * p);
  const s = new Float64Array(p);
  let maxM = 1;
  for (let g = 0; g < groups; g++) maxM = Math.max(maxM, start[g + 1] - start[g]);
  if (maxM > CR2_MAX_CLUSTER_ROWS) {
    throw new RangeError(
      `CR2 works on each cluster's block of the hat matrix, and the largest cluster has ${maxM.toLocaleString('en-US')} rows ` +
        `(at most ${CR2_MAX_CLUSTER_ROWS.toLocaleString('en-US')}); with clusters this large their leverage is small: use CR1 (vcovCL's factor) instead`,
    );
  }
  const G = new Float64Array(maxM * maxM);
  // The cluster's rows of U, row-major (m×p), so that their dot products run over contiguous memory.
  const Ug = new Float64Array(maxM * p);
  const V = new Float64Array(maxM * maxM);
  const lambda = new Float64Array(maxM);
  const v = new Float64Array(maxM);
  const a = new Float64Array(maxM);
  for (let g = 0; g < groups; g++) {
    const lo = start[g];
    const m = start[g + 1] - lo;
    if (m === 0) continue;
    // v = Φ_g^½ e_g; the adjusted residuals are a = Φ_g^½ G_g^−½ v.
    for (let r = 0; r < m; r++) v[r] = fit.residuals[rows[lo + r]] / sw[rows[lo + r]];
    if (m === 1) {
      const left = 1 - rowDot(U, n, p, rows[lo], rows[lo]);
      // G = (1 − h)/w², so a = e/√(1 − h).
      a[0] = left > ZERO_EIGEN ? (v[0] * sw[rows[lo]]) / Math.sqrt(left) : 0;
    } else {
      gatherRows(Ug, U, n, p, rows, lo, m);
      // G_ab = δ_ab/w_a² − U_a·U_b/(w_a w_b).
      for (let r = 0; r < m; r++) {
        const i = rows[lo + r];
        for (let c = 0; c <= r; c++) {
          const j = rows[lo + c];
          const value = (r === c ? 1 / (w[i] * w[i]) : 0) - contiguousDot(Ug, r * p, c * p, p) / (w[i] * w[j]);
          G[r * m + c] = value;
          G[c * m + r] = value;
        }
      }
      symmetricEigen(G, m, V, lambda);
      inverseSqrtTimes(V, lambda, m, v, a);
      for (let r = 0; r < m; r++) a[r] /= sw[rows[lo + r]];
    }
    // s = X_gᵀ W_g a
    s.fill(0);
    for (let r = 0; r < m; r++) {
      const i = rows[lo + r];
      const f = w[i] * a[r];
      if (f === 0) continue;
      for (let j = 0; j < p; j++) s[j] += X.x[j * n + i] * f;
    }
    for (let j = 0; j < p; j++) {
      const sj = s[j];
      if (sj === 0) continue;
      for (let k = 0; k < p; k++) meat[j * p + k] += sj * s[k];
    }
  }
  return meat;
}

// The cluster codes with rows of weight zero moved out of every cluster (code −1 is listed nowhere).
function positiveCodes(codes: Int32Array, w: Float64Array): Int32Array {
  let all = true;
  for (let i = 0; i < w.length; i++) if (!(w[i] > 0)) all = false;
  if (all) return codes;
  const out = codes.slice();
  for (let i = 0; i < w.length; i++) if (!(w[i] > 0)) out[i] = -1;
  return out;
}

/** The most rows a cluster may have for CR2: its block is an m×m matrix decomposed in m³ steps. */
export const CR2_MAX_CLUSTER_ROWS = 3000;

/** Eigenvalues of I − H_gg at or below this are taken as zero (a unit the design fits exactly). */
const ZERO_EIGEN = 1e-10;

// U (column-major n×p): row i is √w_i·x_iᵀR⁻¹, so that H_ij = U_i·U_j (R⁻¹ upper triangular).
function hatCoordinates(X: Design, Rinv: Float64Array, sw: Float64Array): Float64Array {
  const { n, p } = X;
  const U = new Float64Array(n * p);
  for (let c = 0; c < p; c++) {
    const out = c * n;
    for (let k = 0; k <= c; k++) {
      const r = Rinv[k * p + c];
      if (r !== 0) addScaledColumn(U, out, X.x, k * n, r, n);
    }
    scaleColumn(U, out, sw, n);
  }
  return U;
}

// U[out + i] += x[from + i]·r.
function addScaledColumn(U: Float64Array, out: number, x: Float64Array, from: number, r: number, n: number): void {
  for (let i = 0; i < n; i++) U[out + i] += x[from + i] * r;
}

// U[out + i] *= sw[i].
function scaleColumn(U: Float64Array, out: number, sw: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) U[out + i] *= sw[i];
}

// Ug[r·p + c] = U[c·n + rows[lo + r]]: the m rows of a cluster, row-major.
function gatherRows(Ug: Float64Array, U: Float64Array, n: number, p: number, rows: Int32Array, lo: number, m: number): void {
  for (let c = 0; c < p; c++) {
    const col = c * n;
    for (let r = 0; r < m; r++) Ug[r * p + c] = U[col + rows[lo + r]];
  }
}

// Σ_k x[a + k]·x[b + k], k < p.
function contiguousDot(x: Float64Array, a: number, b: number, p: number): number {
  let s = 0;
  for (let k = 0; k < p; k++) s += x[a + k] * x[b + k];
  return s;
}

// U_i · U_j over the p columns.
function rowDot(U: Float64Array, n: number, p: number, i: number, j: number): number {
  let s = 0;
  for (let c = 0; c < p; c++) s += U[c * n + i] * U[c * n + j];
  return s;
}

/**
 * Each cluster's rows, in row order: cluster g holds rows[start[g] .. start[g + 1] − 1]
 * (a row coded −1 is in none).
 *
 * @example
 * clusterLists(Int32Array.from([1, 0, 1]), 2); // => { start: [0, 1, 3], rows: [1, 0, 2] }
 */
export function clusterLists(codes: Int32Array, groups: number): { start: Int32Array; rows: Int32Array } {
  const start = new Int32Array(groups + 1);
  for (let i = 0; i < codes.length; i++) if (codes[i] >= 0) start[codes[i] + 1]++;
  for (let g = 0; g < groups; g++) start[g + 1] += start[g];
  const next = start.slice(0, groups);
  const rows = new Int32Array(start[groups]);
  for (let i = 0; i < codes.length; i++) if (codes[i] >= 0) rows[next[codes[i]]++] = i;
  return { start, rows };
}

/**
 * Eigen-decomposition of a symmetric m×m matrix (row-major, read only):
 * eigenvalues into `lambda`, eigenvectors as the columns of V (row-major
 * m×m). Householder reduction to tridiagonal form, then the implicit QL
 * iteration with shifts (the classical pair of algorithms), about 4m³
 * operations in all; accurate to rounding for the small blocks CR2 needs.
 *
 * @example
 * const V = new Float64Array(4), l = new Float64Array(2);
 * symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2, V, l); // l => [1, 3] (in some order)
 */
export function symmetricEigen(A: Float64Array, m: number, V: Float64Array, lambda: Float64Array): void {
  for (let i = 0; i < m * m; i++) V[i] = A[i];
  const off = new Float64Array(m);
  tridiagonalize(V, m, lambda, off);
  tridiagonalQl(lambda, off, m, V);
}

// Householder reduction of the symmetric matrix in `a` (row-major m×m): the diagonal into d, the
// sub-diagonal into e[1..m−1], and a overwritten by the orthogonal matrix of the reduction.
function tridiagonalize(a: Float64Array, m: number, d: Float64Array, e: Float64Array): void {
  for (let i = m - 1; i > 0; i--) {
    const l = i - 1;
    let h = 0;
    if (l > 0) {
      let scale = 0;
      for (let k = 0; k <= l; k++) scale += Math.abs(a[i * m + k]);
      if (scale === 0) e[i] = a[i * m + l];
      else {
        for (let k = 0; k <= l; k++) {
          a[i * m + k] /= scale;
          h += a[i * m + k] * a[i * m + k];
        }
        let f = a[i * m + l];
        let g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
        e[i] = scale * g;
        h -= f * g;
        a[i * m + l] = f - g;
        f = 0;
        for (let j = 0; j <= l; j++) {
          a[j * m + i] = a[i * m + j] / h;
          g = 0;
          for (let k = 0; k <= j; k++) g += a[j * m + k] * a[i * m + k];
          for (let k = j + 1; k <= l; k++) g += a[k * m + j] * a[i * m + k];
          e[j] = g / h;
          f += e[j] * a[i * m + j];
        }
        const hh = f / (h + h);
        for (let j = 0; j <= l; j++) {
          f = a[i * m + j];
          g = e[j] - hh * f;
          e[j] = g;
          for (let k = 0; k <= j; k++) a[j * m + k] -= f * e[k] + g * a[i * m + k];
        }
      }
    } else e[i] = a[i * m + l];
    d[i] = h;
  }
  d[0] = 0;
  e[0] = 0;
  for (let i = 0; i < m; i++) {
    if (d[i] !== 0) {
      for (let j = 0; j < i; j++) {
        let g = 0;
        for (let k = 0; k < i; k++) g += a[i * m + k] * a[k * m + j];
        for (let k = 0; k < i; k++) a[k * m + j] -= g * a[k * m + i];
      }
    }
    d[i] = a[i * m + i];
    a[i * m + i] = 1;
    for (let j = 0; j < i; j++) {
      a[j * m + i] = 0;
      a[i * m + j] = 0;
    }
  }
}

// The implicit QL iteration on the tridiagonal matrix (d, e[1..m−1]): eigenvalues into d, and the
// rotations applied to the columns of z (row-major m×m), which then holds the eigenvectors.
function tridiagonalQl(d: Float64Array, e: Float64Array, m: number, z: Float64Array): void {
  for (let i = 1; i < m; i++) e[i - 1] = e[i];
  e[m - 1] = 0;
  for (let l = 0; l < m; l++) {
    for (let iter = 0; ; iter++) {
      let n = l;
      for (; n < m - 1; n++) {
        const dd = Math.abs(d[n]) + Math.abs(d[n + 1]);
        if (Math.abs(e[n]) <= Number.EPSILON * dd) break;
      }
      if (n === l) break;
      if (iter === 60) throw new Error('symmetricEigen: the QL iteration did not converge');
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[n] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = n - 1;
      let underflow = false;
      for (; i >= l; i--) {
        const f = s * e[i];
        const b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= p;
          e[n] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        for (let k = 0; k < m; k++) {
          const zk = z[k * m + i + 1];
          z[k * m + i + 1] = s * z[k * m + i] + c * zk;
          z[k * m + i] = c * z[k * m + i] - s * zk;
        }
      }
      if (underflow) continue;
      d[l] -= p;
      e[l] = g;
      e[n] = 0;
    }
  }
}

// out = V·diag(λ^−½, 0 where λ is (nearly) zero against the largest)·Vᵀ·e.
function inverseSqrtTimes(V: Float64Array, lambda: Float64Array, m: number, e: Float64Array, out: Float64Array): void {
  out.fill(0, 0, m);
  let top = 0;
  for (let k = 0; k < m; k++) top = Math.max(top, lambda[k]);
  for (let k = 0; k < m; k++) {
    if (!(lambda[k] > ZERO_EIGEN * top)) continue;
    let proj = 0;
    for (let r = 0; r < m; r++) proj += V[r * m + k] * e[r];
    proj /= Math.sqrt(lambda[k]);
    for (let r = 0; r < m; r++) out[r] += V[r * m + k] * proj;
  }
}
