import type { Estimate } from '../core/estimate';
import { createRng, type Rng } from '../stats/rng';
import { subsetInput, type CrossSectionInput } from './cross-section-input';
import type { FastRefit } from './refit';

/** The cross-sectional input the refuters perturb: stream B's estimator input. */
export type RefuteInput = CrossSectionInput;

/** An estimator as the refuters call it. */
export type RefuteEstimator = (input: RefuteInput) => Estimate;

/** A refuter's verdict with its numbers and a reading in words. */
export interface RefutationResult {
  refuter: 'random_common_cause' | 'data_subset' | 'placebo_outcome' | 'placebo_dates';
  passed: boolean;
  method: string;
  /** The original estimate and its SE. */
  original: number;
  originalSe: number;
  /** The refuted estimate (mean over repetitions where there are several). */
  refuted: number;
  /** Each repetition's estimate. */
  values: number[];
  /** Repetitions where the estimator could not proceed. */
  failures: number;
  reading: string;
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : Number(x.toPrecision(3)).toString();
}

function checkInput(fn: string, input: RefuteInput): number {
  const n = input.y.length;
  if (!(input.y instanceof Float64Array) || !(input.treat instanceof Float64Array)) throw new TypeError(`${fn}: \`input.y\` and \`input.treat\` must be Float64Array`);
  if (input.treat.length !== n) throw new RangeError(`${fn}: \`input.treat\` has ${input.treat.length} rows, \`input.y\` has ${n}`);
  for (const c of input.covariates) {
    if (c.values.length !== n) throw new RangeError(`${fn}: covariate \`${c.name}\` has ${c.values.length} rows, \`input.y\` has ${n}`);
  }
  if (input.weights && input.weights.length !== n) throw new RangeError(`${fn}: \`input.weights\` has ${input.weights.length} rows, \`input.y\` has ${n}`);
  if (input.cluster && input.cluster.length !== n) throw new RangeError(`${fn}: \`input.cluster\` has ${input.cluster.length} rows, \`input.y\` has ${n}`);
  return n;
}

function checkSe(fn: string, e: Estimate): void {
  if (!Number.isFinite(e.estimate) || !Number.isFinite(e.se) || e.se <= 0) {
    throw new RangeError(`${fn}: the original ${e.method} estimate needs a finite estimate and a positive SE, got ${e.estimate} (SE ${e.se})`);
  }
}

