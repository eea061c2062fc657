import { DataError } from '../core/errors';
import { COMPLETED_BEFORE_DATA, NEVER_COMPLETED, type Panel } from './panel';

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
   * (months at g), `y_pre`, `prior_<course>` (1 when that other course was
   * first completed before g), each context factor averaged over the
   * baseline and, as `<factor>_window`, over the window months (a market
   * the course cannot move), and `cohort` (the period label, for cohort
   * effects).
   */
  covariates: { names: string[]; columns: Record<string, Float64Array | string[]> };
  /** Rows left out and why. */
  dropped: { reason: string; count: number }[];
}

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
export function stackCourse(panel: Panel, course: string, metric: string, opts: { window?: [number, number]; baseline?: number } = {}): StackedData {
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

  const nEmp = panel.employees.length;
  const yGrid = prefixGrid(panel, y);
  const pre = { s: 0, c: 0 };
  const post = { s: 0, c: 0 };

  const fc = panel.firstCompletion[k];
  const cohortSet = new Set<number>();
  for (let e = 0; e < nEmp; e++) if (fc[e] >= 0) cohortSet.add(fc[e]);
  const cohorts = [...cohortSet].sort((a, b) => a - b);

  const dropCounts = new Map<string, number>();
  const drop = (reason: string) => dropCounts.set(reason, (dropCounts.get(reason) ?? 0) + 1);
  const rowsCohort: number[] = [];
  const rowsEmp: number[] = [];
  const rowsTreated: number[] = [];
  const rowsPre: number[] = [];
  const rowsPost: number[] = [];
  const rowsWeight: number[] = [];
  for (const g of cohorts) {
    for (let e = 0; e < nEmp; e++) {
      const f = fc[e];
      const isTreated = f === g;
      const isControl = f === NEVER_COMPLETED || f > g + window[1];
      if (!isTreated && !isControl) continue;
      const who = isTreated ? 'treated' : 'control';
      // Controls are counted only when they would have been usable, so the drop counts stay readable.
      if (panel.hirePeriod[e] >= g - baseline) {
        if (isTreated || panel.hirePeriod[e] <= g + window[1]) drop(`${who}: hired after the baseline began`);
        continue;
      }
      if (panel.termPeriod[e] < g - baseline) continue; // gone before the cohort's baseline: never a candidate
      yGrid.range(e, g - baseline, g - 1, pre);
      if (pre.c === 0) {
        drop(`${who}: no observed baseline month`);
        continue;
      }
      yGrid.range(e, g + window[0], g + window[1], post);
      if (post.c === 0) {
        drop(`${who}: no observed post month`);
        continue;
      }
      rowsCohort.push(g);
      rowsEmp.push(e);
      rowsTreated.push(isTreated ? 1 : 0);
      rowsPre.push(pre.s / pre.c);
      rowsPost.push(post.s / post.c);
      rowsWeight.push(post.c);
    }
  }
  let completedBefore = 0;
  for (let e = 0; e < nEmp; e++) if (fc[e] === COMPLETED_BEFORE_DATA) completedBefore++;
  if (completedBefore > 0) dropCounts.set('treated: first completion before the first period of the data', completedBefore);

  const n = rowsCohort.length;
  if (n === 0) throw new DataError(`stackCourse: course "${course}" has no usable cohort for \`${metric}\` (no trained employee with baseline and post months)`);
  const cohort = Int32Array.from(rowsCohort);
  const employee = Int32Array.from(rowsEmp);
  const treated = Float64Array.from(rowsTreated);
  const yPre = Float64Array.from(rowsPre);
  const yPost = Float64Array.from(rowsPost);
  const weight = Float64Array.from(rowsWeight);

  const columns: Record<string, Float64Array | string[]> = {};
  const names: string[] = [];
  const add = (name: string, col: Float64Array | string[]) => {
    names.push(name);
    columns[name] = col;
  };
  const role: string[] = new Array(n);
  const region: string[] = new Array(n);
  const cohortLabel: string[] = new Array(n);
  const level = new Float64Array(n);
  const tenure = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const e = employee[r];
    role[r] = panel.role[e] < 0 ? '' : panel.roleLevels[panel.role[e]];
    region[r] = panel.region[e] < 0 ? '' : panel.regionLevels[panel.region[e]];
    cohortLabel[r] = panel.periods[cohort[r]];
    level[r] = panel.level[e];
    tenure[r] = cohort[r] - panel.hirePeriod[e];
  }
  add('role', role);
  if (panel.regionLevels.length > 0) add('region', region);
  if (!level.every(Number.isNaN)) add('level', level);
  add('tenure', tenure);
  add('y_pre', yPre);
  for (const [name, values] of Object.entries(panel.extraCovariates)) {
    const col = new Float64Array(n);
    for (let r = 0; r < n; r++) col[r] = values[employee[r]];
    add(name, col);
  }
  panel.courses.forEach((other, k2) => {
    if (k2 === k) return;
    const f2 = panel.firstCompletion[k2];
    const col = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      const f = f2[employee[r]];
      col[r] = f === COMPLETED_BEFORE_DATA || (f >= 0 && f < cohort[r]) ? 1 : 0;
    }
    add(`prior_${other}`, col);
  });
  // Context factors over each row's baseline months, and over its window months as `<name>_window`, by the
  // same prefix sums. A context factor is outside the employee's control (a region's market), so training
  // cannot move it, and its level during the window is a fair thing to compare on: a regional downturn that
  // hits a rollout wave's window months would otherwise read as an effect of the course.
  for (const name of panel.contextNames) {
    const grid = prefixGrid(panel, panel.context[name]);
    const before = new Float64Array(n);
    const during = new Float64Array(n);
    const at = { s: 0, c: 0 };
    for (let r = 0; r < n; r++) {
      grid.range(employee[r], cohort[r] - baseline, cohort[r] - 1, at);
      before[r] = at.c > 0 ? at.s / at.c : NaN;
      grid.range(employee[r], cohort[r] + window[0], cohort[r] + window[1], at);
      during[r] = at.c > 0 ? at.s / at.c : NaN;
    }
    add(name, before);
    add(`${name}_window`, during);
  }
  add('cohort', cohortLabel);

  const dropped = [...dropCounts.entries()].map(([reason, count]) => ({ reason, count })).sort((a, b) => a.reason.localeCompare(b.reason));
  return { course, metric, window: [window[0], window[1]], baseline, n, cohort, employee, treated, yPre, yPost, weight, covariates: { names, columns }, dropped };
}

