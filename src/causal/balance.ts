import { factorLevels, knownLevelCodes, type NamedColumn } from '../stats/design';
import { wordsHash } from '../stats/hash';

/** Balance of one covariate (or one level of a text covariate) before and after matching or weighting. */
export interface BalanceRow {
  name: string;
  binary: boolean;
  meanTreated: number;
  meanControlBefore: number;
  meanControlAfter: number;
  /** Standardised mean difference (treated − control) / SD of the treated before adjustment. */
  smdBefore: number;
  smdAfter: number;
  /** Variance ratio treated / control (NaN for binary covariates, as MatchIt). */
  varianceRatioBefore: number;
  varianceRatioAfter: number;
  /** Largest distance between the treated and control empirical CDFs. */
  ecdfMaxBefore: number;
  ecdfMaxAfter: number;
}

/**
 * Thresholds under which balance is called adequate (common rules of thumb: |SMD| < 0.1, variance ratio in [0.5, 2]).
 *
 * @example
 * Math.abs(row.smdAfter) < BALANCE_THRESHOLDS.smd; // => balanced on this covariate
 */
export const BALANCE_THRESHOLDS = { smd: 0.1, varianceRatioLow: 0.5, varianceRatioHigh: 2 } as const;

interface Stats {
  mean: number;
  variance: number;
}

// The weight totals of one side (they do not depend on the covariate, so one pass serves every column):
// the statistics' sums over treated (1) and controls (0), and the eCDFs' over treated and the rest.
interface SideTotals {
  w: Float64Array | undefined;
  swT: number;
  sw2T: number;
  swC: number;
  sw2C: number;
  ecdfT: number;
  ecdfC: number;
  /** The rows each statistic's sums read, in row order, with their weights (built on first use). */
  rows?: SideRows;
  /** Each row's eCDF steps, interleaved [treated, control] (0 for the other group and rows left out; built on first use). */
  steps?: Float64Array;
}

// Treated (treat 1) and control (treat 0) rows with a weight that counts (not ≤ 0), in row order, and
// their weights: the sums over a group then visit only its rows, in the order the full pass would.
interface SideRows {
  t: Uint32Array;
  wT: Float64Array;
  c: Uint32Array;
  wC: Float64Array;
}

function sideRows(treat: Float64Array, side: SideTotals): SideRows {
  if (side.rows) return side.rows;
  const w = side.w;
  const n = treat.length;
  let nT = 0, nC = 0;
  for (let i = 0; i < n; i++) {
    const wi = w ? w[i] : 1;
    if (wi <= 0) continue;
    if (treat[i] === 1) nT++;
    else if (treat[i] === 0) nC++;
  }
  const t = new Uint32Array(nT), wT = new Float64Array(nT), c = new Uint32Array(nC), wC = new Float64Array(nC);
  nT = 0;
  nC = 0;
  for (let i = 0; i < n; i++) {
    const wi = w ? w[i] : 1;
    if (wi <= 0) continue;
    if (treat[i] === 1) {
      t[nT] = i;
      wT[nT++] = wi;
    } else if (treat[i] === 0) {
      c[nC] = i;
      wC[nC++] = wi;
    }
  }
  side.rows = { t, wT, c, wC };
  return side.rows;
}

// What each row adds to the treated and to the control eCDF (wi / Σw of its group, as the eCDF pass
// adds it), 0 to the other group and for rows left out: adding 0 leaves a sum as it is (never −0).
function ecdfSteps(treat: Float64Array, side: SideTotals): Float64Array {
  if (side.steps) return side.steps;
  const { w, ecdfT: wt, ecdfC: wc } = side;
  const steps = new Float64Array(2 * treat.length);
  for (let i = 0; i < treat.length; i++) {
    const wi = w ? w[i] : 1;
    if (wi <= 0) continue;
    if (treat[i] === 1) steps[2 * i] = wi / wt;
    else steps[2 * i + 1] = wi / wc;
  }
  side.steps = steps;
  return steps;
}

