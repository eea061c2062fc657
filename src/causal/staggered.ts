import cliProgress from 'cli-progress';
import type { Estimate } from '../core/estimate';
import { DataError, EstimationError } from '../core/errors';
import { choleskyInverse, choleskyScaled, choleskySolve } from '../stats/linalg';
import { fitLogit } from '../stats/logit';
import { fitOls } from '../stats/ols';
import { chisqCdf, normalQuantile } from '../stats/dists';
import { createRng } from '../stats/rng';
import { densePanel, isSharedPanelArray, rowLabel, type PanelInput } from './panel-input';
import { gather, gatherInt } from '../stats/arrays';

export type { PanelInput } from './panel-input';

/** Options of {@link didStaggered}. */
export interface StaggeredOptions {
  /** Comparison units: not-yet-treated (default) or never-treated only. */
  control?: 'notyet' | 'never';
  /** Periods before `g` in which units may already react (default 0). */
  anticipation?: number;
  /** `varying` (default, as R's did): pre-period cells compare t with t − 1; `universal`: every cell uses g − 1 − anticipation. */
  basePeriod?: 'varying' | 'universal';
  /** Event times e = t − g averaged in the window ATT (CONTRACT §4), default [1, 12]. */
  window?: [number, number];
  /** Event times listed in `eventStudy`, default [−6, window end]. */
  eventRange?: [number, number];
  /**
   * Doubly robust ATT(g, t) (Sant'Anna & Zhao 2020, as did's default `dr`): a
   * logit propensity score and a linear model of the change among controls, on
   * the input's time-invariant `covariates`.
   */
  covariates?: boolean;
  /**
   * Conditions every ATT(g, t) on the units' own pre-treatment outcomes (doubly
   * robust, as with `covariates`; they are used together when both are set).
   * A number k: one covariate, each unit's mean outcome over the k periods
   * before the cohort's first treated period (g − anticipation − k .. g −
   * anticipation − 1), the same months for the cohort and its controls. An
   * array of block lengths, e.g. `[3, 9]`: consecutive blocks going back, one
   * covariate each (mean of the last 3 periods, mean of the 9 before them).
   * Pre-period (placebo) cells use the blocks ending at the cell's earlier
   * period, so they stay a test of the assumption below.
   *
   * What it identifies: unconfoundedness of the change given the lagged
   * outcomes ("among people with the same recent results, who enrols is as
   * good as random for the change that follows") instead of parallel trends.
   * That removes the bias of selection on transitory shocks (regression to the
   * mean, an Ashenfelter dip) and on prior results, which unconditional DiD
   * cannot; it does not protect against selection on unobserved trends or on
   * shocks that arrive after the baseline, nor against selection on
   * ability-linked growth the baseline does not reveal; and early cohorts have
   * short baselines (blocks before the data are dropped for them). Placebo
   * cells whose baseline ends before the months people were selected on still
   * show the dip, so a failing pre-trend test is expected under this option
   * and is not evidence against it. Each unit's covariates are measured
   * before g for the cohort and its not-yet-treated controls alike, so they
   * are legitimate pre-treatment covariates. Time-invariant `covariates` are
   * added alongside when `covariates` is true; ones constant among a cell's
   * controls are dropped for that cell, and a cell that cannot be fitted falls
   * back to regression adjustment or is left out, with a warning in words.
   */
  laggedOutcomes?: number | number[];
  /**
   * How `laggedOutcomes` adjusts each cell: `regression` (default) imputes the
   * treated units' untreated change from a weighted linear model of the
   * change on the covariates among the controls (Heckman, Ichimura & Todd's
   * regression DiD; the doubly robust estimator with an intercept-only score);
   * `doubly-robust` adds the logit propensity score as with `covariates`.
   * Regression is the default because assignment on a threshold of recent
   * results (a remedial course) makes the score nearly 0/1 and the
   * reweighting unstable: on the sample company's C02 the doubly robust
   * window ATT is −2,577 against a truth of 203, the regression one 218.
   */
  laggedAdjustment?: 'regression' | 'doubly-robust';
  /**
   * Which group-time cells to estimate: `all` (default); `window`, only the
   * cells whose event time lies in `window`; or `path`, those and the cells
   * of the event study's path (event times in `eventRange`). With `window`
   * or `path` the window ATT and its standard error are those of `all` (its
   * cells and influence functions are the same, to rounding), and with
   * `path` so are the event study and its pre-trend test; the control count
   * is of the computed cells' controls only; the simple, group, calendar and
   * dynamic aggregates are not computed (NaN, with empty `groupEffects` and
   * `calendarEffects`). With `window` the event study holds the window's
   * event times only and there is no pre-trend test. For callers that need
   * no more, as the study: its conditional DiD reports only the window ATT
   * (its cells are a regression each, and the window holds about a third of
   * them), its plain DiD the window ATT, the event study and the test.
   */
  cells?: 'all' | 'window' | 'path';
  /**
   * CONTRACT §4's rule for whom a cohort is compared with, which the stacked
   * data of the cross-section methods follows: cohort g's treated units and
   * its controls must have been hired before period g − anticipation −
   * `hiredBefore` (6: before the six-month baseline began). Needs the
   * input's `hire`. Off by default, as in R's `did`. People still learning
   * the job improve month by month whatever they are taught: compared with
   * recent hires, a course that needs some tenure looks worse than it is,
   * and trainees who are recent hires look better. Treated units hired
   * later are left out (a warning says how many); controls hired later are
   * left out of that cohort's cells only.
   */
  hiredBefore?: number;
  /** Multiplier bootstrap (Rademacher weights by unit) for the aggregates and a simultaneous band over `eventStudy`. */
  bootstrap?: { draws: number; seed: number; progress?: boolean };
  /** 1 − confidence level, default 0.05. */
  alpha?: number;
}

/** One group-time effect ATT(g, t), with its analytic (influence-function) standard error. */
export interface AttGtCell {
  group: number;
  time: number;
  /** Event time t − g. */
  e: number;
  /** The period t is compared with. */
  basePeriod: number;
  estimate: number;
  se: number;
  /** Weighted counts of treated and control units observed at both t and the base period. */
  nTreated: number;
  nControl: number;
}

/** An aggregated effect with its interval (simultaneous over the event study when bootstrapped). */
export interface AggregatedEffect {
  estimate: number;
  se: number;
  lower: number;
  upper: number;
}

export interface StaggeredResult {
  attgt: AttGtCell[];
  aggregates: { simple: Estimate; group: Estimate; calendar: Estimate; dynamic: Estimate; window: Estimate };
  groupEffects: (AggregatedEffect & { group: number })[];
  calendarEffects: (AggregatedEffect & { time: number })[];
  /** Effect by event time over `eventRange`; the band is simultaneous when bootstrapped, pointwise otherwise. */
  eventStudy: (AggregatedEffect & { e: number })[];
  /** Wald test that every pre-period event-time effect in `eventRange` is zero; null when there are none. */
  preTrend: { statistic: number; df: number; pValue: number } | null;
  /** Critical value of the event-study band. */
  criticalValue: number;
  /** True when the band is simultaneous over the path (multiplier bootstrap), false when pointwise. */
  simultaneous: boolean;
  warnings: string[];
}

/**
 * An aggregate under construction: Σ_k coef_k · IF_k accumulated per unit,
 * plus what its weight influence function needs (Callaway & Sant'Anna 2021,
 * the estimated-weights term of the aggregated influence function).
 */
interface Target {
  /** Empty for event times outside the path and the dynamic aggregate: only their estimate is needed. */
  inf: Float64Array;
  /** Σ coef_k and Σ coef_k · att_k. */
  coefSum: number;
  weightedAtt: number;
  /** Per group index: Σ att_k and count of cells (for group-share weights). */
  attByGroup: Float64Array;
  cellsByGroup: Float64Array;
  /** 'share': weights are group shares P(G = g); 'equal': no estimated weights. */
  kind: 'share' | 'equal';
  cells: number;
}

function newTarget(nUnits: number, nGroups: number, kind: Target['kind']): Target {
  return {
    inf: new Float64Array(nUnits),
    coefSum: 0,
    weightedAtt: 0,
    attByGroup: new Float64Array(nGroups),
    cellsByGroup: new Float64Array(nGroups),
    kind,
    cells: 0,
  };
}

function rangeText(values: number[]): string {
  if (values.length === 0) return '';
  const parts: string[] = [];
  let a = values[0];
  let b = a;
  for (let i = 1; i <= values.length; i++) {
    if (i < values.length && values[i] === b + 1) b = values[i];
    else {
      parts.push(a === b ? `${a}` : `${a}..${b}`);
      if (i < values.length) a = b = values[i];
    }
  }
  return parts.join(', ');
}

/**
 * Staggered-adoption difference-in-differences in the manner of Callaway &
 * Sant'Anna (2021): one 2×2 comparison per cohort g and period t (cohort g
 * against never- or not-yet-treated units, long difference from the base
 * period), then aggregated to the simple, group, calendar-time and event-time
 * effects with R `did`'s `aggte` conventions, and to CONTRACT §4's window ATT
 * (event times in the window, weighted by treated units observed). Standard
 * errors come from the influence function (the estimated aggregation weights
 * included); a seeded multiplier bootstrap gives bootstrap errors and a
 * simultaneous band over event time.
 *
 * Unbalanced panels (hires, leavers, gaps) are handled by using, for each
 * ATT(g, t), the units observed at both t and its base period; the warnings
 * say when this happened. Without covariates the comparison is a difference
 * of mean changes, which is what `did` computes with `xformla = ~1`.
 *
 * @example
 * // two cohorts of one unit each and one never-treated unit, outcome jumps by 2 when treated
 * const r = didStaggered({ unit: Int32Array.of(1,1,1, 2,2,2, 3,3,3), time: Int32Array.of(1,2,3, 1,2,3, 1,2,3),
 *   y: Float64Array.of(0,2,2, 0,0,2, 0,0,0), group: Int32Array.of(2,2,2, 3,3,3, 0,0,0) }, { control: 'never', window: [0, 1] });
 * r.aggregates.simple.estimate; // => 2
 *
 * // selection on a dip: condition each comparison on the outcome just before g (see `laggedOutcomes`)
 * // controls revert as Δy = 10 − 0.5·y(2); two treated units with y(2) = 0 and 4 gain 3 on top of that
 * didStaggered(meanReversion, { control: 'never', window: [0, 0], laggedOutcomes: 1 }).aggregates.window.estimate; // => 3 (plain DiD: 9.5)
 */
