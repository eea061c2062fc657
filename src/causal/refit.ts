import type { Estimate } from '../core/estimate';
import { choleskyScaled, choleskySolve, denseDots } from '../stats/linalg';
import { clusterCodes } from '../stats/vcov';
import { covariateCodes, type CodedCovariate } from './covariate-encoding';
import { checkCrossSectionInput, chooseVcov, intervalDf, makeEstimate, vcovLabel, type CrossSectionInput } from './cross-section-input';

/**
 * Cheap refits of one estimator's point estimate, for the refuters that only
 * read the estimate (random common cause, data subset). Either method may
 * answer undefined — "cannot tell quickly" — and the caller then refits the
 * ordinary way, so the two paths agree on every failure (a lost level, a
 * group with no rows, a singular design).
 */
export interface FastRefit {
  /** The estimate on the rows with `keep[i] === 1` only. */
  onRows(keep: Uint8Array): number | undefined;
  /** The estimate with one more numeric covariate appended after the others. */
  withCovariate(values: Float64Array): number | undefined;
  /** The whole estimate (SE, interval) for another outcome, on the rows with `keep[i] === 1` (all rows when null). */
  withOutcome?(y: Float64Array, keep: Uint8Array | null): Estimate | undefined;
}

/** Regression adjustment's treatment coefficient on all rows, and its cheap refits. */
export interface RegressionRefit extends FastRefit {
  /** The treatment coefficient on every row. */
  estimate: number;
  withOutcome(y: Float64Array, keep: Uint8Array | null): Estimate | undefined;
}

// The squared share of a column's (weighted) norm left once the columns before it are
// projected out. Below this the normal equations lose too many digits to be trusted,
// and the QR fit of the ordinary path (which only refuses shares under 1e-14) decides.
const PIVOT_SHARE = 1e-8;
// A column keeping less than this share of its weighted sum of squares on the kept rows
// is left to the ordinary path.
const KEPT_SHARE = 1e-6;

// The design [1, treat, covariates…] by columns, as the input holds them: the intercept, the numeric
// columns (treat first) as their own arrays and each text covariate as its rows' indicator codes, so
// that no design is ever built (a dense one would be p doubles a row, compressed rows some 130 bytes).
// Products with it run column by column over whole arrays: a text block adds into a small table
// indexed by each row's code instead of working its indicator columns.
interface Layout {
  n: number;
  p: number;
  /** Design column of each numeric array (treat is column 1). */
  numericColumn: Int32Array;
  numeric: Float64Array[];
  /** Each text block's first design column, its size (levels − 1) and each row's code (−1: reference level). */
  text: { start: number; size: number; codes: Int32Array }[];
}

function layoutOf(n: number, treat: Float64Array, covariates: CodedCovariate[]): Layout {
  const numeric: Float64Array[] = [treat];
  const numericColumn: number[] = [1];
  const text: Layout['text'] = [];
  let column = 2;
  for (const c of covariates) {
    if ('codes' in c) {
      text.push({ start: column, size: c.levels.length - 1, codes: c.codes });
      column += c.levels.length - 1;
    } else {
      numeric.push(c.values);
      numericColumn.push(column++);
    }
  }
  return { n, p: column, numericColumn: Int32Array.from(numericColumn), numeric, text };
}

/** Rows per block of the dense products: a block of the weighted column and four others stay in cache. */
const ROW_BLOCK = 2048;

/**
 * XᵀΩX (lower triangle, row-major p×p, into G) and, when `y` and `b` are given, XᵀΩy (into b), with
 * Ω = diag(omega), over every row or over `rows` only. Dense columns (the intercept and the numbers)
 * pair over row blocks, four products a pass; a text block against a dense column sums ω_i·x_ik by
 * level over the block's rows grouped by code; two text blocks make one table of Σω.
 */
