import type { Estimate } from '../core/estimate';
import { EstimationError } from '../core/errors';
import { createRng } from '../stats/rng';
import type { VcovType } from '../stats/vcov';
import { balanceTable, balanceWarnings, stableOrder } from './balance';
import {
  checkCrossSectionInput,
  effectiveSampleSize,
  makeEstimate,
  subsetInput,
  vcovLabel,
  type CommonOptions,
  type CrossSectionInput,
} from './cross-section-input';
import { fitPropensity, scoreOverlap } from './propensity';
import { covariateDesign, treatmentCoefficient } from './regression';
import { gather } from '../stats/arrays';

/** Options of nearest-neighbour matching; the defaults are MatchIt's. */
export interface MatchOptions {
  /** Controls per treated unit (k). Default 1. */
  ratio?: number;
  /** Whether a control may serve several treated units. Default false. */
  replace?: boolean;
  /** Caliper in standard deviations of `distance` (over all units); matches further apart are refused. */
  caliper?: number;
  /** Labels that must agree within a match (exact matching), one per unit. */
  exact?: readonly (string | number)[];
  /** Order in which treated units pick: largest distance first (MatchIt's default for a score), smallest, data order, or random. */
  order?: 'largest' | 'smallest' | 'data' | 'random';
  /** Seed for `order: 'random'`. */
  seed?: number;
  /**
   * Reproduce MatchIt 4.5.1 exactly, including its bug: its C++ matcher
   * measures |distance difference| with the integer `abs()`, so every gap
   * under 1 counts as 0 (the lower-score neighbour always wins and a caliper
   * below 1 only refuses gaps of 1 or more), and with replacement and
   * ratio > 1 it gives a treated unit the same control k times. Off by default: the default
   * takes the truly nearest control.
   */
  matchitCompat?: boolean;
}

/** A match: who was paired with whom, and the weights MatchIt would give. */
export interface MatchResult {
  /** ATT matching weights: 1 for matched treated, Σ 1/k over the treated a control serves (rescaled to sum to the number of matched controls); 0 if unmatched. */
  weights: Float64Array;
  /** Matched-set id per unit (the treated unit's set), −1 when unmatched or when matching with replacement. */
  subclass: Int32Array;
  /** The distance matched on. */
  distance: Float64Array;
  /** Row indices of the treated units, in data order. */
  treated: Int32Array;
  /** pairs[t * ratio + r] is the r-th control matched to treated[t], or −1. */
  pairs: Int32Array;
  ratio: number;
  /** Caliper in distance units, or Infinity. */
  caliperWidth: number;
  /** Treated units left without any match (outside the caliper or out of controls). */
  unmatchedTreated: number;
  /** Controls never used. */
  unusedControls: number;
  nMatchedTreated: number;
  nMatchedControls: number;
}

function sampleSd(x: Float64Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m += x[i];
  m /= x.length;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - m) * (x[i] - m);
  return Math.sqrt(s / (x.length - 1));
}

/** The next available position ≥ i in a "skip list" kept as a path-compressed union–find; `size` means none. */
function findNext(next: Int32Array, i: number): number {
  let r = i;
  while (next[r] !== r) r = next[r];
  while (next[i] !== r) {
    const t = next[i];
    next[i] = r;
    i = t;
  }
  return r;
}

/**
 * Nearest-neighbour matching on a scalar distance (e.g. the logit of a
 * propensity score), as MatchIt's `method = "nearest"`: treated units in
 * `order` each take the closest available control (ties as MatchIt breaks
 * them: units sorted by distance then row, the lower neighbour first), `ratio` controls each in successive rounds, optionally with
 * replacement, within a caliper of `caliper` SDs of the distance, and within
 * cells of `exact` labels. Controls are kept sorted by distance, so each
 * search is a binary search plus skips over used controls: O(n log n) overall.
 *
 * @example
 * const m = matchNearest(Float64Array.from([0.9, 0.2, 0.85, 0.1, 0.3]), Float64Array.from([1, 1, 0, 0, 0]));
 * Array.from(m.pairs); // => [2, 4]   (treated 0 takes control 2, treated 1 takes control 4)
 */
