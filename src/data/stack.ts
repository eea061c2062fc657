import { DataError } from '../core/errors';
import { factorLevels, noteLevelCodes } from '../stats/design';
import { missingLevelBeside, withMissingIndicator } from './missing';
import { COMPLETED_BEFORE_DATA, NEVER_COMPLETED, type Panel } from './panel';
import { createRng, type Rng } from '../stats/rng';
import { gather, gatherInt } from '../stats/arrays';

/**
 * A seeded random sample of each cohort's controls for the stacked data:
 * a cohort keeps all its trained rows and at most `max(perTrained × trained,
 * min)` of its control rows, drawn without replacement, each kept control
 * weighted by (controls ÷ kept) so that weighted sums stand for all of them.
 * In a large company every cohort is compared with nearly every untrained
 * employee, and the same employees again in the next cohort: 100,000
 * employees give two million rows a course, whose cost the estimates barely
 * need. With twenty controls per trained employee the controls make at most
 * 1/21 of a cohort's sampling variance (for a difference of means with
 * equal spreads), however many more there are.
 */
export interface ControlSampling {
  /** Control rows kept per trained row of the cohort (> 0). */
  perTrained: number;
  /** A cohort keeps at least this many control rows (all of them when it has fewer). */
  min: number;
  /** Seed of the draw: same data and seed, same rows. */
  seed: number;
}

/** The study's default control sampling (its seed comes from the study's). */
export const DEFAULT_CONTROL_SAMPLING: Omit<ControlSampling, 'seed'> = { perTrained: 20, min: 2000 };

/** A control sample as asked for and what it did (`cohorts` 0 when no cohort had more controls than its cap). */
export interface ControlSample extends ControlSampling {
  /** Cohorts whose controls were sampled. */
  cohorts: number;
  /** Control rows of those cohorts before and after sampling. */
  controls: number;
  kept: number;
}

/**
 * CONTRACT §4 stacked event-window data for one course and one metric: one
 * row per cohort g and employee, treated (first completion in month g) or
 * control (not completed by the end of g's window), with the baseline mean
 * `yPre` (months g−baseline..g−1), the post mean `yPost` (months
 * g+window[0]..g+window[1] that were observed) and `weight`, the number of
 * observed post months, so that weighted means are per employee-month.
 */
export interface StackedData {
  course: string;
  metric: string;
  window: [number, number];
  baseline: number;
  n: number;
  /** Cohort g of each row, a period index. */
  cohort: Int32Array;
  /** Employee code of each row (an index into panel.employees); controls repeat across cohorts. */
  employee: Int32Array;
  /** 1 for the cohort's trained employees, 0 for its controls. */
  treated: Float64Array;
  yPre: Float64Array;
  yPost: Float64Array;
  /** Observed post months. */
  weight: Float64Array;
  /**
   * Pre-treatment covariates: `role`, `region` (strings), `level`, `tenure`
   * (months at g), `y_pre`, `y_recent` (the mean over the last quarter
   * before g, when the baseline is longer than that and it differs from
   * `y_pre` somewhere), the employees.csv extra columns (a numeric one with
   * blanks, and `level`, filled with its mean beside `<name>_missing`: see
   * withMissingIndicator), `prior_<course>`
   * (1 when that other course was first completed before g), each context
   * factor averaged over the baseline and, as `<factor>_window`, over the
   * window months (a market the course cannot move; either is left out when
   * it is the same for every row of each cohort, as a factor by month alone
   * usually is over the baseline), and `cohort` (the
   * period label, for cohort effects).
   */
  covariates: { names: string[]; columns: Record<string, Float64Array | string[]> };
  /** Rows left out and why. */
  dropped: { reason: string; count: number }[];
  /** The control sample asked for and what it did (see {@link ControlSampling}); null when none was asked for. */
  controlSample: ControlSample | null;
  /**
   * The course's assessment score at the first completion, on the trained
   * rows (NaN on control rows and where a trainee has none). Measured at
   * completion, it is no pre-treatment covariate; it is an effect modifier
   * (how much was learnt), read on the trained alone. Absent or null when no
   * trained row has a score.
   */
  score?: Float64Array | null;
}

/** Months of `y_recent`, the last quarter before g. */
const RECENT = 3;

