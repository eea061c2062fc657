import { DataError } from '../core/errors';
import type { Panel } from '../data/panel';
import { calendarDay, parseMonth } from '../data/schema';
import type { PathCounts } from './paths';

/** Options of {@link journeysFromPanel}. */
export interface JourneyOptions {
  /** Outcome metric of the panel, e.g. `revenue`. */
  metric: string;
  /**
   * Months since completion that count as "in the journey" of an
   * employee-month: a course completed in month g enters the journeys of
   * months g + w0 .. g + w1 (the estimand's window). Default [1, 12].
   */
  window?: [number, number];
  /** Also cut journeys to completions at most this many days before the month starts. */
  lookbackDays?: number;
  /**
   * When an employee-month counts as a conversion. Default: the metric is
   * above the median of all employee-months of the same role (a "good month").
   * A number: the metric is above that fixed threshold.
   */
  conversionAbove?: number;
  /** Privacy minimum: paths taken by fewer employees are pooled by course set. Default 5. */
  minEmployees?: number;
}

/** Journeys built from the panel, aggregated by path. */
export interface PanelJourneys {
  /** One row per path; the empty path is the employee-months with no course in the window. */
  counts: PathCounts;
  /** Employee-months that became journeys (rows with the metric observed). */
  journeys: number;
  /** Employees on each row of `counts` (distinct people, after pooling). */
  employeesPerPath: Int32Array;
  notes: string[];
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = Float64Array.from(values).sort();
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/**
 * Learning journeys from the LMS records of the panel, one per observed
 * employee-month: the courses the employee completed 1..12 months before
 * (the window), in completion order with repeats kept, and whether that month
 * was a "conversion" (a good month: the metric above the role's median, or
 * above a fixed threshold) with the metric as its value. Journeys are
 * aggregated by path; employee-months with no course in the window are the
 * empty path (the baseline). `daysBeforeEnd` holds, per path and touch
 * position, the mean days from completion to the month's first day, for
 * `time_decay`. Paths taken by fewer than `minEmployees` employees are pooled
 * by course set, and the notes say so.
 *
 * @example
 * const { counts, notes } = journeysFromPanel(panel, { metric: 'revenue' });
 * attribute(counts, 'last_touch').credit; // => share of good months credited to each course
 */
export function journeysFromPanel(panel: Panel, opts: JourneyOptions): PanelJourneys {
  const y = panel.metrics[opts.metric];
  if (!y) {
    throw new DataError(`journeysFromPanel: no metric \`${opts.metric}\`; the metrics are ${panel.metricNames.join(', ')}`, {
      column: opts.metric,
    });
  }
  const [w0, w1] = opts.window ?? [1, 12];
  if (!Number.isInteger(w0) || !Number.isInteger(w1) || w0 < 0 || w0 > w1) {
    throw new RangeError(`journeysFromPanel: \`window\` must be integers 0 <= w0 <= w1, got [${w0}, ${w1}]`);
  }
  const lookback = opts.lookbackDays;
  if (lookback !== undefined && !(lookback > 0)) throw new RangeError(`journeysFromPanel: \`lookbackDays\` must be > 0, got ${lookback}`);
  const minEmployees = opts.minEmployees ?? 5;
  if (!Number.isInteger(minEmployees) || minEmployees < 1) {
    throw new RangeError(`journeysFromPanel: \`minEmployees\` must be a positive integer, got ${minEmployees}`);
  }

  // Threshold per employee-month: role median unless a fixed one is given.
  const nRoles = Math.max(1, panel.roleLevels.length);
  const roleMedian = new Float64Array(nRoles + 1);
  if (opts.conversionAbove === undefined) {
    const byRole: number[][] = Array.from({ length: nRoles + 1 }, () => []);
    for (let r = 0; r < panel.nRows; r++) {
      const v = y[r];
      if (Number.isNaN(v)) continue;
      const role = panel.role[panel.rowEmployee[r]];
      byRole[role < 0 ? nRoles : role].push(v);
    }
    byRole.forEach((vs, j) => (roleMedian[j] = median(vs)));
  } else if (!Number.isFinite(opts.conversionAbove)) {
    throw new RangeError(`journeysFromPanel: \`conversionAbove\` must be a finite number, got ${opts.conversionAbove}`);
  }

  // Completion records are sorted by employee: index each employee's run.
  const nEmp = panel.employees.length;
  const runStart = new Int32Array(nEmp + 1);
  const comp = panel.completions;
  for (let j = 0; j < comp.employee.length; j++) runStart[comp.employee[j] + 1]++;
  for (let e = 0; e < nEmp; e++) runStart[e + 1] += runStart[e];
  const monthStartDay = panel.periods.map((p) => {
    const m = parseMonth(p);
    return calendarDay(Math.floor(m / 12) + 1970, (m % 12) + 1, 1);
  });

  const rows = new Map<string, { path: string[]; conv: number; value: number; nulls: number; days: Float64Array; employees: Set<number> }>();
  let journeys = 0;
  for (let r = 0; r < panel.nRows; r++) {
    const v = y[r];
    if (Number.isNaN(v)) continue;
    journeys++;
    const emp = panel.rowEmployee[r];
    const t = panel.rowPeriod[r];
    const path: string[] = [];
    const days: number[] = [];
    for (let j = runStart[emp]; j < runStart[emp + 1]; j++) {
      const e = t - comp.period[j];
      if (e < w0 || e > w1) continue;
      const before = monthStartDay[t] - comp.day[j];
      if (lookback !== undefined && before > lookback) continue;
      path.push(panel.courses[comp.course[j]]);
      days.push(before);
    }
    const role = panel.role[emp];
    const threshold = opts.conversionAbove ?? roleMedian[role < 0 ? nRoles : role];
    const converted = v > threshold;
    const key = path.join('\u0000');
    let row = rows.get(key);
    if (!row) {
      row = { path, conv: 0, value: 0, nulls: 0, days: new Float64Array(path.length), employees: new Set() };
      rows.set(key, row);
    }
    if (converted) {
      row.conv++;
      row.value += v;
    } else row.nulls++;
    for (let i = 0; i < days.length; i++) row.days[i] += days[i];
    row.employees.add(emp);
  }
  if (journeys === 0) throw new DataError(`journeysFromPanel: the metric \`${opts.metric}\` has no observed value`, { column: opts.metric });

  // Order rows by path text so the output does not depend on Map insertion order.
  const ordered = [...rows.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, row]) => row);
  const raw: PathCounts = {
    paths: ordered.map((o) => o.path),
    conversions: Float64Array.from(ordered, (o) => o.conv),
    value: Float64Array.from(ordered, (o) => o.value),
    nulls: Float64Array.from(ordered, (o) => o.nulls),
    daysBeforeEnd: ordered.map((o) => Float64Array.from(o.days, (d) => d / (o.conv + o.nulls))),
  };
  // Pool by distinct employees, not employee-months: a path one person walks for 12 months is still one person.
  const sizes = Int32Array.from(ordered, (o) => o.employees.size);
  const needPool = ordered.some((o) => o.employees.size < minEmployees && o.path.length > 0);
  const notes: string[] = [
    `${journeys} employee-months as journeys: courses completed ${w0}–${w1} months before${lookback ? ` (and at most ${lookback} days)` : ''}; ` +
      (opts.conversionAbove === undefined
        ? `a conversion is a month with ${opts.metric} above the role's median`
        : `a conversion is a month with ${opts.metric} above ${opts.conversionAbove}`),
  ];
  if (!needPool) return { counts: raw, journeys, employeesPerPath: sizes, notes };
  // Pool the real counts with the same grouping: rows kept are those with enough employees.
  const keep: number[] = [];
  const groups = new Map<string, { path: string[]; conv: number; value: number; nulls: number; employees: Set<number> }>();
  let pooled = 0;
  ordered.forEach((o, i) => {
    if (o.employees.size >= minEmployees || o.path.length === 0) {
      keep.push(i);
      return;
    }
    pooled++;
    const set = Array.from(new Set(o.path));
    const key = [...set].sort().join('\u0000');
    const g = groups.get(key) ?? { path: set, conv: 0, value: 0, nulls: 0, employees: new Set<number>() };
    g.conv += o.conv;
    g.value += o.value;
    g.nulls += o.nulls;
    for (const e of o.employees) g.employees.add(e);
    groups.set(key, g);
  });
  const gs = [...groups.values()];
  const counts: PathCounts = {
    paths: [...keep.map((i) => ordered[i].path), ...gs.map((g) => g.path)],
    conversions: Float64Array.from([...keep.map((i) => ordered[i].conv), ...gs.map((g) => g.conv)]),
    value: Float64Array.from([...keep.map((i) => ordered[i].value), ...gs.map((g) => g.value)]),
    nulls: Float64Array.from([...keep.map((i) => ordered[i].nulls), ...gs.map((g) => g.nulls)]),
    // Pooled rows lose their dates: time counts in days of 30 per step, the order dropped anyway.
    daysBeforeEnd: [...keep.map((i) => raw.daysBeforeEnd![i]), ...gs.map((g) => Float64Array.from(g.path, (_, k) => 30 * (g.path.length - k)))],
  };
  const small = gs.filter((g) => g.employees.size < minEmployees).length;
  notes.push(
    `${pooled} paths walked by fewer than ${minEmployees} employees were pooled by course set (order dropped)` +
      (small > 0 ? `; ${small} pooled sets still have fewer than ${minEmployees} employees` : ''),
  );
  return {
    counts,
    journeys,
    employeesPerPath: Int32Array.from([...keep.map((i) => ordered[i].employees.size), ...gs.map((g) => g.employees.size)]),
    notes,
  };
}
