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
    const nnz = countNonZeroUpTo(x, off, n, limit);
    if (nnz > limit) {
      rows[j] = null;
      continue;
    }
    const idx = new Int32Array(nnz);
    nonZeroRows(x, off, n, idx);
    rows[j] = idx;
  }
  return { rows };
}

// Non-zero entries of x[off .. off + n), counted until there are more than `limit`.
function countNonZeroUpTo(x: Float64Array, off: number, n: number, limit: number): number {
  let nnz = 0;
  for (let i = 0; i < n && nnz <= limit; i++) if (x[off + i] !== 0) nnz++;
  return nnz;
}

// idx = the rows i where x[off + i] is non-zero, increasing.
function nonZeroRows(x: Float64Array, off: number, n: number, idx: Int32Array): void {
  for (let i = 0, m = 0; i < n; i++) if (x[off + i] !== 0) idx[m++] = i;
}

/**
 * A set of mutually exclusive 0/1 columns of a design (the levels of one
 * factor, or a lone indicator): in every row at most one of them is 1.
 */
export interface IndicatorGroup {
  /** The design column of each level, increasing. */
  columns: Int32Array;
  /** 1 + each row's level (an index into `columns`), or 0 where all of them are 0; length n. */
  code: Int32Array;
  /** The rows of level l are `order[start[l]] .. order[start[l + 1] - 1]`, increasing. */
  order: Int32Array;
  start: Int32Array;
}

/**
 * How the columns of a design split for the kernels: dense columns (worked
 * over every row), groups of mutually exclusive 0/1 indicators (worked per
 * level over that level's rows), and other sparse columns (a quarter of the
 * rows or fewer non-zero; worked over their non-zero rows). Every column is
 * in exactly one of the three.
 */
export interface DesignStructure {
  n: number;
  p: number;
  /** Dense columns, increasing: numeric columns, all-ones columns such as the intercept, and 0/1 columns that are 1 on more than half the rows. */
  dense: Int32Array;
  /** The position in `dense` of a column of all ones (the intercept), or -1. */
  ones: number;
  groups: IndicatorGroup[];
  /** Sparse columns that are not 0/1, with their non-zero rows in increasing order. */
  sparse: { column: number; rows: Int32Array }[];
}

/**
 * Finds the structure of a design in one pass over its columns: each 0/1
 * column that is not all ones joins the first group in which none of its
 * rows is already taken (the levels of a factor, which designMatrix lays out
 * side by side, end up together), or starts a new group. A numeric column
 * stops being read once it is known to be dense. The structure is kept per
 * value array (`X.x`) and checked in full before it is used again (one
 * counting pass over the indicator and sparse columns, about half the cost
 * of finding it), so a design changed in place is never described by a
 * stale structure. Treat the result as read-only. The kernels take it as an
 * argument so that a caller working many times on one design (the IRLS
 * iterations of a logit) finds it once.
 *
 * @example
 * const s = designStructure(designMatrix([{ name: 'g', values: ['a', 'b', 'c', 'b'] }]));
 * s.dense; // => Int32Array [0]   (the intercept)
 * s.groups[0].columns; // => Int32Array [1, 2]   (gb, gc: one factor)
 * s.groups[0].code; // => Int32Array [0, 1, 2, 1]
 */
export function designStructure(X: Design): DesignStructure {
  const known = FOUND.get(X.x);
  if (known !== undefined && known.n === X.n && known.p === X.p && (READ_ONLY.has(X.x) || stillDescribes(known, X))) return known;
  const found = findStructure(X);
  FOUND.set(X.x, found);
  return found;
}

// A study fits one design, then computes its variance, then fits it again with other weights: keep what was found.
const FOUND = new WeakMap<Float64Array, DesignStructure>();
// Design arrays their owner promises never to change (see markReadOnly): their structure is not checked again.
const READ_ONLY = new WeakSet<Float64Array>();

/**
 * Marks a design's array as never changed again, so that
 * {@link designStructure} returns the structure it found for it without
 * checking the indicator columns anew on each call. For a design shared
 * between estimators (the study's covariate design); a design marked and
 * then changed in place would be worked with a stale structure.
 *
 * @example
 * markReadOnly(X); designStructure(X) === designStructure(X); // => true, without a pass over X
 */
export function markReadOnly(X: Design): void {
  READ_ONLY.add(X.x);
}

// Whether X still has exactly the indicator and sparse columns of `s`: each such column has as many
// non-zero entries as recorded, and is non-zero (1 for an indicator) at every recorded row, so it is
// zero everywhere else. Dense columns need no check: the kernels read every one of their entries.
function stillDescribes(s: DesignStructure, X: Design): boolean {
  const n = X.n;
  const x = X.x;
  if (s.ones >= 0 && !allOnes(x, s.dense[s.ones] * n, n)) return false;
  for (const g of s.groups) for (let l = 0; l < g.columns.length; l++) if (!holds(x, n, g.columns[l], g.order, g.start[l], g.start[l + 1], true)) return false;
  for (const c of s.sparse) if (!holds(x, n, c.column, c.rows, 0, c.rows.length, false)) return false;
  return true;
}

// Whether x[off .. off + n) is all ones.
function allOnes(x: Float64Array, off: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (x[off + i] !== 1) return false;
  return true;
}