/**
 * Builds the stacked event-window data of CONTRACT §4 for one course and one
 * metric from the panel. Treated rows: employees whose first completion is in
 * month g, hired before the baseline, with at least one observed baseline and
 * one observed post month. Control rows for cohort g: employees who had not
 * completed the course by g + window[1], under the same conditions. Months
 * after termination are not in the panel, so they never count.
 *
 * @example
 * const s = stackCourse(panel, 'C01', 'revenue');
 * // weighted mean of yPost − yPre, treated minus control: a difference-in-differences per employee-month
 * s.dropped; // => [{ reason: 'treated: no observed baseline month', count: 3 }, ...]
 */
export function stackCourse(
  panel: Panel,
  course: string,
  metric: string,
  opts: { window?: [number, number]; baseline?: number; controls?: ControlSampling | null } = {},
): StackedData {
  const k = panel.courses.indexOf(course);
  if (k < 0) throw new RangeError(`stackCourse: unknown \`course\` "${course}"; the courses are ${panel.courses.join(', ')}`);
  const y = panel.metrics[metric];
  if (!y) throw new RangeError(`stackCourse: unknown \`metric\` "${metric}"; the metrics are ${panel.metricNames.join(', ')}`);
  const window = opts.window ?? [1, 12];
  const baseline = opts.baseline ?? 6;
  if (!Array.isArray(window) || window.length !== 2 || !Number.isInteger(window[0]) || !Number.isInteger(window[1]) || window[0] < 0 || window[0] > window[1]) {
    throw new RangeError(`stackCourse: \`window\` must be [w0, w1] with integers 0 ≤ w0 ≤ w1, got ${JSON.stringify(window)}`);
  }
  if (!Number.isInteger(baseline) || baseline < 1) throw new RangeError(`stackCourse: \`baseline\` must be an integer ≥ 1, got ${baseline}`);
  const sampling = opts.controls ?? null;
  if (sampling !== null) {
    const { perTrained, min, seed } = sampling;
    if (!(perTrained > 0) || !Number.isFinite(perTrained)) throw new RangeError(`stackCourse: \`controls.perTrained\` must be a positive number, got ${perTrained}`);
    if (!Number.isInteger(min) || min < 1) throw new RangeError(`stackCourse: \`controls.min\` must be an integer ≥ 1, got ${min}`);
    if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`stackCourse: \`controls.seed\` must be an integer ≥ 0, got ${seed}`);
  }

  const nEmp = panel.employees.length;
  const T = panel.periods.length;
  const yGrid = prefixGrid(panel, y);

  const fc = panel.firstCompletion[k];
  const cohorts = cohortsOf(fc);

  // Drop reasons by a small code (counted in a typed array in the hot loop, named after it).
  const reasons = [
    'treated: hired after the baseline began',
    'control: hired after the baseline began',
    'treated: no observed baseline month',
    'control: no observed baseline month',
    'treated: no observed post month',
    'control: no observed post month',
  ];
  // One slot more: the trained among the last cohort's candidates (see cohortCandidates).
  const dropCount = new Float64Array(reasons.length + 1);
  // Rows as (cohort, employee) pairs in cohort order, employees in code order within a cohort, with each
  // row's control weight factor. A cohort's usable rows are gathered first and its control sample drawn
  // from them (see drawControls) before they are stored, so that the controls the sample leaves out
  // (most of the two million pairs of a large company) are never stored.
  let rowsCohort: Int32Array = new Int32Array(1024);
  let rowsEmp: Int32Array = new Int32Array(1024);
  let rowsFactor: Float64Array = new Float64Array(sampling === null ? 0 : 1024);
  let n = 0;
  let usable = 0;
  // Where each cohort's rows end: the loops over rows below take a cohort's prefix-sum bounds once.
  const segCohort: number[] = [];
  const segEnd: number[] = [];
  const candidates = new Int32Array(nEmp);
  const draw = sampling === null ? null : newControlDraw(sampling, nEmp);
  const { sum: ySum, cnt: yCnt } = yGrid;
  // Cohort g's baseline g−baseline..g−1 and post months g+w0..g+w1 as prefix-sum offsets (rows of the
  // period-major grids, clipped to the data): add an employee's code to read its sums.
  const bounds = (g: number) => ({
    preLoAt: clip(g - baseline, T) * nEmp,
    preHiAt: clip(g, T) * nEmp,
    postLoAt: clip(g + window[0], T) * nEmp,
    postHiAt: clip(g + window[1] + 1, T) * nEmp,
  });
  const hire = panel.hirePeriod;
  const term = panel.termPeriod;
  for (const g of cohorts) {
    const { preLoAt, preHiAt, postLoAt, postHiAt } = bounds(g);
    const noPre = preHiAt <= preLoAt, noPost = postHiAt <= postLoAt;
    const m = cohortCandidates(g, g - baseline, g + window[1], fc, hire, term, yCnt, noPre, noPost, preLoAt, preHiAt, postLoAt, postHiAt, candidates, dropCount);
    const trained = dropCount[TRAINED_SLOT];
    usable += m;
    const kept = draw === null ? null : drawControls(draw, candidates, m, trained, fc, g);
    while (n + (kept === null ? m : kept.count) > rowsCohort.length) {
      rowsCohort = grow(rowsCohort);
      rowsEmp = grow(rowsEmp);
      if (draw !== null) rowsFactor = growFloat(rowsFactor);
    }
    if (kept === null) {
      rowsCohort.fill(g, n, n + m);
      rowsEmp.set(candidates.subarray(0, m), n);
      if (draw !== null) rowsFactor.fill(1, n, n + m);
      n += m;
    } else {
      n = storeKept(kept.keep, kept.factor, candidates, m, fc, g, rowsCohort, rowsEmp, rowsFactor, n);
    }
    segCohort.push(g);
    segEnd.push(n);
  }
  const dropCounts = new Map<string, number>();
  for (let j = 0; j < reasons.length; j++) if (dropCount[j] > 0) dropCounts.set(reasons[j], dropCount[j]);
  const completedBefore = countOf(fc, COMPLETED_BEFORE_DATA);
  if (completedBefore > 0) dropCounts.set('treated: first completion before the first period of the data', completedBefore);

  if (usable === 0) throw new DataError(`stackCourse: course "${course}" has no usable cohort for \`${metric}\` (no trained employee with baseline and post months)`);
  let factor: Float64Array | null = null;
  let controlSample: ControlSample | null = null;
  if (draw !== null) {
    controlSample = { ...draw.sampling, cohorts: 0, controls: 0, kept: 0 };
    if (draw.cohorts > 0) {
      factor = rowsFactor;
      controlSample = { ...draw.sampling, cohorts: draw.cohorts, controls: draw.controls, kept: draw.kept };
    }
  }
  const cohort = rowsCohort.slice(0, n);
  const employee = rowsEmp.slice(0, n);
  const treated = new Float64Array(n);
  const yPre = new Float64Array(n);
  const yPost = new Float64Array(n);
  const weight = new Float64Array(n);
  for (let s = 0, r = 0; s < segCohort.length; s++) {
    const g = segCohort[s];
    const { preLoAt, preHiAt, postLoAt, postHiAt } = bounds(g);
    cohortOutcomes(r, segEnd[s], g, employee, fc, ySum, yCnt, preLoAt, preHiAt, postLoAt, postHiAt, factor, treated, yPre, yPost, weight);
    r = segEnd[s];
  }

  const columns: Record<string, Float64Array | string[]> = {};
  const names: string[] = [];
  const add = (name: string, col: Float64Array | string[]) => {
    names.push(name);
    columns[name] = col;
  };
  const roleIndex = gatherInt(panel.role, employee);
  const regionIndex = gatherInt(panel.region, employee);
  const level = gather(panel.level, employee);
  const tenure = tenureAt(cohort, employee, panel.hirePeriod);
  const role = codedText(roleIndex, panel.roleLevels);
  const region = codedText(regionIndex, panel.regionLevels);
  const cohortLabel = codedRuns(segCohort, segEnd, n, panel.periods);
  add('role', role);
  if (panel.regionLevels.length > 0) add('region', region);
  for (const c of withMissingIndicator('level', level)) add(c.name, c.values);
  add('tenure', tenure);
  add('y_pre', yPre);
  if (baseline > RECENT) {
    // The last quarter's mean beside the baseline's: who gets a course is often decided on the latest results
    // (a bad quarter, a good one), and a transient dip or peak reverts. A baseline month-mean alone would leave
    // that reversion to read as an effect. Rows with no observed month in the quarter fall back to y_pre.
    // A metric that never changes within a baseline (a yearly figure repeated monthly) would make it a
    // copy of y_pre, and every design with both singular: it is then left out.
    const yRecent = new Float64Array(n);
    let differs = false;
    for (let s = 0, r = 0; s < segCohort.length; s++) {
      const g = segCohort[s];
      const lo = clip(g - RECENT, T) * nEmp, hi = clip(g, T) * nEmp;
      const end = segEnd[s];
      rangeMeans(yRecent, r, end, employee, ySum, yCnt, lo, hi);
      if (fillFrom(yRecent, yPre, r, end)) differs = true;
      r = end;
    }
    if (differs) add('y_recent', yRecent);
  }
  for (const [name, values] of Object.entries(panel.extraCovariates)) {
    for (const c of withMissingIndicator(name, gather(values, employee))) add(c.name, c.values);
  }
  const others = panel.courses.map((_, k2) => k2).filter((k2) => k2 !== k);
  const priors = priorColumns(others.map((k2) => panel.firstCompletion[k2]), nEmp, employee, segCohort, segEnd);
  others.forEach((k2, j) => add(`prior_${panel.courses[k2]}`, priors[j]));
  // Context factors over each row's baseline months, and over its window months as `<name>_window`, by the
  // same prefix sums. A context factor is outside the employee's control (a region's market), so training
  // cannot move it, and its level during the window is a fair thing to compare on: a regional downturn that
  // hits a rollout wave's window months would otherwise read as an effect of the course.
  for (const name of panel.contextNames) {
    const { sum, cnt } = prefixGrid(panel, panel.context[name]);
    const before = new Float64Array(n);
    const during = new Float64Array(n);
    for (let s = 0, r = 0; s < segCohort.length; s++) {
      const { preLoAt, preHiAt, postLoAt, postHiAt } = bounds(segCohort[s]);
      const end = segEnd[s];
      rangeMeans(before, r, end, employee, sum, cnt, preLoAt, preHiAt);
      rangeMeans(during, r, end, employee, sum, cnt, postLoAt, postHiAt);
      r = end;
    }
    // Unknown for an employee without a region (or a month context.csv lacks): filled, with an indicator,
    // unless the missing rows are exactly those without a region, which are a region level of their own.
    for (const [label, values] of [[name, before], [`${name}_window`, during]] as const) {
      // A factor by month alone (no region, or a single one) is the same for every row of a cohort over
      // its baseline: the cohort label carries it, and adding it would make every design singular.
      if (cohortFunction(values, cohort, T)) continue;
      for (const c of withMissingIndicator(label, values)) {
        if (c.name !== label && sameRows(c.values, regionIndex)) continue;
        add(c.name, c.values);
      }
    }
  }
  add('cohort', cohortLabel);

  const dropped = [...dropCounts.entries()].map(([reason, count]) => ({ reason, count })).sort((a, b) => a.reason.localeCompare(b.reason));
  const score = trainedScores(panel.firstScore[k], employee, treated);
  return { course, metric, window: [window[0], window[1]], baseline, n, cohort, employee, treated, yPre, yPost, weight, covariates: { names, columns }, dropped, controlSample, score };
}

