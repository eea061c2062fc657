// Reference loops for the kernel tests: the definitions, term by term, with nothing skipped.
import type { Design } from '../../src/stats/design';

// The definitions the kernels must reproduce bit for bit: every term, in increasing row order.
export function plainGram(X: Design, omega: Float64Array): Float64Array {
  const { n, p, x } = X;
  const out = new Float64Array(p * p);
  for (let j = 0; j < p; j++)
    for (let k = j; k < p; k++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += omega[i] * x[j * n + i] * x[k * n + i];
      out[j * p + k] = s;
      out[k * p + j] = s;
    }
  return out;
}

export function plainCrossprod(X: Design, v: Float64Array): Float64Array {
  const { n, p, x } = X;
  const out = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += v[i] * x[j * n + i];
    out[j] = s;
  }
  return out;
}

// Index of the first entry that differs as a bit pattern (Object.is tells +0 from -0), or -1.
export function firstDifference(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return 0;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return k;
  return -1;
}

// One-way cluster meat Σ_g s_g s_gᵀ, s_g = Σ_{i∈g} w_i e_i x_i, every term in row then cluster order.
export function plainClusterMeat(X: Design, we: Float64Array, codes: Int32Array, groups: number): Float64Array {
  const { n, p, x } = X;
  const score = new Float64Array(groups * p);
  for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) score[codes[i] * p + j] += we[i] * x[j * n + i];
  const meat = new Float64Array(p * p);
  for (let g = 0; g < groups; g++)
    for (let j = 0; j < p; j++)
      for (let k = j; k < p; k++) meat[j * p + k] += score[g * p + j] * score[g * p + k];
  for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) meat[j * p + k] = meat[k * p + j];
  return meat;
}

// Xβ column by column, each row adding its terms in column order.
export function plainFitted(X: Design, coef: Float64Array): Float64Array {
  const { n, p, x } = X;
  const out = new Float64Array(n);
  for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) out[i] += x[j * n + i] * coef[j];
  return out;
}

// Xβ as linearPredictor defines it: each row adds one left-to-right sum per aligned block of four
// columns, in block order, then the remaining columns one by one; every term computed.
export function plainBlockedPredictor(X: Design, beta: Float64Array): Float64Array {
  const { n, p, x } = X;
  const out = new Float64Array(n);
  let j = 0;
  for (; j + 3 < p; j += 4)
    for (let i = 0; i < n; i++) out[i] += x[j * n + i] * beta[j] + x[(j + 1) * n + i] * beta[j + 1] + x[(j + 2) * n + i] * beta[j + 2] + x[(j + 3) * n + i] * beta[j + 3];
  for (; j < p; j++) for (let i = 0; i < n; i++) out[i] += x[j * n + i] * beta[j];
  return out;
}

// Leverages w_i·Σ_c (Σ_{k≤c} x_ik R⁻¹_kc)², every term.
export function plainHat(X: Design, rInverse: Float64Array, weights: Float64Array | undefined): Float64Array {
  const { n, p, x } = X;
  const h = new Float64Array(n);
  const q = new Float64Array(n);
  for (let c = 0; c < p; c++) {
    q.fill(0);
    for (let k = 0; k <= c; k++) for (let i = 0; i < n; i++) q[i] += x[k * n + i] * rInverse[k * p + c];
    for (let i = 0; i < n; i++) h[i] += q[i] * q[i];
  }
  if (weights) for (let i = 0; i < n; i++) h[i] *= weights[i];
  return h;
}