export function didStaggered(input: PanelInput, opts: StaggeredOptions = {}): StaggeredResult {
  const fn = 'didStaggered';
  const control = opts.control ?? 'notyet';
  if (control !== 'notyet' && control !== 'never') throw new RangeError(`${fn}: \`control\` must be 'notyet' or 'never', got ${JSON.stringify(control)}`);
  const anticipation = opts.anticipation ?? 0;
  if (!Number.isInteger(anticipation) || anticipation < 0) throw new RangeError(`${fn}: \`anticipation\` must be an integer >= 0, got ${anticipation}`);
  const hiredBefore = opts.hiredBefore;
  if (hiredBefore !== undefined) {
    if (!Number.isInteger(hiredBefore) || hiredBefore < 0) throw new RangeError(`${fn}: \`hiredBefore\` must be an integer >= 0, got ${hiredBefore}`);
    if (!input.hire) throw new RangeError(`${fn}: \`hiredBefore\` needs the input's \`hire\` (each row's hire period)`);
  }
  const basePeriod = opts.basePeriod ?? 'varying';
  if (basePeriod !== 'varying' && basePeriod !== 'universal') throw new RangeError(`${fn}: \`basePeriod\` must be 'varying' or 'universal', got ${JSON.stringify(basePeriod)}`);
  const window = opts.window ?? [1, 12];
  if (!Array.isArray(window) || window.length !== 2 || !Number.isInteger(window[0]) || !Number.isInteger(window[1]) || window[0] > window[1]) {
    throw new RangeError(`${fn}: \`window\` must be two integers [a, b] with a <= b, got ${JSON.stringify(window)}`);
  }
  const eventRange = opts.eventRange ?? [Math.min(-6, window[0]), window[1]];
  if (eventRange[0] > eventRange[1]) throw new RangeError(`${fn}: \`eventRange\` must be [a, b] with a <= b, got ${JSON.stringify(eventRange)}`);
  const alpha = opts.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`${fn}: \`alpha\` must be in (0, 1), got ${alpha}`);
  if (opts.covariates && !(input.covariates && input.covariates.length > 0)) {
    throw new RangeError(`${fn}: \`covariates\` is true but the input has no \`covariates\``);
  }
  const lagBlocks = opts.laggedOutcomes === undefined ? null : typeof opts.laggedOutcomes === 'number' ? [opts.laggedOutcomes] : opts.laggedOutcomes;
  if (lagBlocks && (!Array.isArray(lagBlocks) || lagBlocks.length === 0 || lagBlocks.some((k) => !Number.isInteger(k) || k < 1))) {
    throw new RangeError(`${fn}: \`laggedOutcomes\` must be an integer >= 1 or a non-empty array of them (block lengths), got ${JSON.stringify(opts.laggedOutcomes)}`);
  }
  const laggedModel = opts.laggedAdjustment ?? 'regression';
  if (laggedModel !== 'regression' && laggedModel !== 'doubly-robust') {
    throw new RangeError(`${fn}: \`laggedAdjustment\` must be 'regression' or 'doubly-robust', got ${JSON.stringify(opts.laggedAdjustment)}`);
  }
  const cellSet = opts.cells ?? 'all';
  if (cellSet !== 'all' && cellSet !== 'window' && cellSet !== 'path') {
    throw new RangeError(`${fn}: \`cells\` must be 'all', 'window' or 'path', got ${JSON.stringify(opts.cells)}`);
  }
  // Only some cells: the aggregates over all post cells (simple, group, calendar, dynamic) are not computed.
  const partial = cellSet !== 'all';
  const wanted = (e: number) =>
    cellSet === 'all' || (e >= window[0] && e <= window[1]) || (cellSet === 'path' && e >= eventRange[0] && e <= eventRange[1]);
  if (opts.bootstrap) {
    const { draws, seed } = opts.bootstrap;
    if (!Number.isInteger(draws) || draws < 20) throw new RangeError(`${fn}: \`bootstrap.draws\` must be an integer >= 20, got ${draws}`);
    if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`${fn}: \`bootstrap.seed\` must be an integer >= 0, got ${seed}`);
  }

  const d = densePanel(input, fn);
  const { nUnits, nPeriods, periods, yByPeriod, unitWeight } = d;
  const warnings: string[] = [];
  if (nPeriods < 2) throw new EstimationError(`${fn}: the panel has ${nPeriods} period; at least 2 are needed`);
  const firstT = periods[0];
  const lastT = periods[nPeriods - 1];

  // Cohorts. Units first treated at or before the first period (+ anticipation) have no
  // untreated period and are left out, as in did; those treated after the last period are untreated throughout.
  const unitGroup = Int32Array.from(d.unitGroup);
  const active = new Uint8Array(nUnits).fill(1);
  const leftAlwaysTreated = new Set<number>();
  const laterThanData = new Set<number>();
  trimCohorts(unitGroup, active, firstT + anticipation, lastT + anticipation, leftAlwaysTreated, laterThanData);
  if (leftAlwaysTreated.size > 0) {
    const list = [...leftAlwaysTreated].sort((a, b) => a - b);
    warnings.push(`${list.length > 1 ? 'cohorts' : 'cohort'} ${list.join(', ')} ${list.length > 1 ? 'are' : 'is'} treated from the first period (${firstT}) and ${list.length > 1 ? 'have' : 'has'} no untreated period: left out`);
  }
  if (laterThanData.size > 0) {
    const list = [...laterThanData].sort((a, b) => a - b);
    warnings.push(`${list.length > 1 ? 'cohorts' : 'cohort'} ${list.join(', ')} ${list.length > 1 ? 'are' : 'is'} first treated after the last period (${lastT}): counted as not treated`);
  }
  // Units whose own first observation is already treated (hired and trained at once) cannot be compared with themselves.
  const noUntreatedPeriod = dropFirstSeenTreated(unitGroup, active, yByPeriod, periods, nUnits, nPeriods, anticipation);
  if (noUntreatedPeriod > 0) warnings.push(`${noUntreatedPeriod} treated units have no untreated period in the data (first observed when already treated): left out`);
  // CONTRACT §4: a cohort is compared among people hired before its baseline began.
  const unitHire = hiredBefore !== undefined ? unitHirePeriods(input, input.hire!, d.rowUnit, nUnits, fn) : null;
  if (unitHire && hiredBefore !== undefined) {
    const hiredLate = dropHiredLate(unitGroup, active, unitHire, anticipation + hiredBefore);
    if (hiredLate > 0) {
      warnings.push(
        `${hiredLate} treated unit${hiredLate > 1 ? 's were' : ' was'} hired less than ${hiredBefore} periods before ${hiredLate > 1 ? 'their' : 'its'} cohort (after its baseline began): left out, as are such controls (CONTRACT §4)`,
      );
    }
  }
  if (d.unitsWithGaps > 0) {
    warnings.push(`${d.unitsWithGaps} units have gaps in the panel; each ATT(g, t) uses the units observed at both t and its base period`);
  }

  const groupSet = new Set<number>();
  const totals = new Float64Array(2);
  activeTotals(active, unitWeight, unitGroup, groupSet, totals);
  const n = totals[0];
  const wTotal = totals[1];
  const groups = [...groupSet].sort((a, b) => a - b);
  const nGroups = groups.length;
  if (nGroups === 0) throw new EstimationError(`${fn}: no treated units with an untreated period are left; nothing to estimate`);
  const nNever = countNeverTreated(active, unitGroup);
  if (control === 'never' && nNever === 0) {
    throw new EstimationError(`${fn}: \`control\` is 'never' but no unit is never treated; use control 'notyet'`);
  }
  // Dense group index per unit (−1 never treated), and the group shares P(G = g) with unit weights.
  const groupOf = new Int32Array(nUnits).fill(-1);
  const groupShare = new Float64Array(nGroups);
  groupIndexAndShares(active, unitGroup, unitWeight, new Map(groups.map((g, i) => [g, i])), groupOf, groupShare);
  for (let gi = 0; gi < nGroups; gi++) groupShare[gi] /= wTotal;

  // Units reordered by cohort (never treated first, then cohort by cohort, units left out last), so that
  // every treated and comparison group of a cell is a contiguous range: the hot loops run without branches.
  // start[k] is the first position of key k (0 never treated, 1 + cohort index, nGroups + 1 left out).
  const start = new Int32Array(nGroups + 3);
  const order = orderByCohort(active, groupOf, nGroups, start);
  // With hire dates, each group's units are sorted by hire period: a cohort's eligible controls in a group are then its first units.
  const hireAt = unitHire ? sortGroupsByHire(order, start, nGroups + 1, unitHire) : null;
  const hireCuts = new Int32Array(nGroups + 1);
  const Y = permuteRows(yByPeriod, order, nPeriods, nUnits);
  const groupIndex = gatherInt(groupOf, order);
  // Weights are normalised to mean 1 over the active units (did's convention).
  const w = normalisedWeights(unitWeight, active, order, n, wTotal);
  const activeEnd = start[nGroups + 1];
  const covariates = opts.covariates ? unitCovariates(input, d.rowUnit, nUnits, order, fn) : null;
  // Lagged-outcome covariates by the index of their last baseline period (shared by a cohort's post cells).
  const lagCache = new Map<number, Float64Array[]>();
  // A unit's baseline means do not depend on the course: on the rows coursePanelInput shares between courses they are
  // computed once per metric in unit order (the same sums in the same order) and put in this call's order.
  const sharedY = isSharedPanelArray(input.y) ? d.yByPeriod : null;
  const lagCovariates = (lagEnd: number): Float64Array[] => {
    let c = lagCache.get(lagEnd);
    if (!c) {
      c = sharedY ? sharedBaselineMeans(sharedY, nUnits, lagEnd, lagBlocks!).map((col) => gather(col, order)) : baselineMeans(Y, nUnits, lagEnd, lagBlocks!);
      lagCache.set(lagEnd, c);
    }
    return c;
  };
  // Regression cells: one running control Gram matrix per baseline end (see `RegressionScratch`), buffers shared by every cell.
  const regression = lagBlocks ? newRegressionScratch(nUnits, activeEnd) : null;
  const controlRanges = new Int32Array(2 * Math.max(3, nGroups + 1));
  // Plain cells: listed here with their units, their sums accumulated for all of them at once before the loop below.
  const plain = lagBlocks || covariates ? null : newPlainCells(nGroups * nPeriods, controlRanges.length);
  if (plain) {
    const neverCell = new Map<number, number>();
    for (let gi = 0; gi < nGroups; gi++) {
      const g = groups[gi];
      let lastPre = -1;
      for (let p = 0; p < nPeriods; p++) if (periods[p] + anticipation < g) lastPre = p;
      if (hireAt) hiredBeforeCuts(hireAt, start, nGroups + 1, g - anticipation - (hiredBefore ?? 0), hireCuts);
      for (let cur = basePeriod === 'varying' ? 1 : 0; cur < nPeriods; cur++) {
        const t = periods[cur];
        const base = basePeriod === 'varying' && t < g ? cur - 1 : lastPre;
        if (!wanted(t - g) || cur === base) continue;
        const k = plain.nCells++;
        plain.yCur[k] = cur * nUnits;
        plain.yBase[k] = base * nUnits;
        plain.tr0[k] = start[gi + 1];
        plain.tr1[k] = start[gi + 2];
        const controlAfter = Math.max(t, periods[base]) + anticipation;
        plain.nRanges[k] = cellControlRanges(controlRanges, gi, plain.tr0[k], plain.tr1[k], control === 'notyet', controlAfter, groups, start, activeEnd, hireAt ? hireCuts : null);
        plain.ranges.set(controlRanges.subarray(0, 2 * plain.nRanges[k]), k * plain.rangeCap);
        // Cells of the same two periods (placebo cells of several cohorts) sum the never treated alike.
        plain.neverFrom[k] = -1;
        if (!hireAt && plain.nRanges[k] > 0 && controlRanges[0] === 0 && controlRanges[1] === start[1]) {
          const key = cur * nPeriods + base;
          const first = neverCell.get(key);
          if (first === undefined) neverCell.set(key, k);
          else plain.neverFrom[k] = first;
        }
      }
    }
    plainCellSums(Y, w, nUnits, plain);
  }
  let plainAt = -1;
  const cellNotes = new Map<string, string[]>();
  const note = (what: string, g: number, t: number) => (cellNotes.get(what) ?? cellNotes.set(what, []).get(what)!).push(`(${g}, ${t})`);

  // Aggregation targets, filled while the cells are computed.
  const eventTargets = new Map<number, Target>();
  const groupTargets: (Target | null)[] = new Array(nGroups).fill(null);
  const calendarTargets: (Target | null)[] = new Array(nPeriods).fill(null);
  const simple = newTarget(nUnits, nGroups, 'share');
  const windowTarget = newTarget(nUnits, nGroups, 'share');
  // The window's weights are treated units observed in each cell, so its weight IF is per unit.
  const windowMember = new Float64Array(nUnits);
  const windowMemberAtt = new Float64Array(nUnits);
  const usedAsControl = new Uint8Array(nUnits);
  const usedTreated = new Uint8Array(nUnits);
  const usedTreatedWindow = new Uint8Array(nUnits);
  const sums = new Float64Array(14);
  const dsts: Float64Array[] = [];
  const scales = new Float64Array(8);

  const attgt: AttGtCell[] = [];
  const noControls = new Map<number, number[]>();
  const noTreated = new Map<number, number[]>();
  const cellTargets: Target[] = [];
  const cellCoefs: number[] = [];

  for (let gi = 0; gi < nGroups; gi++) {
    const g = groups[gi];
    let lastPre = -1;
    for (let p = 0; p < nPeriods; p++) if (periods[p] + anticipation < g) lastPre = p;
    if (hireAt) hiredBeforeCuts(hireAt, start, nGroups + 1, g - anticipation - (hiredBefore ?? 0), hireCuts);
    for (let cur = basePeriod === 'varying' ? 1 : 0; cur < nPeriods; cur++) {
      const t = periods[cur];
      const post = t >= g;
      const base = basePeriod === 'varying' && !post ? cur - 1 : lastPre;
      const e = t - g;
      if (!wanted(e)) continue;
      cellTargets.length = 0;
      cellCoefs.length = 0;
      // Influence functions are only needed where a standard error is reported: the listed path, e >= 0, post cells, the window.
      const inWindow = e >= window[0] && e <= window[1];
      const eventNeedsInf = e >= eventRange[0];
      const needsInf = eventNeedsInf || post || inWindow;
      let eventT = eventTargets.get(e);
      if (!eventT) {
        eventT = newTarget(eventNeedsInf ? nUnits : 0, nGroups, 'share');
        eventTargets.set(e, eventT);
      }
      if (cur === base) {
        // The universal base period itself: zero by construction, kept so the event study shows it.
        attgt.push({ group: g, time: t, e, basePeriod: periods[base], estimate: 0, se: 0, nTreated: 0, nControl: 0 });
        addCell(eventT, groupShare[gi], 0, gi, false);
        continue;
      }
      const controlAfter = Math.max(t, periods[base]) + anticipation;
      const yCur = cur * nUnits;
      const yBase = base * nUnits;
      const tr0 = start[gi + 1];
      const tr1 = start[gi + 2];
      const nRanges = cellControlRanges(controlRanges, gi, tr0, tr1, control === 'notyet', controlAfter, groups, start, activeEnd, hireAt ? hireCuts : null);
      let dr: DrCell | null = null;
      if (lagBlocks) {
        // Baseline blocks end at the last period before treatment (post cells) or at the cell's earlier period (placebo cells).
        const lagEnd = post ? lastPre : cur - 1;
        const lagCov = lagCovariates(lagEnd);
        const cov = covariates ? [...lagCov, ...covariates] : lagCov;
        const names = [
          ...lagBlocks.map((k, j) => `baseline block ${j + 1} (${k} period${k > 1 ? 's' : ''})`),
          ...(lagCov.length > lagBlocks.length ? ['the short-baseline flag'] : []),
          ...(covariates ? (input.covariates ?? []).map((c) => `covariate \`${c.name}\``) : []),
        ];
        const gram = laggedModel === 'regression' ? gramFor(regression!, lagEnd, cov, lagCov.length) : null;
        const fit = drCellGraceful({ Y, yCur, yBase, w, tr0, tr1, controlRanges, nRanges }, cov, names, n, `cohort ${g}, period ${t}`, laggedModel === 'doubly-robust', regression!, gram);
        for (const msg of fit.notes) note(msg, g, t);
        if (!fit.cell) continue;
        dr = fit.cell;
        sums.fill(0);
        sums[0] = dr.s1;
        sums[2] = dr.n1;
        sums[7] = dr.s0;
        sums[9] = dr.n0;
      } else if (covariates) {
        dr = drCell({ Y, yCur, yBase, w, tr0, tr1, controlRanges, nRanges }, covariates, n, `cohort ${g}, period ${t}`);
        sums.fill(0);
        sums[0] = dr.s1;
        sums[2] = dr.n1;
        sums[7] = dr.s0;
        sums[9] = dr.n0;
      } else {
        // A plain cell: its sums were accumulated with every other cell's before this loop.
        plainAt = plain!.nextCell++;
        if (plain!.yCur[plainAt] !== yCur || plain!.yBase[plainAt] !== yBase) throw new Error(`${fn}: internal error: plain cells out of step`);
        for (let j = 0; j < 14; j++) sums[j] = plain!.sums[14 * plainAt + j];
      }
      const s1 = sums[0];
      const sum1 = sums[1];
      const n1 = sums[2];
      const s0 = sums[7];
      const sum0 = sums[8];
      const n0 = sums[9];
      if (n1 === 0 || !(s1 > 0)) {
        (noTreated.get(g) ?? noTreated.set(g, []).get(g)!).push(t);
        continue;
      }
      if (n0 === 0 || !(s0 > 0)) {
        (noControls.get(g) ?? noControls.set(g, []).get(g)!).push(t);
        continue;
      }
      const mu1 = sum1 / s1;
      const mu0 = sum0 / s0;
      const att = dr ? dr.att : mu1 - mu0;
      const ss = dr ? dr.ss : (n / s1) ** 2 * spreadAround(sums, 3, mu1) + (n / s0) ** 2 * spreadAround(sums, 10, mu0);
      attgt.push({ group: g, time: t, e, basePeriod: periods[base], estimate: att, se: Math.sqrt(ss) / n, nTreated: s1, nControl: s0 });

      addCell(eventT, groupShare[gi], att, gi, eventNeedsInf);
      if (post && !partial) {
        let gt = groupTargets[gi];
        if (!gt) gt = groupTargets[gi] = newTarget(nUnits, nGroups, 'equal');
        addCell(gt, 1, att, gi, true);
        let ct = calendarTargets[cur];
        if (!ct) ct = calendarTargets[cur] = newTarget(nUnits, nGroups, 'share');
        addCell(ct, groupShare[gi], att, gi, true);
        // The simple aggregate's influence is rebuilt from the group targets after the loop.
        addCell(simple, groupShare[gi], att, gi, false);
      }
      if (inWindow) {
        addCell(windowTarget, s1 / n, att, gi, true);
        if (dr) markDrWindowMembers(dr, w, att, windowMember, windowMemberAtt, usedTreatedWindow);
        else markWindowMembers(Y, yCur, yBase, w, att, tr0, tr1, windowMember, windowMemberAtt, usedTreatedWindow);
      }
      usedTreated.fill(1, tr0, tr1);
      for (let r = 0; r < nRanges; r++) usedAsControl.fill(1, controlRanges[2 * r], controlRanges[2 * r + 1]);
      if (needsInf && dr) {
        for (let k = 0; k < cellTargets.length; k++) {
          dsts[k] = cellTargets[k].inf;
          scales[k] = cellCoefs[k];
        }
        scatterInfluence(dr.idx, dr.inf, dsts, scales, cellTargets.length);
      } else if (needsInf && cellTargets.length > 0) {
        // IF_k = n·w(dy − mu1)/s1 on the treated, −n·w(dy − mu0)/s0 on the controls, 0 elsewhere; added into each
        // target after the loop, every cell's in this order (see plainCellInfluence).
        const m = cellTargets.length;
        // At most four targets take a cell's influence (its event time, cohort, calendar period and the window).
        if (m > 4) throw new Error(`${fn}: internal error: a plain cell with ${m} influence targets`);
        const j = plain!.nInf++;
        plain!.infCell[j] = plainAt;
        plain!.infCount[j] = m;
        plain!.infMu[2 * j] = mu1;
        plain!.infMu[2 * j + 1] = mu0;
        for (let k = 0; k < m; k++) {
          plain!.infDst[4 * j + k] = cellTargets[k].inf;
          plain!.infScale[8 * j + k] = (cellCoefs[k] * n) / s1;
          plain!.infScale[8 * j + 4 + k] = (-cellCoefs[k] * n) / s0;
        }
      }
    }
  }
  if (plain && plain.nInf > 0) plainCellInfluence(Y, w, nUnits, plain);

  /** Registers a cell with a target; its IF is scattered once the cell's targets are known. */
  function addCell(target: Target, coef: number, att: number, gi: number, withInfluence: boolean): void {
    target.coefSum += coef;
    target.weightedAtt += coef * att;
    target.attByGroup[gi] += att;
    target.cellsByGroup[gi] += 1;
    target.cells++;
    if (withInfluence) {
      cellTargets.push(target);
      cellCoefs.push(coef);
    }
  }

  for (const [what, cells] of cellNotes) {
    warnings.push(`${what}: ${cells.length} cell${cells.length > 1 ? 's' : ''} (g, t) ${cells.slice(0, 6).join(', ')}${cells.length > 6 ? ', ...' : ''}`);
  }
  for (const [g, ts] of noControls) {
    warnings.push(`cohort ${g} has no valid control units (${control === 'never' ? 'never treated' : 'not yet treated'}) in period${ts.length > 1 ? 's' : ''} ${rangeText(ts)}: those ATT(g, t) are not estimated`);
  }
  for (const [g, ts] of noTreated) {
    warnings.push(`cohort ${g} has no unit observed at both the period and its base period in period${ts.length > 1 ? 's' : ''} ${rangeText(ts)}: those ATT(g, t) are not estimated`);
  }
  if (!attgt.some((c) => c.nTreated > 0)) {
    throw new EstimationError(`${fn}: no group-time effect could be estimated${warnings.length ? ': ' + warnings.join('; ') : ''}`);
  }

  // Finish the targets: normalise, add the estimated-weights term.
  const finishShare = (t: Target): number => finishTarget(t, nUnits, groupIndex, w);
  const seOf = (inf: Float64Array): number => influenceSe(inf, nUnits, n);

  const eventTimes = [...eventTargets.keys()].sort((a, b) => a - b);
  const eventEst = new Map<number, number>();
  for (const e of eventTimes) {
    const t = eventTargets.get(e)!;
    if (t.coefSum === 0) continue;
    eventEst.set(e, finishShare(t));
  }
  // Σ over post cells of P(G = g_k)·IF_k = Σ_g P(G = g)·(Σ over g's post cells of IF_k): the group targets hold the inner sums.
  for (let gi = 0; gi < nGroups; gi++) {
    const gt = groupTargets[gi];
    if (gt) addScaled(simple.inf, groupShare[gi], gt.inf, nUnits);
  }
  const simpleEst = simple.cells > 0 ? finishShare(simple) : NaN;

  // Window: weights are treated units observed per cell (p_k = m_k / n), so its weight IF is per unit.
  let windowEst = NaN;
  if (windowTarget.cells > 0) {
    const S = windowTarget.coefSum;
    const wAtt = windowTarget.weightedAtt;
    windowEst = wAtt / S;
    finishWindowInfluence(windowTarget.inf, nUnits, S, wAtt, windowMember, windowMemberAtt);
  }

  // Group aggregate: each cohort's average post effect, then weighted by cohort share (with its weight IF).
  const groupEst: number[] = [];
  const groupOverall = newTarget(nUnits, nGroups, 'share');
  for (let gi = 0; gi < nGroups; gi++) {
    const t = groupTargets[gi];
    if (!t) continue;
    const est = finishShare(t);
    groupEst[gi] = est;
    groupOverall.coefSum += groupShare[gi];
    groupOverall.weightedAtt += groupShare[gi] * est;
    groupOverall.attByGroup[gi] += est;
    groupOverall.cellsByGroup[gi] += 1;
    groupOverall.cells++;
    addScaled(groupOverall.inf, groupShare[gi], t.inf, nUnits);
  }
  const groupOverallEst = groupOverall.cells > 0 ? finishShare(groupOverall) : NaN;

  // Calendar and dynamic aggregates: plain means of their parts (fixed weights, no weight IF).
  const calendarEst: number[] = [];
  const calendarOverall = newTarget(nUnits, nGroups, 'equal');
  for (let p = 0; p < nPeriods; p++) {
    const t = calendarTargets[p];
    if (!t) continue;
    calendarEst[p] = finishShare(t);
    addTo(calendarOverall, t, calendarEst[p]);
  }
  const calendarOverallEst = calendarOverall.cells > 0 ? finishShare(calendarOverall) : NaN;
  const dynamicOverall = newTarget(nUnits, nGroups, 'equal');
  for (const e of eventTimes) {
    if (partial || e < 0 || !eventEst.has(e)) continue;
    addTo(dynamicOverall, eventTargets.get(e)!, eventEst.get(e)!);
  }
  // With only some cells, an average over the computed e >= 0 would not be the dynamic aggregate.
  const dynamicOverallEst = dynamicOverall.cells > 0 && !partial ? finishShare(dynamicOverall) : NaN;

  function addTo(dst: Target, part: Target, est: number): void {
    dst.coefSum += 1;
    dst.weightedAtt += est;
    dst.cells++;
    addInto(dst.inf, part.inf, nUnits);
  }

  // Standard errors: analytic, then the multiplier bootstrap where asked.
  const pathTimes = eventTimes.filter((e) => e >= eventRange[0] && e <= eventRange[1] && eventEst.has(e));
  const windowLacking: number[] = [];
  const haveE = new Set(eventEst.keys());
  for (let e = window[0]; e <= window[1]; e++) if (!haveE.has(e)) windowLacking.push(e);
  if (windowLacking.length === window[1] - window[0] + 1) {
    // Observed but without controls (everyone trained by then) is not the same as not observed yet.
    const lackedControls = [...noControls].some(([g, ts]) => ts.some((t) => t - g >= window[0] && t - g <= window[1]));
    warnings.push(
      lackedControls
        ? `no cohort has a comparison group at event times ${window[0]}..${window[1]} (the window): every ATT(g, t) there lacks valid control units, so the window ATT cannot be estimated`
        : `no cohort is observed at event times ${window[0]}..${window[1]} (the window): the window ATT cannot be estimated yet (too early to judge)`,
    );
  } else if (windowLacking.length > 0) {
    warnings.push(`the window ${window[0]}..${window[1]} reaches beyond the data: event time${windowLacking.length > 1 ? 's' : ''} ${rangeText(windowLacking)} ${windowLacking.length > 1 ? 'are' : 'is'} not observed for any cohort`);
  }

  interface Column {
    inf: Float64Array;
    est: number;
    se: number;
  }
  const col = (t: Target, est: number): Column => ({ inf: t.inf, est, se: Number.isNaN(est) ? NaN : seOf(t.inf) });
  const pathCols = pathTimes.map((e) => col(eventTargets.get(e)!, eventEst.get(e)!));
  const simpleCol = col(simple, simpleEst);
  const groupCol = col(groupOverall, groupOverallEst);
  const dynamicCol = col(dynamicOverall, dynamicOverallEst);
  const calendarCol = col(calendarOverall, calendarOverallEst);
  const windowCol = col(windowTarget, windowEst);
  const z = normalQuantile(1 - alpha / 2, 0, 1);
  let criticalValue = z;
  let bootstrapNote: string | null = null;
  if (opts.bootstrap) {
    const cols = [...pathCols, simpleCol, groupCol, dynamicCol, calendarCol, windowCol].filter((c) => !Number.isNaN(c.est));
    const boot = multiplierBootstrap(
      cols.map((c) => c.inf),
      nUnits,
      n,
      opts.bootstrap.draws,
      opts.bootstrap.seed,
      opts.bootstrap.progress ?? false,
    );
    boot.se.forEach((s, j) => {
      cols[j].se = s;
    });
    const pathIdx = pathCols.map((c) => cols.indexOf(c)).filter((j) => j >= 0);
    criticalValue = simultaneousCritical(boot.draws, boot.nDraws, cols.length, pathIdx, boot.se, alpha);
    bootstrapNote = `multiplier bootstrap, ${opts.bootstrap.draws} draws, seed ${opts.bootstrap.seed}; simultaneous critical value ${criticalValue.toFixed(3)}`;
  }

  // Pre-trend: Wald test that the pre-period event-time effects are jointly zero, on the IF covariance.
  const preIdx = pathTimes.map((e, j) => (e < 0 && pathCols[j].se > 0 ? j : -1)).filter((j) => j >= 0);
  const preTrend = preIdx.length > 0 ? waldTest(preIdx.map((j) => pathCols[j]), n) : null;

  const nTreatedAll = countMarked(usedTreated);
  const nControlAll = countMarked(usedAsControl);
  const diagnostics = (extra: Record<string, unknown>): Record<string, unknown> => ({
    control,
    anticipation,
    basePeriod,
    covariates: covariates ? (input.covariates ?? []).map((c) => c.name) : [],
    laggedOutcomes: lagBlocks ?? [],
    laggedAdjustment: lagBlocks ? laggedModel : null,
    cells: attgt.length,
    standardErrors: bootstrapNote ?? 'influence function (analytic)',
    warnings,
    ...extra,
  });
  const estimate = (estimand: string, c: Column, extra: Record<string, unknown>, nTreated = nTreatedAll): Estimate => ({
    method: 'did_staggered',
    estimand,
    estimate: c.est,
    se: c.se,
    ci: [c.est - z * c.se, c.est + z * c.se],
    nTreated,
    nControl: nControlAll,
    diagnostics: diagnostics(extra),
  });

  const effect = (est: number, se: number, crit: number): AggregatedEffect => ({ estimate: est, se, lower: est - crit * se, upper: est + crit * se });
  return {
    attgt,
    aggregates: {
      simple: estimate('ATT (simple: post-treatment cells weighted by cohort size)', simpleCol, {}),
      group: estimate('ATT (group: cohort averages weighted by cohort size)', groupCol, {}),
      calendar: estimate('ATT (calendar: average over calendar periods)', calendarCol, {}),
      dynamic: estimate('ATT (event time: average over e >= 0)', dynamicCol, {}),
      window: estimate('ATT', windowCol, { window, eventTimesMissing: windowLacking }, countMarked(usedTreatedWindow)),
    },
    groupEffects: groups
      .map((g, gi) => (groupTargets[gi] ? { group: g, ...effect(groupEst[gi], seOf(groupTargets[gi]!.inf), z) } : null))
      .filter((x): x is AggregatedEffect & { group: number } => x !== null),
    calendarEffects: Array.from(periods)
      .map((t, p) => (calendarTargets[p] ? { time: t, ...effect(calendarEst[p], seOf(calendarTargets[p]!.inf), z) } : null))
      .filter((x): x is AggregatedEffect & { time: number } => x !== null),
    eventStudy: pathTimes.map((e, j) => ({ e, ...effect(pathCols[j].est, pathCols[j].se, criticalValue) })),
    preTrend,
    criticalValue,
    simultaneous: opts.bootstrap !== undefined,
    warnings,
  };
}