// Each trained row's score at the first completion (NaN elsewhere), or null when no trained row has one.
function trainedScores(firstScore: Float64Array, employee: Int32Array, treated: Float64Array): Float64Array | null {
  const out = new Float64Array(employee.length).fill(NaN);
  let any = false;
  for (let r = 0; r < employee.length; r++) {
    if (treated[r] !== 1) continue;
    const v = firstScore[employee[r]];
    out[r] = v;
    if (Number.isFinite(v)) any = true;
  }
  return any ? out : null;
}

/**
 * The control sampling a stacked data set was built with, to build another
 * (a placebo's) the same way; null when it has every control by design.
 *
 * @example
 * stackCourse(shifted, 'C01', 'revenue', { controls: samplingOf(stacked) });
 */
export function samplingOf(stacked: StackedData): ControlSampling | null {
  const cs = stacked.controlSample;
  return cs === null ? null : { perTrained: cs.perTrained, min: cs.min, seed: cs.seed };
}

/** The state of one stack's control sample, drawn cohort by cohort (see {@link drawControls}). */
interface ControlDraw {
  sampling: ControlSampling;
  rng: Rng;
  /** Per candidate row of the cohort being drawn: 1 when it is kept. */
  keep: Uint8Array;
  /** The cohort's control rows' positions among its candidates, shuffled in part by the draw. */
  positions: Int32Array;
  /** Cohorts whose controls were sampled, their control rows, and the rows kept. */
  cohorts: number;
  controls: number;
  kept: number;
}

