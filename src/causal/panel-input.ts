import { missingLevelBeside, withMissingIndicator } from '../data/missing';
import { DataError } from '../core/errors';

/**
 * A long panel handed to the panel estimators: one row per unit and period.
 * `group` is the unit's first treated period on the same scale as `time`
 * (0 = never treated, as in R's `did`); it must be the same on every row of a
 * unit. `time` is an integer period: a year, or a 1-based month number.
 */
export interface PanelInput {
  unit: Int32Array;
  time: Int32Array;
  y: Float64Array;
  group: Int32Array;
  /** Unit weights (constant within a unit); default 1. */
  weights?: Float64Array;
  /** Time-invariant unit covariates (read from each unit's first row). */
  covariates?: { name: string; values: Float64Array }[];
  /** File name used in error messages; rows are then counted as in the file (header = row 1). */
  source?: string;
  /** Unit names by unit code, for error messages when the codes stand for text ids. */
  unitNames?: string[];
  /** 0-based data row in `source` of each input row, when rows were dropped on the way in. */
  sourceRows?: Int32Array;
  /**
   * The period each row's unit was hired, on `time`'s scale (the same on
   * every row of a unit; before the first period is fine). With it,
   * `didStaggered` compares each cohort only among people hired before its
   * baseline began, as CONTRACT §4 has it: see its `hiredBefore` option.
   */
  hire?: Int32Array;
}

/**
 * The panel in the dense form the estimators loop over: units and periods
 * numbered from 0, outcomes in a period-major matrix `yByPeriod[p * nUnits + u]`
 * (NaN where the unit is not observed), one group value per unit.
 */
export interface DensePanel {
  nUnits: number;
  nPeriods: number;
  /** Sorted distinct time values; `periods[p]` is period index p. */
  periods: Int32Array;
  /** The original unit codes, by dense unit index. */
  unitCodes: Int32Array;
  /** First treated period (time value) per unit; 0 = never treated. */
  unitGroup: Int32Array;
  /** Unit weight, normalised to mean 1 over units. */
  unitWeight: Float64Array;
  yByPeriod: Float64Array;
  /** Dense unit and period index of each input row. */
  rowUnit: Int32Array;
  rowPeriod: Int32Array;
  /** Units observed in fewer periods than they span (gaps), and the number of unobserved unit-periods. */
  unitsWithGaps: number;
  nRows: number;
}

/** Where row i of an input is, for error messages: its file's line when the input names its file. */
export function rowLabel(input: Pick<PanelInput, 'source' | 'sourceRows'>, i: number): string {
  return input.source ? `${input.source} row ${(input.sourceRows ? input.sourceRows[i] : i) + 2}` : `row ${i + 1}`;
}

/**
 * Checks a {@link PanelInput} and builds its {@link DensePanel}. Rejects
 * mismatched lengths, missing or non-finite outcomes, duplicate unit-period
 * rows and a group that changes within a unit, naming the row. The dense
 * panel of an unweighted input is kept and returned again for the same
 * input while its rows are unchanged: read it, never write it.
 *
 * @example
 * const d = densePanel({ unit: Int32Array.of(1, 1, 2, 2), time: Int32Array.of(1, 2, 1, 2),
 *   y: Float64Array.of(1, 3, 1, 1), group: Int32Array.of(2, 2, 0, 0) }, 'didStaggered');
 * d.nUnits; // => 2
 * d.yByPeriod[1 * 2 + 0]; // => 3 (unit 1 in period 2)
 */