function sideTotals(treat: Float64Array, w: Float64Array | undefined): SideTotals {
  let swT = 0, sw2T = 0, swC = 0, sw2C = 0, ecdfC = 0;
  for (let i = 0; i < treat.length; i++) {
    const wi = w ? w[i] : 1;
    if (wi <= 0) continue;
    if (treat[i] === 1) {
      swT += wi;
      sw2T += wi * wi;
    } else {
      ecdfC += wi;
      if (treat[i] === 0) {
        swC += wi;
        sw2C += wi * wi;
      }
    }
  }
  return { w, swT, sw2T, swC, sw2C, ecdfT: swT, ecdfC };
}

// Weighted mean and variance of the treated and of the controls, with the reliability-weights
// correction (Σw − Σw²/Σw), which is the sample variance for unit weights. Each group's sums run
// in row order. The variance is skipped for 0/1 columns, whose balance never reads it.
function weightedStats(x: Float64Array, treat: Float64Array, side: SideTotals, binary: boolean): [treated: Stats, control: Stats] {
  const { t, wT, c, wC } = sideRows(treat, side);
  const meanT = weightedSum(x, t, wT) / side.swT;
  const meanC = weightedSum(x, c, wC) / side.swC;
  if (binary) return [{ mean: meanT, variance: NaN }, { mean: meanC, variance: NaN }];
  const ssT = weightedSquares(x, t, wT, meanT);
  const ssC = weightedSquares(x, c, wC, meanC);
  return [
    { mean: meanT, variance: ssT / (side.swT - side.sw2T / side.swT) },
    { mean: meanC, variance: ssC / (side.swC - side.sw2C / side.swC) },
  ];
}

// Σ wts[k]·x[rows[k]], in order.
function weightedSum(x: Float64Array, rows: Uint32Array, wts: Float64Array): number {
  let s = 0;
  for (let k = 0; k < rows.length; k++) s += wts[k] * x[rows[k]];
  return s;
}

// Σ wts[k]·(x[rows[k]] − mean)², in order.
function weightedSquares(x: Float64Array, rows: Uint32Array, wts: Float64Array, mean: number): number {
  let ss = 0;
  for (let k = 0; k < rows.length; k++) {
    const d = x[rows[k]] - mean;
    ss += wts[k] * d * d;
  }
  return ss;
}

/**
 * Largest vertical distance between the weighted empirical CDFs of treated
 * and controls (the Kolmogorov–Smirnov statistic).
 *
 * @example
 * ecdfMaxDistance(Float64Array.from([1, 2, 3, 4]), Float64Array.from([1, 1, 0, 0])); // => 1
 */
export function ecdfMaxDistance(x: Float64Array, treat: Float64Array, w?: Float64Array): number {
  return ecdfMaxSorted(x, treat, sideTotals(treat, w), sortedOrder(x));
}

interface SortedColumn {
  order: Uint32Array;
  key: [number, number];
  /** 1 where the value in sorted order differs from the one before (built on first use; null when x has NaN). */
  starts?: Uint8Array | null;
}

// Sort orders of numeric columns and level codes of text columns, keyed on the column array: matching and
// weighting on one input, and the before and after sides, share them. Each hit is checked against the
// column's current contents in one pass, so a column changed in place is sorted or coded afresh.
const ORDERS = new WeakMap<Float64Array, SortedColumn>();
const CODES = new WeakMap<readonly (string | null)[], { levels: string[]; codes: Int32Array }>();

/**
 * Row indices ordered by x, ties in row order (the stable sort by value), from a cache when x still
 * has the fingerprint it was sorted with (one pass in order over its bits, where checking the order
 * itself would read x in sorted, scattered order). `key` is x's fingerprint when the caller has just
 * taken it.
 */
function sortedOrder(x: Float64Array, key: [number, number] = fingerprint(x)): Uint32Array {
  return sortedColumn(x, key).order;
}

function sortedColumn(x: Float64Array, key: [number, number]): SortedColumn {
  const cached = ORDERS.get(x);
  if (cached && cached.order.length === x.length && cached.key[0] === key[0] && cached.key[1] === key[1]) return cached;
  const entry: SortedColumn = { order: stableOrder(x), key };
  ORDERS.set(x, entry);
  return entry;
}

