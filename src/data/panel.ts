import { DataError } from '../core/errors';
import type { NumberColumn, RawStudy, RawTable, TextColumn } from './load';
import { formatMonth, monthOfDay, normaliseId, parseIsoDay, parseMonth, STUDY_SCHEMA } from './schema';
import { gather } from '../stats/arrays';

/**
 * `termPeriod` of an employee still employed at the data end.
 *
 * @example
 * panel.termPeriod[e] === STILL_EMPLOYED; // => true while employed
 */
export const STILL_EMPLOYED = 2147483647;
/**
 * `firstCompletion` of an employee who never completed the course.
 *
 * @example
 * panel.firstCompletion[k][e] === NEVER_COMPLETED; // => a candidate control
 */
export const NEVER_COMPLETED = -1;
/**
 * `firstCompletion` of an employee whose first completion came before the
 * first period of the data: treated, but with no baseline to compare, and
 * never a control.
 *
 * @example
 * panel.firstCompletion[k][e] === COMPLETED_BEFORE_DATA; // => already trained when the data start
 */
export const COMPLETED_BEFORE_DATA = -2;

/**
 * The employee-month panel: one row per observed employee and month, with
 * every employee's attributes and training history as typed columns indexed
 * by employee code (the position in `employees`) and by course (the position
 * in `courses`). Periods are indices into `periods`.
 */
export interface Panel {
  /** 'YYYY-MM', contiguous, first..last outcome month. */
  periods: string[];
  /** Normalised ids (trimmed, upper case); array index = employee code. */
  employees: string[];
  /** Sorted normalised course ids. */
  courses: string[];
  /** Catalogue facts; NaN when courses.csv does not give them, title = id when absent. */
  courseInfo: { id: string; title: string; costPerLearner: number; hours: number }[];
  /** Period index of the hire month (negative = before the first period). */
  hirePeriod: Int32Array;
  /** Period index of the termination month; `STILL_EMPLOYED` when none. */
  termPeriod: Int32Array;
  role: Int32Array;
  roleLevels: string[];
  region: Int32Array;
  regionLevels: string[];
  department?: Int32Array;
  departmentLevels?: string[];
  /** Grade; NaN when absent. */
  level: Float64Array;
  /** Other numeric employees.csv columns, by normalised name. */
  extraCovariates: Record<string, Float64Array>;
  /** Per course: period index of the FIRST completion; `NEVER_COMPLETED` (-1), or `COMPLETED_BEFORE_DATA` (-2). */
  firstCompletion: Int32Array[];
  /** Per course: score at the first completion, NaN if none. */
  firstScore: Float64Array[];
  /** Every completed record, repeats included, sorted by employee, day and course. */
  completions: { employee: Int32Array; course: Int32Array; period: Int32Array; day: Int32Array };
  /** Records with status `dropped`. */
  dropouts: { employee: Int32Array; course: Int32Array };
  /** Observed employee-months, sorted by employee then period; months before hire and after termination are excluded. */
  nRows: number;
  rowEmployee: Int32Array;
  rowPeriod: Int32Array;
  metricNames: string[];
  /** Aligned to rows; NaN = missing. */
  metrics: Record<string, Float64Array>;
  contextNames: string[];
  /** Aligned to rows, joined by period (and region when context.csv has one); NaN when not given. */
  context: Record<string, Float64Array>;
}

function fail(t: RawTable, i: number | null, column: string | null, message: string): never {
  const where = i === null ? '' : ` row ${t.line[i]}`;
  throw new DataError(`buildPanel: ${t.file}${where}${column ? `, column \`${column}\`` : ''}: ${message}`, {
    file: t.file,
    row: i === null ? undefined : t.line[i],
    column: column ?? undefined,
  });
}

function textColumn(t: RawTable, name: string, required: boolean): TextColumn | undefined {
  const c = t.columns[name];
  if (c === undefined) {
    if (required) fail(t, null, name, `required column \`${name}\` is missing`);
    return undefined;
  }
  if (c.kind !== 'text') fail(t, null, name, 'expected text');
  return c;
}

function numberColumn(t: RawTable, name: string): NumberColumn | undefined {
  const c = t.columns[name];
  if (c === undefined) return undefined;
  if (c.kind !== 'number') fail(t, null, name, 'expected numbers');
  if (c.invalidCount > 0) fail(t, c.invalid[0].row - 2, name, `expected a number, got "${c.invalid[0].text}"`);
  return c;
}