function newControlDraw(sampling: ControlSampling, nEmp: number): ControlDraw {
  return { sampling, rng: createRng(sampling.seed), keep: new Uint8Array(nEmp), positions: new Int32Array(nEmp), cohorts: 0, controls: 0, kept: 0 };
}

/**
 * Draws {@link ControlSampling}'s sample of one cohort's rows (`m` employees
 * in code order, `trained` of them its trained ones): a partial
 * Fisher–Yates shuffle of its control rows picks the kept ones, which stay
 * in their order, flagged in `draw.keep`. The cohorts are drawn in order
 * from one generator. Null when the cohort has no more controls than its
 * cap (it keeps every row); else the rows kept and the kept controls'
 * weight factor, controls ÷ kept.
 */
function drawControls(draw: ControlDraw, candidates: Int32Array, m: number, trained: number, fc: Int32Array, g: number): { count: number; factor: number; keep: Uint8Array } | null {
  const nControls = m - trained;
  const cap = Math.max(Math.ceil(draw.sampling.perTrained * trained), draw.sampling.min);
  if (nControls <= cap) return null;
  const { keep, positions, rng } = draw;
  markControls(candidates, m, fc, g, positions, keep);
  keepShuffled(positions, keep, cap, nControls, rng);
  draw.cohorts++;
  draw.controls += nControls;
  draw.kept += cap;
  return { count: trained + cap, factor: nControls / cap, keep };
}