// Whether column j has exactly hi − lo non-zero entries, at the rows rows[lo..hi) (each 1 for an indicator).
function holds(x: Float64Array, n: number, j: number, rows: Int32Array, lo: number, hi: number, indicator: boolean): boolean {
  const off = j * n;
  if (countNonZero(x, off, n) !== hi - lo) return false;
  return indicator ? onesAtRows(x, off, rows, lo, hi) : nonZeroAtRows(x, off, rows, lo, hi);
}

// Whether x[off + rows[r]] is 1 for every r in lo..hi.
function onesAtRows(x: Float64Array, off: number, rows: Int32Array, lo: number, hi: number): boolean {
  for (let r = lo; r < hi; r++) if (x[off + rows[r]] !== 1) return false;
  return true;
}

// Whether x[off + rows[r]] is non-zero for every r in lo..hi.
function nonZeroAtRows(x: Float64Array, off: number, rows: Int32Array, lo: number, hi: number): boolean {
  for (let r = lo; r < hi; r++) if (x[off + rows[r]] === 0) return false;
  return true;
}

// Non-zero entries of x[off .. off + n). Branch-free: a test per entry would mispredict at every 1. A
// function of its own, as V8 compiles this loop several times faster than when inlined in a nested loop.
function countNonZero(x: Float64Array, off: number, n: number): number {
  let count = 0;
  for (let i = 0; i < n; i++) count += +(x[off + i] !== 0);
  return count;
}

function findStructure(X: Design): DesignStructure {
  const { n, p } = X;
  const x = X.x;
  const limit = n >> 2;
  const nonZero = new Int32Array(n);
  const dense: number[] = [];
  const sparse: { column: number; rows: Int32Array }[] = [];
  const building: { columns: number[]; code: Int32Array; rows: Int32Array[] }[] = [];
  let lastHome = -1;
  let ones = -1;
  // scan[0]: where the 0/1 scan of a column stopped (n when the column is 0/1); scan[1]: its non-zero rows so far.
  const scan = new Int32Array(2);
  for (let j = 0; j < p; j++) {
    const off = j * n;
    zeroOneScan(x, off, n, nonZero, scan);
    let nnz = scan[1];
    const i = scan[0];
    if (i < n) {
      nnz = moreNonZero(x, off, n, i, nnz, limit, nonZero);
      if (nnz > limit) dense.push(j);
      else sparse.push({ column: j, rows: nonZero.slice(0, nnz) });
      continue;
    }
    if (nnz === n) {
      if (ones < 0) ones = dense.length;
      dense.push(j);
      continue;
    }
    // An indicator that is 1 on most rows is cheaper read whole, front to back, than through its rows' indices.
    if (nnz > n >> 1) {
      dense.push(j);
      continue;
    }
    // The group the previous indicator joined first: the next level of the same factor most likely belongs there.
    let home = -1;
    for (let t = -1; t < building.length && home < 0; t++) {
      const g = t < 0 ? lastHome : t;
      if (g < 0 || (t >= 0 && t === lastHome)) continue;
      if (rowsFree(building[g].code, nonZero, nnz)) home = g;
    }
    if (home < 0) {
      home = building.length;
      building.push({ columns: [], code: new Int32Array(n), rows: [] });
    }
    const g = building[home];
    const level1 = g.columns.length + 1;
    markRows(g.code, nonZero, nnz, level1);
    g.columns.push(j);
    g.rows.push(nonZero.slice(0, nnz));
    lastHome = home;
  }
  // A level's rows are its column's non-zero rows, already in increasing order.
  const groups = building.map((g): IndicatorGroup => {
    const L = g.columns.length;
    const start = new Int32Array(L + 1);
    for (let l = 0; l < L; l++) start[l + 1] = start[l] + g.rows[l].length;
    const order = new Int32Array(start[L]);
    for (let l = 0; l < L; l++) order.set(g.rows[l], start[l]);
    return { columns: Int32Array.from(g.columns), code: g.code, order, start };
  });
  return { n, p, dense: Int32Array.from(dense), ones, groups, sparse };
}

// findStructure's scan of column x[off .. off + n) while it is 0/1: nonZero gets the rows of its 1s; scan[0] =
// the row of its first entry other than 0 and 1 (n if none), scan[1] = how many 1s came before.
function zeroOneScan(x: Float64Array, off: number, n: number, nonZero: Int32Array, scan: Int32Array): void {
  let nnz = 0;
  let i = 0;
  for (; i < n; i++) {
    const v = x[off + i];
    if (v !== 0) {
      if (v !== 1) break;
      nonZero[nnz++] = i;
    }
  }
  scan[0] = i;
  scan[1] = nnz;
}

// findStructure's scan of a column that is not 0/1, on from row i with nnz non-zero rows found: appends the
// rows of its non-zero entries to nonZero until there are more than `limit`; returns their count.
function moreNonZero(x: Float64Array, off: number, n: number, i: number, nnz: number, limit: number, nonZero: Int32Array): number {
  for (; i < n && nnz <= limit; i++) if (x[off + i] !== 0) nonZero[nnz++] = i;
  return nnz;
}

// Whether code is 0 at every row nonZero[0..nnz).
function rowsFree(code: Int32Array, nonZero: Int32Array, nnz: number): boolean {
  let free = true;
  for (let r = 0; r < nnz && free; r++) if (code[nonZero[r]] !== 0) free = false;
  return free;
}

// code = level at the rows nonZero[0..nnz).
function markRows(code: Int32Array, nonZero: Int32Array, nnz: number, level: number): void {
  for (let r = 0; r < nnz; r++) code[nonZero[r]] = level;
}