export function densePanel(input: PanelInput, fn: string): DensePanel {
  const hit = input.weights === undefined && input.y instanceof Float64Array ? DENSE.get(input.y) : undefined;
  if (hit && hit.unit === input.unit && hit.time === input.time) {
    const same = hit.byGroup.get(input.group);
    if (same && (SHARED.has(input.y) || stillDense(same, input))) return same;
    // Rows a coursePanelInput shares between courses: only the group differs from the dense panel already built.
    if (!same && SHARED.has(input.y) && input.group instanceof Int32Array && input.group.length === input.y.length) {
      const d = withGroup(hit.base, input, fn);
      hit.byGroup.set(input.group, d);
      return d;
    }
  }
  const d = buildDensePanel(input, fn);
  if (input.weights === undefined) {
    const entry = hit && hit.unit === input.unit && hit.time === input.time ? hit : { unit: input.unit, time: input.time, base: d, byGroup: new WeakMap() };
    entry.byGroup.set(input.group, d);
    DENSE.set(input.y, entry);
  }
  return d;
}

// A course's panel estimators (before-after, TWFE and its Bacon decomposition, the staggered DiD, the
// window coverage) each take the dense form of one input: it is kept per outcome array (unweighted
// inputs) and per group array, and handed out again, read-only, once a pass over the rows finds every
// row where it was (or at once, for the rows coursePanelInput shares, which nothing writes).
const DENSE = new WeakMap<Float64Array, { unit: Int32Array; time: Int32Array; base: DensePanel; byGroup: WeakMap<Int32Array, DensePanel> }>();

/** Arrays coursePanelInput hands to every course of a metric (outcomes, covariates, with their unit and time arrays): read-only. */
const SHARED = new WeakSet<object>();

/**
 * Whether `a` is one of the arrays {@link coursePanelInput} shares between
 * courses, which nothing writes: what is derived from it can be kept.
 */
export function isSharedPanelArray(a: object): boolean {
  return SHARED.has(a);
}

// The dense panel of the same rows under another group column: units, periods and outcomes as `base`
// has them, each unit's group read from its rows (and checked constant within the unit).
function withGroup(base: DensePanel, input: PanelInput, fn: string): DensePanel {
  const unitGroup = new Int32Array(base.nUnits).fill(-1);
  const bad = unitGroups(input.group, base.rowUnit, unitGroup);
  if (bad >= 0) groupError(base, input, fn, unitGroup, bad);
  return { ...base, unitGroup };
}

// unitGroup[u] = the group of unit u's rows (unitGroup −1 beforehand); returns the first row whose group is
// negative or differs from an earlier row's of its unit, or −1.
function unitGroups(group: Int32Array, rowUnit: Int32Array, unitGroup: Int32Array): number {
  for (let i = 0; i < group.length; i++) {
    const g = group[i];
    const u = rowUnit[i];
    if (unitGroup[u] === g) continue;
    if (g < 0) return i;
    if (unitGroup[u] < 0) unitGroup[u] = g;
    else return i;
  }
  return -1;
}

// withGroup's error for row i, which unitGroups stopped at.
function groupError(base: DensePanel, input: PanelInput, fn: string, unitGroup: Int32Array, i: number): never {
  const g = input.group[i];
  const u = base.rowUnit[i];
  if (g < 0) throw new DataError(`${fn}: ${rowLabel(input, i)}: group must be 0 (never treated) or a period, got ${g}`, { file: input.source, row: i + 2 });
  throw new DataError(
    `${fn}: ${rowLabel(input, i)}: unit ${input.unitNames?.[base.unitCodes[u]] ?? base.unitCodes[u]} has first-treatment period ${g} here but ${unitGroup[u]} on an earlier row; ` +
      'the group must be the same on every row of a unit (treatment that switches off or restarts is not staggered adoption)',
    { file: input.source, row: i + 2 },
  );
}