// drawControls' two loops, each a function of its own (see cohortCandidates). The control rows' positions
// into positions[0..), in order; keep[i] = 1 for the trained rows, 0 for the controls.
function markControls(candidates: Int32Array, m: number, fc: Int32Array, g: number, positions: Int32Array, keep: Uint8Array): void {
  let p = 0;
  for (let i = 0; i < m; i++) {
    if (fc[candidates[i]] !== g) {
      positions[p++] = i;
      keep[i] = 0;
    } else keep[i] = 1;
  }
}

// The first `cap` steps of a Fisher–Yates shuffle of positions[0..nControls), each drawn position kept.
function keepShuffled(positions: Int32Array, keep: Uint8Array, cap: number, nControls: number, rng: ControlDraw['rng']): void {
  for (let i = 0; i < cap; i++) {
    const j = i + rng.int(nControls - i);
    const r = positions[j];
    positions[j] = positions[i];
    positions[i] = r;
    keep[r] = 1;
  }
}

/**
 * Per-employee prefix sums of a panel column over the period axis (T + 1
 * bounds, the first 0), period-major, so that the sum and count of observed
 * (non-NaN) months in months a..b of employee e cost two look-ups each:
 * `sum[(b + 1)·nEmp + e] − sum[a·nEmp + e]`, with the bounds clipped to the data by {@link clip}.
 * Period-major because a cohort's rows all read the same bounds, employee after employee: in order.
 */
// A course's stacks (its estimate's and the placebo dates') and every other course's read the same metric
// and context columns: their prefix sums are kept per column while the column's checksum is unchanged.
const GRIDS = new WeakMap<Float64Array, { rowPeriod: Int32Array; rowEmployee: Int32Array; T: number; nEmp: number; sums: Float64Array; grid: { sum: Float64Array; cnt: Int32Array } }>();

function prefixGrid(panel: Panel, values: Float64Array): { sum: Float64Array; cnt: Int32Array } {
  const T = panel.periods.length;
  const nEmp = panel.employees.length;
  const sums = checksum(values);
  const hit = GRIDS.get(values);
  if (hit && hit.rowPeriod === panel.rowPeriod && hit.rowEmployee === panel.rowEmployee && hit.T === T && hit.nEmp === nEmp && sums.every((s, j) => Object.is(s, hit.sums[j]))) {
    return hit.grid;
  }
  const grid = buildPrefixGrid(panel, values, T, nEmp);
  GRIDS.set(values, { rowPeriod: panel.rowPeriod, rowEmployee: panel.rowEmployee, T, nEmp, sums, grid });
  return grid;
}