// Where each distinct value starts in sorted order, for the eCDF passes of every side: null when x has a
// NaN (which no value equals, so each NaN is a step of its own and the pass compares values itself).
function valueStarts(x: Float64Array, sorted: SortedColumn): Uint8Array | null {
  if (sorted.starts !== undefined) return sorted.starts;
  const order = sorted.order;
  const starts = new Uint8Array(order.length);
  let prev = order.length > 0 ? x[order[0]] : 0;
  let ok = prev === prev;
  for (let k = 1; k < order.length && ok; k++) {
    const v = x[order[k]];
    ok = v === v;
    if (v !== prev) starts[k] = 1;
    prev = v;
  }
  sorted.starts = ok ? starts : null;
  return sorted.starts;
}

/**
 * ecdfMaxSorted through the column's value starts and the side's per-row steps: one read in scattered
 * order per row instead of four. Rows left out add 0 to both sums, and a step closed at such a row
 * records the same distance as the next row that counts would (the sums have not moved, and in sorted
 * order a value differs from the last counted one exactly when a start lies between them), so the
 * maximum is the same number.
 */
function ecdfMax(x: Float64Array, treat: Float64Array, side: SideTotals, sorted: SortedColumn): number {
  const starts = valueStarts(x, sorted);
  if (starts === null) return ecdfMaxSorted(x, treat, side, sorted.order);
  const steps = ecdfSteps(treat, side);
  const order = sorted.order;
  let ft = 0, fc = 0, best = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    if (starts[k] === 1) best = Math.max(best, Math.abs(ft - fc));
    ft += steps[2 * i];
    fc += steps[2 * i + 1];
  }
  return Math.max(best, Math.abs(ft - fc));
}

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * Row indices ordered by value, ties in row order: what a stable comparator
 * sort `(a, b) => x[a] - x[b]` gives, without a comparator call per
 * comparison. An LSD radix sort (16-bit digits) of the doubles' bit patterns
 * mapped to unsigned order, rows entering in row order; −0 is read as 0, as
 * the comparator sees them. A column with NaN keeps the comparator sort.
 *
 * @example
 * Array.from(stableOrder(Float64Array.of(3, -1, 3, 0))); // => [1, 3, 0, 2]
 */
export function stableOrder(x: Float64Array): Uint32Array {
  if (LITTLE_ENDIAN) {
    // Both give up (null) at a NaN, which no comparison orders: no separate pass looks for one.
    const order = fewValuesOrder(x) ?? highWordOrder(x);
    if (order !== null) return order;
  }
  const idx = new Uint32Array(x.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((a, b) => x[a] - x[b]);
}

// Radix sort on the high 32 bits of each double (sign, exponent and 20 bits of mantissa, mapped to
// unsigned order): two 16-bit passes that carry each row's key with it, so every pass reads in
// order. Rows whose high words tie (for a continuous column, runs of one or two) are then put in
// order by value and row. Same order as the comparator sort, −0 read as 0. Null when x has a NaN.
function highWordOrder(x: Float64Array): Uint32Array | null {
  const n = x.length;
  let idx: Uint32Array = new Uint32Array(n);
  let key: Uint32Array = new Uint32Array(n);
  if (!highWordKeys(x, idx, key)) return null;
  let spareKey: Uint32Array = new Uint32Array(n);
  let spare: Uint32Array = new Uint32Array(n);
  const count = new Int32Array(65537);
  for (let shift = 0; shift <= 16; shift += 16) {
    if (!countDigits(key, shift, count)) continue;
    scatterByDigit(key, idx, shift, count, spareKey, spare);
    let t = idx;
    idx = spare;
    spare = t;
    t = key;
    key = spareKey;
    spareKey = t;
  }
  sortTies(x, idx, key);
  return idx;
}

// idx[i] ← i and key[i] ← the high 32 bits of x[i] (−0 read as 0) mapped to unsigned order; false at a NaN.
function highWordKeys(x: Float64Array, idx: Uint32Array, key: Uint32Array): boolean {
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v !== v) return false;
    idx[i] = i;
    f[0] = v + 0;
    const hi = u[1];
    key[i] = hi & 0x80000000 ? ~hi >>> 0 : (hi | 0x80000000) >>> 0;
  }
  return true;
}