// The hot loops live in small top-level functions over typed arrays, which V8 optimises far better than closures inside one large function.

/** Time-invariant covariates per unit (in the cohort order), from each unit's first row; a value that changes is an error. */
function unitCovariates(input: PanelInput, rowUnit: Int32Array, nUnits: number, order: Int32Array, fn: string): Float64Array[] {
  return (input.covariates ?? []).map(({ name, values }) => {
    if (!(values instanceof Float64Array) || values.length !== rowUnit.length) {
      throw new RangeError(`${fn}: covariate \`${name}\` must be a Float64Array with one value per row (${rowUnit.length})`);
    }
    // A column coursePanelInput shares between courses is read into units (and checked) once.
    const kept = UNIT_VALUES.get(values);
    if (kept && kept.rowUnit === rowUnit) return gather(kept.byUnit, order);
    const byUnit = new Float64Array(nUnits).fill(NaN);
    // The row is named only when there is something to say about it (a string per row would cost more than the check).
    const where = (i: number) => (input.source ? `${input.source} row ${(input.sourceRows ? input.sourceRows[i] : i) + 2}` : `row ${i + 1}`);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) throw new DataError(`${fn}: ${where(i)}: covariate \`${name}\` is missing or not finite (${v})`, { file: input.source, column: name });
      const u = rowUnit[i];
      if (Number.isNaN(byUnit[u])) byUnit[u] = v;
      else if (byUnit[u] !== v) {
        throw new DataError(`${fn}: ${where(i)}: covariate \`${name}\` changes within a unit (${byUnit[u]} then ${v}); covariates must be time-invariant (measure them before treatment)`, {
          file: input.source,
          column: name,
        });
      }
    }
    if (isSharedPanelArray(values)) UNIT_VALUES.set(values, { rowUnit, byUnit });
    return gather(byUnit, order);
  });
}

/** Each unit's hire period, from its rows; one that changes within a unit is an error naming the row. */
function unitHirePeriods(input: PanelInput, hire: Int32Array, rowUnit: Int32Array, nUnits: number, fn: string): Int32Array {
  if (!(hire instanceof Int32Array) || hire.length !== rowUnit.length) {
    throw new RangeError(`${fn}: \`hire\` must be an Int32Array with one value per row (${rowUnit.length})`);
  }
  const byUnit = new Int32Array(nUnits);
  const seen = new Uint8Array(nUnits);
  for (let i = 0; i < hire.length; i++) {
    const u = rowUnit[i];
    if (!seen[u]) {
      seen[u] = 1;
      byUnit[u] = hire[i];
    } else if (byUnit[u] !== hire[i]) {
      throw new DataError(`${fn}: ${rowLabel(input, i)}: the hire period changes within a unit (${byUnit[u]} then ${hire[i]}); it must be the same on every row of a unit`, {
        file: input.source,
        row: i + 2,
        column: 'hire',
      });
    }
  }
  return byUnit;
}

/**
 * Sorts positions [start[k], start[k + 1]) of `order` by the units' hire period (then unit) for each of the first
 * `blocks` groups, and returns the hire period at every position (0 past those groups).
 */
function sortGroupsByHire(order: Int32Array, start: Int32Array, blocks: number, unitHire: Int32Array): Int32Array {
  for (let k = 0; k < blocks; k++) order.subarray(start[k], start[k + 1]).sort((a, b) => unitHire[a] - unitHire[b] || a - b);
  const hireAt = new Int32Array(order.length);
  for (let pos = 0; pos < start[blocks]; pos++) hireAt[pos] = unitHire[order[pos]];
  return hireAt;
}

/** cuts[k]: the first position of group k whose unit was hired at or after `before` (its eligible units are those before it). */
function hiredBeforeCuts(hireAt: Int32Array, start: Int32Array, blocks: number, before: number, cuts: Int32Array): void {
  for (let k = 0; k < blocks; k++) {
    let lo = start[k];
    let hi = start[k + 1];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (hireAt[mid] < before) lo = mid + 1;
      else hi = mid;
    }
    cuts[k] = lo;
  }
}

/** Each period's row of a period-major matrix with its units put in `order` (a loop inside didStaggered's body ran several times slower). */
function permuteRows(src: Float64Array, order: Int32Array, nRows: number, nUnits: number): Float64Array {
  const out = new Float64Array(nRows * nUnits);
  for (let p = 0; p < nRows; p++) {
    const off = p * nUnits;
    for (let pos = 0; pos < nUnits; pos++) out[off + pos] = src[off + order[pos]];
  }
  return out;
}

/** Unit weights in `order`, scaled to mean 1 over the active units; 0 for the units left out. */
function normalisedWeights(unitWeight: Float64Array, active: Uint8Array, order: Int32Array, n: number, wTotal: number): Float64Array {
  const out = new Float64Array(order.length);
  for (let pos = 0; pos < order.length; pos++) {
    const u = order[pos];
    out[pos] = active[u] ? (unitWeight[u] * n) / wTotal : 0;
  }
  return out;
}

const UNIT_VALUES = new WeakMap<Float64Array, { rowUnit: Int32Array; byUnit: Float64Array }>();

/** The units of one cell: outcomes (period-major), the two periods' offsets, weights, the cohort's range and the control ranges. */
interface CellSpan {
  Y: Float64Array;
  yCur: number;
  yBase: number;
  w: Float64Array;
  tr0: number;
  tr1: number;
  controlRanges: Int32Array;
  nRanges: number;
}

/** A doubly robust cell: its ATT, the influence (× n / m) on the m units used, their positions, and weighted counts. */
interface DrCell {
  att: number;
  inf: Float64Array;
  idx: Int32Array;
  ss: number;
  s1: number;
  s0: number;
  n1: number;
  n0: number;
}

/**
 * ATT(g, t) by the doubly robust DiD of Sant'Anna & Zhao (2020) for panel
 * data (DRDID's `drdid_panel`, did's default with covariates): a logit of
 * "in cohort g" on the covariates, a weighted linear model of the change
 * among the controls, and the influence function with both estimation
 * effects. Propensity scores are capped below 1 and controls with a score
 * of 0.995 or more are left out (DRDID's trimming).
 */