export function matchNearest(distance: Float64Array, treat: Float64Array, opts: MatchOptions = {}): MatchResult {
  const n = distance.length;
  if (treat.length !== n) throw new RangeError(`matchNearest: \`treat\` has ${treat.length} rows, \`distance\` has ${n}`);
  const ratio = opts.ratio ?? 1;
  if (!Number.isInteger(ratio) || ratio < 1) throw new RangeError(`matchNearest: \`ratio\` must be an integer >= 1, got ${ratio}`);
  if (opts.caliper !== undefined && !(opts.caliper > 0)) throw new RangeError(`matchNearest: \`caliper\` must be > 0, got ${opts.caliper}`);
  if (opts.exact && opts.exact.length !== n) throw new RangeError(`matchNearest: \`exact\` has ${opts.exact.length} labels, expected ${n}`);
  const order = opts.order ?? 'largest';
  if (!['largest', 'smallest', 'data', 'random'].includes(order)) {
    throw new RangeError(`matchNearest: \`order\` must be one of largest, smallest, data, random, got ${JSON.stringify(order)}`);
  }
  checkDistanceAndTreat(distance, treat);
  const replace = opts.replace ?? false;
  // MatchIt 4.5.1 compares distances after C's integer abs(), i.e. truncated to whole units; `matchitCompat` copies that.
  const compat = Boolean(opts.matchitCompat);
  const caliperWidth = opts.caliper === undefined ? Infinity : opts.caliper * sampleSd(distance);

  // Cells of exact matching; one cell when there is none.
  const cellOf = new Int32Array(n);
  const nCells = opts.exact ? exactCells(opts.exact, cellOf) : 1;
  // Controls sorted by (cell, distance, row): each cell is one contiguous run.
  const { treatedList, controls } = splitByTreatment(treat);
  if (treatedList.length === 0) throw new EstimationError('matchNearest: there are no treated units');
  if (controls.length === 0) throw new EstimationError('matchNearest: there are no control units');
  const nc = controls.length;
  const sortedRow = sortControls(distance, controls, cellOf, nCells);
  const sortedDist = gather(distance, sortedRow);
  const cellStart = cellStarts(sortedRow, cellOf, nCells);
  // Skip structures over sorted positions: nextFree[k] = first available ≥ k, prevFree (mirrored) = last available ≤ k.
  const nextFree = Int32Array.from({ length: nc + 1 }, (_, k) => k);
  const prevFree = Int32Array.from({ length: nc + 1 }, (_, k) => k); // index shifted by one: position k ↔ k + 1, 0 = none

  const treatedOrder = treatedOrderOf(treatedList, distance, order, opts.seed);
  const nt = treatedList.length;
  const slotOf = new Int32Array(n).fill(-1);
  treatedList.forEach((row, t) => (slotOf[row] = t));
  const pairs = new Int32Array(nt * ratio).fill(-1);
  const sorted: SortedControls = { sortedDist, sortedRow, cellStart };
  if (!replace) {
    for (let round = 0; round < ratio; round++) matchRound(round, ratio, treatedOrder, slotOf, cellOf, distance, sorted, nextFree, prevFree, caliperWidth, compat, pairs);
  } else {
    matchWithReplacement(ratio, treatedOrder, slotOf, cellOf, distance, sorted, caliperWidth, compat, pairs);
  }
  return matchWeights(distance, treat, Int32Array.from(treatedList), pairs, ratio, replace, caliperWidth);
}

// The treated rows in the order they pick: by distance (largest: by its negative), ties in row order; in
// data order; or shuffled (Fisher–Yates from the end) by a generator seeded with `seed` (default 0).
function treatedOrderOf(treatedList: number[], distance: Float64Array, order: NonNullable<MatchOptions['order']>, seed: number | undefined): Int32Array {
  const treatedOrder = Int32Array.from(treatedList);
  if (order === 'largest' || order === 'smallest') {
    const sign = order === 'largest' ? -1 : 1;
    const key = Float64Array.from(treatedOrder, (row) => sign * distance[row]);
    const byKey = stableOrder(key);
    for (let k = 0; k < byKey.length; k++) treatedOrder[k] = treatedList[byKey[k]];
  } else if (order === 'random') {
    const rng = createRng(seed ?? 0);
    for (let k = treatedOrder.length - 1; k > 0; k--) {
      const j = rng.int(k + 1);
      const t = treatedOrder[k];
      treatedOrder[k] = treatedOrder[j];
      treatedOrder[j] = t;
    }
  }
  return treatedOrder;
}