/**
 * For each column, the rows where it can be non-zero (increasing), or null
 * for a dense column: the per-column view of a structure, for loops that
 * must visit the columns in order (a sum over columns row by row).
 *
 * @example
 * structureRows(designStructure(designMatrix([{ name: 'g', values: ['a', 'b', 'a'] }]))); // => [null, Int32Array [1]]
 */
export function structureRows(structure: DesignStructure): (Int32Array | null)[] {
  const rows: (Int32Array | null)[] = new Array(structure.p).fill(null);
  for (const g of structure.groups) g.columns.forEach((j, l) => (rows[j] = g.order.subarray(g.start[l], g.start[l + 1])));
  for (const c of structure.sparse) rows[c.column] = c.rows;
  return rows;
}

/** Rows per block of the dense part of weightedGram: 2048 rows of six columns and the weights fit in L2. */
const GRAM_ROW_BLOCK = 2048;

function checkStructure(where: string, X: Design, s: DesignStructure): void {
  if (s.n !== X.n || s.p !== X.p) throw new RangeError(`${where}: \`structure\` is for a ${s.n}×${s.p} design, X is ${X.n}×${X.p}`);
}

// acc[accOff + b] carries on the sum Σ t_r·x_(lo+r),k over r < len for each dense column k = cols[b],
// b ≥ from, adding the terms in increasing row order to the value it holds (so a pass over rows in
// blocks adds exactly the terms of one pass, in the same order). Four (then two) columns a pass: each
// t_r is loaded once for several products, which doubles throughput in V8.
export function denseDots(t: Float64Array, x: Float64Array, n: number, lo: number, len: number, cols: Int32Array, from: number, acc: Float64Array, accOff: number): void {
  const nd = cols.length;
  let b = from;
  for (; b + 3 < nd; b += 4) denseFour(t, x, n, lo, len, cols, b, acc, accOff + b);
  for (; b + 1 < nd; b += 2) denseTwo(t, x, n, lo, len, cols, b, acc, accOff + b);
  if (b < nd) denseOne(t, x, n, lo, len, cols, b, acc, accOff + b);
}

// One loop a function below (denseDots, pairDots, levelDots, levelTables), so that V8's code for one loop
// (compiled while it runs) never runs on into a later loop it has no type feedback for.

// acc[k + c] += Σ t_r·x_(lo+r),cols[b+c] over r < len, c = 0..3, in increasing row order.
function denseFour(t: Float64Array, x: Float64Array, n: number, lo: number, len: number, cols: Int32Array, b: number, acc: Float64Array, k: number): void {
  const o0 = cols[b] * n + lo, o1 = cols[b + 1] * n + lo, o2 = cols[b + 2] * n + lo, o3 = cols[b + 3] * n + lo;
  let s0 = acc[k], s1 = acc[k + 1], s2 = acc[k + 2], s3 = acc[k + 3];
  for (let r = 0; r < len; r++) {
    const v = t[r];
    s0 += v * x[o0 + r];
    s1 += v * x[o1 + r];
    s2 += v * x[o2 + r];
    s3 += v * x[o3 + r];
  }
  acc[k] = s0;
  acc[k + 1] = s1;
  acc[k + 2] = s2;
  acc[k + 3] = s3;
}

// acc[k + c] += Σ t_r·x_(lo+r),cols[b+c] over r < len, c = 0..1, in increasing row order.
function denseTwo(t: Float64Array, x: Float64Array, n: number, lo: number, len: number, cols: Int32Array, b: number, acc: Float64Array, k: number): void {
  const o0 = cols[b] * n + lo, o1 = cols[b + 1] * n + lo;
  let s0 = acc[k], s1 = acc[k + 1];
  for (let r = 0; r < len; r++) {
    const v = t[r];
    s0 += v * x[o0 + r];
    s1 += v * x[o1 + r];
  }
  acc[k] = s0;
  acc[k + 1] = s1;
}

// acc[k] += Σ t_r·x_(lo+r),cols[b] over r < len, in increasing row order.
function denseOne(t: Float64Array, x: Float64Array, n: number, lo: number, len: number, cols: Int32Array, b: number, acc: Float64Array, k: number): void {
  const o = cols[b] * n + lo;
  let s = acc[k];
  for (let r = 0; r < len; r++) s += t[r] * x[o + r];
  acc[k] = s;
}

// denseDots for two products at once: t[r] (row a of the product) and t[second + r] (row a + 1), against
// the dense columns b ≥ a and b ≥ a + 1 respectively, into acc[accOff + b] and acc[accOff + nd + b]. Each
// sum adds the same terms in the same order as denseDots would; the column entries, loaded once for two
// products, and eight sums a pass, keep more multiplications in flight.
function pairDots(t: Float64Array, second: number, x: Float64Array, n: number, lo: number, len: number, cols: Int32Array, a: number, acc: Float64Array, accOff: number): void {
  const nd = cols.length;
  const k1 = accOff + nd;
  denseOne(t, x, n, lo, len, cols, a, acc, accOff + a);
  let b = a + 1;
  for (; b + 3 < nd; b += 4) pairFour(t, second, x, n, lo, len, cols, b, acc, accOff + b, k1 + b);
  for (; b + 1 < nd; b += 2) pairTwo(t, second, x, n, lo, len, cols, b, acc, accOff + b, k1 + b);
  if (b < nd) pairOne(t, second, x, n, lo, len, cols, b, acc, accOff + b, k1 + b);
}

