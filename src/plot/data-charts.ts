import type { Panel } from '../data/panel';
import type { Problem } from '../data/schema';
import type { PlotSpec } from './display';

// Data-at-a-glance: counts and coverage computed from the panel's typed
// columns, and the Plotly specs that show them. Only aggregates leave here;
// breakdowns of outcomes by group hide cells with fewer than `minGroupSize`
// employees.

/** The panel fields the data charts read (a full `Panel` has them all). */
export type GlancePanel = Pick<
  Panel,
  'periods' | 'courses' | 'courseInfo' | 'hirePeriod' | 'termPeriod' | 'firstCompletion' | 'dropouts' | 'nRows' | 'rowEmployee' | 'rowPeriod' | 'metricNames' | 'metrics' | 'role' | 'roleLevels' | 'region' | 'regionLevels'
>;

/** First completions per course and month (what counts as treatment). */
export interface CompletionsByMonth {
  periods: string[];
  courses: string[];
  /** `counts[k][t]`: employees whose first completion of course k fell in period t. */
  counts: Int32Array[];
  /** Per course: first completions before the first month of outcome data. */
  beforeData: Int32Array;
}

/**
 * Counts first completions per course and month. An employee's repeat
 * completions do not count again: treatment starts at the first.
 *
 * @example
 * const c = completionsByMonth(panel);
 * c.counts[0][3]; // => employees who first completed panel.courses[0] in panel.periods[3]
 */
export function completionsByMonth(panel: GlancePanel): CompletionsByMonth {
  const T = panel.periods.length;
  const counts = panel.courses.map(() => new Int32Array(T));
  const beforeData = new Int32Array(panel.courses.length);
  for (let k = 0; k < panel.courses.length; k++) {
    const fc = panel.firstCompletion[k];
    const row = counts[k];
    for (let e = 0; e < fc.length; e++) {
      const g = fc[e];
      if (g >= 0 && g < T) row[g]++;
      else if (g === -2) beforeData[k]++;
    }
  }
  return { periods: panel.periods.slice(), courses: panel.courses.slice(), counts, beforeData };
}

/** Headcount and outcome coverage per month. */
export interface OutcomeCoverage {
  periods: string[];
  /** Employees employed in the month (hired by then, not terminated before it). */
  employed: Int32Array;
  /** Per metric: employee-months with a value. */
  observed: Record<string, Int32Array>;
  /** Per metric: observed / employed, NaN when nobody was employed. */
  coverage: Record<string, Float64Array>;
}

/**
 * Per month: how many employees were employed, and for each metric how many
 * of them have a value in outcomes.csv. Missing months in the CRM export show
 * up as dips below 100 %.
 *
 * @example
 * const c = outcomeCoverage(panel);
 * c.coverage.revenue[0]; // => 0.97 when 3 % of employees lack January's revenue
 */
export function outcomeCoverage(panel: GlancePanel): OutcomeCoverage {
  const T = panel.periods.length;
  const employed = new Int32Array(T);
  // A difference array turns each employment spell into two updates.
  const delta = new Int32Array(T + 1);
  for (let e = 0; e < panel.hirePeriod.length; e++) {
    const from = Math.max(0, panel.hirePeriod[e]);
    const to = Math.min(T - 1, panel.termPeriod[e]);
    if (from > to) continue;
    delta[from]++;
    delta[to + 1]--;
  }
  let running = 0;
  for (let t = 0; t < T; t++) {
    running += delta[t];
    employed[t] = running;
  }
  const observed: Record<string, Int32Array> = {};
  const coverage: Record<string, Float64Array> = {};
  for (const m of panel.metricNames) {
    const values = panel.metrics[m];
    const obs = new Int32Array(T);
    for (let j = 0; j < panel.nRows; j++) if (!Number.isNaN(values[j])) obs[panel.rowPeriod[j]]++;
    const cov = new Float64Array(T);
    for (let t = 0; t < T; t++) cov[t] = employed[t] > 0 ? obs[t] / employed[t] : NaN;
    observed[m] = obs;
    coverage[m] = cov;
  }
  return { periods: panel.periods.slice(), employed, observed, coverage };
}

function courseTitle(panel: GlancePanel, k: number): string {
  const info = panel.courseInfo[k];
  const id = panel.courses[k];
  return info && info.title && info.title !== id ? `${id} ${info.title}` : id;
}

/**
 * Stacked bars of first completions per month, one colour per course: when
 * each course was taken, and whether completions bunch before a season.
 *
 * @example
 * showPlot(completionsByMonthPlot(panel));
 */