// Each distance finite and each treatment 0 or 1, or a RangeError naming the first row that is not.
function checkDistanceAndTreat(distance: Float64Array, treat: Float64Array): void {
  for (let i = 0; i < distance.length; i++) {
    if (!Number.isFinite(distance[i])) throw new RangeError(`matchNearest: \`distance\` is not finite at row index ${i}`);
    if (treat[i] !== 0 && treat[i] !== 1) throw new RangeError(`matchNearest: \`treat\` must be 0 or 1, got ${treat[i]} at row index ${i}`);
  }
}

// |x|, or with `compat` MatchIt 4.5.1's integer abs(): |x| truncated to whole units.
function gap(x: number, compat: boolean): number {
  return compat ? Math.trunc(Math.abs(x)) : Math.abs(x);
}

// cellOf[i] ← the cell of exact label exact[i], cells numbered by first appearance; returns the number of cells.
function exactCells(exact: readonly (string | number)[], cellOf: Int32Array): number {
  const ids = new Map<string | number, number>();
  for (let i = 0; i < cellOf.length; i++) {
    const key = exact[i];
    let c = ids.get(key);
    if (c === undefined) ids.set(key, (c = ids.size));
    cellOf[i] = c;
  }
  return ids.size;
}

// The treated rows and the control rows, each in row order.
function splitByTreatment(treat: Float64Array): { treatedList: number[]; controls: number[] } {
  const controls: number[] = [];
  const treatedList: number[] = [];
  for (let i = 0; i < treat.length; i++) (treat[i] === 1 ? treatedList : controls).push(i);
  return { treatedList, controls };
}

// The control rows sorted by (cell, distance, row): a stable sort by distance of the controls in row
// order, then (with several cells) a stable counting sort by cell.
function sortControls(distance: Float64Array, controls: number[], cellOf: Int32Array, nCells: number): Int32Array {
  const nc = controls.length;
  const controlDist = new Float64Array(nc);
  for (let k = 0; k < nc; k++) controlDist[k] = distance[controls[k]];
  const byDistance = stableOrder(controlDist);
  const sortedRow = new Int32Array(nc);
  if (nCells === 1) for (let k = 0; k < nc; k++) sortedRow[k] = controls[byDistance[k]];
  else {
    const next = new Int32Array(nCells + 1);
    for (let k = 0; k < nc; k++) next[cellOf[controls[k]] + 1]++;
    for (let c = 0; c < nCells; c++) next[c + 1] += next[c];
    for (let k = 0; k < nc; k++) {
      const row = controls[byDistance[k]];
      sortedRow[next[cellOf[row]]++] = row;
    }
  }
  return sortedRow;
}

// Where each cell's run of sorted controls starts (entry nCells: the end); an empty cell starts where the next one does.
function cellStarts(sortedRow: Int32Array, cellOf: Int32Array, nCells: number): Int32Array {
  const nc = sortedRow.length;
  const cellStart = new Int32Array(nCells + 1).fill(nc);
  for (let k = nc - 1; k >= 0; k--) cellStart[cellOf[sortedRow[k]]] = k;
  for (let c = nCells - 1; c >= 0; c--) if (cellStart[c] > cellStart[c + 1]) cellStart[c] = cellStart[c + 1];
  return cellStart;
}

/** The controls sorted by (cell, distance, row): their distances, their rows and each cell's first position. */
interface SortedControls {
  sortedDist: Float64Array;
  sortedRow: Int32Array;
  cellStart: Int32Array;
}