// pairDots for the columns cols[b .. b + 4): the first product's sums at acc[k ..], the second's at acc[k1 ..].
function pairFour(t: Float64Array, second: number, x: Float64Array, n: number, lo: number, len: number, cols: Int32Array, b: number, acc: Float64Array, k: number, k1: number): void {
  const o0 = cols[b] * n + lo, o1 = cols[b + 1] * n + lo, o2 = cols[b + 2] * n + lo, o3 = cols[b + 3] * n + lo;
  let s0 = acc[k], s1 = acc[k + 1], s2 = acc[k + 2], s3 = acc[k + 3];
  let u0 = acc[k1], u1 = acc[k1 + 1], u2 = acc[k1 + 2], u3 = acc[k1 + 3];
  for (let r = 0; r < len; r++) {
    const v = t[r];
    const w = t[second + r];
    const x0 = x[o0 + r], x1 = x[o1 + r], x2 = x[o2 + r], x3 = x[o3 + r];
    s0 += v * x0;
    u0 += w * x0;
    s1 += v * x1;
    u1 += w * x1;
    s2 += v * x2;
    u2 += w * x2;
    s3 += v * x3;
    u3 += w * x3;
  }
  acc[k] = s0;
  acc[k + 1] = s1;
  acc[k + 2] = s2;
  acc[k + 3] = s3;
  acc[k1] = u0;
  acc[k1 + 1] = u1;
  acc[k1 + 2] = u2;
  acc[k1 + 3] = u3;
}

// pairDots for the columns cols[b .. b + 2).
function pairTwo(t: Float64Array, second: number, x: Float64Array, n: number, lo: number, len: number, cols: Int32Array, b: number, acc: Float64Array, k: number, k1: number): void {
  const o0 = cols[b] * n + lo, o1 = cols[b + 1] * n + lo;
  let s0 = acc[k], s1 = acc[k + 1];
  let u0 = acc[k1], u1 = acc[k1 + 1];
  for (let r = 0; r < len; r++) {
    const v = t[r];
    const w = t[second + r];
    const x0 = x[o0 + r], x1 = x[o1 + r];
    s0 += v * x0;
    u0 += w * x0;
    s1 += v * x1;
    u1 += w * x1;
  }
  acc[k] = s0;
  acc[k + 1] = s1;
  acc[k1] = u0;
  acc[k1 + 1] = u1;
}

// pairDots for the column cols[b].
function pairOne(t: Float64Array, second: number, x: Float64Array, n: number, lo: number, len: number, cols: Int32Array, b: number, acc: Float64Array, k: number, k1: number): void {
  const o = cols[b] * n + lo;
  let s = acc[k];
  let u = acc[k1];
  for (let r = 0; r < len; r++) {
    const xv = x[o + r];
    s += t[r] * xv;
    u += t[second + r] * xv;
  }
  acc[k] = s;
  acc[k1] = u;
}

// The same over the rows order[lo..hi) only (one level of an indicator group), for every dense column.
function levelDots(t: Float64Array, x: Float64Array, n: number, cols: Int32Array, order: Int32Array, lo: number, hi: number, sums: Float64Array): void {
  const nd = cols.length;
  let b = 0;
  // Nine columns a pass where that leaves no lone column: each row's index and weight, and the cache lines its
  // gathered entries sit on, are fetched once for all nine sums; measured about a quarter faster than five and
  // four on the study's nine dense columns (V8 still keeps the nine sums in registers).
  for (; b + 8 < nd && nd - b !== 10; b += 9) levelNine(t, x, n, cols, b, order, lo, hi, sums);
  // Five columns a pass where that leaves no lone column (eight dense columns left: four and four, not five, two and one).
  for (; b + 4 < nd && nd - b !== 8; b += 5) levelFive(t, x, n, cols, b, order, lo, hi, sums);
  for (; b + 3 < nd; b += 4) levelFour(t, x, n, cols, b, order, lo, hi, sums);
  for (; b + 1 < nd; b += 2) levelTwo(t, x, n, cols, b, order, lo, hi, sums);
  if (b < nd) levelOne(t, x, n, cols, b, order, lo, hi, sums);
}

// levelDots for the five columns cols[b .. b + 5).
function levelFive(t: Float64Array, x: Float64Array, n: number, cols: Int32Array, b: number, order: Int32Array, lo: number, hi: number, sums: Float64Array): void {
  const o0 = cols[b] * n, o1 = cols[b + 1] * n, o2 = cols[b + 2] * n, o3 = cols[b + 3] * n, o4 = cols[b + 4] * n;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0;
  for (let r = lo; r < hi; r++) {
    const i = order[r];
    const v = t[i];
    s0 += v * x[o0 + i];
    s1 += v * x[o1 + i];
    s2 += v * x[o2 + i];
    s3 += v * x[o3 + i];
    s4 += v * x[o4 + i];
  }
  sums[b] = s0;
  sums[b + 1] = s1;
  sums[b + 2] = s2;
  sums[b + 3] = s3;
  sums[b + 4] = s4;
}