export function completionsByMonthPlot(panel: GlancePanel, opts: { title?: string } = {}): PlotSpec {
  const c = completionsByMonth(panel);
  return {
    data: c.courses.map((_, k) => ({
      type: 'bar',
      name: courseTitle(panel, k),
      x: c.periods,
      y: Array.from(c.counts[k]),
      hovertemplate: `%{x}: %{y} first completions<extra>${c.courses[k]}</extra>`,
    })),
    layout: {
      title: { text: opts.title ?? 'First completions per month, by course' },
      barmode: 'stack',
      xaxis: { title: { text: 'month' }, type: 'category' },
      yaxis: { title: { text: 'employees completing for the first time' } },
      legend: { title: { text: 'course' } },
    },
  };
}

/**
 * Outcome coverage per month (lines, % of employed employees with a value,
 * one per metric) over the headcount (bars, right axis).
 *
 * @example
 * showPlot(outcomeCoveragePlot(panel));
 */
export function outcomeCoveragePlot(panel: GlancePanel, opts: { title?: string } = {}): PlotSpec {
  const c = outcomeCoverage(panel);
  const pct = (a: Float64Array) => Array.from(a, (v) => (Number.isNaN(v) ? null : Math.round(1000 * v) / 10));
  return {
    data: [
      { type: 'bar', name: 'employees employed', x: c.periods, y: Array.from(c.employed), yaxis: 'y2', marker: { color: 'rgba(140,150,165,0.35)' } },
      ...panel.metricNames.map((m) => ({ type: 'scatter', mode: 'lines+markers', name: `${m}: % with a value`, x: c.periods, y: pct(c.coverage[m]) })),
    ],
    layout: {
      title: { text: opts.title ?? 'Outcome coverage: share of employed employees with a value each month' },
      xaxis: { title: { text: 'month' }, type: 'category' },
      yaxis: { title: { text: '% of employed employees' }, range: [0, 105] },
      yaxis2: { title: { text: 'employees employed' }, overlaying: 'y', side: 'right', rangemode: 'tozero', showgrid: false },
      legend: { orientation: 'h', y: -0.25 },
    },
  };
}

/**
 * Mean of a metric per month for each role (or region). A month of a group
 * with fewer than `minGroupSize` employees with a value is left blank, so no
 * point on the chart describes fewer than that many people.
 *
 * @example
 * showPlot(metricTrendPlot(panel, 'revenue', { by: 'role' }));
 */
export function metricTrendPlot(panel: GlancePanel, metric: string, opts: { by?: 'role' | 'region'; minGroupSize?: number; title?: string } = {}): PlotSpec {
  const values = panel.metrics[metric];
  if (!values) {
    throw new RangeError(`metricTrendPlot: \`metric\` must be one of ${panel.metricNames.join(', ')}, got ${JSON.stringify(metric)}`);
  }
  const by = opts.by ?? 'role';
  if (by !== 'role' && by !== 'region') throw new RangeError(`metricTrendPlot: \`by\` must be 'role' or 'region', got ${JSON.stringify(by)}`);
  const min = opts.minGroupSize ?? 5;
  if (!Number.isInteger(min) || min < 1) throw new RangeError(`metricTrendPlot: \`minGroupSize\` must be an integer >= 1, got ${min}`);
  const codes = by === 'role' ? panel.role : panel.region;
  const levels = by === 'role' ? panel.roleLevels : panel.regionLevels;
  const T = panel.periods.length;
  const G = levels.length;
  const sum = new Float64Array(G * T);
  const n = new Int32Array(G * T);
  for (let j = 0; j < panel.nRows; j++) {
    const v = values[j];
    const g = codes[panel.rowEmployee[j]];
    if (Number.isNaN(v) || g < 0) continue;
    const cell = g * T + panel.rowPeriod[j];
    sum[cell] += v;
    n[cell]++;
  }
  const data = levels.map((level, g) => ({
    type: 'scatter',
    mode: 'lines',
    name: level,
    x: panel.periods,
    y: Array.from({ length: T }, (_, t) => (n[g * T + t] >= min ? sum[g * T + t] / n[g * T + t] : null)),
  }));
  return {
    data,
    layout: {
      title: { text: opts.title ?? `Average ${metric} per employee-month, by ${by}` },
      xaxis: { title: { text: 'month' }, type: 'category' },
      yaxis: { title: { text: `mean ${metric}` } },
      legend: { title: { text: by } },
    },
  };
}

/**
 * Per course: employees who completed it (ever, including before the data)
 * and employees who dropped out — the size of each treated group at a glance.
 *
 * @example
 * showPlot(courseUptakePlot(panel));
 */