// Whether every row still has the unit, period, group and outcome the dense panel put it at: then the
// rows are the ones it was built from (their number included), and so is everything derived from them.
function stillDense(d: DensePanel, input: PanelInput): boolean {
  const { unit, time, group, y } = input;
  const n = y.length;
  if (n !== d.nRows || unit.length !== n || time.length !== n || group.length !== n) return false;
  const { rowUnit, rowPeriod, unitCodes, periods, unitGroup, yByPeriod, nUnits } = d;
  let same = true;
  for (let i = 0; i < n && same; i++) {
    const u = rowUnit[i];
    const p = rowPeriod[i];
    same = unitCodes[u] === unit[i] && periods[p] === time[i] && unitGroup[u] === group[i] && yByPeriod[p * nUnits + u] === y[i];
  }
  return same;
}

function buildDensePanel(input: PanelInput, fn: string): DensePanel {
  const n = input.y?.length;
  if (!(input.y instanceof Float64Array)) throw new TypeError(`${fn}: \`y\` must be a Float64Array`);
  for (const key of ['unit', 'time', 'group'] as const) {
    const col = input[key];
    if (!(col instanceof Int32Array)) throw new TypeError(`${fn}: \`${key}\` must be an Int32Array`);
    if (col.length !== n) throw new RangeError(`${fn}: \`${key}\` has ${col.length} rows but \`y\` has ${n}`);
  }
  if (input.weights !== undefined && input.weights.length !== n) {
    throw new RangeError(`${fn}: \`weights\` has ${input.weights.length} rows but \`y\` has ${n}`);
  }
  if (n === 0) throw new DataError(`${fn}: the panel has no rows`, { file: input.source });
  const { unit, time } = input;

  // Periods: sorted distinct time values.
  const [tMin, tMax] = valueRange(time, n);
  const span = tMax - tMin + 1;
  const seen = new Uint8Array(span);
  markValues(time, tMin, seen, n);
  const periodOf = new Int32Array(span).fill(-1);
  const periodList: number[] = [];
  for (let v = 0; v < span; v++) if (seen[v]) periodOf[v] = periodList.push(tMin + v) - 1;
  const periods = Int32Array.from(periodList);
  const nPeriods = periods.length;

  // Units: dense numbering in order of first appearance (array lookup when codes are compact).
  const [uMin, uMax] = valueRange(unit, n);
  const rowUnit = new Int32Array(n);
  const codes: number[] = [];
  if (uMax - uMin <= 4 * n + 1024) unitsByTable(unit, uMin, uMax, rowUnit, codes, n);
  else unitsByMap(unit, rowUnit, codes, n);
  const nUnits = codes.length;
  const rowPeriod = new Int32Array(n);
  const unitGroup = new Int32Array(nUnits);
  const unitWeight = new Float64Array(nUnits);
  const yByPeriod = new Float64Array(nPeriods * nUnits).fill(NaN);
  placeRows(input, fn, codes, rowUnit, periodOf, tMin, rowPeriod, unitGroup, unitWeight, yByPeriod);
  const wSum = sumOf(unitWeight, nUnits);
  if (!(wSum > 0)) throw new DataError(`${fn}: the weights sum to ${wSum}; at least one unit needs a positive weight`, { file: input.source });
  rescale(unitWeight, nUnits / wSum, nUnits);

  // A gap: a unit unobserved in some period between its first and last observed period.
  const first = new Int32Array(nUnits).fill(nPeriods);
  const last = new Int32Array(nUnits).fill(-1);
  const count = new Int32Array(nUnits);
  unitSpans(rowUnit, rowPeriod, first, last, count, n);
  const unitsWithGaps = countGaps(first, last, count, nUnits);

  return {
    nUnits,
    nPeriods,
    periods,
    unitCodes: Int32Array.from(codes),
    unitGroup,
    unitWeight,
    yByPeriod,
    rowUnit,
    rowPeriod,
    unitsWithGaps,
    nRows: n,
  };
}

// buildDensePanel's loops, one a function (so V8's code for one loop never runs on into the next).

// [least, greatest] of v[0..n) (n > 0).
function valueRange(v: Int32Array, n: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    if (v[i] < lo) lo = v[i];
    if (v[i] > hi) hi = v[i];
  }
  return [lo, hi];
}