// levelDots for the four columns cols[b .. b + 4).
function levelFour(t: Float64Array, x: Float64Array, n: number, cols: Int32Array, b: number, order: Int32Array, lo: number, hi: number, sums: Float64Array): void {
  const o0 = cols[b] * n, o1 = cols[b + 1] * n, o2 = cols[b + 2] * n, o3 = cols[b + 3] * n;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let r = lo; r < hi; r++) {
    const i = order[r];
    const v = t[i];
    s0 += v * x[o0 + i];
    s1 += v * x[o1 + i];
    s2 += v * x[o2 + i];
    s3 += v * x[o3 + i];
  }
  sums[b] = s0;
  sums[b + 1] = s1;
  sums[b + 2] = s2;
  sums[b + 3] = s3;
}

// levelDots for the two columns cols[b .. b + 2).
function levelTwo(t: Float64Array, x: Float64Array, n: number, cols: Int32Array, b: number, order: Int32Array, lo: number, hi: number, sums: Float64Array): void {
  const o0 = cols[b] * n, o1 = cols[b + 1] * n;
  let s0 = 0, s1 = 0;
  for (let r = lo; r < hi; r++) {
    const i = order[r];
    const v = t[i];
    s0 += v * x[o0 + i];
    s1 += v * x[o1 + i];
  }
  sums[b] = s0;
  sums[b + 1] = s1;
}

// levelDots for the column cols[b].
function levelOne(t: Float64Array, x: Float64Array, n: number, cols: Int32Array, b: number, order: Int32Array, lo: number, hi: number, sums: Float64Array): void {
  const o = cols[b] * n;
  let s = 0;
  for (let r = lo; r < hi; r++) s += t[order[r]] * x[o + order[r]];
  sums[b] = s;
}

// levelDots for the nine columns cols[b .. b + 9): sums[b + k] = Σ t_i·x_i,cols[b+k] over the rows order[lo..hi), in that order.
function levelNine(t: Float64Array, x: Float64Array, n: number, cols: Int32Array, b: number, order: Int32Array, lo: number, hi: number, sums: Float64Array): void {
  const o0 = cols[b] * n, o1 = cols[b + 1] * n, o2 = cols[b + 2] * n, o3 = cols[b + 3] * n, o4 = cols[b + 4] * n;
  const o5 = cols[b + 5] * n, o6 = cols[b + 6] * n, o7 = cols[b + 7] * n, o8 = cols[b + 8] * n;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0, s8 = 0;
  for (let r = lo; r < hi; r++) {
    const i = order[r];
    const v = t[i];
    s0 += v * x[o0 + i];
    s1 += v * x[o1 + i];
    s2 += v * x[o2 + i];
    s3 += v * x[o3 + i];
    s4 += v * x[o4 + i];
    s5 += v * x[o5 + i];
    s6 += v * x[o6 + i];
    s7 += v * x[o7 + i];
    s8 += v * x[o8 + i];
  }
  sums[b] = s0;
  sums[b + 1] = s1;
  sums[b + 2] = s2;
  sums[b + 3] = s3;
  sums[b + 4] = s4;
  sums[b + 5] = s5;
  sums[b + 6] = s6;
  sums[b + 7] = s7;
  sums[b + 8] = s8;
}

// Σω over the rows where level l of `a` and level m of `b` are both 1, for each b of `partners`: b's table
// at offset[k] + l·(M+1) + m + 1 of one array, over a's rows. Column 0 collects the rows where b has no
// level and is ignored: a branch-free add beats a test that mispredicts. Up to four partners a pass: the
// adds to one cell depend on each other (through memory, each waits for the one before), so a pass for
// one table stalls on them, while four tables' adds overlap. Each cell still adds its rows in increasing
// order, as a pass per partner would.
function levelTables(a: IndicatorGroup, partners: IndicatorGroup[], omega: Float64Array): { table: Float64Array; offset: Int32Array } {
  const { order, start } = a;
  const L = a.columns.length;
  const K = partners.length;
  const offset = new Int32Array(K + 1);
  for (let k = 0; k < K; k++) offset[k + 1] = offset[k] + L * (partners[k].columns.length + 1);
  const table = new Float64Array(offset[K]);
  let k = 0;
  for (; k + 3 < K; k += 4) tablesFour(order, start, L, partners, k, offset, omega, table);
  for (; k + 1 < K; k += 2) tablesTwo(order, start, L, partners, k, offset, omega, table);
  if (k < K) tableOne(order, start, L, partners, k, offset, omega, table);
  return { table, offset };
}

// levelTables for the partners k .. k + 3, one pass over a's rows.
function tablesFour(order: Int32Array, start: Int32Array, L: number, partners: IndicatorGroup[], k: number, offset: Int32Array, omega: Float64Array, table: Float64Array): void {
  const c0 = partners[k].code, c1 = partners[k + 1].code, c2 = partners[k + 2].code, c3 = partners[k + 3].code;
  const w0 = partners[k].columns.length + 1, w1 = partners[k + 1].columns.length + 1;
  const w2 = partners[k + 2].columns.length + 1, w3 = partners[k + 3].columns.length + 1;
  for (let l = 0; l < L; l++) {
    const r0 = offset[k] + l * w0, r1 = offset[k + 1] + l * w1, r2 = offset[k + 2] + l * w2, r3 = offset[k + 3] + l * w3;
    for (let r = start[l]; r < start[l + 1]; r++) {
      const i = order[r];
      const v = omega[i];
      table[r0 + c0[i]] += v;
      table[r1 + c1[i]] += v;
      table[r2 + c2[i]] += v;
      table[r3 + c3[i]] += v;
    }
  }
}

