import type { Estimate } from '../core/estimate';
import { COMPLETED_BEFORE_DATA, type Panel } from '../data/panel';
import { samplingOf, stackCourse, type ControlSampling, type StackedData } from '../data/stack';
import type { NamedColumn } from '../stats/design';
import type { FastRefit } from './refit';
import { dataSubset, placeboOutcome, placeboVerdict, randomCommonCause, type RefutationResult, type RefuteEstimator, type RefuteInput } from './refute';

function isConstant(values: Float64Array | (string | null)[]): boolean {
  if (values.length === 0) return true;
  const first = values[0];
  for (let i = 1; i < values.length; i++) {
    const v = values[i];
    if (v !== first && !(typeof v === 'number' && typeof first === 'number' && Number.isNaN(v) && Number.isNaN(first))) return false;
  }
  return true;
}

/**
 * The cross-sectional input of stacked data as the study's estimators read
 * it: outcome = post mean, treatment = trained, every stacked covariate
 * that varies (y_pre included), weights = observed post months, clustered by employee
 * (controls appear in several cohorts' stacks), and the effect modifiers
 * that regression adjustment lets the effect vary with ({@link stackedModifiers}).
 *
 * @example
 * const input = stackedInput(stackCourse(panel, 'C01', 'revenue'));
 * input.cluster; // => employee codes
 */
export function stackedInput(stacked: StackedData): RefuteInput {
  return {
    y: stacked.yPost,
    treat: stacked.treated,
    // A constant column (a course nobody had taken yet at these cohorts, one role) carries no
    // information and would make every design singular: leave it out.
    covariates: stacked.covariates.names.filter((name) => !isConstant(stacked.covariates.columns[name])).map((name) => ({ name, values: stacked.covariates.columns[name] })),
    weights: stacked.weight,
    cluster: stacked.employee,
    modifiers: stackedModifiers(stacked),
  };
}

/**
 * The effect modifiers of the stacked data (see CrossSectionInput.modifiers):
 * the baseline outcome `y_pre`, since effects in money grow with the size of
 * a job and its results (an uplift in proportion), and the course's
 * assessment score when it has one (how much was learnt). Role and level,
 * also measures of a job's size, were tried beside them and changed no
 * coverage over simulated companies (bench/README.md) while taking four more
 * of the trainees' degrees of freedom; region is left out for the same
 * reason (the market a region is in enters the outcome model).
 */
export function stackedModifiers(stacked: Pick<StackedData, 'covariates' | 'score'>): NamedColumn[] {
  const out: NamedColumn[] = [];
  const yPre = stacked.covariates.columns.y_pre;
  if (yPre !== undefined) out.push({ name: 'y_pre', values: yPre });
  if (stacked.score) out.push({ name: 'score', values: stacked.score });
  return out;
}

/**
 * A lagged outcome for each stacked row: the mean of `metric` over the
 * employee's observed months g − `to` .. g − `from` before the row's cohort
 * month g (NaN when none is observed). With `from` beyond the baseline it is
 * a placebo outcome that training cannot have moved and that the estimate
 * does not adjust for: e.g. months g − 12 .. g − 7 while y_pre covers
 * g − 6 .. g − 1.
 *
 * @example
 * const earlier = laggedOutcome(panel, stacked, 'revenue', 7, 12);
 * placeboOutcome(stackedInput(stacked), (x) => aipw(x), { outcome: earlier, name: 'revenue 7–12 months before' });
 */
export function laggedOutcome(panel: Pick<Panel, 'employees' | 'periods' | 'nRows' | 'rowEmployee' | 'rowPeriod' | 'metrics'>, stacked: Pick<StackedData, 'n' | 'cohort' | 'employee'>, metric: string, from: number, to: number): Float64Array {
  const y = panel.metrics[metric];
  if (!y) throw new RangeError(`laggedOutcome: unknown \`metric\` "${metric}"; the metrics are ${Object.keys(panel.metrics).join(', ')}`);
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 1 || to < from) {
    throw new RangeError(`laggedOutcome: \`from\` and \`to\` must be integers with 1 ≤ from ≤ to, got ${from} and ${to}`);
  }
  // Dense employee × period grid of the metric: O(1) look-ups per row and month.
  const T = panel.periods.length;
  const grid = new Float64Array(panel.employees.length * T).fill(NaN);
  fillGrid(grid, T, panel.rowEmployee, panel.rowPeriod, y, panel.nRows);
  const out = new Float64Array(stacked.n);
  laggedMeans(out, grid, T, stacked.employee, stacked.cohort, from, to, stacked.n);
  return out;
}