// seen[v − lo] = 1 for each value v.
function markValues(v: Int32Array, lo: number, seen: Uint8Array, n: number): void {
  for (let i = 0; i < n; i++) seen[v[i] - lo] = 1;
}

// rowUnit = dense unit numbers in order of first appearance, through a lookup table over lo..hi; codes gets each unit's code.
function unitsByTable(unit: Int32Array, lo: number, hi: number, rowUnit: Int32Array, codes: number[], n: number): void {
  const lookup = new Int32Array(hi - lo + 1).fill(-1);
  for (let i = 0; i < n; i++) {
    const k = unit[i] - lo;
    if (lookup[k] < 0) lookup[k] = codes.push(unit[i]) - 1;
    rowUnit[i] = lookup[k];
  }
}

// The same through a hash map, for codes spread too widely for a table.
function unitsByMap(unit: Int32Array, rowUnit: Int32Array, codes: number[], n: number): void {
  const lookup = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    let u = lookup.get(unit[i]);
    if (u === undefined) {
      u = codes.push(unit[i]) - 1;
      lookup.set(unit[i], u);
    }
    rowUnit[i] = u;
  }
}

// Each row's period, its unit's group and weight (from its first row, checked on the others), and its outcome
// into yByPeriod; throws at a missing outcome, a negative group, a bad or varying weight, a varying group, a duplicate row.
function placeRows(
  input: PanelInput,
  fn: string,
  codes: number[],
  rowUnit: Int32Array,
  periodOf: Int32Array,
  tMin: number,
  rowPeriod: Int32Array,
  unitGroup: Int32Array,
  unitWeight: Float64Array,
  yByPeriod: Float64Array,
): void {
  const { time, group, y } = input;
  const n = y.length;
  const nUnits = codes.length;
  const name = (code: number) => input.unitNames?.[code] ?? String(code);
  const firstRow = new Int32Array(nUnits).fill(-1);
  const w = input.weights;
  for (let i = 0; i < n; i++) {
    const u = rowUnit[i];
    const p = periodOf[time[i] - tMin];
    rowPeriod[i] = p;
    const yi = y[i];
    if (!Number.isFinite(yi)) {
      throw new DataError(`${fn}: ${rowLabel(input, i)}: outcome is missing or not finite (${yi}); drop the row or fill it`, {
        file: input.source,
        row: i + 2,
      });
    }
    const g = group[i];
    if (g < 0) throw new DataError(`${fn}: ${rowLabel(input, i)}: group must be 0 (never treated) or a period, got ${g}`, { file: input.source, row: i + 2 });
    if (firstRow[u] < 0) {
      firstRow[u] = i;
      unitGroup[u] = g;
      unitWeight[u] = w ? w[i] : 1;
      if (w && !(w[i] >= 0 && Number.isFinite(w[i]))) {
        throw new DataError(`${fn}: ${rowLabel(input, i)}: weight must be a finite number >= 0, got ${w[i]}`, { file: input.source, row: i + 2 });
      }
    } else {
      if (unitGroup[u] !== g) {
        throw new DataError(
          `${fn}: ${rowLabel(input, i)}: unit ${name(codes[u])} has first-treatment period ${g} here but ${unitGroup[u]} on ${rowLabel(input, firstRow[u])}; ` +
            'the group must be the same on every row of a unit (treatment that switches off or restarts is not staggered adoption)',
          { file: input.source, row: i + 2 },
        );
      }
      if (w && w[i] !== unitWeight[u]) {
        throw new DataError(`${fn}: ${rowLabel(input, i)}: unit ${name(codes[u])} has weight ${w[i]} here but ${unitWeight[u]} earlier; weights must be constant within a unit`, { file: input.source, row: i + 2 });
      }
    }
    const cell = p * nUnits + u;
    if (!Number.isNaN(yByPeriod[cell])) {
      throw new DataError(`${fn}: ${rowLabel(input, i)}: duplicate row for unit ${name(codes[u])} in period ${time[i]}; each unit may have one row per period`, {
        file: input.source,
        row: i + 2,
      });
    }
    yByPeriod[cell] = yi;
  }
}