// Three sums that a change to a column in place would have to keep all equal to go unseen: of the
// values, of the values weighted by their position (mod 1021, plus 1), and of the positions of the blanks.
function checksum(values: Float64Array): Float64Array {
  let a = 0;
  let b = 0;
  let c = 0;
  // w is (i mod 1021) + 1, taken from blocks of 1021 values rather than divided for (a division a value costs
  // more than the rest of the loop) or wrapped by a test a value: the inner loop is then a plain count.
  const n = values.length;
  for (let at = 0; at < n; at += 1021) {
    const end = Math.min(at + 1021, n);
    for (let i = at, w = 1; i < end; i++, w++) {
      const v = values[i];
      if (v !== v) c += i + 1;
      else {
        a += v;
        b += w * v;
      }
    }
  }
  return Float64Array.of(a, b, c);
}

function buildPrefixGrid(panel: Panel, values: Float64Array, T: number, nEmp: number): { sum: Float64Array; cnt: Int32Array } {
  const sum = new Float64Array(nEmp * (T + 1));
  const cnt = new Int32Array(nEmp * (T + 1));
  for (let j = 0; j < panel.nRows; j++) {
    const v = values[j];
    if (Number.isNaN(v)) continue;
    const at = (panel.rowPeriod[j] + 1) * nEmp + panel.rowEmployee[j];
    sum[at] = v;
    cnt[at] = 1;
  }
  for (let t = 1; t <= T; t++) {
    const at = t * nEmp;
    const before = at - nEmp;
    for (let e = 0; e < nEmp; e++) {
      sum[at + e] += sum[before + e];
      cnt[at + e] += cnt[before + e];
    }
  }
  return { sum, cnt };
}

/**
 * A text column from each row's index into `names` (−1: the empty string),
 * with its levels and row indices noted for the encoders, which then need
 * not look each row's text up.
 */
function codedText(index: Int32Array, names: readonly string[]): string[] {
  const n = index.length;
  // Slot k + 1 for names[k], slot 0 for a missing value (a blank in the HR export), a level of its own.
  const present = new Uint8Array(names.length + 1);
  // Read before written: a level seen again (nearly every row) then costs no store.
  for (let r = 0; r < n; r++) {
    const slot = index[r] + 1;
    if (present[slot] === 0) present[slot] = 1;
  }
  const { slotText, slotLevel, levels } = slotLevels(present, names);
  const values: string[] = new Array(n);
  const levelIndex = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const slot = index[r] + 1;
    values[r] = slotText[slot];
    levelIndex[r] = slotLevel[slot];
  }
  noteLevelCodes(values, levels, levelIndex);
  return values;
}

/**
 * {@link codedText} of a column that is constant over runs of rows (run s
 * holds `names[runIndex[s]]` up to row `runEnd[s]`, the cohort label over the
 * cohorts' rows): the same column, levels and row indices, filled run by run
 * instead of row by row.
 */
function codedRuns(runIndex: readonly number[], runEnd: readonly number[], n: number, names: readonly string[]): string[] {
  const present = new Uint8Array(names.length + 1);
  for (let s = 0, start = 0; s < runIndex.length; start = runEnd[s], s++) if (runEnd[s] > start) present[runIndex[s] + 1] = 1;
  const { slotText, slotLevel, levels } = slotLevels(present, names);
  const values: string[] = new Array(n);
  const levelIndex = new Int32Array(n);
  for (let s = 0, start = 0; s < runIndex.length; start = runEnd[s], s++) {
    const slot = runIndex[s] + 1;
    values.fill(slotText[slot], start, runEnd[s]);
    levelIndex.fill(slotLevel[slot], start, runEnd[s]);
  }
  noteLevelCodes(values, levels, levelIndex);
  return values;
}

/**
 * Each slot's text (slot 0: the missing level, named apart from every real level), the present ones' levels sorted
 * by factorLevels, and each slot's index among them.
 */
function slotLevels(present: Uint8Array, names: readonly string[]): { slotText: string[]; slotLevel: Int32Array; levels: string[] } {
  const missing = missingLevelBeside(names);
  const slotText = Array.from(present, (_, k) => (k === 0 ? missing : names[k - 1]));
  const levels = factorLevels(slotText.filter((_, k) => present[k] === 1));
  const at = new Map(levels.map((level, j) => [level, j]));
  const slotLevel = Int32Array.from(slotText, (text, k) => (present[k] === 1 ? (at.get(text) as number) : 0));
  return { slotText, slotLevel, levels };
}

/**
 * The `prior_<course>` columns of the other courses (`firsts`, their first
 * completions): 1 when that course was first completed before the row's
 * cohort month (or before the data), else 0. Each course's first completion
 * is turned once per employee into the first cohort month that counts it as
 * prior, kept employee-major beside the other courses', so that a row reads
 * its employee's thresholds from one place and compares each with its
 * cohort: the rows (hundreds of thousands, times seven courses at eight)
 * need no branch on the completion codes.
 */