function tryEstimate(estimator: RefuteEstimator, input: RefuteInput): Estimate | undefined {
  try {
    const e = estimator(input);
    return Number.isFinite(e.estimate) ? e : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Random common cause: add an independent random covariate and estimate
 * again. A covariate unrelated to treatment and outcome should not move the
 * estimate; passing means the mean shift over repetitions is under 0.25 SE
 * and no single shift exceeds 1 SE. A failure points at an estimator that
 * reacts to noise (an unstable model or matching).
 *
 * `refit`, a cheap way to refit the same estimator (e.g. `regressionRefit`
 * for regression adjustment), is used where it can answer; the rest go
 * through `estimator`.
 *
 * @example
 * randomCommonCause(input, (x) => regressionAdjustment(x), { seed: 1 }).passed; // => true
 */
export function randomCommonCause(
  input: RefuteInput,
  estimator: RefuteEstimator,
  opts: { seed?: number; repetitions?: number; original?: Estimate; refit?: FastRefit | null } = {},
): RefutationResult {
  const n = checkInput('randomCommonCause', input);
  const reps = opts.repetitions ?? 5;
  if (!Number.isInteger(reps) || reps < 1) throw new RangeError(`randomCommonCause: \`repetitions\` must be an integer ≥ 1, got ${reps}`);
  const base = opts.original ?? estimator(input);
  checkSe('randomCommonCause', base);
  const rng = createRng(opts.seed ?? 1);
  const values: number[] = [];
  let failures = 0;
  // One column of draws, rewritten each repetition while the fast refit (which keeps nothing) answers;
  // after the ordinary estimator has seen it (its caches trust that arrays are not rewritten in place)
  // the next repetition draws into a new one.
  let noise = new Float64Array(n);
  for (let r = 0; r < reps; r++) {
    fillNormal(noise, rng);
    const fast = opts.refit?.withCovariate(noise);
    let e: number | undefined;
    if (fast !== undefined && Number.isFinite(fast)) e = fast;
    else {
      e = tryEstimate(estimator, { ...input, covariates: [...input.covariates, { name: 'random_common_cause', values: noise }] })?.estimate;
      noise = new Float64Array(n);
    }
    if (e !== undefined) values.push(e);
    else failures++;
  }
  const shifts = values.map((v) => (v - base.estimate) / base.se);
  const meanShift = shifts.reduce((a, b) => a + b, 0) / Math.max(1, shifts.length);
  const maxShift = Math.max(0, ...shifts.map(Math.abs));
  const refuted = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  const passed = values.length > reps / 2 && Math.abs(meanShift) < 0.25 && maxShift <= 1;
  const reading = passed
    ? `Passed: adding a random covariate moved the ${base.method} estimate from ${fmt(base.estimate)} to ${fmt(refuted)} on average (${fmt(Math.abs(meanShift))} SE; at most ${fmt(maxShift)} SE), as it should not matter.`
    : values.length <= reps / 2
      ? `Failed: the estimator could not run in ${failures} of ${reps} repetitions once a random covariate was added.`
      : `Failed: a random covariate that cannot matter moved the ${base.method} estimate from ${fmt(base.estimate)} to ${fmt(refuted)} on average (${fmt(Math.abs(meanShift))} SE; at most ${fmt(maxShift)} SE): the estimate reacts to noise in the model.`;
  return { refuter: 'random_common_cause', passed, method: base.method, original: base.estimate, originalSe: base.se, refuted, values, failures, reading };
}

/**
 * Data subset: estimate on random subsets (a `fraction` of rows, or of
 * clusters when the input has them) and compare with the full-data estimate.
 * Under the estimator's own SE a subset estimate should differ from the
 * full one by about SE·√((1 − f)/f); passing means the root-mean-square of
 * these standardised differences is at most 2 and at least 80 % of subset
 * estimates lie inside the original 95 % interval. It fails when a few rows
 * drive the estimate more than its SE admits. `refit`, as in
 * {@link randomCommonCause}, refits a subset without copying its rows.
 *
 * @example
 * dataSubset(input, (x) => aipw(x), { fraction: 0.8, repetitions: 20, seed: 3 }).reading;
 */
export function dataSubset(
  input: RefuteInput,
  estimator: RefuteEstimator,
  opts: { fraction?: number; repetitions?: number; seed?: number; original?: Estimate; refit?: FastRefit | null } = {},
): RefutationResult {
  const n = checkInput('dataSubset', input);
  const f = opts.fraction ?? 0.8;
  if (!(f > 0 && f < 1)) throw new RangeError(`dataSubset: \`fraction\` must be in (0, 1), got ${f}`);
  const reps = opts.repetitions ?? 20;
  if (!Number.isInteger(reps) || reps < 2) throw new RangeError(`dataSubset: \`repetitions\` must be an integer ≥ 2, got ${reps}`);
  const base = opts.original ?? estimator(input);
  checkSe('dataSubset', base);
  const rng = createRng(opts.seed ?? 1);

  // Sample whole clusters when the input is clustered, so that the subset keeps its dependence structure.
  let units: Int32Array;
  let unitOf: Int32Array;
  if (input.cluster) {
    const numbered = clusterUnits(input.cluster);
    unitOf = numbered.unitOf;
    units = new Int32Array(numbered.count);
  } else {
    unitOf = Int32Array.from({ length: n }, (_, i) => i);
    units = new Int32Array(n);
  }
  const nUnits = units.length;
  const take = Math.max(2, Math.floor(f * nUnits));
  const keep = new Uint8Array(nUnits);
  const keepRow = new Uint8Array(n);
  const values: number[] = [];
  let failures = 0;
  for (let r = 0; r < reps; r++) {
    drawUnits(units, take, rng);
    keptRowsOf(keep, units, take, unitOf, keepRow);
    let e = opts.refit?.onRows(keepRow);
    if (e === undefined || !Number.isFinite(e)) {
      // The kept rows are counted only here, where they are copied: a refit that answers counts its own.
      e = tryEstimate(estimator, subsetInput(input, rowList(keepRow)))?.estimate;
    }
    if (e !== undefined) values.push(e);
    else failures++;
  }
  const fEff = take / nUnits;
  const scale = base.se * Math.sqrt((1 - fEff) / fEff);
  const z = values.map((v) => (v - base.estimate) / scale);
  const rms = Math.sqrt(z.reduce((a, b) => a + b * b, 0) / Math.max(1, z.length));
  const inside = values.filter((v) => v >= base.ci[0] && v <= base.ci[1]).length / Math.max(1, values.length);
  const refuted = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const enough = values.length > reps / 2;
  const passed = enough && rms <= 2 && inside >= 0.8;
  const what = `${reps} random ${(100 * f).toFixed(0)} % subsets${input.cluster ? ' of clusters' : ''}`;
  const reading = !enough
    ? `Failed: the estimator could not run on ${failures} of ${what}.`
    : passed
      ? `Passed: on ${what} the ${base.method} estimate stayed between ${fmt(lo)} and ${fmt(hi)} (full data ${fmt(base.estimate)}), a spread its standard error accounts for.`
      : `Failed: on ${what} the ${base.method} estimate ranged from ${fmt(lo)} to ${fmt(hi)} (full data ${fmt(base.estimate)}), ${fmt(rms)} times the spread its standard error implies` +
        `${inside < 0.8 ? `, and ${(100 * (1 - inside)).toFixed(0)} % of subsets fell outside its 95 % interval` : ''}: a few rows drive the estimate more than its interval admits.`;
  return { refuter: 'data_subset', passed, method: base.method, original: base.estimate, originalSe: base.se, refuted, values, failures, reading };
}

// noise[i] ← the generator's next standard normal draw, in row order.
function fillNormal(noise: Float64Array, rng: Rng): void {
  for (let i = 0; i < noise.length; i++) noise[i] = rng.normal();
}

// Each row's cluster as a unit number, units numbered by first appearance, and the number of units.
// Labels that are small non-negative integers (employee indices) are looked up in a table rather than
// a Map, with the same numbering.
function clusterUnits(cluster: Int32Array): { unitOf: Int32Array; count: number } {
  const n = cluster.length;
  const unitOf = new Int32Array(n);
  let lo = 0;
  let hi = -1;
  for (let i = 0; i < n; i++) {
    if (cluster[i] < lo) lo = cluster[i];
    if (cluster[i] > hi) hi = cluster[i];
  }
  let count = 0;
  if (lo >= 0 && hi < 4 * n + 1024) {
    const unitOfLabel = new Int32Array(hi + 1).fill(-1);
    for (let i = 0; i < n; i++) {
      let u = unitOfLabel[cluster[i]];
      if (u < 0) u = unitOfLabel[cluster[i]] = count++;
      unitOf[i] = u;
    }
  } else {
    const map = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      let u = map.get(cluster[i]);
      if (u === undefined) {
        u = map.size;
        map.set(cluster[i], u);
      }
      unitOf[i] = u;
    }
    count = map.size;
  }
  return { unitOf, count };
}

// units ← 0, 1, …, then a partial Fisher–Yates: the first `take` entries are a uniform sample without replacement.
function drawUnits(units: Int32Array, take: number, rng: Rng): void {
  const nUnits = units.length;
  for (let u = 0; u < nUnits; u++) units[u] = u;
  for (let k = 0; k < take; k++) {
    const j = k + rng.int(nUnits - k);
    const t = units[k];
    units[k] = units[j];
    units[j] = t;
  }
}

// keep[u] ← 1 for the first `take` units drawn, 0 for the others, then keepRow[i] ← keep[unitOf[i]]:
// each row kept with its unit.
function keptRowsOf(keep: Uint8Array, units: Int32Array, take: number, unitOf: Int32Array, keepRow: Uint8Array): void {
  keep.fill(0);
  for (let k = 0; k < take; k++) keep[units[k]] = 1;
  for (let i = 0; i < keepRow.length; i++) keepRow[i] = keep[unitOf[i]];
}

// The rows with keepRow[i] set, in order.
function rowList(keepRow: Uint8Array): Int32Array {
  const n = keepRow.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += keepRow[i];
  const rows = new Int32Array(m);
  m = 0;
  for (let i = 0; i < n; i++) if (keepRow[i]) rows[m++] = i;
  return rows;
}

/**
 * Placebo outcome: estimate the "effect" of training on an outcome it cannot
 * have changed — one measured before training (e.g. the outcome in the
 * months before the baseline). Covariates named in `dropCovariates` are
 * removed first (the placebo itself, or anything built from it); rows whose
 * placebo outcome is missing (NaN) are left out of this test. Fails when
 * the placebo effect is both distinguishable from zero (its 95 % interval
 * excludes 0) and material: at least 20 % of the original effect or of the
 * original interval's half-width, whichever is larger. A failure means the
 * trained and untrained differ in ways the covariates do not remove. A
 * `refit` with `withOutcome` fits the placebo without copying rows.
 *
 * @example
 * placeboOutcome(input, (x) => aipw(x), { outcome: yBeforeBaseline, name: 'revenue 7–12 months before' }).passed;
 */
export function placeboOutcome(
  input: RefuteInput,
  estimator: RefuteEstimator,
  opts: { outcome: Float64Array; name?: string; dropCovariates?: string[]; original?: Estimate; refit?: FastRefit | null },
): RefutationResult {
  const n = checkInput('placeboOutcome', input);
  if (!(opts.outcome instanceof Float64Array) || opts.outcome.length !== n) {
    throw new RangeError(`placeboOutcome: \`outcome\` must be a Float64Array of ${n} rows, got ${opts.outcome?.length}`);
  }
  const base = opts.original ?? estimator(input);
  checkSe('placeboOutcome', base);
  const drop = new Set(opts.dropCovariates ?? []);
  // Rows without the placebo outcome (e.g. hired too recently to have the earlier months) sit this test out.
  const kept = countPresent(opts.outcome);
  if (kept < 2) throw new RangeError(`placeboOutcome: \`outcome\` has ${kept} non-missing rows; need at least 2`);
  const keep = kept < n ? presentMask(opts.outcome) : null;
  const fast = opts.refit?.withOutcome && !input.covariates.some((c) => drop.has(c.name)) ? opts.refit.withOutcome(opts.outcome, keep) : undefined;
  const placebo = fast ?? placeboFit(input, estimator, opts.outcome, keep, drop);
  const result = placeboVerdict('placebo_outcome', base, placebo, `on ${opts.name ?? 'the placebo outcome'}`);
  if (kept < n) result.reading += ` (${n - kept} of ${n} rows have no placebo outcome and sat this test out.)`;
  return result;
}

// The values that are not NaN.
function countPresent(v: Float64Array): number {
  let kept = 0;
  for (let i = 0; i < v.length; i++) if (!Number.isNaN(v[i])) kept++;
  return kept;
}

// 1 where v is not NaN, 0 where it is.
function presentMask(v: Float64Array): Uint8Array {
  const keep = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) keep[i] = Number.isNaN(v[i]) ? 0 : 1;
  return keep;
}