/** The value of each level under `parse`, NaN where it fails; errors on the first row whose level fails when `strict`. */
function parseLevels(t: RawTable, name: string, col: TextColumn, parse: (s: string) => number, what: string): Float64Array {
  const out = new Float64Array(col.levels.length);
  for (let j = 0; j < col.levels.length; j++) out[j] = parse(col.levels[j]);
  for (let i = 0; i < t.nRows; i++) {
    const c = col.codes[i];
    if (c >= 0 && Number.isNaN(out[c])) fail(t, i, name, `expected ${what}, got "${col.levels[c]}" (cleanStudy with parseDates reads common LMS formats)`);
  }
  return out;
}

/** Codes of a text column's normalised levels in `index`; -2 for levels not in it. */
function mapIds(col: TextColumn, index: Map<string, number>): Int32Array {
  const out = new Int32Array(col.levels.length);
  for (let j = 0; j < col.levels.length; j++) out[j] = index.get(normaliseId(col.levels[j])) ?? -2;
  return out;
}

/** A categorical column's codes over trimmed, sorted levels (-1 missing). */
function factor(col: TextColumn | undefined, n: number): { codes: Int32Array; levels: string[] } {
  const codes = new Int32Array(n).fill(-1);
  if (!col) return { codes, levels: [] };
  const trimmed = col.levels.map((s) => s.trim());
  const levels = [...new Set(trimmed.filter((s) => s.length > 0))].sort();
  const at = new Map(levels.map((s, j) => [s, j]));
  const map = trimmed.map((s) => at.get(s) ?? -1);
  for (let i = 0; i < n; i++) codes[i] = col.codes[i] < 0 ? -1 : map[col.codes[i]];
  return { codes, levels };
}

/** The panel rows in the dense (employee, period) slots that hold an outcome row, in slot order, and that row. */
function panelRows(slot: Int32Array, nRows: number, T: number): { rowEmployee: Int32Array; rowPeriod: Int32Array; source: Int32Array } {
  const rowEmployee = new Int32Array(nRows);
  const rowPeriod = new Int32Array(nRows);
  const source = new Int32Array(nRows);
  const nEmp = slot.length / T;
  let r = 0;
  for (let e = 0, key = 0; e < nEmp; e++) {
    for (let p = 0; p < T; p++, key++) {
      if (slot[key] < 0) continue;
      rowEmployee[r] = e;
      rowPeriod[r] = p;
      source[r] = slot[key];
      r++;
    }
  }
  return { rowEmployee, rowPeriod, source };
}

/** Whether `source[j] === j` throughout: the outcome rows came sorted by employee and month, none left out. */
function isIdentity(source: Int32Array): boolean {
  for (let j = 0; j < source.length; j++) if (source[j] !== j) return false;
  return true;
}

/**
 * Builds the employee-month panel from a loaded (and, for messy exports,
 * cleaned) study. Ids are compared in normal form (`normaliseId`). It stops
 * with a `DataError` naming file, row and column on what makes a panel
 * impossible: a missing required column, an unparseable date or month, a
 * repeated employee or employee×month, an outcome or training record for an
 * unknown employee or course. Run `validateStudy` first for the full list.
 *
 * @example
 * const panel = buildPanel(await loadStudy('data/sample'));
 * panel.periods[0]; // => '2024-01'
 * panel.metrics.revenue[0]; // => revenue of employee panel.employees[panel.rowEmployee[0]] in that month
 */
