import type { Estimate } from '../core/estimate';
import { EstimationError } from '../core/errors';
import { normalQuantile } from '../stats/dists';
import { demeanTwoWay, exactTwoWay, type ExactTwoWay } from '../stats/fixed-effects';
import { sandwichScale } from '../stats/vcov';
import { bacon, type BaconDecomposition } from './bacon';
import { densePanel, isSharedPanelArray, type DensePanel, type PanelInput } from './panel-input';

/** Options of {@link didTwfe}. */
export interface TwfeOptions {
  /**
   * Small-sample factor of the clustered variance. `dummies` (default): as
   * `lm` with unit and period dummies and `sandwich::vcovCL` (or statsmodels'
   * cluster option), G/(G−1)·(N−1)/(N−K) with K counting every absorbed
   * effect. `clusters`: G/(G−1) only (closer to fixest's default when units
   * are nested in clusters).
   */
  smallSample?: 'dummies' | 'clusters';
  /** Run the Goodman-Bacon decomposition too (default true). */
  decompose?: boolean;
  /** 1 − confidence level, default 0.05. */
  alpha?: number;
}

/** A TWFE estimate with its Goodman-Bacon decomposition (null when not asked or not possible). */
export type TwfeResult = Estimate & { bacon: BaconDecomposition | null };

/**
 * Two-way fixed-effects DiD: y_it = α_i + λ_t + β·D_it + ε_it with
 * D_it = 1 from the unit's first treated period on, unit and period effects
 * absorbed by demeaning (no dummies, so it scales to millions of
 * employee-months: the period effects solved for directly, alternating
 * projections when that does not apply), errors clustered by unit. The classic
 * estimator: under staggered timing with effects that change over time it is
 * biased, because already-treated units act as controls; the Goodman-Bacon
 * decomposition attached says how much weight sits on those comparisons.
 *
 * @example
 * const r = didTwfe(mpdtaPanel);
 * r.estimate; // => -0.0365489
 * r.se; // => 0.0148316 (clustered by county, lm + vcovCL factor)
 * r.bacon!.forbiddenWeight; // => 0.054
 */
export function didTwfe(input: PanelInput, opts: TwfeOptions = {}): TwfeResult {
  const fn = 'didTwfe';
  const smallSample = opts.smallSample ?? 'dummies';
  if (smallSample !== 'dummies' && smallSample !== 'clusters') {
    throw new RangeError(`${fn}: \`smallSample\` must be 'dummies' or 'clusters', got ${JSON.stringify(smallSample)}`);
  }
  const alpha = opts.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`${fn}: \`alpha\` must be in (0, 1), got ${alpha}`);
  const d = densePanel(input, fn);
  const n = d.nRows;
  // A metric's outcome rows are shared by every course (coursePanelInput): their within transformation is too.
  const shared = input.weights === undefined && isSharedPanelArray(input.y) ? sharedWithin(input.y, d) : null;
  const y = shared ? shared.y : Float64Array.from(input.y);
  const treated = new Float64Array(n);
  const nTreatedRows = markTreated(input.group, input.time, treated, n);
  if (nTreatedRows === 0 || nTreatedRows === n) {
    throw new EstimationError(`${fn}: treatment does not vary (${nTreatedRows} of ${n} rows treated); TWFE needs treated and untreated unit-periods`);
  }
  let report: { method: string; iterations: number[] };
  if (shared) {
    shared.system.demean(treated);
    report = { method: 'exact', iterations: [1, 1] };
  } else report = demeanTwoWay([y, treated], d.rowUnit, d.nUnits, d.rowPeriod, d.nPeriods, { weights: input.weights, solve: 'exact' });
  const ss = squareSum(treated, n);
  if (ss < 1e-12 * nTreatedRows) {
    throw new EstimationError(`${fn}: treatment is absorbed by the unit and period effects (every cohort is treated at the same time as all others); nothing is left to estimate`);
  }
  // One regressor is left after the within transformation: its weighted least-squares slope and vcovCL's
  // clustered variance (type HC1) in closed form, as fitOls and vcovOls would give them for a one-column design.
  const w = input.weights;
  const [sxx, sxy] = slopeSums(w, treated, y, n);
  const estimate = sxy / sxx;
  const score = new Float64Array(d.nUnits);
  unitScores(score, d.rowUnit, w, treated, y, estimate, n);
  const meat = squareSum(score, d.nUnits);
  // The dense panel's units are those with rows: each is a cluster.
  const clusters = d.nUnits;
  if (clusters < 2) throw new EstimationError(`${fn}: cluster-robust variance needs at least 2 units, got ${clusters}`);
  // vcovCL counts only the one regressor; the absorbed effects count too when they were dummies.
  const K = 1 + d.nUnits + d.nPeriods - 1;
  const factor = smallSample === 'dummies' ? (n - 1) / (n - K) : 1;
  const se = Math.sqrt((meat / (sxx * sxx)) * sandwichScale('HC1', n, 1, clusters) * factor);
  const z = normalQuantile(1 - alpha / 2);
  const nTreated = countNonZero(d.unitGroup, d.nUnits);
  const decomposition = opts.decompose === false ? null : bacon(input);
  return {
    method: 'did_twfe',
    // Meant as the study's ATT; with staggered timing it is a variance-weighted average of 2x2 comparisons instead.
    estimand: 'ATT',
    estimate,
    se,
    ci: [estimate - z * se, estimate + z * se],
    nTreated,
    nControl: d.nUnits - nTreated,
    diagnostics: {
      note: 'a variance-weighted average of all 2x2 comparisons, including already-treated controls (see bacon)',
      clusters: d.nUnits,
      rows: n,
      smallSample,
      demeaning: report.method,
      demeaningSweeps: Math.max(...report.iterations),
      forbiddenWeight: decomposition?.forbiddenWeight ?? null,
      warnings: [
        ...(d.unitsWithGaps > 0 ? [`${d.unitsWithGaps} units have gaps in the panel; their effects are absorbed from the periods observed`] : []),
        ...(decomposition?.warnings ?? []),
      ],
    },
    bacon: decomposition,
  };
}