function priorColumns(firsts: readonly Int32Array[], nEmp: number, employee: Int32Array, segCohort: readonly number[], segEnd: readonly number[]): Float64Array[] {
  const K = firsts.length;
  const n = employee.length;
  const cols: Float64Array[] = [];
  // from[e]: the first cohort month for which the course counts as prior for employee e (never: 2³¹ − 1).
  const from = new Int32Array(nEmp);
  for (let j = 0; j < K; j++) {
    const f2 = firsts[j];
    for (let e = 0; e < nEmp; e++) {
      const f = f2[e];
      from[e] = f === COMPLETED_BEFORE_DATA ? 0 : f >= 0 ? f + 1 : 2147483647;
    }
    const col = new Float64Array(n);
    for (let s = 0, r = 0; s < segCohort.length; s++) {
      const g = segCohort[s];
      for (const end = segEnd[s]; r < end; r++) col[r] = g >= from[employee[r]] ? 1 : 0;
    }
    cols.push(col);
  }
  return cols;
}

// Whether a column has no missing value and is the same (to rounding) on every row of each cohort.
function cohortFunction(values: Float64Array, cohort: Int32Array, T: number): boolean {
  const lo = new Float64Array(T).fill(Infinity);
  const hi = new Float64Array(T).fill(-Infinity);
  let scale = 0;
  for (let r = 0; r < values.length; r++) {
    const v = values[r];
    if (Number.isNaN(v)) return false;
    const g = cohort[r];
    if (v < lo[g]) lo[g] = v;
    if (v > hi[g]) hi[g] = v;
    scale = Math.max(scale, Math.abs(v));
  }
  for (let g = 0; g < T; g++) if (hi[g] - lo[g] > 1e-9 * Math.max(scale, 1e-300)) return false;
  return true;
}

// Whether a 0/1 column is 1 on exactly the rows whose region is missing (code −1).
function sameRows(indicator: Float64Array, regionIndex: Int32Array): boolean {
  for (let r = 0; r < indicator.length; r++) if ((indicator[r] === 1) !== (regionIndex[r] < 0)) return false;
  return true;
}

/** A prefix-sum bound for month index a: a clipped to 0..T. */
// Each hot loop of stackCourse is a function of its own: V8 then compiles each loop on its own when it
// gets hot, instead of compiling the whole of stackCourse again for each of its loops (which cost more
// CPU than the loops themselves at 100,000 employees).

// The sorted distinct cohorts (first-completion periods ≥ 0).
function cohortsOf(fc: Int32Array): number[] {
  const cohortSet = new Set<number>();
  for (let e = 0; e < fc.length; e++) if (fc[e] >= 0) cohortSet.add(fc[e]);
  return [...cohortSet].sort((a, b) => a - b);
}

// Slot of stackCourse's drop counts that cohortCandidates leaves the cohort's trained candidates in.
const TRAINED_SLOT = 6;

// Cohort g's usable employees (trained at g, or not trained by its window's end `end`; hired before
// `start` = its baseline's first month; observed in its baseline and its post months) into
// candidates[0..m), in code order; returns m, counts each drop reason in dropCount[0..5] and leaves the
// trained among the candidates in dropCount[TRAINED_SLOT].
function cohortCandidates(
  g: number,
  start: number,
  end: number,
  fc: Int32Array,
  hire: Int32Array,
  term: Int32Array,
  yCnt: Int32Array,
  noPre: boolean,
  noPost: boolean,
  preLoAt: number,
  preHiAt: number,
  postLoAt: number,
  postHiAt: number,
  candidates: Int32Array,
  dropCount: Float64Array,
): number {
  let m = 0;
  let trained = 0;
  for (let e = 0; e < fc.length; e++) {
    const f = fc[e];
    const isTreated = f === g;
    const isControl = f === NEVER_COMPLETED || f > end;
    if (!isTreated && !isControl) continue;
    const who = isTreated ? 0 : 1;
    // Controls are counted only when they would have been usable, so the drop counts stay readable.
    if (hire[e] >= start) {
      if (isTreated || hire[e] <= end) dropCount[who]++;
      continue;
    }
    if (term[e] < start) continue; // gone before the cohort's baseline: never a candidate
    if (noPre || yCnt[preHiAt + e] - yCnt[preLoAt + e] === 0) {
      dropCount[2 + who]++;
      continue;
    }
    if (noPost || yCnt[postHiAt + e] - yCnt[postLoAt + e] === 0) {
      dropCount[4 + who]++;
      continue;
    }
    candidates[m++] = e;
    if (isTreated) trained++;
  }
  dropCount[TRAINED_SLOT] = trained;
  return m;
}