// Σ v[0..n), in order.
function sumOf(v: Float64Array, n: number): number {
  let s = 0;
  for (let u = 0; u < n; u++) s += v[u];
  return s;
}

// v[u] *= factor.
function rescale(v: Float64Array, factor: number, n: number): void {
  for (let u = 0; u < n; u++) v[u] *= factor;
}

// Each unit's first and last period observed and its number of rows.
function unitSpans(rowUnit: Int32Array, rowPeriod: Int32Array, first: Int32Array, last: Int32Array, count: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const u = rowUnit[i];
    const p = rowPeriod[i];
    if (p < first[u]) first[u] = p;
    if (p > last[u]) last[u] = p;
    count[u]++;
  }
}

// Units observed in fewer periods than they span.
function countGaps(first: Int32Array, last: Int32Array, count: Int32Array, nUnits: number): number {
  let gaps = 0;
  for (let u = 0; u < nUnits; u++) if (count[u] < last[u] - first[u] + 1) gaps++;
  return gaps;
}

/**
 * Derives each row's first-treatment period from a 0/1 treatment indicator,
 * for data that carries "treated now" rather than a cohort column. Treatment
 * that switches off again is not staggered adoption and is rejected, naming
 * the row.
 *
 * @example
 * groupFromTreatment(Int32Array.of(1, 1, 1, 2, 2, 2), Int32Array.of(1, 2, 3, 1, 2, 3),
 *   Float64Array.of(0, 1, 1, 0, 0, 0)); // => Int32Array [2, 2, 2, 0, 0, 0]
 */
export function groupFromTreatment(unit: Int32Array, time: Int32Array, treated: Float64Array | Int32Array, source?: string): Int32Array {
  const n = unit.length;
  if (time.length !== n || treated.length !== n) {
    throw new RangeError(`groupFromTreatment: \`unit\`, \`time\` and \`treated\` must have the same length, got ${n}, ${time.length}, ${treated.length}`);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => unit[a] - unit[b] || time[a] - time[b]);
  const out = new Int32Array(n);
  let start = 0;
  while (start < n) {
    let end = start;
    while (end < n && unit[order[end]] === unit[order[start]]) end++;
    let g = 0;
    for (let k = start; k < end; k++) {
      const i = order[k];
      const d = treated[i];
      if (d !== 0 && d !== 1) throw new DataError(`groupFromTreatment: ${rowLabel({ source }, i)}: treatment must be 0 or 1, got ${d}`, { file: source, row: i + 2 });
      if (d === 1 && g === 0) g = time[i];
      else if (d === 0 && g !== 0) {
        throw new DataError(
          `groupFromTreatment: ${rowLabel({ source }, i)}: unit ${unit[i]} is treated from period ${g} but untreated again in period ${time[i]}; treatment that switches off is not staggered adoption`,
          { file: source, row: i + 2 },
        );
      }
    }
    for (let k = start; k < end; k++) out[order[k]] = g;
    start = end;
  }
  return out;
}


/**
 * The long panel of one course and one metric from the study's employee-month
 * panel: unit = employee code, time = 1-based month number, group = month
 * number of the first completion (0 = never completed). Employees whose first
 * completion came before the data are marked as treated from month 1, so the
 * estimators leave them out (they have no untreated month). Months without
 * the metric are dropped. `hire` holds each employee's hire month on the
 * same scale (for `didStaggered`'s `hiredBefore`, CONTRACT §4's rule that a
 * cohort is compared among people hired before its baseline). `opts.covariates` adds time-invariant employee
 * covariates (`role`, `region`, `level`, numeric employees.csv columns) for
 * `didStaggered`'s `covariates` option.
 *
 * @example
 * const input = coursePanelInput(panel, 'C04', 'revenue');
 * didStaggered(input, { window: [1, 12] }).aggregates.window.estimate; // => the window ATT of C04 on revenue
 */