function placeboFit(input: RefuteInput, estimator: RefuteEstimator, outcome: Float64Array, keep: Uint8Array | null, drop: Set<string>): Estimate {
  let within = input;
  let y = outcome;
  if (keep !== null) {
    const rows = rowList(keep);
    within = subsetInput(input, rows);
    y = Float64Array.from(rows, (i) => outcome[i]);
  }
  return estimator({ ...within, y, covariates: within.covariates.filter((c) => !drop.has(c.name)) });
}

/**
 * The shared verdict of the placebo refuters (outcome and dates): fails when
 * the placebo effect's interval excludes 0 and its size is material (≥ 20 %
 * of max(|original|, original half-width)).
 *
 * @example
 * placeboVerdict('placebo_dates', original, placebo, 'six months before the real completions').passed;
 */
export function placeboVerdict(refuter: 'placebo_outcome' | 'placebo_dates', base: Estimate, placebo: Estimate, where: string): RefutationResult {
  const halfWidth = (base.ci[1] - base.ci[0]) / 2;
  const material = 0.2 * Math.max(Math.abs(base.estimate), halfWidth);
  const distinguishable = placebo.ci[0] > 0 || placebo.ci[1] < 0;
  const passed = !(distinguishable && Math.abs(placebo.estimate) >= material);
  const iv = `[${fmt(placebo.ci[0])}, ${fmt(placebo.ci[1])}]`;
  const reading = passed
    ? `Passed: the placebo "effect" ${where} is ${fmt(placebo.estimate)} (95 % interval ${iv})${distinguishable ? ', distinguishable from zero but too small to matter' : ', compatible with no effect'}, as training cannot have caused it (real estimate ${fmt(base.estimate)}).`
    : `Failed: the placebo "effect" ${where} is ${fmt(placebo.estimate)} (95 % interval ${iv}), against a real estimate of ${fmt(base.estimate)}. Training cannot have caused it, so the ${base.method} comparison still carries a difference between trained and untrained employees (selection or a pre-existing trend).`;
  return { refuter, passed, method: base.method, original: base.estimate, originalSe: base.se, refuted: placebo.estimate, values: [placebo.estimate], failures: 0, reading };
}