// laggedOutcome's loops, one a function (so V8's code for one loop never runs on into the next).

// grid[employee·T + period] = y of each panel row.
function fillGrid(grid: Float64Array, T: number, rowEmployee: Int32Array, rowPeriod: Int32Array, y: Float64Array, nRows: number): void {
  for (let j = 0; j < nRows; j++) grid[rowEmployee[j] * T + rowPeriod[j]] = y[j];
}

// out[r] = the mean of the observed grid months g − to .. g − from of row r's employee (g its cohort), NaN if none.
function laggedMeans(out: Float64Array, grid: Float64Array, T: number, employee: Int32Array, cohort: Int32Array, from: number, to: number, n: number): void {
  for (let r = 0; r < n; r++) {
    const base = employee[r] * T;
    const g = cohort[r];
    let s = 0;
    let c = 0;
    for (let t = Math.max(0, g - to); t <= g - from; t++) {
      const v = grid[base + t];
      if (!Number.isNaN(v)) {
        s += v;
        c++;
      }
    }
    out[r] = c > 0 ? s / c : NaN;
  }
}

/**
 * A copy of the panel in which every first completion of `course` happened
 * `shift` months earlier (those that would fall before the data are marked
 * as completed before it). Only `firstCompletion` is copied; the rest is
 * shared, so the copy is cheap and the original untouched.
 *
 * @example
 * shiftFirstCompletion(panel, 'C01', 6).firstCompletion[0][e]; // => the real month − 6
 */
export function shiftFirstCompletion(panel: Panel, course: string, shift: number): Panel {
  const k = panel.courses.indexOf(course);
  if (k < 0) throw new RangeError(`shiftFirstCompletion: unknown \`course\` "${course}"; the courses are ${panel.courses.join(', ')}`);
  if (!Number.isInteger(shift) || shift < 1) throw new RangeError(`shiftFirstCompletion: \`shift\` must be an integer ≥ 1, got ${shift}`);
  const real = panel.firstCompletion[k];
  const moved = shiftedMonths(real, shift);
  const firstCompletion = panel.firstCompletion.slice();
  firstCompletion[k] = moved;
  return { ...panel, firstCompletion };
}

// Each first-completion month `shift` earlier (COMPLETED_BEFORE_DATA where that falls before the data; codes < 0 kept).
function shiftedMonths(real: Int32Array, shift: number): Int32Array {
  const moved = new Int32Array(real.length);
  for (let e = 0; e < real.length; e++) {
    const g = real[e];
    moved[e] = g < 0 ? g : g - shift >= 0 ? g - shift : COMPLETED_BEFORE_DATA;
  }
  return moved;
}

/**
 * Placebo treatment dates: pretend every trained employee completed the
 * course `shift` months before they really did (default 6), and estimate the
 * "effect" over a window that ends the month before the real completion
 * ([1, shift − 1]), so only pre-training data enter. Controls follow the same
 * not-yet-treated rule on the shifted dates, so none of them is trained in
 * the placebo window either. A real effect cannot show up here; a placebo
 * effect means trained employees were already pulling away (a pre-trend,
 * selection on a rising trajectory) and the real estimate likely carries it.
 * A `refit` with `withOutcome` (e.g. `regressionRefit`) fits it in place of
 * `estimator` where it can.
 *
 * @example
 * placeboDates(panel, 'C03', 'revenue', (x) => aipw(x), { original }).reading;
 * // => 'Passed: the placebo "effect" with completions moved 6 months earlier is 12.4 …'
 */