function gram(L: Layout, omega: Float64Array, rows: Int32Array | null, G: Float64Array, y: Float64Array | null = null, b: Float64Array | null = null): void {
  const { numeric, numericColumn, text, p } = L;
  const m = rows === null ? L.n : rows.length;
  const nd = numeric.length + 1; // the intercept, then the numeric columns
  // With y, one more column after the dense ones: its products are Xᵀ(ω∘y).
  const nc = y === null ? nd : nd + 1;
  const block = Math.max(1, Math.min(m, ROW_BLOCK));
  // A block of rows: the weights, the dense columns side by side (column a at a·block, the
  // intercept's ones first) and each text block's codes, gathered once and read many times.
  const wb = new Float64Array(block);
  const xb = new Float64Array(nc * block);
  xb.fill(1, 0, block);
  const cb = text.map(() => new Int32Array(block));
  const cols = Int32Array.from({ length: nc }, (_, a) => a);
  const acc = new Float64Array(nd * nc);
  // Per text block, Σ ω·x_a over its rows' codes for each dense a (row 0: the reference level).
  const byCode = text.map((tb) => new Float64Array((tb.size + 1) * nc));
  const pairs: { a: number; b: number; table: Float64Array; width: number }[] = [];
  for (let a = 0; a < text.length; a++) for (let c = a + 1; c < text.length; c++) pairs.push({ a, b: c, table: new Float64Array((text[a].size + 1) * (text[c].size + 1)), width: text[c].size + 1 });
  const t = new Float64Array(block);
  const perm = new Int32Array(block);
  const start = new Int32Array(text.reduce((most, tb) => Math.max(most, tb.size + 2), 2));
  for (let lo = 0; lo < m; lo += block) {
    const len = Math.min(block, m - lo);
    if (rows === null) {
      wb.set(omega.subarray(lo, lo + len));
      for (let a = 1; a < nd; a++) xb.set(numeric[a - 1].subarray(lo, lo + len), a * block);
      if (y !== null) xb.set(y.subarray(lo, lo + len), nd * block);
      text.forEach((tb, k) => cb[k].set(tb.codes.subarray(lo, lo + len)));
    } else {
      for (let r = 0; r < len; r++) wb[r] = omega[rows[lo + r]];
      for (let a = 1; a < nd; a++) {
        const x = numeric[a - 1], off = a * block;
        for (let r = 0; r < len; r++) xb[off + r] = x[rows[lo + r]];
      }
      if (y !== null) for (let r = 0; r < len; r++) xb[nd * block + r] = y[rows[lo + r]];
      text.forEach((tb, k) => {
        const codes = tb.codes, c = cb[k];
        for (let r = 0; r < len; r++) c[r] = codes[rows[lo + r]];
      });
    }
    // Dense × dense: four products a pass over the block.
    for (let a = 0; a < nd; a++) {
      const off = a * block;
      for (let r = 0; r < len; r++) t[r] = wb[r] * xb[off + r];
      denseDots(t, xb, block, 0, len, cols, a, acc, a * nc);
    }
    // Text × dense: the block's rows grouped by code (a counting sort), then for each level but the
    // reference (whose sums no entry of G needs) and each dense column one sum over its rows.
    for (let k = 0; k < text.length; k++) {
      const c = cb[k], sums = byCode[k], L1 = text[k].size + 1;
      start.fill(0, 0, L1 + 1);
      for (let r = 0; r < len; r++) start[c[r] + 2]++;
      for (let l = 1; l <= L1; l++) start[l] += start[l - 1];
      for (let r = 0; r < len; r++) perm[start[c[r] + 1]++] = r;
      // start[l] is now the end of slot l's rows (slot 0: the reference level).
      for (let l = 1; l < L1; l++) {
        const from = start[l - 1], to = start[l];
        if (from === to) continue;
        for (let a = 0; a < nc; a++) {
          const off = a * block;
          let sum = 0;
          for (let j = from; j < to; j++) {
            const r = perm[j];
            sum += wb[r] * xb[off + r];
          }
          sums[l * nc + a] += sum;
        }
      }
    }
    // Text × text: Σω per pair of codes.
    for (const q of pairs) {
      const ca = cb[q.a], cc = cb[q.b], table = q.table, width = q.width;
      for (let r = 0; r < len; r++) table[(ca[r] + 1) * width + cc[r] + 1] += wb[r];
    }
  }
  G.fill(0);
  const col = (a: number) => (a === 0 ? 0 : numericColumn[a - 1]);
  const put = (j: number, k: number, v: number) => {
    if (j >= k) G[j * p + k] = v;
    else G[k * p + j] = v;
  };
  for (let a = 0; a < nd; a++) for (let c = a; c < nd; c++) put(col(a), col(c), acc[a * nc + c]);
  text.forEach((tb, k) => {
    const sums = byCode[k];
    for (let l = 0; l < tb.size; l++) {
      for (let a = 0; a < nd; a++) put(tb.start + l, col(a), sums[(l + 1) * nc + a]);
      // Two levels of one block share no row; a level with itself is Σω over its rows.
      G[(tb.start + l) * p + tb.start + l] = sums[(l + 1) * nc];
    }
  });
  for (const q of pairs) {
    const A = text[q.a], B = text[q.b];
    for (let l = 0; l < A.size; l++) for (let c = 0; c < B.size; c++) put(A.start + l, B.start + c, q.table[(l + 1) * q.width + c + 1]);
  }
  if (y !== null && b !== null) {
    for (let a = 0; a < nd; a++) b[col(a)] = acc[a * nc + nd];
    text.forEach((tb, k) => {
      for (let l = 0; l < tb.size; l++) b[tb.start + l] = byCode[k][(l + 1) * nc + nd];
    });
  }
}