export function buildPanel(raw: RawStudy): Panel {
  const emp = raw.tables.employees;
  const out = raw.tables.outcomes;
  const tr = raw.tables.training;
  if (!emp || !out || !tr) {
    const missing = (['employees', 'training', 'outcomes'] as const).filter((n) => !raw.tables[n]);
    throw new DataError(`buildPanel: ${raw.dir}: required file ${missing.map((m) => `${m}.csv`).join(', ')} missing or unreadable`, { file: raw.dir });
  }

  // Outcome months fix the period axis.
  const periodCol = textColumn(out, 'period', true)!;
  const periodMonth = parseLevels(out, 'period', periodCol, parseMonth, 'a month YYYY-MM');
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < out.nRows; i++) {
    const m = periodMonth[periodCol.codes[i]];
    if (periodCol.codes[i] < 0) fail(out, i, 'period', 'the period is empty');
    if (m < first) first = m;
    if (m > last) last = m;
  }
  if (!Number.isFinite(first)) fail(out, null, null, 'no outcome rows');
  const T = last - first + 1;
  const periods: string[] = [];
  for (let t = 0; t < T; t++) periods.push(formatMonth(first + t));

  // Employees.
  const empId = textColumn(emp, 'employee_id', true)!;
  const nEmp = emp.nRows;
  const rowIds: string[] = new Array(nEmp);
  for (let i = 0; i < nEmp; i++) {
    if (empId.codes[i] < 0) fail(emp, i, 'employee_id', 'the employee id is empty');
    rowIds[i] = normaliseId(empId.levels[empId.codes[i]]);
  }
  const employees = [...rowIds].sort();
  const empIndex = new Map<string, number>();
  for (let j = 0; j < nEmp; j++) {
    if (j > 0 && employees[j] === employees[j - 1]) {
      fail(emp, rowIds.lastIndexOf(employees[j]), 'employee_id', `employee "${employees[j]}" appears more than once`);
    }
    empIndex.set(employees[j], j);
  }
  const codeOfRow = new Int32Array(nEmp);
  for (let i = 0; i < nEmp; i++) codeOfRow[i] = empIndex.get(rowIds[i])!;

  const hireCol = textColumn(emp, 'hire_date', true)!;
  const hireDays = parseLevels(emp, 'hire_date', hireCol, parseIsoDay, 'a date YYYY-MM-DD');
  const termCol = textColumn(emp, 'termination_date', false);
  const termDays = termCol ? parseLevels(emp, 'termination_date', termCol, parseIsoDay, 'a date YYYY-MM-DD') : undefined;
  const hirePeriod = new Int32Array(nEmp);
  const termPeriod = new Int32Array(nEmp).fill(STILL_EMPLOYED);
  for (let i = 0; i < nEmp; i++) {
    const e = codeOfRow[i];
    if (hireCol.codes[i] < 0) fail(emp, i, 'hire_date', 'the hire date is empty');
    hirePeriod[e] = monthOfDay(hireDays[hireCol.codes[i]]) - first;
    if (termCol && termDays && termCol.codes[i] >= 0) termPeriod[e] = monthOfDay(termDays[termCol.codes[i]]) - first;
  }
  const reorder = <A extends Int32Array | Float64Array>(src: A, make: (n: number) => A): A => {
    const dst = make(nEmp);
    for (let i = 0; i < nEmp; i++) dst[codeOfRow[i]] = src[i];
    return dst;
  };
  const roleF = factor(textColumn(emp, 'role', true), nEmp);
  const regionF = factor(textColumn(emp, 'region', false), nEmp);
  // By employee (sorted id), not by row of employees.csv.
  const region = reorder(regionF.codes, (n) => new Int32Array(n));
  const deptCol = textColumn(emp, 'department', false);
  const deptF = deptCol ? factor(deptCol, nEmp) : undefined;
  const levelCol = numberColumn(emp, 'level');
  const level = levelCol ? reorder(levelCol.values, (n) => new Float64Array(n)) : new Float64Array(nEmp).fill(NaN);
  const known = new Set(STUDY_SCHEMA.employees.columns.map((c) => c.name));
  const extraCovariates: Record<string, Float64Array> = {};
  for (const [name, col] of Object.entries(emp.columns)) {
    if (known.has(name) || col.kind !== 'number') continue;
    extraCovariates[name] = reorder(col.values, (n) => new Float64Array(n));
  }

  // Courses: the catalogue when given, else every course trained.
  const crs = raw.tables.courses;
  const trCourse = textColumn(tr, 'course_id', true)!;
  let courses: string[];
  const info = new Map<string, { title: string; costPerLearner: number; hours: number }>();
  if (crs) {
    const cid = textColumn(crs, 'course_id', true)!;
    const title = textColumn(crs, 'title', false);
    const cost = numberColumn(crs, 'cost_per_learner');
    const hours = numberColumn(crs, 'hours');
    for (let i = 0; i < crs.nRows; i++) {
      if (cid.codes[i] < 0) fail(crs, i, 'course_id', 'the course id is empty');
      const id = normaliseId(cid.levels[cid.codes[i]]);
      if (info.has(id)) fail(crs, i, 'course_id', `course "${id}" appears more than once`);
      const t = title && title.codes[i] >= 0 ? title.levels[title.codes[i]].trim() : id;
      info.set(id, { title: t, costPerLearner: cost ? cost.values[i] : NaN, hours: hours ? hours.values[i] : NaN });
    }
    courses = [...info.keys()].sort();
  } else {
    courses = [...new Set(trCourse.levels.map(normaliseId))].filter((s) => s.length > 0).sort();
  }
  const courseIndex = new Map(courses.map((c, k) => [c, k]));
  const courseInfo = courses.map((id) => ({ id, ...(info.get(id) ?? { title: id, costPerLearner: NaN, hours: NaN }) }));
  const K = courses.length;

  // Training records.
  const trEmp = textColumn(tr, 'employee_id', true)!;
  const trEmpCode = mapIds(trEmp, empIndex);
  const trCourseCode = mapIds(trCourse, courseIndex);
  const statusCol = textColumn(tr, 'status', false);
  const statusOf = statusCol ? statusCol.levels.map((s) => s.trim().toLowerCase()) : [];
  const doneCol = textColumn(tr, 'completed_on', true)!;
  const doneDays = new Float64Array(doneCol.levels.length);
  for (let j = 0; j < doneCol.levels.length; j++) doneDays[j] = parseIsoDay(doneCol.levels[j]);
  const scoreCol = numberColumn(tr, 'score');
  const compRows: number[] = [];
  const dropEmp: number[] = [];
  const dropCourse: number[] = [];
  for (let i = 0; i < tr.nRows; i++) {
    const s = statusCol && statusCol.codes[i] >= 0 ? statusOf[statusCol.codes[i]] : 'completed';
    if (trEmp.codes[i] < 0 || trEmpCode[trEmp.codes[i]] < 0) {
      fail(tr, i, 'employee_id', `unknown employee "${trEmp.codes[i] < 0 ? '' : trEmp.levels[trEmp.codes[i]]}" (not in employees.csv)`);
    }
    if (trCourse.codes[i] < 0 || trCourseCode[trCourse.codes[i]] < 0) {
      fail(tr, i, 'course_id', `unknown course "${trCourse.codes[i] < 0 ? '' : trCourse.levels[trCourse.codes[i]]}" (not in courses.csv)`);
    }
    if (s === 'completed') {
      const d = doneCol.codes[i] < 0 ? NaN : doneDays[doneCol.codes[i]];
      if (Number.isNaN(d)) {
        fail(tr, i, 'completed_on', doneCol.codes[i] < 0 ? 'a completed record needs a completion date' : `expected a date YYYY-MM-DD, got "${doneCol.levels[doneCol.codes[i]]}" (cleanStudy with parseDates reads common LMS formats)`);
      }
      compRows.push(i);
    } else if (s === 'dropped') {
      dropEmp.push(trEmpCode[trEmp.codes[i]]);
      dropCourse.push(trCourseCode[trCourse.codes[i]]);
    } else if (s !== 'in_progress') {
      fail(tr, i, 'status', `expected completed, dropped or in_progress, got "${statusCol!.levels[statusCol!.codes[i]]}"`);
    }
  }
  const dayOf = (i: number) => doneDays[doneCol.codes[i]];
  const empOf = (i: number) => trEmpCode[trEmp.codes[i]];
  const courseOf = (i: number) => trCourseCode[trCourse.codes[i]];
  // The best score first, a missing one last: of two completions of a course on one day, the first keeps it.
  const scoreKey = (i: number) => (scoreCol && !Number.isNaN(scoreCol.values[i]) ? -scoreCol.values[i] : Infinity);
  // Courses finished on the same day go in course order, and repeats of one course in score order, so that
  // journeys and first scores do not hang on the export's row order.
  compRows.sort((a, b) => empOf(a) - empOf(b) || dayOf(a) - dayOf(b) || courseOf(a) - courseOf(b) || scoreKey(a) - scoreKey(b) || a - b);
  const nc = compRows.length;
  const completions = { employee: new Int32Array(nc), course: new Int32Array(nc), period: new Int32Array(nc), day: new Int32Array(nc) };
  const firstCompletion = Array.from({ length: K }, () => new Int32Array(nEmp).fill(NEVER_COMPLETED));
  const firstScore = Array.from({ length: K }, () => new Float64Array(nEmp).fill(NaN));
  for (let j = 0; j < nc; j++) {
    const i = compRows[j];
    const e = empOf(i);
    const k = courseOf(i);
    const day = dayOf(i);
    const p = monthOfDay(day) - first;
    completions.employee[j] = e;
    completions.course[j] = k;
    completions.period[j] = p;
    completions.day[j] = day;
    if (firstCompletion[k][e] === NEVER_COMPLETED) {
      firstCompletion[k][e] = p < 0 ? COMPLETED_BEFORE_DATA : p;
      firstScore[k][e] = scoreCol ? scoreCol.values[i] : NaN;
    }
  }

  // Outcome rows: drop months outside employment, sort by employee then period through a dense key.
  const outEmp = textColumn(out, 'employee_id', true)!;
  const outEmpCode = mapIds(outEmp, empIndex);
  const slot = new Int32Array(nEmp * T).fill(-1);
  let nRows = 0;
  for (let i = 0; i < out.nRows; i++) {
    const ec = outEmp.codes[i];
    const e = ec < 0 ? -2 : outEmpCode[ec];
    if (e < 0) fail(out, i, 'employee_id', `unknown employee "${ec < 0 ? '' : outEmp.levels[ec]}" (not in employees.csv)`);
    const p = periodMonth[periodCol.codes[i]] - first;
    if (p < hirePeriod[e] || p > termPeriod[e]) continue;
    const key = e * T + p;
    if (slot[key] >= 0) fail(out, i, 'period', `employee "${employees[e]}" has a second row for ${periods[p]} (first at row ${out.line[slot[key]]})`);
    slot[key] = i;
    nRows++;
  }
  const { rowEmployee, rowPeriod, source } = panelRows(slot, nRows, T);
  const inOrder = isIdentity(source);
  const metricNames: string[] = [];
  const metrics: Record<string, Float64Array> = {};
  for (const name of Object.keys(out.columns)) {
    if (name === 'employee_id' || name === 'period') continue;
    const values = numberColumn(out, name)!.values;
    metricNames.push(name);
    metrics[name] = inOrder ? values.slice(0, nRows) : gather(values, source);
  }

  // Context factors, joined by period (and region).
  const contextNames: string[] = [];
  const context: Record<string, Float64Array> = {};
  const ctx = raw.tables.context;
  if (ctx) {
    const cp = textColumn(ctx, 'period', true)!;
    const cpMonth = parseLevels(ctx, 'period', cp, parseMonth, 'a month YYYY-MM');
    const creg = textColumn(ctx, 'region', false);
    const R = creg ? regionF.levels.length : 1;
    const regionAt = new Map(regionF.levels.map((s, j) => [s.toLowerCase(), j]));
    const cregCode = creg ? creg.levels.map((s) => regionAt.get(s.trim().toLowerCase()) ?? -1) : [];
    for (const [name, col] of Object.entries(ctx.columns)) {
      if (name === 'period' || name === 'region' || col.kind !== 'number') continue;
      const grid = new Float64Array(T * R).fill(NaN);
      const values = numberColumn(ctx, name)!.values;
      for (let i = 0; i < ctx.nRows; i++) {
        const p = cpMonth[cp.codes[i]] - first;
        if (cp.codes[i] < 0 || p < 0 || p >= T) continue;
        const g = creg ? (creg.codes[i] < 0 ? -1 : cregCode[creg.codes[i]]) : 0;
        if (g < 0) continue;
        grid[p * R + g] = values[i];
      }
      const aligned = new Float64Array(nRows);
      for (let j = 0; j < nRows; j++) {
        const g = creg ? region[rowEmployee[j]] : 0;
        aligned[j] = g < 0 ? NaN : grid[rowPeriod[j] * R + g];
      }
      contextNames.push(name);
      context[name] = aligned;
    }
  }

  return {
    periods,
    employees,
    courses,
    courseInfo,
    hirePeriod,
    termPeriod,
    role: reorder(roleF.codes, (n) => new Int32Array(n)),
    roleLevels: roleF.levels,
    region,
    regionLevels: regionF.levels,
    ...(deptF ? { department: reorder(deptF.codes, (n) => new Int32Array(n)), departmentLevels: deptF.levels } : {}),
    level,
    extraCovariates,
    firstCompletion,
    firstScore,
    completions,
    dropouts: { employee: Int32Array.from(dropEmp), course: Int32Array.from(dropCourse) },
    nRows,
    rowEmployee,
    rowPeriod,
    metricNames,
    metrics,
    contextNames,
    context,
  };
}