// levelTables for the partners k and k + 1, one pass over a's rows.
function tablesTwo(order: Int32Array, start: Int32Array, L: number, partners: IndicatorGroup[], k: number, offset: Int32Array, omega: Float64Array, table: Float64Array): void {
  const c0 = partners[k].code, c1 = partners[k + 1].code;
  const w0 = partners[k].columns.length + 1, w1 = partners[k + 1].columns.length + 1;
  for (let l = 0; l < L; l++) {
    const r0 = offset[k] + l * w0, r1 = offset[k + 1] + l * w1;
    for (let r = start[l]; r < start[l + 1]; r++) {
      const i = order[r];
      const v = omega[i];
      table[r0 + c0[i]] += v;
      table[r1 + c1[i]] += v;
    }
  }
}

// levelTables for the partner k alone.
function tableOne(order: Int32Array, start: Int32Array, L: number, partners: IndicatorGroup[], k: number, offset: Int32Array, omega: Float64Array, table: Float64Array): void {
  const c0 = partners[k].code;
  const w0 = partners[k].columns.length + 1;
  for (let l = 0; l < L; l++) {
    const r0 = offset[k] + l * w0;
    for (let r = start[l]; r < start[l + 1]; r++) {
      const i = order[r];
      table[r0 + c0[i]] += omega[i];
    }
  }
}

/**
 * XᵀΩX = Σ_i ω_i x_i x_iᵀ (p×p row-major), bit for bit the plain loop
 * Σ_i (ω_i x_ij) x_ik in increasing row order, for finite ω. It works by the
 * design's structure (see {@link designStructure}) so that factor indicators
 * cost almost nothing: dense × dense column pairs run over every row, four
 * pairs per pass, in blocks of rows that stay in cache; an indicator group
 * against a dense column sums ω_i x_ik over each level's rows; two groups make
 * one table of Σω per pair of levels; a group with itself is diagonal (Σω per
 * level). Every sum takes exactly the non-zero terms of the plain loop in the
 * same row order; the terms skipped are exact zeros, which leave a sum
 * unchanged. `scratch` is working space (any length; a caller calling many
 * times can pass one to save the allocation); `structure` defaults to
 * `designStructure(X)`.
 *
 * @example
 * weightedGram(X, new Float64Array(X.n).fill(1)); // => XᵀX
 */
export function weightedGram(
  X: Design,
  omega: Float64Array,
  scratch: Float64Array = new Float64Array(2 * Math.min(X.n, GRAM_ROW_BLOCK)),
  structure: DesignStructure = designStructure(X),
): Float64Array {
  checkStructure('weightedGram', X, structure);
  const { n, p } = X;
  const x = X.x;
  const out = new Float64Array(p * p);
  const { dense, ones, groups, sparse } = structure;
  const nd = dense.length;
  // Only the upper triangle (j ≤ k) is written, then mirrored.
  const put = (j: number, k: number, v: number): void => {
    if (j <= k) out[j * p + k] = v;
    else out[k * p + j] = v;
  };
  // Dense × dense over blocks of rows small enough to stay in cache while every pair is worked; each
  // sum carries on from block to block, so it adds the terms of one pass in the same order.
  const acc = new Float64Array(nd * nd);
  const block = Math.min(n, GRAM_ROW_BLOCK);
  const t = scratch.length >= 2 * block ? scratch : new Float64Array(2 * block);
  for (let lo = 0; lo < n; lo += block) {
    const len = Math.min(block, n - lo);
    // Two rows of the product a pass (pairDots): each column entry loaded once serves both.
    let a = 0;
    for (; a + 1 < nd; a += 2) {
      weightedPair(t, block, omega, x, lo, len, dense[a] * n + lo, dense[a + 1] * n + lo);
      pairDots(t, block, x, n, lo, len, dense, a, acc, a * nd);
    }
    if (a < nd) {
      weightedColumn(t, omega, x, lo, len, dense[a] * n + lo);
      denseDots(t, x, n, lo, len, dense, a, acc, a * nd);
    }
  }
  for (let a = 0; a < nd; a++) for (let b = a; b < nd; b++) out[dense[a] * p + dense[b]] = acc[a * nd + b];
  const sums = new Float64Array(nd);
  for (let ga = 0; ga < groups.length; ga++) {
    const { columns, order, start } = groups[ga];
    const L = columns.length;
    // (ω_i·1)·x_ik = (ω_i·x_ik)·1 = ω_i·x_ik, summed over each level's rows.
    for (let l = 0; l < L; l++) {
      levelDots(omega, x, n, dense, order, start[l], start[l + 1], sums);
      for (let b = 0; b < nd; b++) put(columns[l], dense[b], sums[b]);
    }
    // The diagonal: (ω_i·1)·1 = ω_i over the level's rows, which is the product with the intercept when
    // there is one. Two levels of one group share no row, so their product is 0.
    for (let l = 0; l < L; l++) {
      const c = columns[l];
      if (ones >= 0) {
        out[c * p + c] = out[Math.min(c, dense[ones]) * p + Math.max(c, dense[ones])];
        continue;
      }
      out[c * p + c] = sumAtRows(omega, order, start[l], start[l + 1]);
    }
  }
  // Each pair of groups: a table of Σω over the rows where level l of one and level m of the other are both
  // 1, worked over the rows of whichever group has fewer (the earlier on a tie), all of a group's pairs in
  // one call; each cell adds its rows in increasing order either way.
  for (let ga = 0; ga < groups.length; ga++) {
    const a = groups[ga];
    const partners: IndicatorGroup[] = [];
    for (let gb = 0; gb < groups.length; gb++) {
      if (gb === ga) continue;
      const b = groups[gb];
      if (gb > ga ? a.order.length <= b.order.length : a.order.length < b.order.length) partners.push(b);
    }
    if (partners.length === 0) continue;
    const { table, offset } = levelTables(a, partners, omega);
    const L = a.columns.length;
    partners.forEach((b, k) => {
      const width = b.columns.length + 1;
      for (let l = 0; l < L; l++) for (let m = 0; m < width - 1; m++) put(a.columns[l], b.columns[m], table[offset[k] + l * width + m + 1]);
    });
  }
  // Other sparse columns: over their own non-zero rows, with the product in the plain loop's order, (ω·x_lower)·x_higher.
  for (let a = 0; a < sparse.length; a++) {
    const { column: j, rows } = sparse[a];
    const offj = j * n;
    const m = rows.length;
    for (let b = 0; b < nd; b++) {
      const k = dense[b];
      const o = k * n;
      put(j, k, j < k ? weightedDotAtRows(omega, x, rows, m, offj, o) : weightedDotAtRows(omega, x, rows, m, o, offj));
    }
    for (const g of groups) {
      const sums = new Float64Array(g.columns.length);
      levelSumsAtRows(omega, x, rows, m, offj, g.code, sums);
      for (let l = 0; l < sums.length; l++) put(j, g.columns[l], sums[l]);
    }
    for (let b = a; b < sparse.length; b++) out[j * p + sparse[b].column] = weightedDotAtRows(omega, x, rows, m, offj, sparse[b].column * n);
  }
  for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) out[j * p + k] = out[k * p + j];
  return out;
}