/**
 * Per-employee prefix sums of a panel column over the period axis, so that
 * the sum and count of observed (non-NaN) months in any range of months cost
 * two lookups.
 */
function prefixGrid(panel: Panel, values: Float64Array): { range: (e: number, a: number, b: number, out: { s: number; c: number }) => void } {
  const T = panel.periods.length;
  const nEmp = panel.employees.length;
  const stride = T + 1;
  const sum = new Float64Array(nEmp * stride);
  const cnt = new Int32Array(nEmp * stride);
  for (let j = 0; j < panel.nRows; j++) {
    const v = values[j];
    if (Number.isNaN(v)) continue;
    const at = panel.rowEmployee[j] * stride + panel.rowPeriod[j] + 1;
    sum[at] = v;
    cnt[at] = 1;
  }
  for (let e = 0; e < nEmp; e++) {
    const base = e * stride;
    for (let t = 1; t <= T; t++) {
      sum[base + t] += sum[base + t - 1];
      cnt[base + t] += cnt[base + t - 1];
    }
  }
  return {
    range: (e, a, b, out) => {
      const lo = a < 0 ? 0 : a > T ? T : a;
      const hi = b + 1 < 0 ? 0 : b + 1 > T ? T : b + 1;
      if (hi <= lo) {
        out.s = 0;
        out.c = 0;
        return;
      }
      const base = e * stride;
      out.s = sum[base + hi] - sum[base + lo];
      out.c = cnt[base + hi] - cnt[base + lo];
    },
  };
}