function drCell(span: CellSpan, cov: Float64Array[], n: number, label: string, psColumns = cov.length + 1): DrCell {
  const { Y, yCur, yBase, w, tr0, tr1, controlRanges, nRanges } = span;
  const idxList: number[] = [];
  let n1 = 0;
  const nCov = cov.length;
  const take = (from: number, to: number) => {
    for (let u = from; u < to; u++) {
      if (Y[yCur + u] - Y[yBase + u] !== Y[yCur + u] - Y[yBase + u]) continue;
      let ok = true;
      for (let j = 0; j < nCov; j++) if (cov[j][u] !== cov[j][u]) ok = false;
      if (ok) idxList.push(u);
    }
  };
  take(tr0, tr1);
  n1 = idxList.length;
  for (let r = 0; r < nRanges; r++) take(controlRanges[2 * r], controlRanges[2 * r + 1]);
  const m = idxList.length;
  const n0 = m - n1;
  const idx = Int32Array.from(idxList);
  const p = cov.length + 1;
  if (n1 === 0 || n0 === 0) return { att: NaN, inf: new Float64Array(0), idx, ss: 0, s1: 0, s0: 0, n1, n0 };
  const D = new Float64Array(m);
  const dy = new Float64Array(m);
  const iw = new Float64Array(m);
  const x = new Float64Array(m * p);
  let s1 = 0;
  let s0 = 0;
  let wMean = 0;
  for (let i = 0; i < m; i++) {
    const u = idx[i];
    D[i] = i < n1 ? 1 : 0;
    dy[i] = Y[yCur + u] - Y[yBase + u];
    iw[i] = w[u];
    if (i < n1) s1 += w[u];
    else s0 += w[u];
    wMean += w[u] / m;
    x[i] = 1;
    for (let j = 1; j < p; j++) x[j * m + i] = cov[j - 1][u];
  }
  for (let i = 0; i < m; i++) iw[i] /= wMean;
  const names = ['(Intercept)', ...cov.map((_, j) => `x${j + 1}`)];
  // The propensity score may use fewer columns than the outcome model (psColumns = 1: regression adjustment).
  const q = psColumns;
  let ps: Float64Array;
  try {
    ps = fitLogit({ n: m, p: q, names: names.slice(0, q), x: x.subarray(0, m * q) }, D, { weights: iw }).fitted;
  } catch (e) {
    throw new EstimationError(`didStaggered: the propensity score of ${label} cannot be fitted: ${(e as Error).message}`);
  }
  // Outcome model: weighted least squares of the change on the covariates, controls only.
  const xc = new Float64Array(n0 * p);
  for (let j = 0; j < p; j++) for (let i = 0; i < n0; i++) xc[j * n0 + i] = x[j * m + n1 + i];
  let ols;
  try {
    ols = fitOls({ n: n0, p, names, x: xc }, dy.subarray(n1), { weights: iw.subarray(n1) });
  } catch (e) {
    throw new EstimationError(`didStaggered: the outcome model of ${label} cannot be fitted: ${(e as Error).message}`);
  }
  const beta = ols.coef;
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let v = 0;
    for (let j = 0; j < p; j++) v += x[j * m + i] * beta[j];
    out[i] = v;
  }
  const wT = new Float64Array(m);
  const wC = new Float64Array(m);
  let mwT = 0;
  let mwC = 0;
  let etaT = 0;
  let etaC = 0;
  for (let i = 0; i < m; i++) {
    const pi = Math.min(ps[i], 1 - 1e-6);
    ps[i] = pi;
    const keep = D[i] === 1 || pi < 0.995 ? 1 : 0;
    wT[i] = keep * iw[i] * D[i];
    wC[i] = (keep * iw[i] * pi * (1 - D[i])) / (1 - pi);
    mwT += wT[i] / m;
    mwC += wC[i] / m;
    etaT += (wT[i] * (dy[i] - out[i])) / m;
    etaC += (wC[i] * (dy[i] - out[i])) / m;
  }
  etaT /= mwT;
  etaC /= mwC;
  const att = etaT - etaC;
  // Estimation effects: (XᵀWX/m)⁻¹ of the outcome model is m × its bread; the logit's Hessian from the capped scores.
  const xpxInv = ols.bread.map((v) => v * m);
  const xtwx = new Float64Array(q * q);
  for (let i = 0; i < m; i++) {
    const wi = ps[i] * (1 - ps[i]) * iw[i];
    for (let a = 0; a < q; a++) for (let b = 0; b <= a; b++) xtwx[a * q + b] += wi * x[a * m + i] * x[b * m + i];
  }
  for (let a = 0; a < q; a++) for (let b = 0; b < a; b++) xtwx[b * q + a] = xtwx[a * q + b];
  const chol = choleskyScaled(xtwx, q);
  if (!('L' in chol)) throw new EstimationError(`didStaggered: the propensity score design of ${label} is singular (covariate ${chol.dependent})`);
  const hessian = choleskyInverse(chol, q).map((v) => v * m);
  const M1 = new Float64Array(p);
  const M2 = new Float64Array(q);
  const M3 = new Float64Array(p);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < p; j++) {
      const xij = x[j * m + i];
      M1[j] += (wT[i] * xij) / m;
      if (j < q) M2[j] += (wC[i] * (dy[i] - out[i] - etaC) * xij) / m;
      M3[j] += (wC[i] * xij) / m;
    }
  }
  const matVec = (A: Float64Array, v: Float64Array, k: number) => Float64Array.from({ length: k }, (_, a) => A.slice(a * k, a * k + k).reduce((s2, aij, b) => s2 + aij * v[b], 0));
  const a1 = matVec(xpxInv, M1, p);
  const a3 = matVec(xpxInv, M3, p);
  const a2 = matVec(hessian, M2, q);
  const inf = new Float64Array(m);
  const scale = n / m;
  let ss = 0;
  for (let i = 0; i < m; i++) {
    let x1 = 0;
    let x2 = 0;
    let x3 = 0;
    for (let j = 0; j < p; j++) {
      const xij = x[j * m + i];
      x1 += xij * a1[j];
      if (j < q) x2 += xij * a2[j];
      x3 += xij * a3[j];
    }
    const olsResid = iw[i] * (1 - D[i]) * (dy[i] - out[i]);
    const psScore = iw[i] * (D[i] - ps[i]);
    const infTreat = (wT[i] * (dy[i] - out[i]) - wT[i] * etaT - olsResid * x1) / mwT;
    const infCont = (wC[i] * (dy[i] - out[i]) - wC[i] * etaC + psScore * x2 - olsResid * x3) / mwC;
    const v = scale * (infTreat - infCont);
    inf[i] = v;
    ss += v * v;
  }
  return { att, inf, idx, ss, s1, s0, n1, n0 };
}

/**
 * Each unit's mean outcome over consecutive baseline blocks ending at period
 * index `lagEnd` (the first block the most recent), NaN where a unit has no
 * observed month in a block; months before the data are simply not there.
 */
function baselineMeans(Y: Float64Array, nUnits: number, lagEnd: number, blocks: number[]): Float64Array[] {
  const out: Float64Array[] = [];
  let hi = lagEnd;
  for (const len of blocks) {
    const sum = new Float64Array(nUnits);
    const cnt = new Float64Array(nUnits);
    for (let p = Math.max(0, hi - len + 1); p <= hi; p++) addObserved(Y, p * nUnits, nUnits, sum, cnt);
    divideByCounts(sum, cnt, nUnits);
    out.push(sum);
    hi -= len;
  }
  // Recent hires lack the older blocks: they carry the nearest newer block forward and are flagged, rather than being
  // dropped (which would change whom the ATT is about). A block no unit has is left for the cell to drop.
  const short = new Float64Array(nUnits);
  let anyShort = false;
  for (let j = 1; j < out.length; j++) {
    if (!anyObserved(out[j], nUnits)) continue;
    if (carryForward(out[j], out[j - 1], short, nUnits)) anyShort = true;
  }
  if (anyShort) out.push(short);
  return out;
}

// baselineMeans' loops, one a function (see residualsAndSum). Adds period row Y[off..off + nUnits)'s observed
// values into sum and counts them in cnt.
function addObserved(Y: Float64Array, off: number, nUnits: number, sum: Float64Array, cnt: Float64Array): void {
  for (let u = 0; u < nUnits; u++) {
    const v = Y[off + u];
    if (v === v) {
      sum[u] += v;
      cnt[u]++;
    }
  }
}

// sum[u] / cnt[u] in place, NaN where nothing was counted.
function divideByCounts(sum: Float64Array, cnt: Float64Array, nUnits: number): void {
  for (let u = 0; u < nUnits; u++) sum[u] = cnt[u] > 0 ? sum[u] / cnt[u] : NaN;
}

function anyObserved(col: Float64Array, nUnits: number): boolean {
  let seen = false;
  for (let u = 0; u < nUnits && !seen; u++) seen = col[u] === col[u];
  return seen;
}

// Units missing in cur but not in prev take prev's value and are flagged in short; whether any did.
function carryForward(cur: Float64Array, prev: Float64Array, short: Float64Array, nUnits: number): boolean {
  let any = false;
  for (let u = 0; u < nUnits; u++) {
    if (cur[u] !== cur[u] && prev[u] === prev[u]) {
      cur[u] = prev[u];
      short[u] = 1;
      any = true;
    }
  }
  return any;
}

// Baseline means of the outcomes coursePanelInput shares, in unit order, by baseline end and blocks (read-only).
const SHARED_BASELINES = new WeakMap<Float64Array, Map<string, Float64Array[]>>();

function sharedBaselineMeans(yByPeriod: Float64Array, nUnits: number, lagEnd: number, blocks: number[]): Float64Array[] {
  let byKey = SHARED_BASELINES.get(yByPeriod);
  if (!byKey) SHARED_BASELINES.set(yByPeriod, (byKey = new Map()));
  const key = `${lagEnd}:${blocks.join(',')}`;
  let cols = byKey.get(key);
  if (!cols) byKey.set(key, (cols = baselineMeans(yByPeriod, nUnits, lagEnd, blocks)));
  return cols;
}

/**
 * {@link drCell} that gives way instead of failing the estimate: covariates
 * with no value in the cell (a baseline block before the data) or constant
 * among its controls are dropped; a propensity score that cannot be fitted
 * (separation, too few treated) falls back to regression adjustment (an
 * intercept-only score, for which the DR estimator is the outcome-regression
 * one); a cell whose outcome model cannot be fitted is left out. Each
 * concession comes back as a note.
 */
function drCellGraceful(
  span: CellSpan,
  cov: Float64Array[],
  names: string[],
  n: number,
  label: string,
  doublyRobust: boolean,
  scratch: RegressionScratch,
  gram: GramState | null,
): { cell: DrCell | null; notes: string[] } {
  const notes: string[] = [];
  const k = cov.length;
  // Per column: no unit of the cell has it (seen 0), every unit has it (seen m), it varies among the controls.
  const none = new Uint8Array(k);
  const full = new Uint8Array(k);
  const varies = new Uint8Array(k);
  const { idx } = scratch;
  const units = gram ? observedCodedUnits(span, scratch, gram) : null;
  const { n1, m } = units ?? observedUnits(span, scratch);
  for (let j = 0; j < k; j++) {
    const mb = gram && units ? gram.missBit[j] : UNTRACKED;
    if (mb === UNTRACKED) {
      const s = summariseColumn(cov[j], idx, n1, m);
      none[j] = s.seen === 0 ? 1 : 0;
      full[j] = s.seen === m ? 1 : 0;
      varies[j] = s.hi > s.lo ? 1 : 0;
      continue;
    }
    // Packed 0/1 columns have no missing values; whether one is constant among the controls shows in their codes.
    // Whether a numeric column is missing for some or all of the cell's units shows in the units' missing masks;
    // whether it varies among the controls, at the first control whose value differs.
    const { anyBit, allBits, anyMiss, allMiss } = units!;
    const bit = gram!.bitOf[j];
    none[j] = m === 0 || (mb >= 0 && ((allMiss >> mb) & 1) === 1) ? 1 : 0;
    full[j] = mb >= 0 && ((anyMiss >> mb) & 1) === 1 ? 0 : 1;
    if (bit >= 0) varies[j] = ((anyBit >> bit) & 1) > ((allBits >> bit) & 1) ? 1 : 0;
    else if (!none[j]) varies[j] = variesAmong(cov[j], idx, n1, m) ? 1 : 0;
  }
  const keep: number[] = [];
  for (let j = 0; j < k; j++) {
    if (none[j]) notes.push(`${names[j]} has no observed value (it lies before the data): left out of the adjustment`);
    else if (!varies[j]) notes.push(`${names[j]} is constant among the controls: left out of the adjustment`);
    else keep.push(j);
  }
  const kept = keep.map((j) => cov[j]);
  const complete = keep.every((j) => full[j] === 1);
  // A treated unit counts as lacking a baseline only when a covariate that is kept is missing for it.
  if (!complete) {
    let lacking = 0;
    for (let i = 0; i < n1; i++) if (keep.some((j) => cov[j][idx[i]] !== cov[j][idx[i]])) lacking++;
    if (lacking > 0) notes.push('treated units without a baseline outcome are left out of their cells');
  }
  // The fast regression cell needs every kept covariate observed for every unit of the cell; otherwise, and whenever
  // it cannot vouch for the fit (few controls, a small pivot), the per-cell fit below decides, errors and all.
  if (!doublyRobust && gram && complete) {
    const cell = regressionCell(span, gram, keep, n, scratch, units!);
    if (cell) return { cell, notes };
  }
  try {
    return { cell: drCell(span, kept, n, label, doublyRobust ? kept.length + 1 : 1), notes };
  } catch (e) {
    if (!doublyRobust) {
      notes.push('the outcome model cannot be fitted (too few controls for the covariates): cells left out');
      return { cell: null, notes };
    }
    if (!(e instanceof EstimationError) || /outcome model/.test(e.message)) {
      notes.push('the outcome model cannot be fitted (too few controls): cells left out');
      return { cell: null, notes };
    }
  }
  notes.push('the propensity score cannot be fitted (separation or too few treated units): regression adjustment used');
  try {
    return { cell: drCell(span, kept, n, label, 1), notes };
  } catch {
    notes.push('the outcome model cannot be fitted (too few controls): cells left out');
    return { cell: null, notes };
  }
}

/** A scaled Cholesky pivot below this sends a regression cell to drCell's QR fit, which judges singularity (as fitOls's Gram path). */
const GRAM_PIVOT_TOLERANCE = 1e-8;
/** 0/1 covariates packed into a unit's code (tables of 2^bits entries per cell). */
const MAX_CODE_BITS = 10;
/** Below this smallest scaled pivot (a condition of ~1e4) the regression cell refines its coefficients once. */
const REFINE_BELOW_PIVOT = 1e-4;

/**
 * Shared state of the regression cells of one {@link didStaggered} call:
 * buffers sized for every unit (a cell's units, changes, residuals and
 * influence live here, so a cell allocates only p-sized vectors), and one
 * {@link GramState} per baseline end.
 */
interface RegressionScratch {
  /** Units [0, limit) are the only ones that can be controls (the active ones). */
  limit: number;
  /** A cell's units observed at both periods (treated first), their changes, residuals, control loadings, influence. */
  idx: Int32Array;
  dy: Float64Array;
  resid: Float64Array;
  z: Float64Array;
  inf: Float64Array;
  wv: Float64Array;
  /** The cell's units' codes (see GramState.bitOf), and per code: treated weight, control weight, control w·Δy, Σβ, Σa. */
  codes: Int32Array;
  byCode: Float64Array;
  /** The kept covariates of a cell's units, column-major; grown when a cell needs more. */
  x: Float64Array;
  grams: Map<number, GramState>;
  /**
   * Per covariate column (by identity), whether it is 0/1 and its mean over the units [0, limit): the time-invariant
   * covariates are the same columns for every baseline end, so they are scanned once per call, not once per cohort.
   */
  columnStats: Map<Float64Array, { binary: boolean; mean: number; complete: boolean }>;
  /** The codes' bits of the columns every GramState shares (see gramFor's `fixedFrom`), by the first bit they take. */
  fixedCodes: Map<number, Int32Array>;
  /** The units a cell wants in its Gram matrix (gramSync), padded to whole 32-bit words as GramState.member. */
  want: Uint8Array;
}

/**
 * The weighted Gram matrix Σ w·x·xᵀ (the intercept and every candidate
 * covariate of one baseline end) over the set of controls of the cell that
 * used it last. Cells with the same baseline end share their regressors (a
 * cohort's post cells; every cohort's placebo cell at one period) and their
 * control sets differ by a few cohorts and the units observed at one period
 * and not the other, so moving the matrix to the next cell's controls costs
 * a few updates per unit that joins or leaves, instead of a fresh n·p² fit
 * per cell. It is rebuilt from scratch once the updates since the last build
 * pass twice the controls, which bounds both the rounding drift of
 * add-and-subtract and the work to a few times that of direct sums.
 */