export function placeboDates(
  panel: Panel,
  course: string,
  metric: string,
  estimator: RefuteEstimator,
  opts: {
    original: Estimate;
    shift?: number;
    baseline?: number;
    /** The control sample of the real estimate's stacked data, drawn again on the placebo dates' (default: every control). */
    controls?: ControlSampling | null;
    toInput?: (s: StackedData) => RefuteInput;
    refit?: (input: RefuteInput) => FastRefit | null;
  },
): RefutationResult & { stacked: { n: number; treated: number } } {
  const shift = opts.shift ?? 6;
  if (!Number.isInteger(shift) || shift < 2) throw new RangeError(`placeboDates: \`shift\` must be an integer ≥ 2 (the placebo window is [1, shift − 1]), got ${shift}`);
  if (!Number.isFinite(opts.original?.estimate) || !(opts.original.se > 0)) {
    throw new RangeError('placeboDates: `original` must be the real estimate with a finite value and a positive SE');
  }
  const shifted = shiftFirstCompletion(panel, course, shift);
  const stacked = stackCourse(shifted, course, metric, { window: [1, shift - 1], baseline: opts.baseline, controls: opts.controls });
  const input = (opts.toInput ?? stackedInput)(stacked);
  const placebo = opts.refit?.(input)?.withOutcome?.(input.y, null) ?? estimator(input);
  const treated = total(stacked.treated, stacked.n);
  const result = placeboVerdict('placebo_dates', opts.original, placebo, `with completions moved ${shift} months earlier (window 1–${shift - 1}, all before the real completion)`);
  return { ...result, stacked: { n: stacked.n, treated } };
}

// Σ v[0..n), in order.
function total(v: Float64Array, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += v[i];
  return sum;
}

/**
 * The four refuters on one course's estimate, in the order a reader should
 * weigh them: placebo dates and placebo outcome (do they speak to the
 * design?), then random common cause and data subset (is the computation
 * stable?). The placebo outcome is the metric over months g − 12 .. g − 7,
 * before the baseline the estimate adjusts for. A refuter that cannot run
 * (e.g. too little history for placebo dates) is reported as not run, in
 * words, instead of failing the rest. `refit` sets up a cheap refit of the
 * same estimator on the course's input once, shared by the random common
 * cause and data subset refuters (e.g. `regressionRefit` for regression
 * adjustment).
 *
 * @example
 * refuteCourse(panel, stacked, (x) => regressionAdjustment(x), { original, seed: 1 }).map((r) => r.reading);
 */
export function refuteCourse(
  panel: Panel,
  stacked: StackedData,
  estimator: RefuteEstimator,
  opts: { original: Estimate; seed?: number; shift?: number; subsets?: number; refit?: (input: RefuteInput, original: Estimate) => FastRefit | null },
): (RefutationResult | { refuter: RefutationResult['refuter']; passed: null; reading: string })[] {
  const input = stackedInput(stacked);
  const makeRefit = opts.refit;
  const seed = opts.seed ?? 1;
  const attempt = <T extends RefutationResult>(refuter: RefutationResult['refuter'], fn: () => T) => {
    try {
      return fn();
    } catch (e) {
      return { refuter, passed: null, reading: `Not run: ${e instanceof Error ? e.message : String(e)}` };
    }
  };
  const dates = attempt('placebo_dates', () =>
    placeboDates(panel, stacked.course, stacked.metric, estimator, {
      original: opts.original,
      shift: opts.shift,
      baseline: stacked.baseline,
      controls: samplingOf(stacked),
      refit: makeRefit && ((x) => makeRefit(x, opts.original)),
    }),
  );
  // Set up after the placebo dates, whose own stacked data and refit are then done with: the two are never held at once.
  const refit = makeRefit ? makeRefit(input, opts.original) : null;
  return [
    dates,
    attempt('placebo_outcome', () =>
      placeboOutcome(input, estimator, {
        original: opts.original,
        outcome: laggedOutcome(panel, stacked, stacked.metric, 7, 12),
        name: `${stacked.metric} 7–12 months before completion`,
        refit,
      }),
    ),
    attempt('random_common_cause', () => randomCommonCause(input, estimator, { original: opts.original, seed, refit })),
    attempt('data_subset', () => dataSubset(input, estimator, { original: opts.original, seed, repetitions: opts.subsets ?? 10, refit })),
  ];
}