// count[d + 1] ← the keys whose 16-bit digit at `shift` is d, then (unless every key has the same digit,
// when the pass is not needed: false) count[d] ← where digit d's keys start.
function countDigits(key: Uint32Array, shift: number, count: Int32Array): boolean {
  const n = key.length;
  count.fill(0);
  for (let k = 0; k < n; k++) count[((key[k] >>> shift) & 0xffff) + 1]++;
  let single = false;
  for (let d = 1; d <= 65536; d++) if (count[d] === n) single = true;
  if (single) return false;
  for (let d = 0; d < 65536; d++) count[d + 1] += count[d];
  return true;
}

// One stable radix pass: each key and its row moved to the next place of its digit (count from countDigits).
function scatterByDigit(key: Uint32Array, idx: Uint32Array, shift: number, count: Int32Array, spareKey: Uint32Array, spare: Uint32Array): void {
  for (let k = 0; k < key.length; k++) {
    const at = count[(key[k] >>> shift) & 0xffff]++;
    spareKey[at] = key[k];
    spare[at] = idx[k];
  }
}

// x[a] − x[b], or a − b when the values tie: the comparator of the order by value and row.
function byValueAndRow(x: Float64Array, a: number, b: number): number {
  return x[a] - x[b] || a - b;
}

// Rows whose high words tie (runs of equal keys, for a continuous column of one or two) put in order by
// value and row. The passes are stable, so a run is in row order: only values out of order need the sort
// (a run of one repeated value, the common tie, needs none).
function sortTies(x: Float64Array, idx: Uint32Array, key: Uint32Array): void {
  const n = idx.length;
  for (let lo = 0; lo < n; ) {
    let hi = lo + 1;
    while (hi < n && key[hi] === key[lo]) hi++;
    let sorted = true;
    for (let k = lo + 1; k < hi && sorted; k++) sorted = x[idx[k - 1]] <= x[idx[k]];
    if (!sorted) {
      if (hi - lo <= 16) insertionSortRun(x, idx, lo, hi);
      else idx.subarray(lo, hi).sort((a, b) => byValueAndRow(x, a, b));
    }
    lo = hi;
  }
}

// Insertion sort of the short run idx[lo..hi) by value and row.
function insertionSortRun(x: Float64Array, idx: Uint32Array, lo: number, hi: number): void {
  for (let k = lo + 1; k < hi; k++) {
    const v = idx[k];
    let j = k - 1;
    while (j >= lo && byValueAndRow(x, idx[j], v) > 0) {
      idx[j + 1] = idx[j];
      j--;
    }
    idx[j + 1] = v;
  }
}

// Columns with few distinct values (a level, a rating, a monthly index) are sorted by counting: each
// row's value given a slot in a table of the distinct values (the last value looked up is kept, as
// stacked rows come in runs of one cohort's values), then one stable pass that places each slot's
// rows at its value's start. Null once the column shows more than FEW_VALUES distinct values, which
// a continuous column does within its first few thousand rows, or a NaN (no order by counting).
const FEW_VALUES = 4096;
// The table of distinct values: open addressing on the doubles' bits, at most half full, so a lookup
// is a multiply and a probe or two where a Map<number, number> hashes a boxed number.
const TABLE_BITS = 13;

function fewValuesOrder(x: Float64Array): Uint32Array | null {
  const n = x.length;
  const slots = valueSlots(x);
  if (slots === null) return null;
  const { slotOf, values, count } = slots;
  const start = slotStarts(values, count);
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[start[slotOf[i]]++] = i;
  return idx;
}