interface GramState {
  cols: Float64Array[];
  /**
   * G kept by parts, over the units' codes q (see `bitOf`): the weight W[q], the numeric columns' weighted sums
   * WX[q·kn + c], and their cross-products NN (kn × kn, lower triangle). Every entry of G is a sum of these: an
   * indicator's entries sum the codes with its bit set. A unit joining or leaving then costs 1 + kn + kn(kn+1)/2.
   */
  numeric: Int32Array;
  /** The numeric columns themselves and their shifts, in slot order. */
  numCols: Float64Array[];
  numShift: Float64Array;
  slotOf: Int32Array;
  kn: number;
  W: Float64Array;
  WX: Float64Array;
  NN: Float64Array;
  /** The codes any member ever had (G's sums run over these only). */
  codeSeen: Uint8Array;
  codeList: number[];
  member: Uint8Array;
  /** Units added or removed since G was last cleared (its first fill included). */
  updates: number;
  /** Set when G must be rebuilt before its next use (too many updates, or a missing value got in). */
  stale: boolean;
  /**
   * Per column, a value subtracted before it enters G (0 for the intercept): the column's mean over the units, so that
   * the normal equations of outcome levels in the thousands are as well conditioned as their spread allows.
   */
  shift: Float64Array;
  /**
   * 0/1 columns (indicators, the short-baseline flag; up to MAX_CODE_BITS of them, unshifted) are packed into one code
   * per unit, bit bitOf[j] for column j (−1 when not packed): a cell sums weights by code and adds Σ β over a code's
   * set bits from a table, so each indicator costs the cell nothing per unit.
   */
  bitOf: Int32Array;
  bits: number;
  code: Int32Array;
  row: Float64Array;
  /**
   * Columns missing for some units (the baseline blocks, for units without a month in them) get bit missBit[j] of
   * miss[u], set where unit u lacks it (−1: the column has every value; UNTRACKED: past the 31st such column).
   */
  missBit: Int32Array;
  miss: Int32Array;
}

const UNTRACKED = -2;

function newRegressionScratch(nUnits: number, limit: number): RegressionScratch {
  return {
    limit,
    idx: new Int32Array(nUnits),
    dy: new Float64Array(nUnits),
    resid: new Float64Array(nUnits),
    z: new Float64Array(nUnits),
    inf: new Float64Array(nUnits),
    wv: new Float64Array(nUnits),
    codes: new Int32Array(nUnits),
    byCode: new Float64Array(5 << MAX_CODE_BITS),
    x: new Float64Array(0),
    grams: new Map(),
    columnStats: new Map(),
    fixedCodes: new Map(),
    want: new Uint8Array(paddedLength(limit)),
  };
}

/** A byte array's length rounded up to whole 32-bit words (gramSync compares four units at a time). */
function paddedLength(n: number): number {
  return (n + 3) & ~3;
}

/** Whether a column is 0/1 over the units [0, limit), its mean over those with a value and whether all have one; cached by column. */
function columnStats(scratch: RegressionScratch, col: Float64Array): { binary: boolean; mean: number; complete: boolean } {
  let stats = scratch.columnStats.get(col);
  if (!stats) {
    let sum = 0;
    let count = 0;
    let binary = true;
    for (let u = 0; u < scratch.limit; u++) {
      const v = col[u];
      if (v !== 0 && v !== 1) binary = false;
      if (v !== v) continue;
      sum += v;
      count++;
    }
    stats = { binary, mean: count > 0 ? sum / count : 0, complete: count === scratch.limit };
    scratch.columnStats.set(col, stats);
  }
  return stats;
}

/** code[u] |= col[u] << bit over the units [0, limit). */
function orBits(code: Int32Array, col: Float64Array, bit: number, limit: number): void {
  for (let u = 0; u < limit; u++) code[u] |= col[u] << bit;
}

/** miss[u] |= 1 << bit where col[u] is missing, over the units [0, limit). */
function orMissing(miss: Int32Array, col: Float64Array, bit: number, limit: number): void {
  for (let u = 0; u < limit; u++) if (col[u] !== col[u]) miss[u] |= 1 << bit;
}

/**
 * The running Gram matrix of the cells whose baseline ends at period index `lagEnd` (their covariates `cov`).
 * cov[fixedFrom..] are the same columns for every baseline end of the call (the time-invariant covariates after the
 * baseline blocks): their statistics and their part of the units' codes are computed once and reused.
 */
function gramFor(scratch: RegressionScratch, lagEnd: number, cov: Float64Array[], fixedFrom: number): GramState {
  let state = scratch.grams.get(lagEnd);
  if (!state) {
    const width = cov.length + 1;
    const shift = new Float64Array(width);
    const bitOf = new Int32Array(cov.length).fill(-1);
    const limit = scratch.limit;
    let bits = 0;
    let fixedFirstBit = -1;
    for (let j = 1; j < width; j++) {
      if (j - 1 === fixedFrom) fixedFirstBit = bits;
      const stats = columnStats(scratch, cov[j - 1]);
      if (stats.binary && bits < MAX_CODE_BITS) bitOf[j - 1] = bits++;
      else shift[j] = stats.mean;
    }
    // The fixed columns' bits depend only on the bit they start from (they are packed in order while bits are left).
    let code: Int32Array;
    if (fixedFirstBit >= 0) {
      let fixed = scratch.fixedCodes.get(fixedFirstBit);
      if (!fixed) {
        fixed = new Int32Array(limit);
        for (let j = fixedFrom; j < cov.length; j++) if (bitOf[j] >= 0) orBits(fixed, cov[j], bitOf[j], limit);
        scratch.fixedCodes.set(fixedFirstBit, fixed);
      }
      code = fixed.slice();
    } else code = new Int32Array(limit);
    for (let j = 0; j < Math.min(fixedFrom, cov.length); j++) if (bitOf[j] >= 0) orBits(code, cov[j], bitOf[j], limit);
    const numeric = Int32Array.from(cov.keys()).filter((j) => bitOf[j] < 0);
    const slotOf = new Int32Array(cov.length).fill(-1);
    numeric.forEach((j, c) => {
      slotOf[j] = c;
    });
    const kn = numeric.length;
    const size = 1 << bits;
    const missBit = new Int32Array(cov.length).fill(-1);
    const miss = new Int32Array(limit);
    let missing = 0;
    for (let j = 0; j < cov.length; j++) {
      if (columnStats(scratch, cov[j]).complete) continue;
      missBit[j] = missing < 31 ? missing++ : UNTRACKED;
      if (missBit[j] >= 0) orMissing(miss, cov[j], missBit[j], limit);
    }
    state = {
      cols: cov.slice(),
      numeric,
      numCols: Array.from(numeric, (j) => cov[j]),
      numShift: Float64Array.from(numeric, (j) => shift[j + 1]),
      slotOf,
      kn,
      W: new Float64Array(size),
      WX: new Float64Array(size * kn),
      NN: new Float64Array(kn * kn),
      codeSeen: new Uint8Array(size),
      codeList: [],
      member: new Uint8Array(paddedLength(scratch.limit)),
      updates: 0,
      stale: false,
      shift,
      bitOf,
      bits,
      code,
      row: new Float64Array(kn),
      missBit,
      miss,
    };
    scratch.grams.set(lagEnd, state);
  }
  return state;
}

/** G += weight · x_u x_uᵀ, by parts (see GramState.W). */
function gramAdd(state: GramState, u: number, weight: number): void {
  const { cols, numeric, kn, W, WX, NN, row, shift } = state;
  const q = state.code[u];
  if (state.codeSeen[q] === 0) {
    state.codeSeen[q] = 1;
    state.codeList.push(q);
  }
  W[q] += weight;
  const at = q * kn;
  if (kn === 4) {
    // The study's case (two baseline blocks and two numeric covariates), unrolled: the same sums in the same order.
    const cn = state.numCols;
    const h = state.numShift;
    const v0 = cn[0][u] - h[0];
    const v1 = cn[1][u] - h[1];
    const v2 = cn[2][u] - h[2];
    const v3 = cn[3][u] - h[3];
    WX[at] += weight * v0;
    WX[at + 1] += weight * v1;
    WX[at + 2] += weight * v2;
    WX[at + 3] += weight * v3;
    const w0 = weight * v0;
    NN[0] += w0 * v0;
    const w1 = weight * v1;
    NN[4] += w1 * v0;
    NN[5] += w1 * v1;
    const w2 = weight * v2;
    NN[8] += w2 * v0;
    NN[9] += w2 * v1;
    NN[10] += w2 * v2;
    const w3 = weight * v3;
    NN[12] += w3 * v0;
    NN[13] += w3 * v1;
    NN[14] += w3 * v2;
    NN[15] += w3 * v3;
    return;
  }
  for (let c = 0; c < kn; c++) {
    const j = numeric[c];
    const v = cols[j][u] - shift[j + 1];
    row[c] = v;
    WX[at + c] += weight * v;
  }
  for (let c = 0; c < kn; c++) {
    const wc = weight * row[c];
    const off = c * kn;
    for (let d = 0; d <= c; d++) NN[off + d] += wc * row[d];
  }
}

/**
 * Moves the Gram matrix onto a cell's controls, idx[from..to) (ascending):
 * units that left are subtracted, units that joined added. Once the updates
 * since the last clear pass twice the controls, the next call starts afresh.
 * The wanted units are marked first and compared with the members four at a
 * time: most words match, and the scan then has no branch on the data.
 */
function gramSync(state: GramState, w: Float64Array, idx: Int32Array, from: number, to: number, limit: number, want: Uint8Array): void {
  const member = state.member;
  if (state.stale) {
    state.W.fill(0);
    state.WX.fill(0);
    state.NN.fill(0);
    member.fill(0);
    state.updates = 0;
    state.stale = false;
  }
  markWanted(want, idx, from, to);
  state.updates += gramMoves(state, w, want, member, limit);
  if (state.updates > 2 * (to - from)) state.stale = true;
}

// want[u] = 1 for the units idx[from..to), 0 for every other.
function markWanted(want: Uint8Array, idx: Int32Array, from: number, to: number): void {
  want.fill(0);
  for (let q = from; q < to; q++) want[idx[q]] = 1;
}

// gramSync's scan: each unit whose wanted mark differs from its membership is added to or taken from the
// Gram matrix; returns how many were.
function gramMoves(state: GramState, w: Float64Array, want: Uint8Array, member: Uint8Array, limit: number): number {
  const want32 = new Int32Array(want.buffer, want.byteOffset, want.length >> 2);
  const member32 = new Int32Array(member.buffer, member.byteOffset, member.length >> 2);
  let changes = 0;
  for (let k = 0; k < want32.length; k++) {
    if (want32[k] === member32[k]) continue;
    const end = Math.min(limit, 4 * k + 4);
    for (let u = 4 * k; u < end; u++) {
      const x = want[u];
      if (x === member[u]) continue;
      gramAdd(state, u, x === 1 ? w[u] : -w[u]);
      member[u] = x;
      changes++;
    }
  }
  return changes;
}

/** The p×p Gram matrix of the intercept and the kept covariates, or null when an entry is not finite (a covariate missing for a member). */
function gramPick(state: GramState, keep: number[]): Float64Array | null {
  const p = keep.length + 1;
  const { W, WX, NN, kn, bitOf, slotOf } = state;
  // Per kept column: its bit (packed) or its numeric slot; the intercept is "all codes".
  const bit = Int32Array.from([-1, ...keep.map((j) => bitOf[j])]);
  const slot = Int32Array.from([-1, ...keep.map((j) => (bitOf[j] < 0 ? slotOf[j] : -1))]);
  let mask = 0;
  for (let a = 1; a < p; a++) if (bit[a] >= 0) mask |= 1 << bit[a];
  const out = new Float64Array(p * p);
  for (const q of state.codeList) {
    const w = W[q];
    const at = q * kn;
    const has = q & mask;
    for (let a = 0; a < p; a++) {
      if (bit[a] >= 0 && ((has >> bit[a]) & 1) === 0) continue;
      for (let b = 0; b <= a; b++) {
        if (bit[b] >= 0 && ((has >> bit[b]) & 1) === 0) continue;
        // Entry (a, b) of this code's share: W when neither is numeric, WX when one is, NN (added below) when both are.
        if (slot[a] >= 0 && slot[b] >= 0) continue;
        const num = slot[a] >= 0 ? slot[a] : slot[b];
        out[a * p + b] += num >= 0 ? WX[at + num] : w;
      }
    }
  }
  for (let a = 0; a < p; a++) {
    for (let b = 0; b <= a; b++) {
      if (slot[a] >= 0 && slot[b] >= 0) out[a * p + b] = NN[slot[a] * kn + slot[b]];
      const v = out[a * p + b];
      if (!Number.isFinite(v)) return null;
      out[b * p + a] = v;
    }
  }
  return out;
}

/** Fills scratch.idx / scratch.dy with the cell's units observed at both periods, treated first; n1 of them treated, m in all. */
function observedUnits(span: CellSpan, sc: RegressionScratch): { n1: number; m: number } {
  const { Y, yCur, yBase, tr0, tr1, controlRanges, nRanges } = span;
  const { idx, dy } = sc;
  let m = 0;
  for (let u = tr0; u < tr1; u++) {
    const d = Y[yCur + u] - Y[yBase + u];
    if (d !== d) continue;
    idx[m] = u;
    dy[m++] = d;
  }
  const n1 = m;
  for (let r = 0; r < nRanges; r++) {
    // The range's end in a local: a store to idx (an Int32Array too) would otherwise make V8 reload it every unit.
    const to = controlRanges[2 * r + 1];
    for (let u = controlRanges[2 * r]; u < to; u++) {
      const d = Y[yCur + u] - Y[yBase + u];
      if (d !== d) continue;
      idx[m] = u;
      dy[m++] = d;
    }
  }
  return { n1, m };
}

/** A cell's units as {@link observedCodedUnits} finds them, with what the regression cell and the column checks need. */
interface CodedUnits {
  n1: number;
  m: number;
  /** Weight of the treated and of the controls, and how many controls have a positive weight. */
  s1: number;
  s0: number;
  positive: number;
  /** OR and AND of the controls' codes, and of every unit's missing mask (GramState.miss). */
  anyBit: number;
  allBits: number;
  anyMiss: number;
  allMiss: number;
}

/**
 * {@link observedUnits}, and in the same pass what the regression cell needs of each unit: scratch.wv and
 * scratch.codes (its weight and code), the weights by code (treated, controls) and the controls' w·Δy by code in
 * scratch.byCode, and the codes' and missing masks' OR and AND (which columns are constant or missing in the cell).
 */
function observedCodedUnits(span: CellSpan, sc: RegressionScratch, gram: GramState): CodedUnits {
  const { Y, yCur, yBase, w, tr0, tr1, controlRanges, nRanges } = span;
  const { idx, dy, wv, codes, byCode } = sc;
  const { code, miss } = gram;
  const size = 1 << gram.bits;
  const controlW = size;
  const controlWy = 2 * size;
  byCode.fill(0, 0, 3 * size);
  let m = 0;
  let s1 = 0;
  let anyMiss = 0;
  let allMiss = -1;
  for (let u = tr0; u < tr1; u++) {
    const d = Y[yCur + u] - Y[yBase + u];
    if (d !== d) continue;
    const wu = w[u];
    const q = code[u];
    const mq = miss[u];
    idx[m] = u;
    dy[m] = d;
    wv[m] = wu;
    codes[m] = q;
    m++;
    s1 += wu;
    byCode[q] += wu;
    anyMiss |= mq;
    allMiss &= mq;
  }
  const n1 = m;
  let s0 = 0;
  let positive = 0;
  let anyBit = 0;
  let allBits = -1;
  for (let r = 0; r < nRanges; r++) {
    const to = controlRanges[2 * r + 1];
    for (let u = controlRanges[2 * r]; u < to; u++) {
      const d = Y[yCur + u] - Y[yBase + u];
      if (d !== d) continue;
      const wu = w[u];
      const q = code[u];
      const mq = miss[u];
      idx[m] = u;
      dy[m] = d;
      wv[m] = wu;
      codes[m] = q;
      m++;
      s0 += wu;
      if (wu > 0) positive++;
      byCode[controlW + q] += wu;
      byCode[controlWy + q] += wu * d;
      anyBit |= q;
      allBits &= q;
      anyMiss |= mq;
      allMiss &= mq;
    }
  }
  return { n1, m, s1, s0, positive, anyBit, allBits, anyMiss, allMiss };
}