// didTwfe's loops, one a function (so V8's code for one loop never runs on into the next).

// treated[i] = 1 on the rows at or after their group's first treated period; returns how many.
function markTreated(group: Int32Array, time: Int32Array, treated: Float64Array, n: number): number {
  let count = 0;
  for (let i = 0; i < n; i++) {
    const g = group[i];
    if (g !== 0 && time[i] >= g) {
      treated[i] = 1;
      count++;
    }
  }
  return count;
}

// Σ v_i² over i < n.
function squareSum(v: Float64Array, n: number): number {
  let ss = 0;
  for (let i = 0; i < n; i++) ss += v[i] * v[i];
  return ss;
}

// [Σ w·x·x, Σ w·x·y] (w = 1 without weights).
function slopeSums(w: Float64Array | undefined, x: Float64Array, y: Float64Array, n: number): [number, number] {
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const wx = (w ? w[i] : 1) * x[i];
    sxx += wx * x[i];
    sxy += wx * y[i];
  }
  return [sxx, sxy];
}

// score[unit] += w·x·(y − β·x) over the rows, in row order.
function unitScores(score: Float64Array, rowUnit: Int32Array, w: Float64Array | undefined, x: Float64Array, y: Float64Array, estimate: number, n: number): void {
  for (let i = 0; i < n; i++) score[rowUnit[i]] += (w ? w[i] : 1) * x[i] * (y[i] - estimate * x[i]);
}

// Entries of v[0..n) other than 0.
function countNonZero(v: Int32Array, n: number): number {
  let count = 0;
  for (let u = 0; u < n; u++) if (v[u] !== 0) count++;
  return count;
}

// The within-transformed outcome of rows coursePanelInput shares, with the system that transformed it (read-only).
const WITHIN = new WeakMap<Float64Array, { rowUnit: Int32Array; rowPeriod: Int32Array; system: ExactTwoWay; y: Float64Array }>();

/** The shared outcome's within transformation and its system, built on first use; null where the closed form does not apply. */
function sharedWithin(yShared: Float64Array, d: DensePanel): { system: ExactTwoWay; y: Float64Array } | null {
  const hit = WITHIN.get(yShared);
  if (hit && hit.rowUnit === d.rowUnit && hit.rowPeriod === d.rowPeriod) return hit;
  const system = exactTwoWay(d.rowUnit, d.nUnits, d.rowPeriod, d.nPeriods, undefined);
  if (system === null) return null;
  const y = Float64Array.from(yShared);
  system.demean(y);
  const entry = { rowUnit: d.rowUnit, rowPeriod: d.rowPeriod, system, y };
  WITHIN.set(yShared, entry);
  return entry;
}