interface ValueSlots {
  /** Each row's slot (slots in order of first appearance; FEW_VALUES fits in 16 bits). */
  slotOf: Uint16Array;
  /** Each slot's value (+0 for ±0) and its number of rows. */
  values: Float64Array;
  count: Uint32Array;
}

/**
 * Slots of the distinct values of x, keyed on their bits with −0 read as 0 (the two compare equal, as
 * in a Map), or null at the first NaN or at distinct value FEW_VALUES + 1.
 */
function valueSlots(x: Float64Array): ValueSlots | null {
  const n = x.length;
  const bits = new Uint32Array(x.buffer, x.byteOffset, 2 * n);
  const table = new Int32Array(1 << TABLE_BITS).fill(-1);
  const mask = (1 << TABLE_BITS) - 1;
  const values = new Float64Array(FEW_VALUES);
  const count = new Uint32Array(FEW_VALUES);
  const slotOf = new Uint16Array(n);
  let size = 0;
  let last = NaN;
  let lastSlot = 0;
  // Rows are counted a run of one value at a time, when the run ends.
  let runStart = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v !== last) {
      if (v !== v) return null;
      count[lastSlot] += i - runStart;
      runStart = i;
      // ±0 take the key of +0.
      const lo = v === 0 ? 0 : bits[2 * i];
      const hi = v === 0 ? 0 : bits[2 * i + 1];
      let h = Math.imul(hi ^ Math.imul(lo, 0x85ebca6b), 0x9e3779b1) >>> (32 - TABLE_BITS);
      let s = table[h];
      // Neither is NaN, so === is the Map's equality (−0 equals 0, as their shared key says).
      while (s >= 0 && values[s] !== v) {
        h = (h + 1) & mask;
        s = table[h];
      }
      if (s < 0) {
        if (size === FEW_VALUES) return null;
        s = size++;
        table[h] = s;
        values[s] = v + 0;
      }
      last = v;
      lastSlot = s;
    }
    slotOf[i] = lastSlot;
  }
  count[lastSlot] += n - runStart;
  return { slotOf, values: values.subarray(0, size), count };
}

// Where each slot's rows start in the sorted order: the counts of the slots taken in order of value.
function slotStarts(values: Float64Array, count: Uint32Array): Uint32Array {
  const bySlot = Array.from(values.keys()).sort((a, b) => values[a] - values[b]);
  const start = new Uint32Array(values.length);
  let at = 0;
  for (const s of bySlot) {
    start[s] = at;
    at += count[s];
  }
  return start;
}

function ecdfMaxSorted(x: Float64Array, treat: Float64Array, side: SideTotals, order: Uint32Array): number {
  const { w, ecdfT: wt, ecdfC: wc } = side;
  let ft = 0, fc = 0, best = 0;
  let last = -1;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    const wi = w ? w[i] : 1;
    if (wi <= 0) continue;
    // Close the step of the previous distinct value before adding this one.
    if (last >= 0 && x[i] !== x[last]) best = Math.max(best, Math.abs(ft - fc));
    if (treat[i] === 1) ft += wi / wt;
    else fc += wi / wc;
    last = i;
  }
  return Math.max(best, Math.abs(ft - fc));
}

function isBinary(x: Float64Array): boolean {
  for (let i = 0; i < x.length; i++) if (x[i] !== 0 && x[i] !== 1) return false;
  return true;
}

/** Sorted levels and each row's level code (−1 for missing), from a cache when the codes still match the column. */
function levelCodes(v: readonly (string | null)[]): { levels: string[]; codes: Int32Array } {
  const cached = CODES.get(v);
  if (cached && cached.codes.length === v.length) {
    const { levels, codes } = cached;
    let same = true;
    for (let i = 0; i < v.length && same; i++) same = codes[i] < 0 ? v[i] === null : v[i] === levels[codes[i]];
    if (same) return cached;
  }
  const known = knownLevelCodes(v);
  if (known) {
    const out = { levels: known.levels, codes: known.index };
    CODES.set(v, out);
    return out;
  }
  const levels = factorLevels(v);
  const code = new Map(levels.map((level, j) => [level, j]));
  const codes = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) codes[i] = v[i] === null ? -1 : code.get(v[i] as string)!;
  const out = { levels, codes };
  CODES.set(v, out);
  return out;
}