export function coursePanelInput(
  panel: {
    courses: string[];
    firstCompletion: Int32Array[];
    nRows: number;
    rowEmployee: Int32Array;
    rowPeriod: Int32Array;
    metrics: Record<string, Float64Array>;
    role?: Int32Array;
    roleLevels?: string[];
    region?: Int32Array;
    regionLevels?: string[];
    level?: Float64Array;
    extraCovariates?: Record<string, Float64Array>;
    hirePeriod?: Int32Array;
  },
  course: string,
  metric: string,
  opts: { covariates?: string[] } = {},
): PanelInput {
  const k = panel.courses.indexOf(course);
  if (k < 0) throw new RangeError(`coursePanelInput: unknown course "${course}"; the courses are ${panel.courses.join(', ')}`);
  const values = panel.metrics[metric];
  if (!values) throw new RangeError(`coursePanelInput: unknown metric "${metric}"; the metrics are ${Object.keys(panel.metrics).join(', ')}`);
  const first = panel.firstCompletion[k];
  const rows = metricRows(panel, values);
  const { unit, y } = rows;
  const group = groupRows(first, unit, y.length);
  const input: PanelInput = { unit, time: rows.time, group, y };
  if (panel.hirePeriod) input.hire = hireRows(rows, panel.hirePeriod);
  if (opts.covariates && opts.covariates.length > 0) {
    const key = opts.covariates.join('\u0000');
    let kept = rows.covariates.get(key);
    const sources = [panel.role, panel.region, panel.level, panel.extraCovariates];
    if (!kept || kept.sources.some((s, j) => s !== sources[j])) {
      kept = { sources, columns: employeeCovariates(panel, unit, opts.covariates) };
      for (const c of kept.columns) SHARED.add(c.values);
      rows.covariates.set(key, kept);
    }
    input.covariates = kept.columns.map((c) => ({ name: c.name, values: c.values }));
  }
  return input;
}

// Each row's group: the month number of its employee's first completion; 0 if never (−1), 1 if before the
// data (−2: treated from the start).
function groupRows(first: Int32Array, unit: Int32Array, m: number): Int32Array {
  const group = new Int32Array(m);
  for (let j = 0; j < m; j++) {
    const f = first[unit[j]];
    group[j] = f === -1 ? 0 : f < -1 ? 1 : f + 1;
  }
  return group;
}

interface MetricRows {
  rowEmployee: Int32Array;
  rowPeriod: Int32Array;
  unit: Int32Array;
  time: Int32Array;
  y: Float64Array;
  /** Each row's hire month on `time`'s scale, with the panel column it came from (built on first use). */
  hire: { source: Int32Array; values: Int32Array } | null;
  /** Employee covariates per row, by the names asked for, with the panel columns they came from. */
  covariates: Map<string, { sources: unknown[]; columns: { name: string; values: Float64Array }[] }>;
}

// The rows of a metric (unit, time, outcome, and the employee covariates per row) are the same for
// every course: built once per panel and metric, and handed to each course's input (read-only).
const METRIC_ROWS = new WeakMap<Float64Array, MetricRows>();

function metricRows(panel: { nRows: number; rowEmployee: Int32Array; rowPeriod: Int32Array }, values: Float64Array): MetricRows {
  const hit = METRIC_ROWS.get(values);
  if (hit && hit.rowEmployee === panel.rowEmployee && hit.rowPeriod === panel.rowPeriod && sameRows(hit, panel, values)) return hit;
  const m = countFinite(values, panel.nRows);
  const unit = new Int32Array(m);
  const time = new Int32Array(m);
  const y = new Float64Array(m);
  finiteRows(values, panel.nRows, panel.rowEmployee, panel.rowPeriod, unit, time, y);
  const rows: MetricRows = { rowEmployee: panel.rowEmployee, rowPeriod: panel.rowPeriod, unit, time, y, hire: null, covariates: new Map() };
  METRIC_ROWS.set(values, rows);
  SHARED.add(y);
  return rows;
}

