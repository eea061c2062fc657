import type { Estimate } from '../core/estimate';
import { choleskyScaled, choleskySolve } from '../stats/linalg';
import { clusterCodes } from '../stats/vcov';
import { covariateCodes, type CodedCovariate } from './covariate-encoding';
import { modifierCost, modifierInteractions, modifiersFit } from './modifiers';
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
  /** The estimate with one more numeric covariate appended after the others (read during the call only: the caller may rewrite `values` after it). */
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
  /**
   * Each text block's first design column, its size (levels − 1), each row's code (−1: reference level)
   * and whether the codes never decrease from row to row (the cohort label of stacked data, whose rows
   * come cohort by cohort): then a level's rows are one run.
   */
  text: { start: number; size: number; codes: Int32Array; sorted: boolean }[];
}

function nonDecreasing(codes: Int32Array): boolean {
  for (let i = 1; i < codes.length; i++) if (codes[i] < codes[i - 1]) return false;
  return true;
}

function layoutOf(n: number, treat: Float64Array, covariates: CodedCovariate[]): Layout {
  const numeric: Float64Array[] = [treat];
  const numericColumn: number[] = [1];
  const text: Layout['text'] = [];
  let column = 2;
  for (const c of covariates) {
    if ('codes' in c) {
      text.push({ start: column, size: c.levels.length - 1, codes: c.codes, sorted: nonDecreasing(c.codes) });
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
/** Rows per sub-block of the dense products (see denseBlock). */
const DENSE_BLOCK = 512;

// acc[k + j] (and acc[k + nc + j] for the next row of products), j < 4, carry on the sums Σ ta_r·x_(c+j),r
// (and Σ tb_r·x_(c+j),r) over the block, adding the terms in row order as denseDots does: two weighted
// columns against four others a pass load each value once for eight products, and V8 keeps the eight
// sums in registers.
function dots2x4(ta: Float64Array, oa: number, tb: Float64Array, ob: number, x: Float64Array, o: number, block: number, len: number, acc: Float64Array, k: number, nc: number): void {
  const o0 = o, o1 = o + block, o2 = o + 2 * block, o3 = o + 3 * block;
  let a0 = acc[k], a1 = acc[k + 1], a2 = acc[k + 2], a3 = acc[k + 3];
  let b0 = acc[k + nc], b1 = acc[k + nc + 1], b2 = acc[k + nc + 2], b3 = acc[k + nc + 3];
  for (let r = 0; r < len; r++) {
    const u = ta[oa + r], v = tb[ob + r];
    const x0 = x[o0 + r], x1 = x[o1 + r], x2 = x[o2 + r], x3 = x[o3 + r];
    a0 += u * x0;
    a1 += u * x1;
    a2 += u * x2;
    a3 += u * x3;
    b0 += v * x0;
    b1 += v * x1;
    b2 += v * x2;
    b3 += v * x3;
  }
  acc[k] = a0;
  acc[k + 1] = a1;
  acc[k + 2] = a2;
  acc[k + 3] = a3;
  acc[k + nc] = b0;
  acc[k + nc + 1] = b1;
  acc[k + nc + 2] = b2;
  acc[k + nc + 3] = b3;
}

// One block's dense products, with tb holding ω∘x_a for the dense columns a < nd (formed as the block was
// gathered): acc[a·nc + c] += Σ (ω x_a)·x_c for c ≥ a (c < nc: y too), in row order. Weighted columns two at a time, each pair's diagonal entries
// first, then the columns after both four (then one) at a time; over sub-blocks of DENSE_BLOCK rows so that
// a pair of weighted columns stays in the first-level cache while the others stream past (each sum still
// takes its terms in row order).
function denseBlock(xb: Float64Array, tb: Float64Array, block: number, len: number, nd: number, nc: number, acc: Float64Array): void {
  for (let lo = 0; lo < len; lo += DENSE_BLOCK) {
    const hi = Math.min(len, lo + DENSE_BLOCK);
    let a = 0;
    for (; a + 1 < nd; a += 2) {
      const oa = a * block, ob = oa + block, k = a * nc;
      pairDiagonal(xb, tb, oa, ob, lo, hi, acc, k + a, k + a + 1, k + nc + a + 1);
      let c = a + 2;
      for (; c + 3 < nc; c += 4) dots2x4(tb, oa + lo, tb, ob + lo, xb, c * block + lo, block, hi - lo, acc, k + c, nc);
      for (; c + 1 < nc; c += 2) dots2x2(tb, oa, ob, xb, c * block, c * block + block, lo, hi, acc, k + c, nc);
      for (; c < nc; c++) dots2x1(tb, oa, ob, xb, c * block, lo, hi, acc, k + c, nc);
    }
    for (; a < nd; a++) {
      const oa = a * block, k = a * nc;
      for (let c = a; c < nc; c++) dots1x1(tb, oa, xb, c * block, lo, hi, acc, k + c);
    }
  }
}

// A pair of weighted columns a, b (at oa, ob) against themselves over rows lo..hi−1: acc[aa] += Σ (ω x_a)·x_a,
// acc[ab] += Σ (ω x_a)·x_b and acc[bb] += Σ (ω x_b)·x_b, in row order.
function pairDiagonal(xb: Float64Array, tb: Float64Array, oa: number, ob: number, lo: number, hi: number, acc: Float64Array, aa: number, ab: number, bb: number): void {
  let saa = acc[aa], sab = acc[ab], sbb = acc[bb];
  for (let r = lo; r < hi; r++) {
    const u = tb[oa + r];
    const xb1 = xb[ob + r];
    saa += u * xb[oa + r];
    sab += u * xb1;
    sbb += tb[ob + r] * xb1;
  }
  acc[aa] = saa;
  acc[ab] = sab;
  acc[bb] = sbb;
}

// Two weighted columns (at oa, ob) against the two columns at oc and od over rows lo..hi−1:
// acc[k], acc[k + 1] and the next row's acc[k + nc], acc[k + nc + 1], in row order.
function dots2x2(tb: Float64Array, oa: number, ob: number, xb: Float64Array, oc: number, od: number, lo: number, hi: number, acc: Float64Array, k: number, nc: number): void {
  let s0 = acc[k], s1 = acc[k + 1], s2 = acc[k + nc], s3 = acc[k + nc + 1];
  for (let r = lo; r < hi; r++) {
    const u = tb[oa + r], v = tb[ob + r], x0 = xb[oc + r], x1 = xb[od + r];
    s0 += u * x0;
    s1 += u * x1;
    s2 += v * x0;
    s3 += v * x1;
  }
  acc[k] = s0;
  acc[k + 1] = s1;
  acc[k + nc] = s2;
  acc[k + nc + 1] = s3;
}

// Two weighted columns (at oa, ob) against the one column at oc over rows lo..hi−1: acc[k] and acc[k + nc], in row order.
function dots2x1(tb: Float64Array, oa: number, ob: number, xb: Float64Array, oc: number, lo: number, hi: number, acc: Float64Array, k: number, nc: number): void {
  let s0 = acc[k], s1 = acc[k + nc];
  for (let r = lo; r < hi; r++) {
    const x = xb[oc + r];
    s0 += tb[oa + r] * x;
    s1 += tb[ob + r] * x;
  }
  acc[k] = s0;
  acc[k + nc] = s1;
}

// One weighted column (at oa) against the column at oc over rows lo..hi−1: acc[k], in row order.
function dots1x1(tb: Float64Array, oa: number, xb: Float64Array, oc: number, lo: number, hi: number, acc: Float64Array, k: number): void {
  let s = acc[k];
  for (let r = lo; r < hi; r++) s += tb[oa + r] * xb[oc + r];
  acc[k] = s;
}

// xb[off + r] ← x_(lo+r) and tb[off + r] ← ω_r·x_(lo+r) for r < len: a block's dense column and its
// weighted copy in one pass (the weighted copy is what the products and the text sums read).
function gatherWeighted(x: Float64Array, lo: number, len: number, wb: Float64Array, xb: Float64Array, tb: Float64Array, off: number): void {
  for (let r = 0; r < len; r++) {
    const v = x[lo + r];
    xb[off + r] = v;
    tb[off + r] = wb[r] * v;
  }
}

// As gatherWeighted, for the rows rows[lo..lo+len).
function gatherRowsWeighted(x: Float64Array, rows: Int32Array, lo: number, len: number, wb: Float64Array, xb: Float64Array, tb: Float64Array, off: number): void {
  for (let r = 0; r < len; r++) {
    const v = x[rows[lo + r]];
    xb[off + r] = v;
    tb[off + r] = wb[r] * v;
  }
}

// The block's rows grouped by code, stably (a counting sort): perm lists slot 0's rows (the reference
// level, code −1), then slot 1's, …, and start[l] ends up at the end of slot l's rows.
function sortByCode(c: Int32Array, len: number, L1: number, start: Int32Array, perm: Int32Array): void {
  start.fill(0, 0, L1 + 1);
  for (let r = 0; r < len; r++) start[c[r] + 2]++;
  for (let l = 1; l <= L1; l++) start[l] += start[l - 1];
  for (let r = 0; r < len; r++) perm[start[c[r] + 1]++] = r;
}

// start[l] ← the end of slot l's rows (slot l: code l − 1) for codes that never decrease, where the rows
// are already grouped: what sortByCode leaves in start, without a pass to count and one to place.
function runEnds(c: Int32Array, len: number, L1: number, start: Int32Array): void {
  let r = 0;
  for (let l = 0; l < L1; l++) {
    while (r < len && c[r] + 1 === l) r++;
    start[l] = r;
  }
}

/**
 * XᵀΩX (lower triangle, row-major p×p, into G) and, when `y` and `b` are given, XᵀΩy (into b), with
 * Ω = diag(omega), over every row or over `rows` only (in increasing order: a text block whose codes never
 * decrease is read as runs). Dense columns (the intercept and the numbers)
 * pair over row blocks, two weighted columns against four others a pass; a text block against a dense
 * column sums ω_i·x_ik by level over the block's rows grouped by code; two text blocks make one table
 * of Σω. Every sum adds its terms in the same order whatever the pass layout (rows in order; a level's
 * rows of a block summed apart, then added), so the matrix is the same to the bit.
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
  // The weighted dense columns ω∘x_a of the block (a < nd), as the dense and the text products both read them.
  const tb = new Float64Array(nd * block);
  const acc = new Float64Array(nd * nc);
  // Per text block, Σ ω·x_a over its rows' codes for each dense a (row 0: the reference level).
  const byCode = text.map((tb2) => new Float64Array((tb2.size + 1) * nc));
  const pairs: { a: number; b: number; table: Float64Array; width: number }[] = [];
  for (let a = 0; a < text.length; a++) for (let c = a + 1; c < text.length; c++) pairs.push({ a, b: c, table: new Float64Array((text[a].size + 1) * (text[c].size + 1)), width: text[c].size + 1 });
  const perm = new Int32Array(block);
  const ident = Int32Array.from({ length: block }, (_, r) => r);
  const start = new Int32Array(text.reduce((most, tb2) => Math.max(most, tb2.size + 2), 2));
  for (let lo = 0; lo < m; lo += block) {
    const len = Math.min(block, m - lo);
    // Each dense column is weighted as it is gathered (the intercept's ω∘1 is ω itself), so that the
    // block is not read once more to weight it: the same products, one pass fewer over half a megabyte.
    if (rows === null) {
      wb.set(omega.subarray(lo, lo + len));
      tb.set(wb.subarray(0, len));
      for (let a = 1; a < nd; a++) gatherWeighted(numeric[a - 1], lo, len, wb, xb, tb, a * block);
      if (y !== null) xb.set(y.subarray(lo, lo + len), nd * block);
      text.forEach((t2, k) => cb[k].set(t2.codes.subarray(lo, lo + len)));
    } else {
      gatherRows(omega, rows, lo, len, wb, 0);
      tb.set(wb.subarray(0, len));
      for (let a = 1; a < nd; a++) gatherRowsWeighted(numeric[a - 1], rows, lo, len, wb, xb, tb, a * block);
      if (y !== null) gatherRows(y, rows, lo, len, xb, nd * block);
      text.forEach((t2, k) => gatherRowCodes(t2.codes, rows, lo, len, cb[k]));
    }
    denseBlock(xb, tb, block, len, nd, nc, acc);
    // Text × dense: the block's rows grouped by code (a counting sort), then for each level but the
    // reference (whose sums no entry of G needs) one sum over its rows for each dense column, four
    // columns a pass. The products with y (column nd) are ω·y times nothing more: formed here.
    for (let k = 0; k < text.length; k++) {
      const c = cb[k], L1 = text[k].size + 1;
      // Codes that never decrease (rows taken in order from a block whose codes never do) are grouped
      // already, in row order: each level's rows are a run, found by a scan, and the sums below read them
      // through the identity, in the order the counting sort would have given.
      const sorted = text[k].sorted;
      if (sorted) runEnds(c, len, L1, start);
      else sortByCode(c, len, L1, start, perm);
      // start[l] is now the end of slot l's rows (slot 0: the reference level).
      levelSums(tb, wb, xb, sorted ? ident : perm, start, L1, nd, nc, block, byCode[k]);
    }
    // Text × text: Σω per pair of codes.
    for (const q of pairs) pairTable(cb[q.a], cb[q.b], len, wb, q.table, q.width);
  }
  G.fill(0);
  const col = (a: number) => (a === 0 ? 0 : numericColumn[a - 1]);
  const put = (j: number, k: number, v: number) => {
    if (j >= k) G[j * p + k] = v;
    else G[k * p + j] = v;
  };
  for (let a = 0; a < nd; a++) for (let c = a; c < nd; c++) put(col(a), col(c), acc[a * nc + c]);
  text.forEach((t2, k) => {
    const sums = byCode[k];
    for (let l = 0; l < t2.size; l++) {
      for (let a = 0; a < nd; a++) put(t2.start + l, col(a), sums[(l + 1) * nc + a]);
      // Two levels of one block share no row; a level with itself is Σω over its rows.
      G[(t2.start + l) * p + t2.start + l] = sums[(l + 1) * nc];
    }
  });
  for (const q of pairs) {
    const A = text[q.a], B = text[q.b];
    for (let l = 0; l < A.size; l++) for (let c = 0; c < B.size; c++) put(A.start + l, B.start + c, q.table[(l + 1) * q.width + c + 1]);
  }
  if (y !== null && b !== null) {
    for (let a = 0; a < nd; a++) b[col(a)] = acc[a * nc + nd];
    text.forEach((t2, k) => {
      for (let l = 0; l < t2.size; l++) b[t2.start + l] = byCode[k][(l + 1) * nc + nd];
    });
  }
}

// out[off + r] ← v[rows[lo + r]] for r < len.
function gatherRows(v: Float64Array, rows: Int32Array, lo: number, len: number, out: Float64Array, off: number): void {
  for (let r = 0; r < len; r++) out[off + r] = v[rows[lo + r]];
}

// out[r] ← codes[rows[lo + r]] for r < len: a text block's codes of the listed rows.
function gatherRowCodes(codes: Int32Array, rows: Int32Array, lo: number, len: number, out: Int32Array): void {
  for (let r = 0; r < len; r++) out[r] = codes[rows[lo + r]];
}

// One text block against the dense columns of a block: for each level but the reference, sums[l·nc + d]
// += Σ tb (ω x_d) over the level's rows (order[start[l − 1]..start[l])), and with y (nc > nd) sums[l·nc + nd]
// += Σ ω·y over them, eight columns a pass, then four, then one.
function levelSums(tb: Float64Array, wb: Float64Array, xb: Float64Array, order: Int32Array, start: Int32Array, L1: number, nd: number, nc: number, block: number, sums: Float64Array): void {
  for (let l = 1; l < L1; l++) {
    const from = start[l - 1], to = start[l];
    if (from === to) continue;
    const at = l * nc;
    let d = 0;
    for (; d + 7 < nd; d += 8) levelSums8(tb, d * block, block, order, from, to, sums, at + d);
    for (; d + 3 < nd; d += 4) levelSums4(tb, d * block, block, order, from, to, sums, at + d);
    for (; d < nd; d++) sums[at + d] += levelSum1(tb, d * block, order, from, to);
    if (nc > nd) sums[at + nd] += levelSumWy(wb, xb, nd * block, order, from, to);
  }
}

// sums[at + j] += Σ t[o + j·block + r] over r = order[from..to), j < 8, each sum from zero in that order.
function levelSums8(t: Float64Array, o: number, block: number, order: Int32Array, from: number, to: number, sums: Float64Array, at: number): void {
  const o0 = o, o1 = o0 + block, o2 = o1 + block, o3 = o2 + block, o4 = o3 + block, o5 = o4 + block, o6 = o5 + block, o7 = o6 + block;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  for (let j = from; j < to; j++) {
    const r = order[j];
    s0 += t[o0 + r];
    s1 += t[o1 + r];
    s2 += t[o2 + r];
    s3 += t[o3 + r];
    s4 += t[o4 + r];
    s5 += t[o5 + r];
    s6 += t[o6 + r];
    s7 += t[o7 + r];
  }
  sums[at] += s0;
  sums[at + 1] += s1;
  sums[at + 2] += s2;
  sums[at + 3] += s3;
  sums[at + 4] += s4;
  sums[at + 5] += s5;
  sums[at + 6] += s6;
  sums[at + 7] += s7;
}

// As levelSums8 for four columns.
function levelSums4(t: Float64Array, o: number, block: number, order: Int32Array, from: number, to: number, sums: Float64Array, at: number): void {
  const o0 = o, o1 = o0 + block, o2 = o1 + block, o3 = o2 + block;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let j = from; j < to; j++) {
    const r = order[j];
    s0 += t[o0 + r];
    s1 += t[o1 + r];
    s2 += t[o2 + r];
    s3 += t[o3 + r];
  }
  sums[at] += s0;
  sums[at + 1] += s1;
  sums[at + 2] += s2;
  sums[at + 3] += s3;
}

// Σ t[o + r] over r = order[from..to), from zero in that order.
function levelSum1(t: Float64Array, o: number, order: Int32Array, from: number, to: number): number {
  let s0 = 0;
  for (let j = from; j < to; j++) s0 += t[o + order[j]];
  return s0;
}

// Σ wb[r]·xb[o + r] over r = order[from..to) (ω·y of a level's rows), from zero in that order.
function levelSumWy(wb: Float64Array, xb: Float64Array, o: number, order: Int32Array, from: number, to: number): number {
  let s0 = 0;
  for (let j = from; j < to; j++) {
    const r = order[j];
    s0 += wb[r] * xb[o + r];
  }
  return s0;
}

// table[(ca[r] + 1)·width + cc[r] + 1] += wb[r] for r < len: Σω per pair of codes of two text blocks.
function pairTable(ca: Int32Array, cc: Int32Array, len: number, wb: Float64Array, table: Float64Array, width: number): void {
  for (let r = 0; r < len; r++) table[(ca[r] + 1) * width + cc[r] + 1] += wb[r];
}

// Rows per block of the passes below (Xᵀu, Xβ): a block of u or of Xβ stays in the first-level cache
// while each column streams past once, instead of a whole-length vector read and written per column.
const PASS_BLOCK = 1024;

// acc[a + 1 + j] += Σ_r ub[r]·x_(a+j),(lo+r) for j < 8, each sum taking its terms in row order.
function dots8(numeric: Float64Array[], a: number, ub: Float64Array, lo: number, len: number, acc: Float64Array): void {
  const x0 = numeric[a], x1 = numeric[a + 1], x2 = numeric[a + 2], x3 = numeric[a + 3];
  const x4 = numeric[a + 4], x5 = numeric[a + 5], x6 = numeric[a + 6], x7 = numeric[a + 7];
  let s0 = acc[a + 1], s1 = acc[a + 2], s2 = acc[a + 3], s3 = acc[a + 4];
  let s4 = acc[a + 5], s5 = acc[a + 6], s6 = acc[a + 7], s7 = acc[a + 8];
  for (let r = 0; r < len; r++) {
    const u = ub[r], i = lo + r;
    s0 += u * x0[i];
    s1 += u * x1[i];
    s2 += u * x2[i];
    s3 += u * x3[i];
    s4 += u * x4[i];
    s5 += u * x5[i];
    s6 += u * x6[i];
    s7 += u * x7[i];
  }
  acc[a + 1] = s0;
  acc[a + 2] = s1;
  acc[a + 3] = s2;
  acc[a + 4] = s3;
  acc[a + 5] = s4;
  acc[a + 6] = s5;
  acc[a + 7] = s6;
  acc[a + 8] = s7;
}

// t[code + 1] += ub[r] for the rows lo..lo+len−1 in order.
function addByCode(codes: Int32Array, lo: number, len: number, ub: Float64Array, t: Float64Array): void {
  for (let r = 0; r < len; r++) t[codes[lo + r] + 1] += ub[r];
}

// As addByCode for codes that never decrease: a run of one code is added up in a register and stored
// once, the same additions in the same order, instead of each row's sum waiting on the row before's store.
function addByRuns(codes: Int32Array, lo: number, len: number, ub: Float64Array, t: Float64Array): void {
  if (len === 0) return;
  let at = codes[lo] + 1;
  let s = t[at];
  for (let r = 0; r < len; r++) {
    const l = codes[lo + r] + 1;
    if (l !== at) {
      t[at] = s;
      at = l;
      s = t[at];
    }
    s += ub[r];
  }
  t[at] = s;
}

// As dots8 for four columns.
function dots4(numeric: Float64Array[], a: number, ub: Float64Array, lo: number, len: number, acc: Float64Array): void {
  const x0 = numeric[a], x1 = numeric[a + 1], x2 = numeric[a + 2], x3 = numeric[a + 3];
  let s0 = acc[a + 1], s1 = acc[a + 2], s2 = acc[a + 3], s3 = acc[a + 4];
  for (let r = 0; r < len; r++) {
    const u = ub[r], i = lo + r;
    s0 += u * x0[i];
    s1 += u * x1[i];
    s2 += u * x2[i];
    s3 += u * x3[i];
  }
  acc[a + 1] = s0;
  acc[a + 2] = s1;
  acc[a + 3] = s2;
  acc[a + 4] = s3;
}

// As dots8 for two columns.
function dots2(numeric: Float64Array[], a: number, ub: Float64Array, lo: number, len: number, acc: Float64Array): void {
  const x0 = numeric[a], x1 = numeric[a + 1];
  let s0 = acc[a + 1], s1 = acc[a + 2];
  for (let r = 0; r < len; r++) {
    const u = ub[r], i = lo + r;
    s0 += u * x0[i];
    s1 += u * x1[i];
  }
  acc[a + 1] = s0;
  acc[a + 2] = s1;
}

// s + Σ_r ub[r]·x_(lo+r), the terms added in row order.
function dot1(x: Float64Array, ub: Float64Array, lo: number, len: number, s: number): number {
  let s0 = s;
  for (let r = 0; r < len; r++) s0 += ub[r] * x[lo + r];
  return s0;
}

// s + Σ_r ub[r] over r < len, in order.
function addUp(ub: Float64Array, len: number, s: number): number {
  let t = s;
  for (let r = 0; r < len; r++) t += ub[r];
  return t;
}

// ub[r] ← ω·v at row lo + r (0 where ω is 0, whatever v is there).
function weighBlock(omega: Float64Array, v: Float64Array, lo: number, len: number, ub: Float64Array): void {
  for (let r = 0; r < len; r++) {
    const o = omega[lo + r];
    ub[r] = o === 0 ? 0 : o * v[lo + r];
  }
}

// As weighBlock, and 0 on the rows with keep ≠ 1.
function weighKeptBlock(omega: Float64Array, keep: Uint8Array, v: Float64Array, lo: number, len: number, ub: Float64Array): void {
  for (let r = 0; r < len; r++) {
    const o = omega[lo + r];
    ub[r] = keep[lo + r] !== 1 || o === 0 ? 0 : o * v[lo + r];
  }
}

/**
 * Xᵀu (p entries, into out) with u_i = ω_i·v_i, zero on the rows where ω_i = 0 or (with `keep`)
 * keep_i ≠ 1: a left-out row's value may be NaN (a placebo outcome it lacks) and adds nothing. Each
 * entry sums its terms in row order, as one pass per column over a whole u would.
 */
function crossprodWeighted(L: Layout, omega: Float64Array, keep: Uint8Array | null, v: Float64Array, out: Float64Array): Float64Array {
  const { n, numeric, numericColumn, text } = L;
  const nx = numeric.length;
  const ub = new Float64Array(Math.min(n, PASS_BLOCK));
  // The running sums: the intercept's, then the numeric columns'.
  const acc = new Float64Array(nx + 1);
  const sums = text.map((tb) => new Float64Array(tb.size + 1));
  for (let lo = 0; lo < n; lo += PASS_BLOCK) {
    const len = Math.min(PASS_BLOCK, n - lo);
    if (keep === null) weighBlock(omega, v, lo, len, ub);
    else weighKeptBlock(omega, keep, v, lo, len, ub);
    acc[0] = addUp(ub, len, acc[0]);
    // Eight columns a pass, then four, two, one: each sum is a chain of additions that must wait for the
    // one before, so only several chains side by side keep the adder busy.
    let a = 0;
    for (; a + 7 < nx; a += 8) dots8(numeric, a, ub, lo, len, acc);
    for (; a + 3 < nx; a += 4) dots4(numeric, a, ub, lo, len, acc);
    for (; a + 1 < nx; a += 2) dots2(numeric, a, ub, lo, len, acc);
    for (; a < nx; a++) acc[a + 1] = dot1(numeric[a], ub, lo, len, acc[a + 1]);
    for (let k = 0; k < text.length; k++) {
      if (text[k].sorted) addByRuns(text[k].codes, lo, len, ub, sums[k]);
      else addByCode(text[k].codes, lo, len, ub, sums[k]);
    }
  }
  out.fill(0);
  out[0] = acc[0];
  for (let a = 0; a < nx; a++) out[numericColumn[a]] = acc[a + 1];
  text.forEach((tb, k) => {
    for (let l = 0; l < tb.size; l++) out[tb.start + l] = sums[k][l + 1];
  });
  return out;
}

/** Each text block's coefficients by code + 1 (entry 0, the reference level, zero), for {@link timesBlock}. */
function levelTables(L: Layout, beta: Float64Array): Float64Array[] {
  return L.text.map((tb) => {
    const level = new Float64Array(tb.size + 1);
    for (let l = 0; l < tb.size; l++) level[l + 1] = beta[tb.start + l];
    return level;
  });
}

// out[r] += b0·x0 + b1·x1 + b2·x2 + b3·x3 at row lo + r, added one term after the other, left to right.
function addTimes4(x0: Float64Array, b0: number, x1: Float64Array, b1: number, x2: Float64Array, b2: number, x3: Float64Array, b3: number, lo: number, len: number, out: Float64Array): void {
  for (let r = 0; r < len; r++) {
    const i = lo + r;
    out[r] = out[r] + b0 * x0[i] + b1 * x1[i] + b2 * x2[i] + b3 * x3[i];
  }
}

/** out[r] = (Xβ)_(lo+r) for r < len, added up column by column (the intercept, the numbers, the text blocks) as a pass per column over whole vectors would. */
function timesBlock(L: Layout, beta: Float64Array, levels: Float64Array[], lo: number, len: number, out: Float64Array): void {
  const { numeric, numericColumn, text } = L;
  out.fill(beta[0], 0, len);
  // The columns with a nonzero coefficient (the others add nothing), four a pass: each out[r] still
  // takes its terms column after column, but is loaded and stored once for four of them.
  let a = 0;
  const next = () => {
    while (a < numeric.length && beta[numericColumn[a]] === 0) a++;
    return a < numeric.length ? a++ : -1;
  };
  for (;;) {
    const a0 = next(), a1 = next(), a2 = next(), a3 = next();
    if (a3 >= 0) addTimes4(numeric[a0], beta[numericColumn[a0]], numeric[a1], beta[numericColumn[a1]], numeric[a2], beta[numericColumn[a2]], numeric[a3], beta[numericColumn[a3]], lo, len, out);
    else {
      for (const c of [a0, a1, a2]) if (c >= 0) addTimes1(numeric[c], beta[numericColumn[c]], lo, len, out);
      break;
    }
  }
  for (let k = 0; k < text.length; k++) addLevels(levels[k], text[k].codes, lo, len, out);
}

// out[r] += bk·x at row lo + r.
function addTimes1(x: Float64Array, bk: number, lo: number, len: number, out: Float64Array): void {
  for (let r = 0; r < len; r++) out[r] += bk * x[lo + r];
}

// out[r] += the coefficient of row lo + r's level (level[code + 1], 0 for the reference level).
function addLevels(level: Float64Array, codes: Int32Array, lo: number, len: number, out: Float64Array): void {
  for (let r = 0; r < len; r++) out[r] += level[codes[lo + r] + 1];
}

// present[code + 1] = 1 for each code of a kept row (keep[i] === 1), 0 for the others (entry 0: the
// reference level). The scan stops once every level is seen, as it usually is within the first rows.
function levelsKept(codes: Int32Array, keep: Uint8Array, size: number): Uint8Array {
  const present = new Uint8Array(size + 1);
  let seen = 0;
  for (let i = 0; i < codes.length; i++) {
    if (keep[i] !== 1) continue;
    const l = codes[i] + 1;
    if (present[l] === 1) continue;
    present[l] = 1;
    if (++seen === size + 1) break;
  }
  return present;
}

// zᵀWz and zᵀWe (W = diag(w), the identity without w), each summed in row order; undefined when a value
// of z is not finite. One pass for the check and both sums.
function weightedSquares(z: Float64Array, w: Float64Array | undefined, e: Float64Array): { zz: number; ze: number } | undefined {
  let zz = 0;
  let ze = 0;
  for (let i = 0; i < z.length; i++) {
    const zi = z[i];
    if (!Number.isFinite(zi)) return undefined;
    const wz = (w ? w[i] : 1) * zi;
    zz += wz * zi;
    ze += wz * e[i];
  }
  return { zz, ze };
}

/** Rows kept, those of them with a positive weight (or every kept row, unweighted), and the treated among those. */
interface RowCounts {
  kept: number;
  counted: number;
  nTreated: number;
}

// RowCounts of every row. The checked treatment is 0 or 1.
function countRows(w: Float64Array | undefined, treat: Float64Array, n: number): RowCounts {
  let counted = 0;
  let nTreated = 0;
  for (let i = 0; i < n; i++) {
    const kw = w ? +(w[i] > 0) : 1;
    counted += kw;
    nTreated += kw * treat[i];
  }
  return { kept: n, counted, nTreated };
}

// Each row's share in RowCounts when kept, as small integers for splitRows: counted[i] is 1 when the
// row has a positive weight (every row, unweighted), treated[i] when it is also treated (the checked
// treatment is 0 or 1). Set up once per refit, they make the counts integer sums, which the CPU chains
// faster than sums of products of doubles (the same whole numbers either way).
function rowShares(w: Float64Array | undefined, treat: Float64Array, n: number): { counted: Uint8Array; treated: Uint8Array } {
  const counted = new Uint8Array(n);
  const treated = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    counted[i] = w ? +(w[i] > 0) : 1;
    treated[i] = counted[i] * treat[i];
  }
  return { counted, treated };
}

// RowCounts of the rows with keep[i] === 1, and in the same pass both sides' row lists in row order: the
// kept rows from keptRows[0] and the others from leftRows[0] (each n + 1 long). A refit counts a mask's
// rows and then sums over the smaller side: one pass over the mask instead of one for each. Without
// branches: every row is written to both lists and stays only in its own (the next row overwrites the
// other), as a random half of the rows kept is a coin flip the CPU cannot predict.
function splitRows(keep: Uint8Array, shares: { counted: Uint8Array; treated: Uint8Array }, keptRows: Int32Array, leftRows: Int32Array): RowCounts {
  const n = keep.length;
  const { counted: countedRow, treated: treatedRow } = shares;
  let kept = 0;
  let counted = 0;
  let nTreated = 0;
  for (let i = 0; i < n; i++) {
    const k = +(keep[i] === 1);
    keptRows[kept] = i;
    leftRows[i - kept] = i;
    kept += k;
    counted += k & countedRow[i];
    nTreated += k & treatedRow[i];
  }
  return { kept, counted, nTreated };
}

// e ← y − Xβ, a block of Xβ at a time (fitted holds the block).
function residualsInto(L: Layout, beta: Float64Array, y: Float64Array, fitted: Float64Array, e: Float64Array): void {
  const n = L.n;
  const levels = levelTables(L, beta);
  for (let lo = 0; lo < n; lo += PASS_BLOCK) {
    const len = Math.min(PASS_BLOCK, n - lo);
    timesBlock(L, beta, levels, lo, len, fitted);
    subtractBlock(y, fitted, lo, len, e);
  }
}

// e[lo + r] ← y[lo + r] − fitted[r] for r < len.
function subtractBlock(y: Float64Array, fitted: Float64Array, lo: number, len: number, e: Float64Array): void {
  for (let r = 0; r < len; r++) e[lo + r] = y[lo + r] - fitted[r];
}

// Whether y is finite on every kept row (keep[i] === 1; every row when keep is null).
function finiteWhereKept(y: Float64Array, keep: Uint8Array | null): boolean {
  for (let i = 0; i < y.length; i++) if ((keep === null || keep[i] === 1) && !Number.isFinite(y[i])) return false;
  return true;
}

// Slots of the running sums of withOutcome's pass over the rows: Σw, Σw·y, the weighted residual sum of
// squares, the meat (HC: Σ (w·e·(Xt))², added row by row) and the clusters seen among the kept rows.
const SUM_W = 0;
const SUM_WY = 1;
const RSS = 2;
const MEAT = 3;
const GROUPS = 4;

// withOutcome's pass over row blocks: the fit Xβ and X·t of a block (β = coef, t = the treatment row of
// (XᵀWX)⁻¹), then its kept rows' sums and scores, by cluster into score when there are clusters. Returns
// the sums by slot.
function scorePass(L: Layout, y: Float64Array, keep: Uint8Array | null, w: Float64Array | undefined, coef: Float64Array, t: Float64Array, cluster: Int32Array | null, score: Float64Array | null): Float64Array {
  const n = L.n;
  const levelsCoef = levelTables(L, coef);
  const levelsT = levelTables(L, t);
  const fit = new Float64Array(Math.min(n, PASS_BLOCK));
  const along = new Float64Array(fit.length);
  const seen = score ? new Uint8Array(score.length) : null;
  const sums = new Float64Array(5);
  for (let lo = 0; lo < n; lo += PASS_BLOCK) {
    const len = Math.min(PASS_BLOCK, n - lo);
    timesBlock(L, coef, levelsCoef, lo, len, fit);
    timesBlock(L, t, levelsT, lo, len, along);
    if (cluster && score && seen) addClusterScores(y, keep, w, fit, along, lo, len, cluster, score, seen, sums);
    else addRowScores(y, keep, w, fit, along, lo, len, sums);
  }
  return sums;
}

// s + Σ v², in order.
function addSquares(v: Float64Array, s: number): number {
  let t = s;
  for (let g = 0; g < v.length; g++) t += v[g] * v[g];
  return t;
}

// One block of withOutcome's pass without clusters: for the kept rows lo..lo+len−1, in row order, Σw, Σw·y,
// the residual sum of squares and the meat (fit and along hold the block's Xβ and X·t).
function addRowScores(y: Float64Array, keep: Uint8Array | null, w: Float64Array | undefined, fit: Float64Array, along: Float64Array, lo: number, len: number, sums: Float64Array): void {
  let sumW = sums[SUM_W], sumWy = sums[SUM_WY], rss = sums[RSS], meat = sums[MEAT];
  for (let r = 0; r < len; r++) {
    const i = lo + r;
    if (keep !== null && keep[i] !== 1) continue;
    const res = y[i] - fit[r];
    const wi = w ? w[i] : 1;
    sumW += wi;
    sumWy += wi * y[i];
    rss += wi * res * res;
    meat += (wi * res * along[r]) ** 2;
  }
  sums[SUM_W] = sumW;
  sums[SUM_WY] = sumWy;
  sums[RSS] = rss;
  sums[MEAT] = meat;
}

// As addRowScores with clusters: each kept row's score w·e·(Xt) is added to its cluster's (cluster[i]),
// and the clusters met for the first time are counted.
function addClusterScores(
  y: Float64Array,
  keep: Uint8Array | null,
  w: Float64Array | undefined,
  fit: Float64Array,
  along: Float64Array,
  lo: number,
  len: number,
  cluster: Int32Array,
  score: Float64Array,
  seen: Uint8Array,
  sums: Float64Array,
): void {
  let sumW = sums[SUM_W], sumWy = sums[SUM_WY], rss = sums[RSS], groups = sums[GROUPS];
  for (let r = 0; r < len; r++) {
    const i = lo + r;
    if (keep !== null && keep[i] !== 1) continue;
    const res = y[i] - fit[r];
    const wi = w ? w[i] : 1;
    sumW += wi;
    sumWy += wi * y[i];
    rss += wi * res * res;
    const g = cluster[i];
    if (seen[g] === 0) {
      seen[g] = 1;
      groups++;
    }
    score[g] += wi * res * along[r];
  }
  sums[SUM_W] = sumW;
  sums[SUM_WY] = sumWy;
  sums[RSS] = rss;
  sums[GROUPS] = groups;
}

// Σ w·(y − mean)² over the kept rows (every row when keep is null), in row order.
function keptTss(y: Float64Array, keep: Uint8Array | null, w: Float64Array | undefined, mean: number): number {
  let tss = 0;
  for (let i = 0; i < y.length; i++) if (keep === null || keep[i] === 1) tss += (w ? w[i] : 1) * (y[i] - mean) ** 2;
  return tss;
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
export function regressionRefit(input: CrossSectionInput, opts: { anchor?: number; clusterAdjustment?: 'CR1' | 'CR1p' | 'CR2'; clusterDf?: 'residual' | 'treated'; modifiers?: boolean } = {}): RegressionRefit | null {
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
  // The effect modifiers' interactions, as regressionAdjustment fits them: centred once, at the full data's
  // treated means, so that a refit on a subset estimates the same trainees' average effect.
  const trainedAll = countRows(w, data.treat, n).nTreated;
  const mods = data.modifiers && data.modifiers.length > 0 && opts.modifiers !== false ? modifierInteractions(data.treat, w, data.modifiers) : { columns: [], used: [] };
  const fits = modifiersFit(trainedAll, mods.columns.length);
  const modifiers = fits ? mods.columns : [];
  const covariates = modifiers.length > 0 ? [...data.covariates, ...modifiers] : data.covariates;
  // The covariates as they enter the design (text columns as level codes), checked as the ordinary path checks them.
  let coded: CodedCovariate[] = [];
  if (covariates.length > 0) {
    try {
      coded = covariateCodes(covariates);
    } catch {
      return null;
    }
  }
  // Intercept, treatment, then each covariate's columns; a subset that lacks a text level is encoded
  // without it by the ordinary path, and withOutcome follows suit.
  const L = layoutOf(n, data.treat, coded);
  const p = L.p;
  // The weights as the diagonal of Ω (a mask's left-out rows are zeroed where it is applied).
  const omegaAll = w ?? new Float64Array(n).fill(1);
  const G = new Float64Array(p * p);
  const b = new Float64Array(p);
  gram(L, omegaAll, null, G, y, b);
  const factored = choleskyScaled(G, p, PIVOT_SHARE);
  if ('dependent' in factored) return null;
  const full = factored;
  const beta = choleskySolve(full, b, p);
  // Residuals and two refinement steps: the normal equations square the design's
  // condition number, the residual correction recovers the digits QR would keep.
  const e = new Float64Array(n);
  const fitted = new Float64Array(Math.min(n, PASS_BLOCK));
  const residuals = () => residualsInto(L, beta, y, fitted, e);
  const crossprod = (v: Float64Array, out: Float64Array) => crossprodWeighted(L, omegaAll, null, v, out);
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
  // The row lists of the last mask counted (its kept rows, its left-out rows), for keptGram; allocated
  // on first use and reused by every later mask (ten data subsets would otherwise allocate ten).
  let keptRows: Int32Array | null = null;
  let leftRows: Int32Array | null = null;
  let shares: { counted: Uint8Array; treated: Uint8Array } | null = null;
  // Kept rows by group; undefined when the ordinary fit would refuse them (a group without rows, fewer rows than coefficients).
  // A mask's rows are listed in the same pass (see splitRows).
  const countKept = (keep: Uint8Array | null) => {
    if (keep !== null && keep.length !== n) throw new RangeError(`regressionRefit: \`keep\` has ${keep.length} rows, the input has ${n}`);
    let counts: RowCounts;
    if (keep === null) counts = countRows(w, data.treat, n);
    else {
      if (keptRows === null || leftRows === null || shares === null) {
        keptRows = new Int32Array(n + 1);
        leftRows = new Int32Array(n + 1);
        shares = rowShares(w, data.treat, n);
      }
      counts = splitRows(keep, shares, keptRows, leftRows);
    }
    const { kept, counted, nTreated } = counts;
    const nControl = counted - nTreated;
    return nTreated === 0 || nControl === 0 || nTreated + nControl < p ? undefined : { kept, nTreated, nControl };
  };
  // The kept rows' Gram matrix in Gs (and XᵀWy in bs when `withY`), for the mask countKept has just
  // listed. Whichever side is smaller is summed: the kept rows, or the full matrix minus the left-out rows.
  const keptGram = (kept: number, withY: boolean) => {
    const most = 2 * kept >= n;
    const slots = most ? (leftRows as Int32Array).subarray(0, n - kept) : (keptRows as Int32Array).subarray(0, kept);
    gram(L, omegaAll, slots, Gs, withY ? y : null, bs);
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
      const present = levelsKept(codes, keep, size);
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
  // CR2 is left to the ordinary fit: a refit (a placebo outcome's interval) takes vcovCL's factor.
  const vcov = vcovLabel(chooseVcov(data.cluster, undefined, opts.clusterAdjustment === 'CR2' ? 'CR1' : opts.clusterAdjustment));
  const cr1p = opts.clusterAdjustment === 'CR1p';
  return {
    get estimate(): number {
      return polish();
    },
    onRows(keep: Uint8Array): number | undefined {
      const k = countKept(keep);
      if (!k) return undefined;
      keptGram(k.kept, true);
      const f = keptFactor(Gs, allColumns);
      return f ? choleskySolve(f, bs, p)[1] : undefined;
    },
    withCovariate(z: Float64Array): number | undefined {
      if (z.length !== n) throw new RangeError(`regressionRefit: the added covariate has ${z.length} rows, the input has ${n}`);
      // z on the design: u = G⁻¹XᵀWz; its residual z̃ = z − Xu has z̃ᵀWz̃ = zᵀWz − (XᵀWz)ᵀu and z̃ᵀWy = zᵀWe.
      const estimate = polish();
      // zᵀWz and zᵀWe in the pass that checks z (a value that is not finite: left to the ordinary path).
      const sums = weightedSquares(z, w, e);
      if (sums === undefined) return undefined;
      const { zz, ze } = sums;
      crossprod(z, c);
      const u = choleskySolve(full, c, p);
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
      if (!finiteWhereKept(yNew, keep)) return undefined;
      let use: Int32Array = allColumns;
      let f = full;
      if (keep !== null) {
        const present = presentColumns(keep);
        if (!present) return undefined;
        use = present;
        keptGram(k.kept, false);
        const q = use.length;
        const A = q === p ? Gs : new Float64Array(q * q);
        if (q < p) for (let a = 0; a < q; a++) for (let c2 = 0; c2 <= a; c2++) A[a * q + c2] = Gs[use[a] * p + use[c2]];
        const factored = keptFactor(A, use);
        if (!factored) return undefined;
        f = factored;
      }
      const q = use.length;
      const byAll = crossprodWeighted(L, omegaAll, keep, yNew, new Float64Array(p));
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
      // One pass over row blocks: the fit and X·t of a block, then its residuals' sums and scores.
      const score = codes ? new Float64Array(codes.groups) : null;
      // The pass's sums (slots SUM_W … GROUPS).
      const sums = scorePass(L, yNew, keep, w, coefAll, tAll, codes ? codes.codes : null, score);
      const sumW = sums[SUM_W], sumWy = sums[SUM_WY], rss = sums[RSS], groups = sums[GROUPS];
      let meat = sums[MEAT];
      const mean = sumWy / sumW;
      const tss = keptTss(yNew, keep, w, mean);
      let scale: number;
      if (codes && score) {
        // vcovCL's factor G/(G−1)·(n−1)/(n−p) (or CR1p's G/(G−p)), G counting the clusters among the kept rows.
        if (groups < 2 || (cr1p && groups <= q)) return undefined;
        meat = addSquares(score, meat);
        scale = cr1p ? groups / (groups - q) : (groups / (groups - 1)) * ((k.kept - 1) / (k.kept - q));
      } else {
        scale = k.kept / (k.kept - q);
      }
      let df = intervalDf(k.nTreated + k.nControl - q, data.treat, data.cluster, w, opts.clusterDf, keep);
      // What the modifiers cost (as regressionAdjustment counts it), the trained counted on these rows.
      const cost = modifierCost(k.nTreated, modifiers.length, false);
      if (opts.clusterDf === 'treated' && data.cluster) df = Math.max(1, df - cost.dfLoss);
      return makeEstimate('regression_adjustment', coef[1], Math.sqrt(scale * meat * cost.scale), df, k.nTreated, k.nControl, {
        vcov,
        interactions: false,
        ...(modifiers.length > 0 ? { modifiers: mods.used } : {}),
        r2: tss > 0 ? 1 - rss / tss : NaN,
        coefficients: q,
        droppedMissing: 0,
        warnings: [],
      });
    },
  };
}