/** Whether the covariate takes two different values among the units idx[from..to) that have it (stops at the first that differs). */
function variesAmong(col: Float64Array, idx: Int32Array, from: number, to: number): boolean {
  let i = from;
  while (i < to && col[idx[i]] !== col[idx[i]]) i++;
  if (i >= to) return false;
  const first = col[idx[i]];
  for (i++; i < to; i++) {
    const v = col[idx[i]];
    if (v !== first && v === v) return true;
  }
  return false;
}

/** How many of the units idx[0..m) have the covariate, and its range among the controls idx[n1..m). */
function summariseColumn(col: Float64Array, idx: Int32Array, n1: number, m: number): { seen: number; lo: number; hi: number } {
  let seen = 0;
  for (let i = 0; i < n1; i++) if (col[idx[i]] === col[idx[i]]) seen++;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = n1; i < m; i++) {
    const v = col[idx[i]];
    if (v !== v) continue;
    seen++;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { seen, lo, hi };
}

/**
 * The regression-DiD cell (`laggedAdjustment: 'regression'`) of
 * {@link drCell} with an intercept-only score, in closed form: that score is
 * the treated share, which cancels from the control weights, so no logit is
 * fitted; the outcome model comes from the running control Gram matrix (a
 * scaled Cholesky factor, refined once on the exact residuals when a pivot
 * is small, as `fitOls`'s Gram path), and the influence function needs two
 * dot products per control. Equal to drCell to ~1e-11 relative. The units
 * are scratch.idx[0..m) (treated first), all with every kept covariate.
 * Returns null, for drCell to decide (and to fail in its own words), when a
 * side is empty, there are fewer controls with weight than coefficients, the
 * score would trim controls, or a pivot is too small to vouch for.
 */
function regressionCell(span: CellSpan, gram: GramState, keep: number[], n: number, sc: RegressionScratch, units: CodedUnits): DrCell | null {
  const w = span.w;
  const { n1, m, s1, s0, positive } = units;
  const k = keep.length;
  const p = k + 1;
  const { idx, dy, resid, z, inf, wv, codes, byCode } = sc;
  const n0 = m - n1;
  if (n1 === 0 || n0 === 0) return null;
  const size = 1 << gram.bits;
  const treatedW = byCode.subarray(0, size);
  const controlW = byCode.subarray(size, 2 * size);
  const controlWy = byCode.subarray(2 * size, 3 * size);
  const fitByCode = byCode.subarray(3 * size, 4 * size);
  const loadByCode = byCode.subarray(4 * size, 5 * size);
  if (positive < p || !(s1 > 0) || !(s0 > 0)) return null;
  const ps = Math.min(s1 / (s1 + s0), 1 - 1e-6);
  if (!(ps < 0.995)) return null;
  // Columns in G's coordinates: x_j − shift_j (the intercept absorbs the shifts; fit and loadings are unchanged).
  // 0/1 columns are summed by code; the others are gathered for the cell's units (column-major, m rows) so that
  // every later pass runs over contiguous memory.
  const numeric: number[] = [];
  const bitCoef = new Int32Array(gram.bits).fill(-1);
  for (let j = 0; j < k; j++) {
    const bit = gram.bitOf[keep[j]];
    if (bit < 0) numeric.push(j);
    else bitCoef[bit] = j + 1;
  }
  const kn = numeric.length;
  // Gathered four columns a pass (see gatherColumns): the last pass's unused slots are padding.
  const slots = (kn + 3) & ~3;
  if (sc.x.length < m * slots) sc.x = new Float64Array(Math.max(m * slots, 2 * sc.x.length));
  const X = sc.x;
  const sumT = new Float64Array(p);
  const sumC = new Float64Array(p);
  const xwy = new Float64Array(p);
  sumT[0] = s1;
  sumC[0] = s0;
  for (let q = 0; q < size; q++) xwy[0] += controlWy[q];
  for (let bit = 0; bit < gram.bits; bit++) {
    const at = bitCoef[bit];
    if (at < 0) continue;
    let t = 0;
    let cs = 0;
    let cy = 0;
    for (let q = 1 << bit; q < size; q = (q + 1) | (1 << bit)) {
      t += treatedW[q];
      cs += controlW[q];
      cy += controlWy[q];
    }
    sumT[at] = t;
    sumC[at] = cs;
    xwy[at] = cy;
  }
  const coefOf = Int32Array.from(numeric, (j) => j + 1);
  const four: Float64Array[] = [];
  const shifts = new Float64Array(4);
  const chunkSums = new Float64Array(12);
  for (let c0 = 0; c0 < kn; c0 += 4) {
    four.length = 0;
    for (let c = c0; c < c0 + 4; c++) {
      // Padding repeats the chunk's first column; its sums are not read.
      const j = keep[numeric[c < kn ? c : c0]];
      four.push(gram.cols[j]);
      shifts[c - c0] = gram.shift[j + 1];
    }
    gatherColumns(X, m, c0, four, shifts, idx, wv, dy, n1, m, chunkSums);
    for (let c = c0; c < Math.min(kn, c0 + 4); c++) {
      sumT[coefOf[c]] = chunkSums[c - c0];
      sumC[coefOf[c]] = chunkSums[4 + c - c0];
      xwy[coefOf[c]] = chunkSums[8 + c - c0];
    }
  }

  gramSync(gram, w, idx, n1, m, sc.limit, sc.want);
  let G = gramPick(gram, keep);
  if (!G) {
    gram.stale = true;
    gramSync(gram, w, idx, n1, m, sc.limit, sc.want);
    G = gramPick(gram, keep);
    if (!G) return null;
  }
  const f = choleskyScaled(G, p, GRAM_PIVOT_TOLERANCE);
  if (!('L' in f)) return null;
  const beta = choleskySolve(f, xwy, p);
  let minPivot = Infinity;
  for (let j = 0; j < p; j++) minPivot = Math.min(minPivot, f.L[j * p + j] * f.L[j * p + j]);
  if (minPivot < REFINE_BELOW_PIVOT) {
    // The normal equations lose accuracy as the square of the condition: one step on the exact residuals restores it.
    codeTable(fitByCode, size, bitCoef, beta);
    linearFit(X, m, coefOf, n1, m, beta, codes, fitByCode, resid);
    const xwr = new Float64Array(p);
    const controlWr = controlWy.fill(0);
    for (let i = n1; i < m; i++) {
      const v = wv[i] * (dy[i] - resid[i]);
      resid[i] = v;
      xwr[0] += v;
      controlWr[codes[i]] += v;
    }
    for (let bit = 0; bit < gram.bits; bit++) {
      if (bitCoef[bit] < 0) continue;
      let t = 0;
      for (let q = 1 << bit; q < size; q = (q + 1) | (1 << bit)) t += controlWr[q];
      xwr[bitCoef[bit]] = t;
    }
    for (let c = 0; c < kn; c++) {
      const off = c * m;
      let t = 0;
      for (let i = n1; i < m; i++) t += resid[i] * X[off + i];
      xwr[coefOf[c]] = t;
    }
    const step = choleskySolve(f, xwr, p);
    for (let j = 0; j < p; j++) beta[j] += step[j];
  }
  const bread = choleskyInverse(f, p);
  // drCell's control loading x·a1/mwT − x·a3/mwC, with a1 = (XᵀWX/m)⁻¹M1, a3 = (XᵀWX/m)⁻¹M3: the score's odds cancel,
  // leaving (XᵀWX)⁻¹ (Σ_T w x / s1 − Σ_C w x / s0) · m · wMean, formed once.
  const wMean = (s1 + s0) / m;
  const a = new Float64Array(p);
  for (let r = 0; r < p; r++) {
    let t = 0;
    for (let c = 0; c < p; c++) t += 0.5 * (bread[r * p + c] + bread[c * p + r]) * (sumT[c] / s1 - sumC[c] / s0);
    a[r] = t * m * wMean;
  }
  codeTable(fitByCode, size, bitCoef, beta);
  codeTable(loadByCode, size, bitCoef, a);
  return cellFitAndInfluence(X, m, n1, kn, coefOf, beta, a, codes, fitByCode, loadByCode, dy, wv, resid, z, inf, idx, s1, s0, ps, wMean, n);
}

// regressionCell's last part, a function of its own so that V8 compiles it apart from the fit before it: the
// residuals of the treated and the controls, their weighted means, and each unit's influence.
function cellFitAndInfluence(
  X: Float64Array,
  m: number,
  n1: number,
  kn: number,
  coefOf: Int32Array,
  beta: Float64Array,
  a: Float64Array,
  codes: Int32Array,
  fitByCode: Float64Array,
  loadByCode: Float64Array,
  dy: Float64Array,
  wv: Float64Array,
  resid: Float64Array,
  z: Float64Array,
  inf: Float64Array,
  idx: Int32Array,
  s1: number,
  s0: number,
  ps: number,
  wMean: number,
  n: number,
): DrCell {
  const n0 = m - n1;
  linearFit(X, m, coefOf, 0, n1, beta, codes, fitByCode, resid);
  const sumTr = residualsAndSum(dy, wv, resid, 0, n1);
  let sumCr = 0;
  if (kn === 0) {
    fitAndLoad(X, m, coefOf, n1, m, beta, a, codes, fitByCode, loadByCode, resid, z);
    sumCr = residualsAndSum(dy, wv, resid, n1, m);
  } else {
    // The controls' fit, loading and residual four columns a pass (padding slots with coefficient 0 add nothing).
    const bs = new Float64Array(4);
    const ls = new Float64Array(4);
    for (let c0 = 0; c0 < kn; c0 += 4) {
      for (let c = c0; c < c0 + 4; c++) {
        bs[c - c0] = c < kn ? beta[coefOf[c]] : 0;
        ls[c - c0] = c < kn ? a[coefOf[c]] : 0;
      }
      const last = c0 + 4 >= kn;
      const part = fitResidChunk(X, m, c0, n1, m, bs, ls, c0 === 0, last, beta[0], a[0], codes, fitByCode, loadByCode, dy, wv, resid, z);
      if (last) sumCr = part;
    }
  }
  const etaT = sumTr / s1;
  const etaC = sumCr / s0;
  // drCell's weights: iw = w / wMean, wT = iw·D, wC = iw·odds·(1 − D), their means mwT and mwC.
  const odds = ps / (1 - ps);
  const mwT = s1 / wMean / m;
  const mwC = (odds * s0) / wMean / m;
  // The score's estimation effect: M2 = Σ wC (r − etaC) / m vanishes but for rounding; kept as drCell has it.
  const m2 = weightedDeviations(wv, resid, etaC, n1, m);
  const a2 = (odds * m2) / wMean / m / (ps * (1 - ps));
  const scale = n / m;
  const ssT = treatedInfluence(wv, resid, inf, n1, wMean, scale, etaT, mwT, ps, a2, mwC);
  const ss = controlInfluence(wv, resid, z, inf, n1, m, wMean, scale, etaC, odds, ps, a2, mwC, ssT);
  return { att: etaT - etaC, inf: inf.subarray(0, m), idx: idx.subarray(0, m), ss, s1, s0, n1, n0 };
}

// One loop a function below, so that V8's code for one loop (compiled while the loop runs) never runs on
// into a later loop it has no type feedback for, and is thrown away there, cell after cell.

// resid[i] = dy[i] − fit[i] for i in from..to (resid holds the fit); returns Σ w·resid.
function residualsAndSum(dy: Float64Array, wv: Float64Array, resid: Float64Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) {
    const res = dy[i] - resid[i];
    resid[i] = res;
    sum += wv[i] * res;
  }
  return sum;
}

// Σ w·(resid − centre) over from..to.
function weightedDeviations(wv: Float64Array, resid: Float64Array, centre: number, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += wv[i] * (resid[i] - centre);
  return sum;
}

// The treated units' influence (0..n1) into inf; returns its sum of squares.
function treatedInfluence(wv: Float64Array, resid: Float64Array, inf: Float64Array, n1: number, wMean: number, scale: number, etaT: number, mwT: number, ps: number, a2: number, mwC: number): number {
  let ss = 0;
  for (let i = 0; i < n1; i++) {
    const iw = wv[i] / wMean;
    const v = scale * ((iw * (resid[i] - etaT)) / mwT - (iw * (1 - ps) * a2) / mwC);
    inf[i] = v;
    ss += v * v;
  }
  return ss;
}

// The controls' influence (n1..m) into inf; returns ss plus its sum of squares.
function controlInfluence(
  wv: Float64Array,
  resid: Float64Array,
  z: Float64Array,
  inf: Float64Array,
  n1: number,
  m: number,
  wMean: number,
  scale: number,
  etaC: number,
  odds: number,
  ps: number,
  a2: number,
  mwC: number,
  ss: number,
): number {
  for (let i = n1; i < m; i++) {
    const iw = wv[i] / wMean;
    const res = resid[i];
    const v = scale * (-iw * res * z[i] - (iw * odds * (res - etaC) - iw * ps * a2) / mwC);
    inf[i] = v;
    ss += v * v;
  }
  return ss;
}

/**
 * Gathers four numeric columns for a cell's units, X[(c0 + c)·rows + i] = cols[c][idx[i]] − shifts[c], and sums
 * into out: Σ_T w·x (out[c]), Σ_C w·x (out[4 + c]) and Σ_C w·x·Δy (out[8 + c]), treated being i < n1. One pass for
 * the four (the units' positions, weights and changes read once), each sum in the order of a pass per column.
 */
function gatherColumns(
  X: Float64Array,
  rows: number,
  c0: number,
  cols: Float64Array[],
  shifts: Float64Array,
  idx: Int32Array,
  wv: Float64Array,
  dy: Float64Array,
  n1: number,
  m: number,
  out: Float64Array,
): void {
  const col0 = cols[0];
  const col1 = cols[1];
  const col2 = cols[2];
  const col3 = cols[3];
  const h0 = shifts[0];
  const h1 = shifts[1];
  const h2 = shifts[2];
  const h3 = shifts[3];
  const o0 = c0 * rows;
  const o1 = o0 + rows;
  const o2 = o1 + rows;
  const o3 = o2 + rows;
  let t0 = 0;
  let t1 = 0;
  let t2 = 0;
  let t3 = 0;
  for (let i = 0; i < n1; i++) {
    const u = idx[i];
    const wi = wv[i];
    const v0 = col0[u] - h0;
    const v1 = col1[u] - h1;
    const v2 = col2[u] - h2;
    const v3 = col3[u] - h3;
    X[o0 + i] = v0;
    X[o1 + i] = v1;
    X[o2 + i] = v2;
    X[o3 + i] = v3;
    t0 += wi * v0;
    t1 += wi * v1;
    t2 += wi * v2;
    t3 += wi * v3;
  }
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let y0 = 0;
  let y1 = 0;
  let y2 = 0;
  let y3 = 0;
  for (let i = n1; i < m; i++) {
    const u = idx[i];
    const wi = wv[i];
    const d = dy[i];
    const v0 = col0[u] - h0;
    const v1 = col1[u] - h1;
    const v2 = col2[u] - h2;
    const v3 = col3[u] - h3;
    X[o0 + i] = v0;
    X[o1 + i] = v1;
    X[o2 + i] = v2;
    X[o3 + i] = v3;
    const x0 = wi * v0;
    const x1 = wi * v1;
    const x2 = wi * v2;
    const x3 = wi * v3;
    s0 += x0;
    s1 += x1;
    s2 += x2;
    s3 += x3;
    y0 += x0 * d;
    y1 += x1 * d;
    y2 += x2 * d;
    y3 += x3 * d;
  }
  out[0] = t0;
  out[1] = t1;
  out[2] = t2;
  out[3] = t3;
  out[4] = s0;
  out[5] = s1;
  out[6] = s2;
  out[7] = s3;
  out[8] = y0;
  out[9] = y1;
  out[10] = y2;
  out[11] = y3;
}

/**
 * {@link fitAndLoad} over four gathered columns (slots c0..c0+3, coefficients b, loadings l), for rows [from, to):
 * the first chunk starts from the intercept and the code tables, later ones from fit and z; the last leaves the
 * residual Δy − fit in fit and returns Σ w·residual. Per row the terms are added in fitAndLoad's order, so the
 * result is the same to the bit; one pass per four columns instead of one per column and one for the residuals.
 */