// weightedGram's product rows for two dense columns: t[r] = ω_(lo+r)·x[offj + r], t[second + r] = ω_(lo+r)·x[offj1 + r].
function weightedPair(t: Float64Array, second: number, omega: Float64Array, x: Float64Array, lo: number, len: number, offj: number, offj1: number): void {
  for (let r = 0; r < len; r++) {
    t[r] = omega[lo + r] * x[offj + r];
    t[second + r] = omega[lo + r] * x[offj1 + r];
  }
}

// weightedGram's product row for one dense column: t[r] = ω_(lo+r)·x[offj + r].
function weightedColumn(t: Float64Array, omega: Float64Array, x: Float64Array, lo: number, len: number, offj: number): void {
  for (let r = 0; r < len; r++) t[r] = omega[lo + r] * x[offj + r];
}

// Σ v[order[r]] over r in from..to, in that order.
function sumAtRows(v: Float64Array, order: Int32Array, from: number, to: number): number {
  let s = 0;
  for (let r = from; r < to; r++) s += v[order[r]];
  return s;
}

// Σ ω_i·x[oa + i]·x[ob + i] over the rows i = rows[0..m), in that order.
function weightedDotAtRows(omega: Float64Array, x: Float64Array, rows: Int32Array, m: number, oa: number, ob: number): number {
  let s = 0;
  for (let r = 0; r < m; r++) s += omega[rows[r]] * x[oa + rows[r]] * x[ob + rows[r]];
  return s;
}