// Where a treated unit sits among the sorted controls lo..hi−1, ordering by (distance, row) as MatchIt sorts all units together.
function lowerBound(sortedDist: Float64Array, sortedRow: Int32Array, lo: number, hi: number, v: number, row: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sortedDist[mid] < v || (sortedDist[mid] === v && sortedRow[mid] < row)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// One round of matching without replacement: each treated unit in order (that found a control in every
// round before) takes the nearest free control of its cell within the caliper, pairs[t·ratio + round].
function matchRound(
  round: number,
  ratio: number,
  treatedOrder: Int32Array,
  slotOf: Int32Array,
  cellOf: Int32Array,
  distance: Float64Array,
  sorted: SortedControls,
  nextFree: Int32Array,
  prevFree: Int32Array,
  caliperWidth: number,
  compat: boolean,
  pairs: Int32Array,
): void {
  const { sortedDist, sortedRow, cellStart } = sorted;
  for (let o = 0; o < treatedOrder.length; o++) {
    const row = treatedOrder[o];
    const t = slotOf[row];
    if (round > 0 && pairs[t * ratio + round - 1] < 0) continue;
    const c = cellOf[row];
    const lo = cellStart[c];
    const hi = cellStart[c + 1];
    if (lo >= hi) continue;
    const d = distance[row];
    const pos = lowerBound(sortedDist, sortedRow, lo, hi, d, row);
    let right = pos < hi ? findNext(nextFree, pos) : hi;
    if (right >= hi) right = -1;
    let left = pos > lo ? findNext(prevFree, pos) - 1 : -1; // prevFree works on shifted positions
    if (left < lo) left = -1;
    // The nearest free control on each side in (distance, row) order; on a tie the left one wins, as in MatchIt.
    let best = -1;
    if (left >= 0 && gap(d - sortedDist[left], compat) > caliperWidth) left = -1;
    if (right >= 0 && gap(sortedDist[right] - d, compat) > caliperWidth) right = -1;
    if (left >= 0 && right >= 0) best = gap(d - sortedDist[left], compat) <= gap(sortedDist[right] - d, compat) ? left : right;
    else best = left >= 0 ? left : right;
    if (best < 0) continue;
    pairs[t * ratio + round] = sortedRow[best];
    // The control is taken: the skip lists jump over it.
    nextFree[best] = best + 1;
    prevFree[best + 1] = best;
  }
}

// Matching with replacement: each treated unit takes its `ratio` nearest controls of its cell within the
// caliper, spreading out from its place among them (on a tie the lower neighbour first).
function matchWithReplacement(
  ratio: number,
  treatedOrder: Int32Array,
  slotOf: Int32Array,
  cellOf: Int32Array,
  distance: Float64Array,
  sorted: SortedControls,
  caliperWidth: number,
  compat: boolean,
  pairs: Int32Array,
): void {
  const { sortedDist, sortedRow, cellStart } = sorted;
  for (let o = 0; o < treatedOrder.length; o++) {
    const row = treatedOrder[o];
    const t = slotOf[row];
    const c = cellOf[row];
    const lo = cellStart[c];
    const hi = cellStart[c + 1];
    const d = distance[row];
    const pos = lowerBound(sortedDist, sortedRow, lo, hi, d, row);
    let l = pos - 1;
    let r = pos;
    for (let k = 0; k < ratio; k++) {
      const okLeft = l >= lo && gap(d - sortedDist[l], compat) <= caliperWidth;
      const okRight = r < hi && gap(sortedDist[r] - d, compat) <= caliperWidth;
      let pick = -1;
      if (okLeft && okRight) pick = gap(d - sortedDist[l], compat) <= gap(sortedDist[r] - d, compat) ? l : r;
      else if (okLeft) pick = l;
      else if (okRight) pick = r;
      if (pick < 0) break;
      pairs[t * ratio + k] = sortedRow[pick];
      if (compat) {
        // MatchIt 4.5.1 fails to exclude a treated unit's own earlier matches (it compares 0- and 1-based ids), so it reuses the first one.
        for (let k2 = k + 1; k2 < ratio; k2++) pairs[t * ratio + k2] = sortedRow[pick];
        break;
      }
      if (pick === l) l--;
      else r++;
    }
  }
}

// MatchIt's ATT weights: each control gets Σ 1/k_t over the treated it serves, then controls are rescaled
// so that their weights sum to the number of distinct matched controls.
function matchWeights(
  distance: Float64Array,
  treat: Float64Array,
  treated: Int32Array,
  pairs: Int32Array,
  ratio: number,
  replace: boolean,
  caliperWidth: number,
): MatchResult {
  const n = distance.length;
  const weights = new Float64Array(n);
  const subclass = new Int32Array(n).fill(-1);
  const nMatchedTreated = pairWeights(treated, pairs, ratio, replace, weights, subclass);
  const { nControls, nMatchedControls } = rescaleControls(treat, weights);
  return {
    weights,
    subclass,
    distance,
    treated,
    pairs,
    ratio,
    caliperWidth,
    unmatchedTreated: treated.length - nMatchedTreated,
    unusedControls: nControls - nMatchedControls,
    nMatchedTreated,
    nMatchedControls,
  };
}

// weights ← 1 for each matched treated unit and Σ 1/k over the treated a control serves (k: that treated
// unit's matches); subclass ← the matched set's number (without replacement). Returns the matched treated.
function pairWeights(treated: Int32Array, pairs: Int32Array, ratio: number, replace: boolean, weights: Float64Array, subclass: Int32Array): number {
  let nMatchedTreated = 0;
  let sub = 0;
  for (let t = 0; t < treated.length; t++) {
    let k = 0;
    for (let r = 0; r < ratio; r++) if (pairs[t * ratio + r] >= 0) k++;
    if (k === 0) continue;
    nMatchedTreated++;
    weights[treated[t]] = 1;
    if (!replace) subclass[treated[t]] = sub;
    for (let r = 0; r < ratio; r++) {
      const c = pairs[t * ratio + r];
      if (c < 0) continue;
      weights[c] += 1 / k;
      if (!replace) subclass[c] = sub;
    }
    sub++;
  }
  return nMatchedTreated;
}

// Scales the matched controls' weights to sum to their number; returns the controls and the matched ones.
function rescaleControls(treat: Float64Array, weights: Float64Array): { nControls: number; nMatchedControls: number } {
  const n = weights.length;
  let sumC = 0;
  let nMatchedControls = 0;
  let nControls = 0;
  for (let i = 0; i < n; i++) {
    if (treat[i] === 1) continue;
    nControls++;
    if (weights[i] > 0) {
      sumC += weights[i];
      nMatchedControls++;
    }
  }
  if (sumC > 0) for (let i = 0; i < n; i++) if (treat[i] === 0 && weights[i] > 0) weights[i] *= nMatchedControls / sumC;
  return { nControls, nMatchedControls };
}

/** Options of the matching estimator. */
export interface PsmOptions extends Omit<MatchOptions, 'exact'> {
  /** Covariate names to match exactly on. */
  exact?: string[];
  /** Add the covariates to the outcome regression on the matched data (doubly robust in spirit, as MatchIt's guide advises). */
  adjust?: boolean;
  /** Match on the logit of the score (default; the scale calipers are defined on) or on the probability (MatchIt's default distance). */
  distance?: 'logit' | 'probability';
  vcov?: CommonOptions['vcov'];
  dropMissing?: boolean;
}

/**
 * Propensity-score matching estimate of the ATT, MatchIt style: a logistic
 * score, nearest-neighbour matching (`matchNearest`), then a weighted
 * regression of the outcome on treatment (plus the covariates with `adjust`)
 * on the matched data, with standard errors clustered by matched set (or by
 * `input.cluster` when given; HC1 with replacement).
 *
 * @example
 * psmNearest(lalondeInput).estimate;                      // => 770.39 (370 matched units)
 * psmNearest(lalondeInput, { caliper: 0.2 }).estimate;    // => 1388.46 (262 matched units)
 */
export function psmNearest(input: CrossSectionInput, opts: PsmOptions = {}): Estimate {
  const { input: data, dropped } = checkCrossSectionInput('psmNearest', input, opts);
  if (data.covariates.length === 0) throw new RangeError('psmNearest: needs covariates for the propensity score');
  const ps = fitPropensity(data.treat, data.covariates, { weights: data.weights });
  const scale = opts.distance ?? 'logit';
  if (scale !== 'logit' && scale !== 'probability') throw new RangeError(`psmNearest: \`distance\` must be logit or probability, got ${JSON.stringify(scale)}`);
  const distance = scale === 'logit' ? ps.logit : ps.score;
  let exact: string[] | undefined;
  if (opts.exact && opts.exact.length > 0) {
    const cols = opts.exact.map((name) => {
      const c = data.covariates.find((cv) => cv.name === name);
      if (!c) throw new RangeError(`psmNearest: \`exact\` names \`${name}\`, which is not a covariate; the covariates are ${data.covariates.map((cv) => cv.name).join(', ')}`);
      return c.values;
    });
    exact = Array.from({ length: data.y.length }, (_, i) => cols.map((v) => String(v[i])).join('\u0000'));
  }
  const match = matchNearest(distance, data.treat, { ...opts, exact });
  if (match.nMatchedTreated === 0) {
    throw new EstimationError(
      `psmNearest: no treated unit found a control within the caliper (${opts.caliper} SD = ${match.caliperWidth.toPrecision(4)} on the ${scale} score): no overlap; widen the caliper or drop covariates`,
    );
  }
  const keep = positiveRows(match.weights);
  const matched = subsetInput(data, keep);
  const w = Float64Array.from(keep, (i) => match.weights[i] * (data.weights ? data.weights[i] : 1));
  let vcov: VcovType;
  if (data.cluster) vcov = { cluster: matched.cluster! };
  else if (opts.replace) vcov = opts.vcov ?? 'HC1';
  else vcov = { cluster: Int32Array.from(keep, (i) => match.subclass[i]) };
  const r = treatmentCoefficient(matched.y, matched.treat, opts.adjust ? covariateDesign(matched) : null, w, vcov);
  const balance = balanceTable(data.covariates, data.treat, { before: data.weights, after: w.length === data.y.length ? w : expandWeights(keep, w, data.y.length) });
  const overlap = scoreOverlap(ps.score, data.treat);
  const warnings = [...overlap.warnings, ...balanceWarnings(balance)];
  if (opts.vcov && !opts.replace && !data.cluster) {
    warnings.push(`\`vcov: ${opts.vcov}\` was ignored: without replacement the errors cluster by matched set, as MatchIt's guide does`);
  }
  if (match.unmatchedTreated > 0) {
    warnings.unshift(
      `${match.unmatchedTreated} treated units found no control ${Number.isFinite(match.caliperWidth) ? 'within the caliper' : 'left'} and are left out: the estimate is for the ${match.nMatchedTreated} matched treated units only`,
    );
  }
  return makeEstimate('psm_nearest', r.estimate, r.se, r.dfResidual, match.nMatchedTreated, match.nMatchedControls, {
    vcov: data.cluster ? 'cluster (HC1 factor) on the given cluster' : opts.replace ? vcovLabel(vcov) : 'cluster (HC1 factor) by matched set',
    distance: scale,
    ratio: match.ratio,
    replace: Boolean(opts.replace),
    caliper: opts.caliper ?? null,
    caliperWidth: Number.isFinite(match.caliperWidth) ? match.caliperWidth : null,
    adjust: Boolean(opts.adjust),
    nMatched: keep.length,
    unmatchedTreated: match.unmatchedTreated,
    unusedControls: match.unusedControls,
    effectiveControls: effectiveSampleSize(w, (k) => matched.treat[k] === 0),
    overlap,
    balance,
    droppedMissing: dropped,
    warnings,
  });
}

// The rows with a positive weight, in order.
function positiveRows(weights: Float64Array): Int32Array {
  const rows: number[] = [];
  for (let i = 0; i < weights.length; i++) if (weights[i] > 0) rows.push(i);
  return Int32Array.from(rows);
}

function expandWeights(rows: Int32Array, w: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n);
  rows.forEach((i, k) => (out[i] = w[k]));
  return out;
}