// Finite entries of values[0..n).
function countFinite(values: Float64Array, n: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(values[i])) m++;
  return m;
}

// The panel rows with a finite value, in order: their employee, 1-based month and value.
function finiteRows(values: Float64Array, n: number, rowEmployee: Int32Array, rowPeriod: Int32Array, unit: Int32Array, time: Int32Array, y: Float64Array): void {
  let j = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(values[i])) continue;
    unit[j] = rowEmployee[i];
    time[j] = rowPeriod[i] + 1;
    y[j] = values[i];
    j++;
  }
}

// The hire month per row (1-based month number, as `time`): the same for every course of a metric, so built once.
function hireRows(rows: MetricRows, hirePeriod: Int32Array): Int32Array {
  if (rows.hire && rows.hire.source === hirePeriod) return rows.hire.values;
  const values = new Int32Array(rows.unit.length);
  for (let j = 0; j < values.length; j++) values[j] = hirePeriod[rows.unit[j]] + 1;
  rows.hire = { source: hirePeriod, values };
  return values;
}

// Whether the panel's rows still give the kept rows (a metric changed in place since is built again).
function sameRows(rows: MetricRows, panel: { nRows: number; rowEmployee: Int32Array; rowPeriod: Int32Array }, values: Float64Array): boolean {
  const { unit, time, y } = rows;
  let j = 0;
  for (let i = 0; i < panel.nRows; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (j >= y.length || y[j] !== v || unit[j] !== panel.rowEmployee[i] || time[j] !== panel.rowPeriod[i] + 1) return false;
    j++;
  }
  return j === y.length;
}

/**
 * Time-invariant employee covariates per row: `role` and `region` become 0/1
 * indicators (the first level is the reference), `level` and the numeric
 * employees.csv columns (e.g. `manager_rating`) are taken as they are. A
 * column identical to one already taken (department when it follows role) is
 * skipped, since it would make every adjusted comparison singular.
 */
function employeeCovariates(
  panel: { role?: Int32Array; roleLevels?: string[]; region?: Int32Array; regionLevels?: string[]; level?: Float64Array; extraCovariates?: Record<string, Float64Array> },
  unit: Int32Array,
  names: string[],
): { name: string; values: Float64Array }[] {
  // The covariates are per employee: build and compare them per employee (those present in `unit`),
  // and spread each kept one over the rows once.
  const nEmployees = codeCount(unit);
  const present = presentCodes(unit, nEmployees);
  const kept: { name: string; byEmployee: Float64Array }[] = [];
  const add = (name: string, byEmployee: Float64Array) => {
    const same = kept.some((c) => sameAt(c.byEmployee, byEmployee, present));
    if (!same) kept.push({ name, byEmployee });
  };
  for (const name of names) {
    const categorical = name === 'role' ? [panel.role, panel.roleLevels] : name === 'region' ? [panel.region, panel.regionLevels] : null;
    if (categorical) {
      const [codes, levels] = categorical as [Int32Array | undefined, string[] | undefined];
      if (!codes || !levels) throw new RangeError(`coursePanelInput: covariate "${name}" is not in the panel`);
      for (let k = 1; k < levels.length; k++) {
        add(`${name}=${levels[k]}`, indicatorOf(codes, k, nEmployees));
      }
      // Employees with no value (a blank in the HR export) are a level of their own, not the first level's.
      if (present.some((e) => codes[e] < 0)) add(`${name}=${missingLevelBeside(levels)}`, Float64Array.from({ length: nEmployees }, (_, e) => (codes[e] < 0 ? 1 : 0)));
      continue;
    }
    const source = name === 'level' ? panel.level : panel.extraCovariates?.[name];
    if (!source) {
      const known = ['role', 'region', 'level', ...Object.keys(panel.extraCovariates ?? {})];
      throw new RangeError(`coursePanelInput: unknown covariate "${name}"; the covariates are ${known.join(', ')}`);
    }
    // Employees beyond the column read as missing (NaN), as an out-of-range typed-array read would.
    const byEmployee = new Float64Array(nEmployees).fill(NaN);
    byEmployee.set(source.length > nEmployees ? source.subarray(0, nEmployees) : source);
    // Blanks in the HR export: filled, with an indicator beside (see withMissingIndicator).
    const compact = Float64Array.from(present, (e) => byEmployee[e]);
    for (const c of withMissingIndicator(name, compact)) {
      const full = new Float64Array(nEmployees);
      present.forEach((e, k) => (full[e] = c.values[k]));
      add(c.name, full);
    }
  }
  return kept.map(({ name, byEmployee }) => ({ name, values: perRow(byEmployee, unit) }));
}