// sums[c − 1] += ω_i·x[offj + i] over the rows i = rows[0..m) with code c > 0 (a sparse column against a group's levels).
function levelSumsAtRows(omega: Float64Array, x: Float64Array, rows: Int32Array, m: number, offj: number, code: Int32Array, sums: Float64Array): void {
  for (let r = 0; r < m; r++) {
    const i = rows[r];
    const c = code[i];
    if (c > 0) sums[c - 1] += omega[i] * x[offj + i];
  }
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

/** Rows per block of linearPredictor: the block's slice of the result (32 KB) stays in cache while every column adds to it. */
const PREDICT_ROW_BLOCK = 4096;

/**
 * X·β for a column-major design. Each row adds one sum per block of four
 * columns, in column order (so the bits depend on that blocking, which is
 * kept). Given the design's structure (see {@link designStructure}), a block
 * whose four columns are levels of one indicator group adds, at each row of
 * those levels, its one non-zero term, which is exactly that block's sum;
 * the other rows would add a zero. Bit for bit the same either way, for
 * finite β. The rows are worked in blocks, every column over one block
 * before the next: each row still receives the same additions in the same
 * (column) order, but its running sum stays in cache instead of being read
 * and written back from memory once per block of columns.
 *
 * @example
 * linearPredictor(X, coef); // => Float64Array(n)
 */
export function linearPredictor(X: Design, beta: Float64Array, out: Float64Array = new Float64Array(X.n), structure?: DesignStructure): Float64Array {
  const { n, p } = X;
  const x = X.x;
  if (structure !== undefined) checkStructure('linearPredictor', X, structure);
  const place = structure === undefined ? null : levelPlaces(structure);
  const rows = structure === undefined ? null : structureRows(structure);
  const q = p - (p % 4);
  // For each block of four columns, the indicator group all four are levels of, or -1.
  const blockGroup = new Int32Array(q >> 2).fill(-1);
  // Where each column's next row is in the list of its non-zero rows (its level's rows, or a sparse column's).
  const cursor = new Int32Array(p);
  if (place !== null) {
    const groups = (structure as DesignStructure).groups;
    for (let j = 0; j < q; j += 4) {
      const g = place.group[j];
      if (g < 0 || place.group[j + 1] !== g || place.group[j + 2] !== g || place.group[j + 3] !== g) continue;
      blockGroup[j >> 2] = g;
      for (let c = j; c < j + 4; c++) cursor[c] = groups[g].start[place.level[c]];
    }
  }
  out.fill(0);
  for (let lo = 0; lo < n; lo += PREDICT_ROW_BLOCK) {
    const hi = Math.min(n, lo + PREDICT_ROW_BLOCK);
    for (let j = 0; j < q; j += 4) {
      const g = blockGroup[j >> 2];
      if (g < 0) {
        addFourColumns(x, n, j, beta, lo, hi, out);
        continue;
      }
      const { order, start } = (structure as DesignStructure).groups[g];
      for (let c = j; c < j + 4; c++) cursor[c] = addOnRows(order, cursor[c], start[(place as { level: Int32Array }).level[c] + 1], hi, beta[c], out);
    }
    for (let j = q; j < p; j++) {
      const b = beta[j];
      if (b === 0) continue;
      const off = j * n;
      const idx = rows === null ? null : rows[j];
      if (idx === null) addScaledColumn(x, off, b, lo, hi, out);
      else cursor[j] = addColumnOnRows(x, off, b, idx, cursor[j], hi, out);
    }
  }
  return out;
}

// out[i] += x_ij·β_j + x_i(j+1)·β_(j+1) + x_i(j+2)·β_(j+2) + x_i(j+3)·β_(j+3) for rows lo ≤ i < hi: one block of
// four columns' sum, as one expression (the order linearPredictor's bits rest on).
function addFourColumns(x: Float64Array, n: number, j: number, beta: Float64Array, lo: number, hi: number, out: Float64Array): void {
  const o0 = j * n;
  const o1 = o0 + n;
  const o2 = o1 + n;
  const o3 = o2 + n;
  const b0 = beta[j], b1 = beta[j + 1], b2 = beta[j + 2], b3 = beta[j + 3];
  for (let i = lo; i < hi; i++) out[i] += x[o0 + i] * b0 + x[o1 + i] * b1 + x[o2 + i] * b2 + x[o3 + i] * b3;
}

// out[i] += x[off + i]·b for rows lo ≤ i < hi.
function addScaledColumn(x: Float64Array, off: number, b: number, lo: number, hi: number, out: Float64Array): void {
  for (let i = lo; i < hi; i++) out[i] += x[off + i] * b;
}

// out[i] += x[off + i]·b for the rows i = idx[r], r from `from` up to the first row at or past `hi`; returns where it stopped.
function addColumnOnRows(x: Float64Array, off: number, b: number, idx: Int32Array, from: number, hi: number, out: Float64Array): number {
  let r = from;
  for (; r < idx.length && idx[r] < hi; r++) out[idx[r]] += x[off + idx[r]] * b;
  return r;
}

// out[i] += b for the rows i = order[r], r from `from` up to `end` or the first row at or past `hi`; returns
// where it stopped (the next block of rows carries on from there).
function addOnRows(order: Int32Array, from: number, end: number, hi: number, b: number, out: Float64Array): number {
  let r = from;
  for (; r < end && order[r] < hi; r++) out[order[r]] += b;
  return r;
}

// For each column, its indicator group and level in that group, or -1.
function levelPlaces(structure: DesignStructure): { group: Int32Array; level: Int32Array } {
  const group = new Int32Array(structure.p).fill(-1);
  const level = new Int32Array(structure.p).fill(-1);
  structure.groups.forEach((g, k) =>
    g.columns.forEach((c, l) => {
      group[c] = k;
      level[c] = l;
    }),
  );
  return { group, level };
}

/**
 * Xᵀv for a column-major design (p values), each Σ_i v_i x_ij in increasing
 * row order. Given the design's structure (see {@link designStructure}),
 * indicator columns are summed over their own rows only: the same value bit
 * for bit, for finite v.
 *
 * @example
 * crossprodVector(X, residuals); // => the score Σ x_i r_i
 */
export function crossprodVector(X: Design, v: Float64Array, out: Float64Array = new Float64Array(X.p), structure?: DesignStructure): Float64Array {
  const n = X.n;
  const x = X.x;
  if (structure === undefined) {
    // Every column over every row: one product per entry costs less than finding the structure.
    const all = Int32Array.from({ length: X.p }, (_, j) => j);
    out.fill(0);
    denseDots(v, x, n, 0, n, all, 0, out, 0);
    return out;
  }
  checkStructure('crossprodVector', X, structure);
  const { dense, groups, sparse } = structure;
  const sums = new Float64Array(dense.length);
  denseDots(v, x, n, 0, n, dense, 0, sums, 0);
  for (let b = 0; b < dense.length; b++) out[dense[b]] = sums[b];
  for (const { columns, order, start } of groups) {
    for (let l = 0; l < columns.length; l++) out[columns[l]] = sumAtRows(v, order, start[l], start[l + 1]);
  }
  for (const { column, rows } of sparse) out[column] = dotAtRows(v, x, rows, column * n);
  return out;
}

// Σ v_i·x[o + i] over the rows i = rows[0..], in that order.
function dotAtRows(v: Float64Array, x: Float64Array, rows: Int32Array, o: number): number {
  let s = 0;
  for (let r = 0; r < rows.length; r++) s += v[rows[r]] * x[o + rows[r]];
  return s;
}