function fitResidChunk(
  X: Float64Array,
  rows: number,
  c0: number,
  from: number,
  to: number,
  b: Float64Array,
  l: Float64Array,
  first: boolean,
  last: boolean,
  b0: number,
  l0: number,
  codes: Int32Array,
  fitByCode: Float64Array,
  loadByCode: Float64Array,
  dy: Float64Array,
  wv: Float64Array,
  fit: Float64Array,
  z: Float64Array,
): number {
  const B0 = b[0];
  const B1 = b[1];
  const B2 = b[2];
  const B3 = b[3];
  const L0 = l[0];
  const L1 = l[1];
  const L2 = l[2];
  const L3 = l[3];
  const o0 = c0 * rows;
  const o1 = o0 + rows;
  const o2 = o1 + rows;
  const o3 = o2 + rows;
  let sum = 0;
  for (let i = from; i < to; i++) {
    let f: number;
    let g: number;
    if (first) {
      const q = codes[i];
      f = b0 + fitByCode[q];
      g = l0 + loadByCode[q];
    } else {
      f = fit[i];
      g = z[i];
    }
    let v = X[o0 + i];
    f += v * B0;
    g += v * L0;
    v = X[o1 + i];
    f += v * B1;
    g += v * L1;
    v = X[o2 + i];
    f += v * B2;
    g += v * L2;
    v = X[o3 + i];
    f += v * B3;
    g += v * L3;
    z[i] = g;
    if (last) {
      const res = dy[i] - f;
      fit[i] = res;
      sum += wv[i] * res;
    } else fit[i] = f;
  }
  return sum;
}

/** {@link linearFit} of the controls for two coefficient vectors at once (fit and loading), one pass over X. */
function fitAndLoad(
  X: Float64Array,
  rows: number,
  coefOf: Int32Array,
  from: number,
  to: number,
  beta: Float64Array,
  load: Float64Array,
  codes: Int32Array,
  fitByCode: Float64Array,
  loadByCode: Float64Array,
  fit: Float64Array,
  z: Float64Array,
): void {
  const b0 = beta[0];
  const l0 = load[0];
  for (let i = from; i < to; i++) {
    const q = codes[i];
    fit[i] = b0 + fitByCode[q];
    z[i] = l0 + loadByCode[q];
  }
  for (let c = 0; c < coefOf.length; c++) {
    const off = c * rows;
    const b = beta[coefOf[c]];
    const l = load[coefOf[c]];
    for (let i = from; i < to; i++) {
      const v = X[off + i];
      fit[i] += v * b;
      z[i] += v * l;
    }
  }
}

/** table[q] = Σ coef over the set bits of q (coef position bitCoef[bit]; −1: a dropped column, adds nothing). */
function codeTable(table: Float64Array, size: number, bitCoef: Int32Array, coef: Float64Array): void {
  table[0] = 0;
  for (let q = 1; q < size; q++) {
    const bit = 31 - Math.clz32(q & -q);
    table[q] = table[q & (q - 1)] + (bitCoef[bit] < 0 ? 0 : coef[bitCoef[bit]]);
  }
}

/**
 * out[i] = coef[0] + byCode[codes[i]] + Σ_c X[c·rows + i]·coef[coefOf[c]] for i in [from, to): the packed 0/1
 * columns from the code table, the gathered ones column by column.
 */
function linearFit(X: Float64Array, rows: number, coefOf: Int32Array, from: number, to: number, coef: Float64Array, codes: Int32Array, byCode: Float64Array, out: Float64Array): void {
  const c0 = coef[0];
  for (let i = from; i < to; i++) out[i] = c0 + byCode[codes[i]];
  for (let c = 0; c < coefOf.length; c++) {
    const off = c * rows;
    const b = coef[coefOf[c]];
    for (let i = from; i < to; i++) out[i] += X[off + i] * b;
  }
}

/** Window membership from a doubly robust cell: exactly the treated units it used (the first n1 of idx). */
function markDrWindowMembers(dr: DrCell, w: Float64Array, att: number, member: Float64Array, memberAtt: Float64Array, used: Uint8Array): void {
  for (let i = 0; i < dr.n1; i++) {
    const u = dr.idx[i];
    member[u] += w[u];
    memberAtt[u] += w[u] * att;
    used[u] = 1;
  }
}

/**
 * The plain (unadjusted) cells of one call, listed before any is computed: each cell's two outcome rows (offsets
 * into the period-major Y), its cohort's range and its control ranges (position order, disjoint from the
 * cohort's), then its sums and, once the loop has the coefficients, what its influence adds to which targets.
 *
 * Why all at once: a cell reads two outcome rows, the weights and (for its influence) its targets, each a pass over
 * ~100k units, and there are hundreds of cells a call; one cell after another streamed several MB per cell through
 * the caches (and listed its observed units and changes for the influence pass). Taking the cells together a block
 * of units at a time, the block's outcome rows (every period), weights and targets stay in L2 while every cell reads
 * them, and the influence pass recomputes the changes instead of reading a list. Each cell's sums and each target's
 * per-unit additions happen in the same order as cell by cell (units in position order within a cell and range,
 * cells in the loop's order for each unit), so the results are the same to the bit. The study's 8 plain DiDs at
 * 100k units: 3.7 → 2.1 s CPU. (Adding ±0 terms for unobserved units instead of a branch measured no faster.)
 */
interface PlainCells {
  nCells: number;
  /** The next cell the main loop takes (it visits them in the order they were listed). */
  nextCell: number;
  yCur: Int32Array;
  yBase: Int32Array;
  tr0: Int32Array;
  tr1: Int32Array;
  nRanges: Int32Array;
  /** Control ranges [from, to) of cell k at k·rangeCap. */
  ranges: Int32Array;
  rangeCap: number;
  /** 14 per cell: the treated side's sums at 0, the controls' at 7 (see accumulateBlock). */
  sums: Float64Array;
  /**
   * The earlier cell whose sums over its first control range (the never treated, from position 0) this cell's are,
   * or −1. That range is summed from 0 into sums that start at 0, so a cell of the same two periods gets the same
   * numbers; the rest of its ranges then continue from them.
   */
  neverFrom: Int32Array;
  /** Cells whose influence is added: the cell, its target count (at most 4), mu1 and mu0, targets (4 per) and scales (4 treated, 4 controls). */
  nInf: number;
  infCell: Int32Array;
  infCount: Int32Array;
  infMu: Float64Array;
  infDst: Float64Array[];
  infScale: Float64Array;
}

function newPlainCells(maxCells: number, rangeCap: number): PlainCells {
  return {
    nCells: 0,
    nextCell: 0,
    yCur: new Int32Array(maxCells),
    yBase: new Int32Array(maxCells),
    tr0: new Int32Array(maxCells),
    tr1: new Int32Array(maxCells),
    nRanges: new Int32Array(maxCells),
    ranges: new Int32Array(maxCells * rangeCap),
    rangeCap,
    sums: new Float64Array(14 * maxCells),
    neverFrom: new Int32Array(maxCells),
    nInf: 0,
    infCell: new Int32Array(maxCells),
    infCount: new Int32Array(maxCells),
    infMu: new Float64Array(2 * maxCells),
    infDst: new Array<Float64Array>(4 * maxCells).fill(EMPTY_F64),
    infScale: new Float64Array(8 * maxCells),
  };
}

const EMPTY_F64 = new Float64Array(0);

/**
 * Units per block of {@link plainCellSums} and {@link plainCellInfluence}: 36 outcome rows of a block take 144 KB,
 * well inside L2 with the weights and targets (256 to 1024 measured within a few % at 100k units, 4096 ~15 % slower).
 */
const PLAIN_BLOCK = 512;

/**
 * Control ranges of cohort gi's cell as [from, to) pairs in out, in position order; returns their count. The never
 * treated, and with `notyet` each cohort first treated after `controlAfter` but gi itself; with hire cuts, only
 * each group's units hired in time (its first units), adjacent ranges merged.
 */
function cellControlRanges(
  out: Int32Array,
  gi: number,
  tr0: number,
  tr1: number,
  notyet: boolean,
  controlAfter: number,
  groups: number[],
  start: Int32Array,
  activeEnd: number,
  hireCuts: Int32Array | null,
): number {
  const nGroups = groups.length;
  let n = 0;
  let hc = 0;
  if (notyet) while (hc < nGroups && groups[hc] <= controlAfter) hc++;
  if (hireCuts) {
    for (let k = -1; k < nGroups; k++) {
      if (k >= 0 && (!notyet || k < hc || k === gi)) continue;
      const from = k < 0 ? 0 : start[k + 1];
      const to = hireCuts[k + 1];
      if (to <= from) continue;
      if (n > 0 && out[2 * n - 1] === from) out[2 * n - 1] = to;
      else {
        out[2 * n] = from;
        out[2 * n + 1] = to;
        n++;
      }
    }
    return n;
  }
  n = pushRange(out, n, 0, start[1]);
  if (notyet) {
    const a = start[hc + 1];
    if (hc > gi) n = pushRange(out, n, a, activeEnd);
    else {
      n = pushRange(out, n, a, tr0);
      n = pushRange(out, n, tr1, activeEnd);
    }
  }
  return n;
}

function pushRange(out: Int32Array, n: number, from: number, to: number): number {
  if (to <= from) return n;
  out[2 * n] = from;
  out[2 * n + 1] = to;
  return n + 1;
}

/** Every plain cell's sums (accumulateBlock's layout), block of units by block of units. */
function plainCellSums(Y: Float64Array, w: Float64Array, nUnits: number, c: PlainCells): void {
  const nCells = c.nCells;
  const sums = c.sums;
  // Each range's running sums between blocks: 6 for the cohort's range, 6 for the current control range.
  const run = new Float64Array(12 * nCells);
  const cursor = new Int32Array(nCells);
  // The controls' sums of each cell when its first range ends, for the cells that share them (neverFrom).
  const afterFirst = new Float64Array(7 * nCells);
  for (let k = 0; k < nCells; k++) {
    sums[14 * k + 3] = NaN;
    sums[14 * k + 10] = NaN;
  }
  for (let b0 = 0; b0 < nUnits; b0 += PLAIN_BLOCK) {
    const b1 = Math.min(nUnits, b0 + PLAIN_BLOCK);
    for (let k = 0; k < nCells; k++) {
      const yCur = c.yCur[k];
      const yBase = c.yBase[k];
      const tr0 = c.tr0[k];
      const tr1 = c.tr1[k];
      if (tr0 < b1 && tr1 > b0) accumulateBlock(Y, yCur, yBase, w, Math.max(tr0, b0), Math.min(tr1, b1), sums, 14 * k, run, 12 * k, tr1 <= b1);
      const nr = c.nRanges[k];
      const ro = k * c.rangeCap;
      const shared = c.neverFrom[k];
      let r = cursor[k];
      for (; r < nr; r++) {
        const from = c.ranges[ro + 2 * r];
        const to = c.ranges[ro + 2 * r + 1];
        if (from >= b1) break;
        if (r === 0 && shared >= 0) {
          // Taken whole from the earlier cell where the range ends (that cell comes first in this block).
          if (to > b1) break;
          for (let j = 0; j < 7; j++) sums[14 * k + 7 + j] = afterFirst[7 * shared + j];
          continue;
        }
        accumulateBlock(Y, yCur, yBase, w, Math.max(from, b0), Math.min(to, b1), sums, 14 * k + 7, run, 12 * k + 6, to <= b1);
        if (r === 0 && to <= b1) for (let j = 0; j < 7; j++) afterFirst[7 * k + j] = sums[14 * k + 7 + j];
        if (to > b1) break;
      }
      cursor[k] = r;
    }
  }
}

/**
 * Adds units [from, to) of one range to a cell's side at acc[at..at+6]: [Σw, Σw·dy, count, shift, Σw², Σw²(dy−shift),
 * Σw²(dy−shift)²], dy = y(t) − y(base); units not observed at both periods are skipped. The shifted second moments
 * give Σ IF² without a second pass (shift = the first change seen, set when acc[at+3] is NaN). A range is summed
 * on its own from 0 and added to acc where it ends (`last`), as one loop over it would; between blocks its running
 * sums wait in run[rt..rt+5].
 */
function accumulateBlock(
  y: Float64Array,
  yCur: number,
  yBase: number,
  w: Float64Array,
  from: number,
  to: number,
  acc: Float64Array,
  at: number,
  run: Float64Array,
  rt: number,
  last: boolean,
): void {
  let s = run[rt];
  let sum = run[rt + 1];
  let count = run[rt + 2];
  let a = run[rt + 3];
  let b = run[rt + 4];
  let c = run[rt + 5];
  let shift = acc[at + 3];
  let first = from;
  if (shift !== shift) {
    // The side's first observed unit sets the shift (those before it add nothing). A separate helper and loop
    // variable: one index carried from a while loop into the for loop made V8's loop several times slower.
    first = firstObserved(y, yCur, yBase, from, to);
    if (first < to) shift = y[yCur + first] - y[yBase + first];
  }
  for (let u = first; u < to; u++) {
    const dy = y[yCur + u] - y[yBase + u];
    if (dy !== dy) continue;
    const wu = w[u];
    s += wu;
    sum += wu * dy;
    count++;
    const d = dy - shift;
    const w2 = wu * wu;
    a += w2;
    b += w2 * d;
    c += w2 * d * d;
  }
  acc[at + 3] = shift;
  if (last) {
    acc[at] += s;
    acc[at + 1] += sum;
    acc[at + 2] += count;
    acc[at + 4] += a;
    acc[at + 5] += b;
    acc[at + 6] += c;
    s = sum = count = a = b = c = 0;
  }
  run[rt] = s;
  run[rt + 1] = sum;
  run[rt + 2] = count;
  run[rt + 3] = a;
  run[rt + 4] = b;
  run[rt + 5] = c;
}

/** The first u in [from, to) observed at both periods (y(t) − y(base) not NaN), or `to`. */
function firstObserved(y: Float64Array, yCur: number, yBase: number, from: number, to: number): number {
  for (let u = from; u < to; u++) if (y[yCur + u] - y[yBase + u] === y[yCur + u] - y[yBase + u]) return u;
  return to;
}

/** Σ w²(dy − mu)² from the shifted moments [shift, Σw², Σw²(dy−shift), Σw²(dy−shift)²] at acc[at..at+3]. */
function spreadAround(acc: Float64Array, at: number, mu: number): number {
  const m = mu - acc[at];
  if (m !== m) return 0;
  return Math.max(0, acc[at + 3] - 2 * m * acc[at + 2] + m * m * acc[at + 1]);
}

/**
 * Every listed cell's influence added into its targets, block of units by block of units (cells in the loop's
 * order within a block, so each unit's entry of a target gets the cells' terms in the same order as cell by cell).
 */
function plainCellInfluence(Y: Float64Array, w: Float64Array, nUnits: number, c: PlainCells): void {
  const nInf = c.nInf;
  const cursor = new Int32Array(nInf);
  for (let b0 = 0; b0 < nUnits; b0 += PLAIN_BLOCK) {
    const b1 = Math.min(nUnits, b0 + PLAIN_BLOCK);
    for (let j = 0; j < nInf; j++) {
      const k = c.infCell[j];
      const m = c.infCount[j];
      const yCur = c.yCur[k];
      const yBase = c.yBase[k];
      const tr0 = c.tr0[k];
      const tr1 = c.tr1[k];
      if (tr0 < b1 && tr1 > b0) influenceBlock(Y, yCur, yBase, w, Math.max(tr0, b0), Math.min(tr1, b1), c.infMu[2 * j], c.infDst, 4 * j, c.infScale, 8 * j, m);
      const nr = c.nRanges[k];
      const ro = k * c.rangeCap;
      let r = cursor[j];
      for (; r < nr; r++) {
        const from = c.ranges[ro + 2 * r];
        const to = c.ranges[ro + 2 * r + 1];
        if (from >= b1) break;
        influenceBlock(Y, yCur, yBase, w, Math.max(from, b0), Math.min(to, b1), c.infMu[2 * j + 1], c.infDst, 4 * j, c.infScale, 8 * j + 4, m);
        if (to > b1) break;
      }
      cursor[j] = r;
    }
  }
}