// employeeCovariates' loops, one a function (so V8's code for one loop never runs on into the next).

// 1 + the largest code (0 for none).
function codeCount(unit: Int32Array): number {
  let nEmployees = 0;
  for (let i = 0; i < unit.length; i++) if (unit[i] >= nEmployees) nEmployees = unit[i] + 1;
  return nEmployees;
}

// The codes 0..count−1 that occur in unit, increasing.
function presentCodes(unit: Int32Array, count: number): number[] {
  const seen = new Uint8Array(count);
  markCodes(unit, seen);
  return seenCodes(seen, count);
}

// seen[code] = 1 for each code in unit.
function markCodes(unit: Int32Array, seen: Uint8Array): void {
  for (let i = 0; i < unit.length; i++) seen[unit[i]] = 1;
}

// The e < count with seen[e], increasing.
function seenCodes(seen: Uint8Array, count: number): number[] {
  const present: number[] = [];
  for (let e = 0; e < count; e++) if (seen[e]) present.push(e);
  return present;
}

// Whether a[e] === b[e] for every e of `at`.
function sameAt(a: Float64Array, b: Float64Array, at: number[]): boolean {
  for (let k = 0; k < at.length; k++) if (a[at[k]] !== b[at[k]]) return false;
  return true;
}

// 1 where codes[e] is k, else 0, for e < count.
function indicatorOf(codes: Int32Array, k: number, count: number): Float64Array {
  const indicator = new Float64Array(count);
  for (let e = 0; e < count; e++) indicator[e] = codes[e] === k ? 1 : 0;
  return indicator;
}

// byEmployee spread over the rows: values[i] = byEmployee[unit[i]].
function perRow(byEmployee: Float64Array, unit: Int32Array): Float64Array {
  const values = new Float64Array(unit.length);
  for (let i = 0; i < unit.length; i++) values[i] = byEmployee[unit[i]];
  return values;
}

/**
 * Units per cohort (first treated period), never-treated excluded: the shape
 * of a rollout at a glance (a wave, a steady trickle, a seasonal bunch).
 *
 * @example
 * cohortSizes({ unit: Int32Array.of(1, 1, 2, 2, 3, 3), time: Int32Array.of(1, 2, 1, 2, 1, 2),
 *   y: new Float64Array(6), group: Int32Array.of(2, 2, 2, 2, 0, 0) }); // => [{ group: 2, units: 2 }]
 */
export function cohortSizes(input: PanelInput): { group: number; units: number }[] {
  const d = densePanel(input, 'cohortSizes');
  const counts = new Map<number, number>();
  for (let u = 0; u < d.nUnits; u++) {
    const g = d.unitGroup[u];
    if (g !== 0) counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([group, units]) => ({ group, units }));
}