export function courseUptakePlot(panel: GlancePanel, opts: { title?: string } = {}): PlotSpec {
  const K = panel.courses.length;
  const completed = new Int32Array(K);
  for (let k = 0; k < K; k++) {
    const fc = panel.firstCompletion[k];
    for (let e = 0; e < fc.length; e++) if (fc[e] >= 0 || fc[e] === -2) completed[k]++;
  }
  // An employee who dropped the same course twice counts once.
  const dropped = new Int32Array(K);
  const seen = new Set<number>();
  const { employee, course } = panel.dropouts;
  for (let i = 0; i < employee.length; i++) {
    const key = course[i] * 0x100000000 + employee[i];
    if (course[i] < 0 || seen.has(key)) continue;
    seen.add(key);
    dropped[course[i]]++;
  }
  const names = panel.courses.map((_, k) => courseTitle(panel, k));
  return {
    data: [
      { type: 'bar', orientation: 'h', name: 'completed', y: names, x: Array.from(completed), marker: { color: '#2a6f97' } },
      { type: 'bar', orientation: 'h', name: 'dropped out', y: names, x: Array.from(dropped), marker: { color: '#e9c46a' } },
    ],
    layout: {
      title: { text: opts.title ?? 'Employees who completed or dropped each course' },
      barmode: 'group',
      xaxis: { title: { text: 'employees' } },
      yaxis: { title: { text: 'course' }, automargin: true, autorange: 'reversed', type: 'category' },
      legend: { orientation: 'h', y: -0.2 },
    },
  };
}

/**
 * Problems found by validation, counted per file and severity: where the
 * exports need work before a study can run.
 *
 * @example
 * showPlot(problemCountsPlot(validateStudy(raw)));
 */
export function problemCountsPlot(problems: readonly Problem[], opts: { title?: string } = {}): PlotSpec {
  const files = [...new Set(problems.map((p) => p.file.split(/[\\/]/).pop() ?? p.file))].sort();
  const count = (severity: Problem['severity']) =>
    files.map((f) => problems.filter((p) => p.severity === severity && (p.file.split(/[\\/]/).pop() ?? p.file) === f).reduce((n, p) => n + rowsOf(p), 0));
  return {
    data: [
      { type: 'bar', name: 'errors', x: files, y: count('error'), marker: { color: '#b42318' } },
      { type: 'bar', name: 'warnings', x: files, y: count('warning'), marker: { color: '#d4a017' } },
    ],
    layout: {
      title: { text: opts.title ?? 'Problems found in the exports, by file' },
      barmode: 'stack',
      xaxis: { title: { text: 'file' }, type: 'category' },
      yaxis: { title: { text: 'problems' }, rangemode: 'tozero' },
    },
  };
}

// The rows a problem stands for: validation lists 20 rows of a kind, then one line for the rest.
function rowsOf(p: Problem): number {
  return p.rows ?? 1;
}

/** One line of {@link problemSummary}. */
export interface ProblemGroup {
  severity: Problem['severity'];
  /** File name without its folder. */
  file: string;
  column: string | null;
  count: number;
  /** First row (file line) of the group, null for file-level problems. */
  firstRow: number | null;
  /** The first problem's message, as an example of the group. */
  example: string;
}

/**
 * Groups problems by severity, file and column, with a count, the first row
 * and an example message: a long validation list read at a glance. Errors
 * come first, then files and columns in alphabetical order.
 *
 * @example
 * problemSummary(validateStudy(raw));
 * // => [{ severity: 'error', file: 'employees.csv', column: 'hire_date', count: 56, firstRow: 14, example: 'expected a date …' }, …]
 */
export function problemSummary(problems: readonly Problem[]): ProblemGroup[] {
  const groups = new Map<string, ProblemGroup>();
  for (const p of problems) {
    const file = p.file.split(/[\\/]/).pop() ?? p.file;
    const key = `${p.severity}\u0000${file}\u0000${p.column ?? ''}`;
    const g = groups.get(key);
    if (g) {
      g.count += rowsOf(p);
      if (p.row !== null && (g.firstRow === null || p.row < g.firstRow)) g.firstRow = p.row;
    } else {
      groups.set(key, { severity: p.severity, file, column: p.column, count: rowsOf(p), firstRow: p.row, example: p.message });
    }
  }
  const rank = (s: Problem['severity']) => (s === 'error' ? 0 : 1);
  return [...groups.values()].sort(
    (a, b) => rank(a.severity) - rank(b.severity) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || ((a.column ?? '') < (b.column ?? '') ? -1 : (a.column ?? '') > (b.column ?? '') ? 1 : 0),
  );
}