/** Xᵀu (p entries, into out). */
function crossprodOf(L: Layout, u: Float64Array, out: Float64Array): Float64Array {
  const { n, numeric, numericColumn, text } = L;
  out.fill(0);
  let s = 0;
  for (let i = 0; i < n; i++) s += u[i];
  out[0] = s;
  numeric.forEach((x, a) => {
    let s2 = 0;
    for (let i = 0; i < n; i++) s2 += u[i] * x[i];
    out[numericColumn[a]] = s2;
  });
  for (const tb of text) {
    const sums = new Float64Array(tb.size + 1);
    const codes = tb.codes;
    for (let i = 0; i < n; i++) sums[codes[i] + 1] += u[i];
    for (let l = 0; l < tb.size; l++) out[tb.start + l] = sums[l + 1];
  }
  return out;
}

/** out = Xβ (n entries). */
function timesOf(L: Layout, beta: Float64Array, out: Float64Array): Float64Array {
  const { n, numeric, numericColumn, text } = L;
  out.fill(beta[0]);
  numeric.forEach((x, a) => {
    const bk = beta[numericColumn[a]];
    if (bk !== 0) for (let i = 0; i < n; i++) out[i] += bk * x[i];
  });
  for (const tb of text) {
    const level = new Float64Array(tb.size + 1);
    for (let l = 0; l < tb.size; l++) level[l + 1] = beta[tb.start + l];
    const codes = tb.codes;
    for (let i = 0; i < n; i++) out[i] += level[codes[i] + 1];
  }
  return out;
}

/**
 * Regression adjustment (intercept, treatment, covariates; weighted; as
 * `regressionAdjustment` without interactions) set up once so that its
 * treatment coefficient can be refitted cheaply: on a subset of rows (the
 * Gram matrix XᵀWX minus the left-out rows' share, then a Cholesky solve)
 * or with one more covariate (Frisch–Waugh: only the new column's
 * projection on the design is new), and the whole estimate with its
 * sandwich SE (HC1, or cluster-robust with vcovCL's factor) for another
 * outcome on a subset of rows (a placebo). The covariates are encoded once and
 * rows are never copied. The full fit is polished by iterative refinement
 * on its own residuals, so it agrees with the QR fit to ~1e-12, and an
 * added column's shift is computed from those residuals directly rather
 * than as a difference of two large coefficients. `anchor`, the QR
 * estimate of this same regression when the caller has it, replaces the
 * full-data coefficient when the two agree to 1e-8 (they differ only by
 * rounding), so that a small shift from an added column is measured from
 * the very number the caller compares it with. Null when the input
 * itself would not fit (missing values, a group without rows, a nearly
 * singular design): then refit the ordinary way.
 *
 * @example
 * const fast = regressionRefit(input, { anchor: regressionAdjustment(input).estimate });
 * fast?.estimate;                          // => regressionAdjustment(input).estimate (to 1e-10)
 * fast?.onRows(keep);                      // => regressionAdjustment(subsetInput(input, rowsOf(keep))).estimate
 * fast?.withCovariate(noise);              // => the estimate with `noise` as one more covariate
 * fast?.withOutcome(yBefore, keep)?.ci;    // => regressionAdjustment on those rows with y = yBefore: its interval
 */