/**
 * dsts[dAt + k][u] += scales[sAt + k] · w[u] · (dy − mu), dy = y(t) − y(base), for u in [from, to) and k < m, two
 * targets a pass; units not observed at both periods (a NaN term) add nothing.
 */
function influenceBlock(
  y: Float64Array,
  yCur: number,
  yBase: number,
  w: Float64Array,
  from: number,
  to: number,
  mu: number,
  dsts: Float64Array[],
  dAt: number,
  scales: Float64Array,
  sAt: number,
  m: number,
): void {
  let k = 0;
  for (; k + 1 < m; k += 2) {
    const d0 = dsts[dAt + k];
    const d1 = dsts[dAt + k + 1];
    const c0 = scales[sAt + k];
    const c1 = scales[sAt + k + 1];
    for (let u = from; u < to; u++) {
      const v = w[u] * (y[yCur + u] - y[yBase + u] - mu);
      if (v !== v) continue;
      d0[u] += c0 * v;
      d1[u] += c1 * v;
    }
  }
  if (k < m) {
    const d0 = dsts[dAt + k];
    const c0 = scales[sAt + k];
    for (let u = from; u < to; u++) {
      const v = w[u] * (y[yCur + u] - y[yBase + u] - mu);
      if (v === v) d0[u] += c0 * v;
    }
  }
}

/** dsts[k][idx[i]] += scales[k] · inf[i] for every i, k < m: one pass for two targets at a time (each target's sums in the same order). */
function scatterInfluence(idx: Int32Array, inf: Float64Array, dsts: Float64Array[], scales: Float64Array, m: number): void {
  const len = idx.length;
  let k = 0;
  for (; k + 1 < m; k += 2) {
    const d0 = dsts[k];
    const d1 = dsts[k + 1];
    const c0 = scales[k];
    const c1 = scales[k + 1];
    for (let i = 0; i < len; i++) {
      const u = idx[i];
      const v = inf[i];
      d0[u] += c0 * v;
      d1[u] += c1 * v;
    }
  }
  if (k < m) {
    const d0 = dsts[k];
    const c0 = scales[k];
    for (let i = 0; i < len; i++) d0[idx[i]] += c0 * inf[i];
  }
}

/** dst += c · src over the first len entries. */
function addScaled(dst: Float64Array, c: number, src: Float64Array, len: number): void {
  for (let u = 0; u < len; u++) dst[u] += c * src[u];
}

function addInto(dst: Float64Array, src: Float64Array, len: number): void {
  for (let u = 0; u < len; u++) dst[u] += src[u];
}

// didStaggered's loops over units are functions of their own: V8 then compiles each when it gets hot,
// instead of compiling the whole of didStaggered again for each of its loops (on-stack replacement).

// Units first treated at or before `firstUntreated` are left out (no untreated period; their cohort
// noted in `leftOut`); those first treated after `lastTreatable` count as never treated (noted in `later`).
function trimCohorts(unitGroup: Int32Array, active: Uint8Array, firstUntreated: number, lastTreatable: number, leftOut: Set<number>, later: Set<number>): void {
  for (let u = 0; u < unitGroup.length; u++) {
    const g = unitGroup[u];
    if (g === 0) continue;
    if (g <= firstUntreated) {
      active[u] = 0;
      leftOut.add(g);
    } else if (g > lastTreatable) {
      unitGroup[u] = 0;
      later.add(g);
    }
  }
}

// Leaves out the treated units first observed when already treated (hired and trained at once); returns how many.
function dropFirstSeenTreated(
  unitGroup: Int32Array,
  active: Uint8Array,
  yByPeriod: Float64Array,
  periods: ArrayLike<number>,
  nUnits: number,
  nPeriods: number,
  anticipation: number,
): number {
  let dropped = 0;
  for (let u = 0; u < nUnits; u++) {
    const g = unitGroup[u];
    if (g === 0 || !active[u]) continue;
    let firstObs = -1;
    for (let p = 0; p < nPeriods; p++) {
      if (!Number.isNaN(yByPeriod[p * nUnits + u])) {
        firstObs = p;
        break;
      }
    }
    if (periods[firstObs] + anticipation >= g) {
      active[u] = 0;
      dropped++;
    }
  }
  return dropped;
}

// Leaves out the treated units hired less than `lead` periods before their cohort; returns how many.
function dropHiredLate(unitGroup: Int32Array, active: Uint8Array, unitHire: Int32Array, lead: number): number {
  let dropped = 0;
  for (let u = 0; u < unitGroup.length; u++) {
    const g = unitGroup[u];
    if (g === 0 || !active[u] || unitHire[u] < g - lead) continue;
    active[u] = 0;
    dropped++;
  }
  return dropped;
}

// The active units' count and weight into totals[0] and totals[1], their cohorts into `groups`.
function activeTotals(active: Uint8Array, unitWeight: Float64Array, unitGroup: Int32Array, groups: Set<number>, totals: Float64Array): void {
  let n = 0;
  let wTotal = 0;
  for (let u = 0; u < active.length; u++) {
    if (!active[u]) continue;
    n++;
    wTotal += unitWeight[u];
    if (unitGroup[u] !== 0) groups.add(unitGroup[u]);
  }
  totals[0] = n;
  totals[1] = wTotal;
}

function countNeverTreated(active: Uint8Array, unitGroup: Int32Array): number {
  let count = 0;
  for (let u = 0; u < active.length; u++) if (active[u] && unitGroup[u] === 0) count++;
  return count;
}

// Each active treated unit's cohort index into groupOf, and the cohorts' weight totals into groupShare.
function groupIndexAndShares(active: Uint8Array, unitGroup: Int32Array, unitWeight: Float64Array, gPos: Map<number, number>, groupOf: Int32Array, groupShare: Float64Array): void {
  for (let u = 0; u < active.length; u++) {
    if (!active[u] || unitGroup[u] === 0) continue;
    const gi = gPos.get(unitGroup[u]) as number;
    groupOf[u] = gi;
    groupShare[gi] += unitWeight[u];
  }
}

// The units ordered by key (0 never treated, 1 + cohort index, nGroups + 1 left out), in unit order within a
// key; start[k] is set to the first position of key k.
function orderByCohort(active: Uint8Array, groupOf: Int32Array, nGroups: number, start: Int32Array): Int32Array {
  const nUnits = active.length;
  for (let u = 0; u < nUnits; u++) start[(!active[u] ? nGroups + 1 : groupOf[u] + 1) + 1]++;
  for (let k = 1; k < start.length; k++) start[k] += start[k - 1];
  const order = new Int32Array(nUnits);
  const fillAt = start.slice();
  for (let u = 0; u < nUnits; u++) order[fillAt[!active[u] ? nGroups + 1 : groupOf[u] + 1]++] = u;
  return order;
}

// A target's estimate; its influence normalised by the weights' sum and, for group-share weights, with the
// weights' own sampling variation added.
function finishTarget(t: Target, nUnits: number, groupIndex: Int32Array, w: Float64Array): number {
  const S = t.coefSum;
  const est = t.weightedAtt / S;
  const inf = t.inf;
  if (inf.length === 0) return est;
  for (let u = 0; u < nUnits; u++) inf[u] /= S;
  if (t.kind === 'share') {
    // Weights P(G = g_k)/Σ P(G = g_k'): their sampling variation adds (M_ik − p_k)-terms (did's wif).
    const wAtt = t.weightedAtt;
    for (let u = 0; u < nUnits; u++) {
      const gi = groupIndex[u];
      if (gi < 0) continue;
      const a = w[u] * t.attByGroup[gi];
      const b = w[u] * t.cellsByGroup[gi];
      if (b === 0) continue;
      inf[u] += (a - wAtt) / S - ((b - S) * wAtt) / (S * S);
    }
    // Units outside every keeper group get (0 − wAtt)/S − (0 − S)·wAtt/S² = 0: nothing to add.
  }
  return est;
}

function influenceSe(inf: Float64Array, nUnits: number, n: number): number {
  let ss = 0;
  for (let u = 0; u < nUnits; u++) ss += inf[u] * inf[u];
  return Math.sqrt(ss) / n;
}

// The window target's influence: normalised, plus its per-unit weights' variation.
function finishWindowInfluence(inf: Float64Array, nUnits: number, S: number, wAtt: number, member: Float64Array, memberAtt: Float64Array): void {
  for (let u = 0; u < nUnits; u++) {
    inf[u] /= S;
    if (member[u] !== 0) inf[u] += (memberAtt[u] - wAtt) / S - ((member[u] - S) * wAtt) / (S * S);
  }
}

function markWindowMembers(
  y: Float64Array,
  yCur: number,
  yBase: number,
  w: Float64Array,
  att: number,
  from: number,
  to: number,
  member: Float64Array,
  memberAtt: Float64Array,
  used: Uint8Array,
): void {
  for (let u = from; u < to; u++) {
    if (y[yCur + u] - y[yBase + u] !== y[yCur + u] - y[yBase + u]) continue;
    member[u] += w[u];
    memberAtt[u] += w[u] * att;
    used[u] = 1;
  }
}

function countMarked(mark: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < mark.length; i++) c += mark[i];
  return c;
}

/**
 * Multiplier bootstrap on influence functions: each draw multiplies every
 * unit's influence by a Rademacher sign and sums, giving the estimate's
 * perturbation; the standard error is the draws' interquartile range scaled to
 * a normal's (robust, as in did's `mboot`). Returns the draws (column-major,
 * `draws[j * nDraws + b]`) for the simultaneous band.
 *
 * Speed: units are taken eight at a time with the 256 signed sums of their
 * influence tabulated (each sign pattern one byte of the seeded stream), and
 * the work runs block of units by block of units so the tables stay in cache:
 * a draw then costs an eighth of a pass over the units per column.
 */
function multiplierBootstrap(infs: Float64Array[], nUnits: number, n: number, nDraws: number, seed: number, progress: boolean): { se: number[]; draws: Float64Array; nDraws: number } {
  const J = infs.length;
  const nChunks = Math.ceil(nUnits / 8);
  // Sign patterns: one byte per draw and chunk of eight units (bit set = +1).
  const rng = createRng(seed);
  const pattern = new Uint8Array(nDraws * nChunks);
  for (let k = 0; k < pattern.length; k += 4) {
    const word = rng.int(4294967296);
    pattern[k] = word & 255;
    if (k + 1 < pattern.length) pattern[k + 1] = (word >>> 8) & 255;
    if (k + 2 < pattern.length) pattern[k + 2] = (word >>> 16) & 255;
    if (k + 3 < pattern.length) pattern[k + 3] = (word >>> 24) & 255;
  }
  const lowBit = new Uint8Array(256);
  for (let q = 1; q < 256; q++) lowBit[q] = 31 - Math.clz32(q & -q);
  const K = Math.max(1, Math.floor(32768 / (256 * J)) || 1); // chunks per block: a table of ~256 KB
  const table = new Float64Array(K * 256 * J);
  const acc = new Float64Array(nDraws * J);
  const bar = progress && process.stderr.isTTY ? startProgress(nChunks) : null;
  for (let c0 = 0; c0 < nChunks; c0 += K) {
    const kEnd = Math.min(K, nChunks - c0);
    for (let k = 0; k < kEnd; k++) {
      const base = k * 256 * J;
      const u0 = 8 * (c0 + k);
      for (let j = 0; j < J; j++) {
        const inf = infs[j];
        let all = 0;
        for (let bit = 0; bit < 8 && u0 + bit < nUnits; bit++) all -= inf[u0 + bit];
        table[base + j] = all;
      }
      // T[q] = T[q without its lowest bit] + 2·IF of that unit.
      for (let q = 1; q < 256; q++) {
        const u = u0 + lowBit[q];
        const from = base + (q & (q - 1)) * J;
        const to = base + q * J;
        for (let j = 0; j < J; j++) table[to + j] = table[from + j] + (u < nUnits ? 2 * infs[j][u] : 0);
      }
    }
    for (let b = 0; b < nDraws; b++) {
      const row = b * J;
      const pat = b * nChunks + c0;
      for (let k = 0; k < kEnd; k++) {
        const off = (k * 256 + pattern[pat + k]) * J;
        for (let j = 0; j < J; j++) acc[row + j] += table[off + j];
      }
    }
    if (bar && ((c0 / K) & 63) === 0) bar.update(c0);
  }
  bar?.stop();
  const draws = new Float64Array(J * nDraws);
  for (let b = 0; b < nDraws; b++) for (let j = 0; j < J; j++) draws[j * nDraws + b] = acc[b * J + j] / n;
  const qScale = normalQuantile(0.75, 0, 1) - normalQuantile(0.25, 0, 1);
  const se: number[] = [];
  const sorted = new Float64Array(nDraws);
  for (let j = 0; j < J; j++) {
    sorted.set(draws.subarray(j * nDraws, (j + 1) * nDraws));
    sorted.sort();
    se.push((quantileType1(sorted, 0.75) - quantileType1(sorted, 0.25)) / qScale);
  }
  return { se, draws, nDraws };
}

/** The inverse of the empirical distribution function (R's quantile type 1). */
function quantileType1(sorted: Float64Array, p: number): number {
  const k = Math.max(1, Math.ceil(sorted.length * p));
  return sorted[k - 1];
}

/** The (1 − alpha) quantile of max_j |draw_j| / se_j over the columns of the band. */
function simultaneousCritical(draws: Float64Array, nDraws: number, J: number, idx: number[], se: number[], alpha: number): number {
  const usable = idx.filter((j) => se[j] > 0 && j < J);
  if (usable.length === 0) return normalQuantile(1 - alpha / 2, 0, 1);
  const maxT = new Float64Array(nDraws);
  for (let b = 0; b < nDraws; b++) {
    let m = 0;
    for (const j of usable) {
      const v = Math.abs(draws[j * nDraws + b]) / se[j];
      if (v > m) m = v;
    }
    maxT[b] = m;
  }
  maxT.sort();
  return quantileType1(maxT, 1 - alpha);
}

/** Wald statistic θ' V⁻¹ θ with V = IF'IF / n², by Cholesky; near-singular directions are dropped (df = rank). */
function waldTest(cols: { inf: Float64Array; est: number }[], n: number): { statistic: number; df: number; pValue: number } {
  const k = cols.length;
  const V = new Float64Array(k * k);
  const len = cols[0].inf.length;
  for (let a = 0; a < k; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0;
      const x = cols[a].inf;
      const y = cols[b].inf;
      for (let u = 0; u < len; u++) s += x[u] * y[u];
      V[a * k + b] = V[b * k + a] = s / (n * n);
    }
  }
  // Cholesky with pivots that vanish skipped (a rank-deficient V tests fewer directions).
  const L = new Float64Array(k * k);
  const keep: boolean[] = [];
  for (let j = 0; j < k; j++) {
    let diag = V[j * k + j];
    for (let m = 0; m < j; m++) if (keep[m]) diag -= L[j * k + m] * L[j * k + m];
    keep[j] = diag > 1e-12 * V[j * k + j] && diag > 0;
    if (!keep[j]) continue;
    const ljj = Math.sqrt(diag);
    L[j * k + j] = ljj;
    for (let i = j + 1; i < k; i++) {
      let s = V[i * k + j];
      for (let m = 0; m < j; m++) if (keep[m]) s -= L[i * k + m] * L[j * k + m];
      L[i * k + j] = s / ljj;
    }
  }
  // Solve L z = θ over the kept coordinates; statistic = |z|².
  const zv = new Float64Array(k);
  let stat = 0;
  let df = 0;
  for (let i = 0; i < k; i++) {
    if (!keep[i]) continue;
    let s = cols[i].est;
    for (let m = 0; m < i; m++) if (keep[m]) s -= L[i * k + m] * zv[m];
    zv[i] = s / L[i * k + i];
    stat += zv[i] * zv[i];
    df++;
  }
  return { statistic: stat, df, pValue: df > 0 ? 1 - chisqCdf(stat, df) : NaN };
}

function startProgress(total: number): { update(v: number): void; stop(): void } {
  const bar = new cliProgress.SingleBar({ format: 'bootstrap [{bar}] {value}/{total}', stream: process.stderr }, cliProgress.Presets.shades_classic);
  bar.start(total, 0);
  return { update: (v) => bar.update(v), stop: () => bar.stop() };
}