// The sampled candidates of cohort g appended as rows from n on (the trained with factor 1, kept
// controls with `factor`); returns the new row count.
function storeKept(
  keep: Uint8Array,
  factor: number,
  candidates: Int32Array,
  m: number,
  fc: Int32Array,
  g: number,
  rowsCohort: Int32Array,
  rowsEmp: Int32Array,
  rowsFactor: Float64Array,
  n: number,
): number {
  for (let i = 0; i < m; i++) {
    if (keep[i] === 0) continue;
    const e = candidates[i];
    rowsCohort[n] = g;
    rowsEmp[n] = e;
    rowsFactor[n] = fc[e] === g ? 1 : factor;
    n++;
  }
  return n;
}

function countOf(values: Int32Array, value: number): number {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === value) count++;
  return count;
}

// Rows r0..r1 of cohort g: treated, the baseline and post means from the prefix sums, and the weight
// (observed post months, times the row's control factor when controls were sampled).
function cohortOutcomes(
  r0: number,
  r1: number,
  g: number,
  employee: Int32Array,
  fc: Int32Array,
  ySum: Float64Array,
  yCnt: Int32Array,
  preLoAt: number,
  preHiAt: number,
  postLoAt: number,
  postHiAt: number,
  factor: Float64Array | null,
  treated: Float64Array,
  yPre: Float64Array,
  yPost: Float64Array,
  weight: Float64Array,
): void {
  for (let r = r0; r < r1; r++) {
    const e = employee[r];
    treated[r] = fc[e] === g ? 1 : 0;
    const preLo = preLoAt + e, preHi = preHiAt + e;
    const postLo = postLoAt + e, postHi = postHiAt + e;
    yPre[r] = (ySum[preHi] - ySum[preLo]) / (yCnt[preHi] - yCnt[preLo]);
    const c = yCnt[postHi] - yCnt[postLo];
    yPost[r] = (ySum[postHi] - ySum[postLo]) / c;
    weight[r] = factor === null ? c : c * factor[r];
  }
}

// Each row's months since hire at its cohort month.
function tenureAt(cohort: Int32Array, employee: Int32Array, hirePeriod: Int32Array): Float64Array {
  const tenure = new Float64Array(employee.length);
  for (let r = 0; r < employee.length; r++) tenure[r] = cohort[r] - hirePeriod[employee[r]];
  return tenure;
}

// Fills the NaN entries of out[r0..r1) from fallback; whether any entry then differs from fallback's.
function fillFrom(out: Float64Array, fallback: Float64Array, r0: number, r1: number): boolean {
  let differs = false;
  for (let r = r0; r < r1; r++) {
    if (Number.isNaN(out[r])) out[r] = fallback[r];
    if (out[r] !== fallback[r]) differs = true;
  }
  return differs;
}

function clip(a: number, T: number): number {
  return a < 0 ? 0 : a > T ? T : a;
}

/**
 * The mean of the observed months (NaN when none) for rows r0..r1−1 of one
 * cohort, their employees' months between the prefix-sum offsets loAt and hiAt, into `out`: a cohort whose
 * range is empty gets NaN at once, and the others no test of the bounds a row.
 * Run cohort by cohort from a small function of its own rather than as a
 * per-row call in stackCourse's loops: that made the context factors' and
 * `y_recent`'s columns about a sixth of the whole stack's time cheaper.
 */
function rangeMeans(out: Float64Array, r0: number, r1: number, employee: Int32Array, sum: Float64Array, cnt: Int32Array, loAt: number, hiAt: number): void {
  if (hiAt <= loAt) {
    out.fill(NaN, r0, r1);
    return;
  }
  for (let r = r0; r < r1; r++) {
    const e = employee[r];
    const c = cnt[hiAt + e] - cnt[loAt + e];
    out[r] = c > 0 ? (sum[hiAt + e] - sum[loAt + e]) / c : NaN;
  }
}

function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

function growFloat(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}