export function regressionRefit(input: CrossSectionInput, opts: { anchor?: number; clusterAdjustment?: 'CR1' | 'CR1p'; clusterDf?: 'residual' | 'treated' } = {}): RegressionRefit | null {
  let data: CrossSectionInput;
  try {
    const checked = checkCrossSectionInput('regressionRefit', input);
    if (checked.dropped > 0) return null;
    data = checked.input;
  } catch {
    return null;
  }
  const n = data.y.length;
  const y = data.y;
  const w = data.weights;
  // The covariates as they enter the design (text columns as level codes), checked as the ordinary path checks them.
  let coded: CodedCovariate[] = [];
  if (data.covariates.length > 0) {
    try {
      coded = covariateCodes(data.covariates);
    } catch {
      return null;
    }
  }
  // Intercept, treatment, then each covariate's columns; a subset that lacks a text level is encoded
  // without it by the ordinary path, and withOutcome follows suit.
  const L = layoutOf(n, data.treat, coded);
  const p = L.p;
  // The weights as the diagonal of Ω, zero on rows a mask leaves out.
  const omegaOf = (mask: Uint8Array | null): Float64Array => {
    const omega = w ? Float64Array.from(w) : new Float64Array(n).fill(1);
    if (mask !== null) for (let i = 0; i < n; i++) if (mask[i] !== 1) omega[i] = 0;
    return omega;
  };
  const weighted = (omega: Float64Array, v: Float64Array): Float64Array => {
    const u = new Float64Array(n);
    // A left-out row's value may be NaN (a placebo outcome it lacks): it adds nothing.
    for (let i = 0; i < n; i++) u[i] = omega[i] === 0 ? 0 : omega[i] * v[i];
    return u;
  };
  const G = new Float64Array(p * p);
  const b = new Float64Array(p);
  const omegaAll = omegaOf(null);
  gram(L, omegaAll, null, G, y, b);
  const factored = choleskyScaled(G, p, PIVOT_SHARE);
  if ('dependent' in factored) return null;
  const full = factored;
  const beta = choleskySolve(full, b, p);
  // Residuals and two refinement steps: the normal equations square the design's
  // condition number, the residual correction recovers the digits QR would keep.
  const e = new Float64Array(n);
  const residuals = () => {
    timesOf(L, beta, e);
    for (let i = 0; i < n; i++) e[i] = y[i] - e[i];
  };
  const crossprod = (v: Float64Array, out: Float64Array) => crossprodOf(L, weighted(omegaAll, v), out);
  // Only the full-data estimate and an added column need the polished fit and its
  // residuals (a placebo on other rows or another outcome does not): done on first use.
  let polished: number | undefined;
  const polish = (): number => {
    if (polished !== undefined) return polished;
    const r = new Float64Array(p);
    for (let step = 0; step < 2; step++) {
      residuals();
      const delta = choleskySolve(full, crossprod(e, r), p);
      for (let j = 0; j < p; j++) beta[j] += delta[j];
    }
    residuals();
    const anchor = opts.anchor;
    polished = anchor !== undefined && Math.abs(anchor - beta[1]) <= 1e-8 * Math.abs(beta[1]) ? anchor : beta[1];
    return polished;
  };

  const Gs = new Float64Array(p * p);
  const bs = new Float64Array(p);
  const c = new Float64Array(p);
  // Kept rows by group; undefined when the ordinary fit would refuse them (a group without rows, fewer rows than coefficients).
  const countKept = (keep: Uint8Array | null) => {
    if (keep !== null && keep.length !== n) throw new RangeError(`regressionRefit: \`keep\` has ${keep.length} rows, the input has ${n}`);
    let kept = 0;
    let nTreated = 0;
    let nControl = 0;
    for (let i = 0; i < n; i++) {
      if (keep !== null && keep[i] !== 1) continue;
      kept++;
      if (!((w ? w[i] : 1) > 0)) continue;
      if (data.treat[i] === 1) nTreated++;
      else nControl++;
    }
    return nTreated === 0 || nControl === 0 || nTreated + nControl < p ? undefined : { kept, nTreated, nControl };
  };
  // The kept rows' Gram matrix in Gs (and XᵀWy in bs when `withY`). Whichever side is
  // smaller is summed: the kept rows, or the full matrix minus the left-out rows.
  const keptGram = (keep: Uint8Array, kept: number, withY: boolean) => {
    const most = 2 * kept >= n;
    const rows = new Int32Array(most ? n - kept : kept);
    for (let i = 0, r = 0; i < n; i++) if ((keep[i] === 1) !== most) rows[r++] = i;
    gram(L, omegaAll, rows, Gs, withY ? y : null, bs);
    if (most) {
      for (let j = 0; j < p * p; j++) Gs[j] = G[j] - Gs[j];
      if (withY) for (let j = 0; j < p; j++) bs[j] = b[j] - bs[j];
    }
  };
  // The Cholesky factor of the kept rows' Gram A (q×q over the design columns `use`), or
  // undefined when it cannot be trusted: a column (nearly) gone from the kept rows, where
  // "full minus left-out" would leave rounding in place of its share, or a singular design.
  const keptFactor = (A: Float64Array, use: Int32Array) => {
    const q = use.length;
    for (let k = 0; k < q; k++) if (!(A[k * q + k] > KEPT_SHARE * G[use[k] * p + use[k]])) return undefined;
    const f = choleskyScaled(A, q, PIVOT_SHARE);
    return 'dependent' in f ? undefined : f;
  };
  const allColumns = Int32Array.from({ length: p }, (_, j) => j);
  // The columns the ordinary path's design has on the kept rows: a text level no kept row
  // has is left out, and when the reference level is gone the first level left takes its
  // place. Undefined when a text covariate keeps a single level (the ordinary path refuses it).
  const presentColumns = (keep: Uint8Array): Int32Array | undefined => {
    const use: number[] = [];
    let j = 0;
    for (const { start, size, codes } of L.text) {
      while (j < start) use.push(j++);
      // present[0]: the reference level.
      const present = new Uint8Array(size + 1);
      for (let i = 0; i < n; i++) if (keep[i] === 1) present[codes[i] + 1] = 1;
      let levels = 0;
      for (let l = 0; l <= size; l++) levels += present[l];
      if (levels < 2) return undefined;
      let takesReference = present[0] === 0;
      for (let l = 0; l < size; l++) {
        if (present[l + 1] === 0) continue;
        if (takesReference) takesReference = false;
        else use.push(start + l);
      }
      j = start + size;
    }
    while (j < p) use.push(j++);
    return Int32Array.from(use);
  };
  const codes = data.cluster ? clusterCodes(data.cluster) : null;
  const vcov = vcovLabel(chooseVcov(data.cluster, undefined, opts.clusterAdjustment));
  const cr1p = opts.clusterAdjustment === 'CR1p';
  return {
    get estimate(): number {
      return polish();
    },
    onRows(keep: Uint8Array): number | undefined {
      const k = countKept(keep);
      if (!k) return undefined;
      keptGram(keep, k.kept, true);
      const f = keptFactor(Gs, allColumns);
      return f ? choleskySolve(f, bs, p)[1] : undefined;
    },
    withCovariate(z: Float64Array): number | undefined {
      if (z.length !== n) throw new RangeError(`regressionRefit: the added covariate has ${z.length} rows, the input has ${n}`);
      for (let i = 0; i < n; i++) if (!Number.isFinite(z[i])) return undefined;
      // z on the design: u = G⁻¹XᵀWz; its residual z̃ = z − Xu has z̃ᵀWz̃ = zᵀWz − (XᵀWz)ᵀu and z̃ᵀWy = zᵀWe.
      const estimate = polish();
      crossprod(z, c);
      const u = choleskySolve(full, c, p);
      let zz = 0;
      let ze = 0;
      for (let i = 0; i < n; i++) {
        const wz = (w ? w[i] : 1) * z[i];
        zz += wz * z[i];
        ze += wz * e[i];
      }
      let proj = 0;
      for (let j = 0; j < p; j++) proj += c[j] * u[j];
      const left = zz - proj;
      if (!(left > PIVOT_SHARE * zz)) return undefined;
      return estimate - u[1] * (ze / left);
    },
    withOutcome(yNew: Float64Array, keep: Uint8Array | null): Estimate | undefined {
      if (yNew.length !== n) throw new RangeError(`regressionRefit: the outcome has ${yNew.length} rows, the input has ${n}`);
      const k = countKept(keep);
      if (!k) return undefined;
      for (let i = 0; i < n; i++) if ((keep === null || keep[i] === 1) && !Number.isFinite(yNew[i])) return undefined;
      let use: Int32Array = allColumns;
      let f = full;
      if (keep !== null) {
        const present = presentColumns(keep);
        if (!present) return undefined;
        use = present;
        keptGram(keep, k.kept, false);
        const q = use.length;
        const A = q === p ? Gs : new Float64Array(q * q);
        if (q < p) for (let a = 0; a < q; a++) for (let c2 = 0; c2 <= a; c2++) A[a * q + c2] = Gs[use[a] * p + use[c2]];
        const factored = keptFactor(A, use);
        if (!factored) return undefined;
        f = factored;
      }
      const q = use.length;
      const kept = (i: number) => keep === null || keep[i] === 1;
      const omega = keep === null ? omegaAll : omegaOf(keep);
      const byAll = crossprodOf(L, weighted(omega, yNew), new Float64Array(p));
      const by = Float64Array.from(use, (j) => byAll[j]);
      const coef = choleskySolve(f, by, q);
      // The treatment row of (XᵀWX)⁻¹, t: its sandwich variance is tᵀ·meat·t, so only
      // each row's (or cluster's) score along X·t is needed, never the p×p meat.
      const unit = new Float64Array(q);
      unit[1] = 1;
      const t = choleskySolve(f, unit, q);
      // Both as p-vectors, zero on the columns not fitted on these rows.
      const coefAll = new Float64Array(p);
      const tAll = new Float64Array(p);
      use.forEach((j, k2) => {
        coefAll[j] = coef[k2];
        tAll[j] = t[k2];
      });
      const res = timesOf(L, coefAll, new Float64Array(n));
      for (let i = 0; i < n; i++) res[i] = kept(i) ? yNew[i] - res[i] : 0;
      const along = timesOf(L, tAll, new Float64Array(n));
      let sumW = 0;
      let sumWy = 0;
      let rss = 0;
      for (let i = 0; i < n; i++) {
        if (!kept(i)) continue;
        const wi = w ? w[i] : 1;
        sumW += wi;
        sumWy += wi * yNew[i];
        rss += wi * res[i] * res[i];
      }
      let tss = 0;
      for (let i = 0; i < n; i++) if (kept(i)) tss += (w ? w[i] : 1) * (yNew[i] - sumWy / sumW) ** 2;
      let meat = 0;
      let scale: number;
      if (codes) {
        // vcovCL's factor G/(G−1)·(n−1)/(n−p) (or CR1p's G/(G−p)), G counting the clusters among the kept rows.
        const score = new Float64Array(codes.groups);
        const present = new Uint8Array(codes.groups);
        let groups = 0;
        for (let i = 0; i < n; i++) {
          if (!kept(i)) continue;
          const g = codes.codes[i];
          if (present[g] === 0) {
            present[g] = 1;
            groups++;
          }
          score[g] += (w ? w[i] : 1) * res[i] * along[i];
        }
        if (groups < 2 || (cr1p && groups <= q)) return undefined;
        for (let g = 0; g < codes.groups; g++) meat += score[g] * score[g];
        scale = cr1p ? groups / (groups - q) : (groups / (groups - 1)) * ((k.kept - 1) / (k.kept - q));
      } else {
        for (let i = 0; i < n; i++) if (kept(i)) meat += ((w ? w[i] : 1) * res[i] * along[i]) ** 2;
        scale = k.kept / (k.kept - q);
      }
      const df = intervalDf(k.nTreated + k.nControl - q, data.treat, data.cluster, w, opts.clusterDf, keep);
      return makeEstimate('regression_adjustment', coef[1], Math.sqrt(scale * meat), df, k.nTreated, k.nControl, {
        vcov,
        interactions: false,
        r2: tss > 0 ? 1 - rss / tss : NaN,
        coefficients: q,
        droppedMissing: 0,
        warnings: [],
      });
    },
  };
}