/**
 * Means of a text column's level indicators among the treated and the controls, without building the
 * indicator columns: each level's weight is summed in row order, as the indicator's weighted sum would be.
 */
function levelMeans(codes: Int32Array, nLevels: number, treat: Float64Array, side: SideTotals): { treated: Float64Array; control: Float64Array } {
  const { t, wT, c, wC } = sideRows(treat, side);
  const sT = new Float64Array(nLevels);
  const sC = new Float64Array(nLevels);
  for (let k = 0; k < t.length; k++) {
    const j = codes[t[k]];
    if (j >= 0) sT[j] += wT[k];
  }
  for (let k = 0; k < c.length; k++) {
    const j = codes[c[k]];
    if (j >= 0) sC[j] += wC[k];
  }
  for (let j = 0; j < nLevels; j++) {
    sT[j] /= side.swT;
    sC[j] /= side.swC;
  }
  return { treated: sT, control: sC };
}

/**
 * Balance table before and after matching or weighting, as MatchIt's
 * `summary()` for the ATT: standardised mean differences over the treated
 * group's SD before adjustment (√(p(1−p)) for binary covariates), variance
 * ratios for continuous covariates, and the maximum eCDF distance. Text
 * covariates are shown level by level. `before` are the sample weights (or
 * none); `after` the matching or weighting weights (times sample weights).
 *
 * @example
 * const rows = balanceTable([{ name: 'age', values: age }], treat, { after: match.weights });
 * rows[0].smdAfter; // => 0.085 for LaLonde after 1:1 matching on the logit score
 */
export function balanceTable(
  covariates: NamedColumn[],
  treat: Float64Array,
  opts: { before?: Float64Array; after?: Float64Array } = {},
): BalanceRow[] {
  const before = sideTotals(treat, opts.before);
  const after = opts.after === undefined || opts.after === opts.before ? before : sideTotals(treat, opts.after);
  // Infinite or NaN weights make 0 × w a NaN that the indicator sums would miss: build the indicators then.
  const sparseLevels = [before, after].every((s) => Number.isFinite(s.swT) && Number.isFinite(s.swC));
  const out: BalanceRow[] = [];
  // What the before side of every numeric column depends on besides the column itself.
  const sideKey = [...fingerprint(treat), ...fingerprint(opts.before), opts.before ? 1 : 0];
  for (const c of covariates) {
    if (c.values instanceof Float64Array) {
      out.push(numericRow(c.name, c.values, treat, before, after, sideKey));
      continue;
    }
    const { levels, codes } = levelCodes(c.values);
    if (!sparseLevels) {
      levels.forEach((level, j) => out.push(numericRow(c.name + level, Float64Array.from(codes, (k) => (k === j ? 1 : 0)), treat, before, after, sideKey)));
      continue;
    }
    const m0 = levelMeans(codes, levels.length, treat, before);
    const m1 = after === before ? m0 : levelMeans(codes, levels.length, treat, after);
    levels.forEach((level, j) => out.push(binaryRow(c.name + level, m0.treated[j], m0.control[j], m1.treated[j], m1.control[j])));
  }
  return out;
}

// For a 0/1 covariate the SD is √(p(1−p)) of the treated before adjustment, there is no variance
// ratio, and the eCDFs differ only at 0, by the difference in shares.
function binaryRow(name: string, t0: number, c0: number, t1: number, c1: number): BalanceRow {
  const sd = Math.sqrt(t0 * (1 - t0));
  return {
    name,
    binary: true,
    meanTreated: t1,
    meanControlBefore: c0,
    meanControlAfter: c1,
    smdBefore: smd(t0, c0, sd),
    smdAfter: smd(t1, c1, sd),
    varianceRatioBefore: NaN,
    varianceRatioAfter: NaN,
    ecdfMaxBefore: Math.abs(t0 - c0),
    ecdfMaxAfter: Math.abs(t1 - c1),
  };
}

