import type { Estimate } from '../core/estimate';
import { EstimationError } from '../core/errors';
import { normalQuantile } from '../stats/dists';
import { densePanel, type PanelInput } from './panel-input';

/** Options of {@link beforeAfter}. */
export interface BeforeAfterOptions {
  /** Event times (periods since first treatment) averaged after: [a, b], e.g. [1, 12]. */
  window: [number, number];
  /** Periods before treatment averaged as the baseline (g − baseline .. g − 1), default 6. */
  baseline?: number;
  /** 1 − confidence level, default 0.05. */
  alpha?: number;
}

/** What {@link beforeAfter} says about itself, always: it has no control group. */
export const BEFORE_AFTER_CAVEAT =
  'before-after has no comparison group: it absorbs seasonality, market trends and anything else that changed over the same months';

/**
 * Trained units' average outcome in the window after their first treatment
 * minus their own baseline average before it, per unit-period (each unit
 * weighted by its observed window periods), with standard errors clustered
 * by unit. This is what a dashboard shows; it answers "did the trained get
 * better", not "did the training make them better", because the season,
 * the market and everyone's growth are in it too (see the caveat in the
 * diagnostics).
 *
 * @example
 * // one trained unit: baseline 10, 10; after 14, 16 → +5
 * beforeAfter({ unit: Int32Array.of(1, 1, 1, 1), time: Int32Array.of(1, 2, 3, 4),
 *   y: Float64Array.of(10, 10, 14, 16), group: Int32Array.of(3, 3, 3, 3) }, { window: [0, 1], baseline: 2 }).estimate; // => 5
 */
export function beforeAfter(input: PanelInput, opts: BeforeAfterOptions): Estimate {
  const fn = 'beforeAfter';
  const window = opts?.window;
  if (!Array.isArray(window) || window.length !== 2 || !Number.isInteger(window[0]) || !Number.isInteger(window[1]) || window[0] > window[1] || window[0] < 0) {
    throw new RangeError(`${fn}: \`window\` must be two integers [a, b] with 0 <= a <= b, got ${JSON.stringify(window)}`);
  }
  const baseline = opts.baseline ?? 6;
  if (!Number.isInteger(baseline) || baseline < 1) throw new RangeError(`${fn}: \`baseline\` must be an integer >= 1, got ${baseline}`);
  const d = densePanel(input, fn);
  const { nUnits, nPeriods, periods, yByPeriod, unitGroup, unitWeight } = d;
  const t0 = periods[0];
  const span = periods[nPeriods - 1] - t0 + 1;
  const periodAt = new Int32Array(span).fill(-1);
  for (let p = 0; p < nPeriods; p++) periodAt[periods[p] - t0] = p;
  const diff: number[] = [];
  const weight: number[] = [];
  const { treatedUnits, noBaseline, noWindow } = unitChanges({ yByPeriod, nUnits, periodAt, t0, span }, unitGroup, unitWeight, baseline, window, diff, weight);
  const k = diff.length;
  if (k < 2) {
    throw new EstimationError(
      `${fn}: ${k} treated units have both a baseline (${baseline} periods before) and an observed window ${window[0]}..${window[1]}; at least 2 are needed` +
        (noWindow > 0 ? ` (${noWindow} have no window period observed yet: too early to judge)` : ''),
    );
  }
  const [sw, swd] = weightedTotals(weight, diff, k);
  const estimate = swd / sw;
  // Weighted mean of per-unit changes; cluster-robust (HC1-type) variance by unit.
  const meat = squaredDeviations(weight, diff, estimate, k);
  const se = Math.sqrt((meat / (sw * sw)) * (k / (k - 1)));
  const z = normalQuantile(1 - (opts.alpha ?? 0.05) / 2);
  const warnings: string[] = [BEFORE_AFTER_CAVEAT];
  if (noBaseline > 0) warnings.push(`${noBaseline} treated units have no baseline period observed and are left out`);
  if (noWindow > 0) warnings.push(`${noWindow} treated units have no period of the window observed yet and are left out`);
  return {
    method: 'before_after',
    // Targets the study's window ATT (CONTRACT §4), but identifies it only if nothing else changed.
    estimand: 'ATT',
    estimate,
    se,
    ci: [estimate - z * se, estimate + z * se],
    nTreated: k,
    nControl: 0,
    diagnostics: { window, baseline, treatedUnits, caveat: BEFORE_AFTER_CAVEAT, note: 'window mean minus baseline mean of the trained, no control group', warnings },
  };
}

// beforeAfter's loops, one a function (so V8's code for one loop never runs on into the next).

/** The outcomes by period and unit, and where each time value's period is (−1: none). */
interface PeriodGrid {
  yByPeriod: Float64Array;
  nUnits: number;
  periodAt: Int32Array;
  t0: number;
  span: number;
}

// Unit u's mean outcome over the observed periods of the times from..to, and how many there were.
function meanOver(grid: PeriodGrid, u: number, from: number, to: number): [number, number] {
  const { yByPeriod, nUnits, periodAt, t0, span } = grid;
  let s = 0;
  let m = 0;
  for (let t = Math.max(from, t0); t <= Math.min(to, t0 + span - 1); t++) {
    const p = periodAt[t - t0];
    if (p < 0) continue;
    const v = yByPeriod[p * nUnits + u];
    if (v === v) {
      s += v;
      m++;
    }
  }
  return [m > 0 ? s / m : NaN, m];
}

// Each treated unit's window mean less its baseline mean into diff, its weight (window periods × unit weight)
// into weight; counts the treated units, and those left out for want of a baseline or a window period.
function unitChanges(
  grid: PeriodGrid,
  unitGroup: Int32Array,
  unitWeight: Float64Array,
  baseline: number,
  window: [number, number],
  diff: number[],
  weight: number[],
): { treatedUnits: number; noBaseline: number; noWindow: number } {
  let treatedUnits = 0;
  let noBaseline = 0;
  let noWindow = 0;
  for (let u = 0; u < grid.nUnits; u++) {
    const g = unitGroup[u];
    if (g === 0) continue;
    treatedUnits++;
    const [pre, mPre] = meanOver(grid, u, g - baseline, g - 1);
    const [postMean, mPost] = meanOver(grid, u, g + window[0], g + window[1]);
    if (mPre === 0) noBaseline++;
    else if (mPost === 0) noWindow++;
    else {
      diff.push(postMean - pre);
      weight.push(mPost * unitWeight[u]);
    }
  }
  return { treatedUnits, noBaseline, noWindow };
}

// [Σ w, Σ w·d] over i < k.
function weightedTotals(weight: number[], diff: number[], k: number): [number, number] {
  let sw = 0;
  let swd = 0;
  for (let i = 0; i < k; i++) {
    sw += weight[i];
    swd += weight[i] * diff[i];
  }
  return [sw, swd];
}

// Σ (w·(d − estimate))² over i < k.
function squaredDeviations(weight: number[], diff: number[], estimate: number, k: number): number {
  let meat = 0;
  for (let i = 0; i < k; i++) meat += (weight[i] * (diff[i] - estimate)) ** 2;
  return meat;
}