function smd(a: number, b: number, sd: number): number {
  return sd > 0 ? (a - b) / sd : a === b ? 0 : NaN;
}

// The before-adjustment side of a numeric column's row, kept per column with fingerprints of the column,
// the treatment and the sample weights it was computed from: matching and weighting on one input report
// the same "before", and a fingerprint (one pass over the bits) costs far less than the statistics and the
// eCDF's pass in sorted order. A column, treatment or weights changed in place changes its fingerprint.
interface BeforeSide {
  key: number[];
  binary: boolean;
  t0: Stats;
  c0: Stats;
  ecdf: number;
}
const BEFORE = new WeakMap<Float64Array, BeforeSide>();

/** Two 32-bit hashes of an array's bits (see wordsHash), as a pair. */
function fingerprint(a: Float64Array | undefined): [number, number] {
  if (a === undefined) return [0, 0];
  return wordsHash(new Uint32Array(a.buffer, a.byteOffset, a.length * 2), 0, a.length * 2, a.length);
}

function beforeSide(values: Float64Array, treat: Float64Array, before: SideTotals, sideKey: number[]): BeforeSide {
  const own = fingerprint(values);
  const key = [...sideKey, ...own];
  const known = BEFORE.get(values);
  if (known !== undefined && known.key.every((h, k) => h === key[k])) return known;
  const binary = isBinary(values);
  const [t0, c0] = weightedStats(values, treat, before, binary);
  const ecdf = binary ? NaN : ecdfMax(values, treat, before, sortedColumn(values, own));
  const side = { key, binary, t0, c0, ecdf };
  BEFORE.set(values, side);
  return side;
}

function numericRow(name: string, values: Float64Array, treat: Float64Array, before: SideTotals, after: SideTotals, sideKey: number[]): BalanceRow {
  const { binary, t0, c0, ecdf: ecdfMaxBefore, key } = beforeSide(values, treat, before, sideKey);
  const [t1, c1] = after === before ? [t0, c0] : weightedStats(values, treat, after, binary);
  if (binary) return binaryRow(name, t0.mean, c0.mean, t1.mean, c1.mean);
  const sd = Math.sqrt(t0.variance);
  return {
    name,
    binary,
    meanTreated: t1.mean,
    meanControlBefore: c0.mean,
    meanControlAfter: c1.mean,
    smdBefore: smd(t0.mean, c0.mean, sd),
    smdAfter: smd(t1.mean, c1.mean, sd),
    varianceRatioBefore: t0.variance / c0.variance,
    varianceRatioAfter: t1.variance / c1.variance,
    ecdfMaxBefore,
    // The column's fingerprint beforeSide has just checked (the last two of its key).
    ecdfMaxAfter: after === before ? ecdfMaxBefore : ecdfMax(values, treat, after, sortedColumn(values, [key[key.length - 2], key[key.length - 1]])),
  };
}

/**
 * Plain-words warnings for covariates still out of balance after adjustment
 * (|SMD| ≥ 0.1, or a variance ratio outside [0.5, 2]). No p-values: balance
 * is a property of the sample, not a hypothesis.
 *
 * @example
 * balanceWarnings(rows); // => ['`re74` is still unbalanced after adjustment (standardised difference -0.21; aim for under 0.1)']
 */
export function balanceWarnings(rows: BalanceRow[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    if (Math.abs(r.smdAfter) >= BALANCE_THRESHOLDS.smd) {
      out.push(`\`${r.name}\` is still unbalanced after adjustment (standardised difference ${r.smdAfter.toFixed(2)}; aim for under ${BALANCE_THRESHOLDS.smd})`);
    } else if (!r.binary && (r.varianceRatioAfter < BALANCE_THRESHOLDS.varianceRatioLow || r.varianceRatioAfter > BALANCE_THRESHOLDS.varianceRatioHigh)) {
      out.push(`\`${r.name}\` has a different spread in the two groups after adjustment (variance ratio ${r.varianceRatioAfter.toFixed(2)}; aim for 0.5 to 2)`);
    }
  }
  return out;
}
