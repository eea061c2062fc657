import { quantileSorted } from '../stats/bootstrap';
import { missingLevelBeside } from './missing';
import type { NumberColumn, RawStudy, RawTable, TextColumn } from './load';
import { exactDuplicateOf } from './duplicates';
import {
  metricMayBeNegative,
  metricUpperBound,
  monthOfDay,
  normaliseId,
  parseIsoDay,
  parseMonth,
  STUDY_FILES,
  STUDY_SCHEMA,
  TRAINING_STATUSES,
  type Problem,
} from './schema';

/** Rows listed per rule and file before the rest are summarised in one line. */
const ROWS_PER_RULE = 20;

/** Collects problems, listing at most ROWS_PER_RULE rows per (file, column, rule) and counting the rest. */
class ProblemList {
  readonly problems: Problem[] = [];
  private readonly counts = new Map<string, { n: number; severity: Problem['severity']; file: string; column: string | null; rule: string }>();

  add(severity: Problem['severity'], file: string, row: number | null, column: string | null, message: string, rule = message): void {
    const key = `${file}\u0000${column}\u0000${rule}`;
    const c = this.counts.get(key) ?? { n: 0, severity, file, column, rule };
    c.n++;
    this.counts.set(key, c);
    if (c.n <= ROWS_PER_RULE) this.problems.push({ severity, file, row, column, message });
  }

  finish(): Problem[] {
    for (const c of this.counts.values()) {
      if (c.n > ROWS_PER_RULE) {
        this.problems.push({ severity: c.severity, file: c.file, row: null, column: c.column, message: `${c.n - ROWS_PER_RULE} more rows: ${c.rule}`, rows: c.n - ROWS_PER_RULE });
      }
    }
    // Readable order: file by file as the contract lists them, errors before warnings, then by line.
    const fileRank = (f: string) => {
      const base = f.replace(/^.*[\\/]/, '').replace(/\.(csv|parquet)$/i, '');
      const k = (STUDY_FILES as readonly string[]).indexOf(base);
      return k < 0 ? STUDY_FILES.length : k;
    };
    return this.problems
      .map((p, i) => ({ p, i }))
      .sort(
        (a, b) =>
          fileRank(a.p.file) - fileRank(b.p.file) ||
          (a.p.severity === b.p.severity ? 0 : a.p.severity === 'error' ? -1 : 1) ||
          (a.p.row ?? Infinity) - (b.p.row ?? Infinity) ||
          a.i - b.i,
      )
      .map((x) => x.p);
  }
}

function text(col: TextColumn, i: number): string | null {
  const c = col.codes[i];
  return c < 0 ? null : col.levels[c];
}

function asText(t: RawTable, name: string): TextColumn | undefined {
  const c = t.columns[name];
  return c && c.kind === 'text' ? c : undefined;
}

function asNumber(t: RawTable, name: string): NumberColumn | undefined {
  const c = t.columns[name];
  return c && c.kind === 'number' ? c : undefined;
}

/** Typical deviations (median absolute deviations) from the median beyond which a metric value is flagged. */
const EXTREME = 30;

// The median and the median absolute deviation of a column's values, from at most 100,001 of them taken at
// an even stride (deterministic); null when there are too few values or no spread.
function medianAndSpread(values: Float64Array): { median: number; spread: number } | null {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) n++;
  if (n < 20) return null;
  const stride = Math.max(1, Math.floor(n / 100_000));
  const sample = new Float64Array(Math.ceil(n / stride));
  for (let i = 0, k = 0, m = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) continue;
    if (k === 0) sample[m++] = values[i];
    k = k + 1 === stride ? 0 : k + 1;
  }
  sample.sort();
  const median = quantileSorted(sample, 0.5);
  for (let j = 0; j < sample.length; j++) sample[j] = Math.abs(sample[j] - median);
  const spread = quantileSorted(sample.sort(), 0.5);
  return spread > 0 ? { median, spread } : null;
}

/**
 * A metric's bounds (errors: negative where the name does not allow it, a
 * rate above its bound) and values far outside its spread: an extra digit or
 * a total typed into a month would weigh on every estimate, so they are
 * warned about, unless there are many (then they are the metric's own long
 * tail, not typing errors). Bounds and the far count share one pass.
 */
function checkMetric(t: RawTable, name: string, values: Float64Array, out: ProblemList): void {
  const mayBeNegative = metricMayBeNegative(name);
  const upper = metricUpperBound(name);
  const typical = medianAndSpread(values);
  const median = typical ? typical.median : 0;
  const farBeyond = typical ? EXTREME * typical.spread : Infinity;
  let nFar = 0;
  for (let i = 0; i < t.nRows; i++) {
    const v = values[i];
    if (!mayBeNegative && v < 0) out.add('error', t.file, t.line[i], name, `expected a value ≥ 0, got ${v} (only metrics named as a change, margin, balance or net may be negative)`, `${name} must be ≥ 0`);
    else if (v > upper) out.add('error', t.file, t.line[i], name, `expected a rate in [0, ${upper}], got ${v}`, `${name} must be ≤ ${upper}`);
    if (Math.abs(v - median) > farBeyond) nFar++;
  }
  if (!typical || nFar === 0 || nFar > Math.max(3, 0.005 * t.nRows)) return;
  for (let i = 0; i < t.nRows; i++) {
    const v = values[i];
    if (!(Math.abs(v - median) > farBeyond)) continue;
    out.add(
      'warning',
      t.file,
      t.line[i],
      name,
      `${name} ${v} lies ${Math.round(Math.abs(v - median) / typical.spread)} typical deviations from the median (${median}); check it: a data-entry error this large would move every estimate`,
      `${name} far outside its usual range (more than ${EXTREME} typical deviations from the median)`,
    );
  }
}

function checkRequiredColumns(t: RawTable, out: ProblemList): boolean {
  let ok = true;
  for (const spec of STUDY_SCHEMA[t.name].columns) {
    if (spec.required && !(spec.name in t.columns)) {
      out.add('error', t.file, 1, spec.name, `required column \`${spec.name}\` is missing (the header has ${t.header.join(', ')})`);
      ok = false;
    }
  }
  return ok;
}

function checkNumbers(t: RawTable, name: string, col: NumberColumn, out: ProblemList): void {
  for (const bad of col.invalid) out.add('error', t.file, bad.row, name, `expected a number, got "${bad.text}"`, 'expected a number');
  if (col.invalidCount > col.invalid.length) {
    out.add('error', t.file, null, name, `${col.invalidCount - col.invalid.length} more cells are not numbers`);
  }
}

/** Day numbers of a date column's levels (NaN when unparseable), reporting every unparseable row. */
function checkDates(t: RawTable, name: string, col: TextColumn, parse: (s: string) => number, expected: string, out: ProblemList): Float64Array {
  const values = new Float64Array(col.levels.length);
  for (let j = 0; j < col.levels.length; j++) values[j] = parse(col.levels[j]);
  for (let i = 0; i < t.nRows; i++) {
    const c = col.codes[i];
    if (c >= 0 && Number.isNaN(values[c])) out.add('error', t.file, t.line[i], name, `expected ${expected}, got "${col.levels[c]}"`, `expected ${expected}`);
  }
  return values;
}

/**
 * An id column in normal form, kept per level: `normal[codes[i]]` is row i's
 * normalised id (null when empty), so lookups by id run once per distinct id
 * rather than once per row.
 */
interface IdColumn {
  codes: Int32Array;
  normal: (string | null)[];
}

/** Normalised id of row i, null when empty. */
function idAt(ids: IdColumn, i: number): string | null {
  const c = ids.codes[i];
  return c < 0 ? null : ids.normal[c];
}

/** Per level of an id column, `index.get` of its normalised id: `UNKNOWN` when absent, -1 for an empty id. */
function indexOfLevels(ids: IdColumn, index: Map<string, number>): Int32Array {
  return Int32Array.from(ids.normal, (id) => (id === null ? -1 : index.get(id) ?? UNKNOWN));
}
const UNKNOWN = -2;

/** Normalised ids of a column (null when empty), with a warning for ids not in normal form. */
function checkIds(t: RawTable, name: string, col: TextColumn, out: ProblemList): IdColumn {
  const normal = col.levels.map((l) => normaliseId(l) || null);
  const ids: IdColumn = { codes: col.codes, normal };
  let odd = 0;
  let firstOdd = -1;
  for (let i = 0; i < t.nRows; i++) {
    const c = col.codes[i];
    if (c < 0 || normal[c] === null) {
      out.add('error', t.file, t.line[i], name, 'the id is empty');
      continue;
    }
    if (normal[c] !== col.levels[c]) {
      odd++;
      if (firstOdd < 0) firstOdd = i;
    }
  }
  if (odd > 0) {
    out.add(
      'warning',
      t.file,
      t.line[firstOdd],
      name,
      `${odd} ids have stray spaces or lower case (first: "${text(col, firstOdd)}"); they are matched as "${idAt(ids, firstOdd)}" (cleanStudy normalises them)`,
    );
  }
  return ids;
}

/** Warns about rows that repeat an earlier row exactly. */
function checkExactDuplicates(t: RawTable, out: ProblemList): void {
  const firstOf = exactDuplicateOf(t);
  for (let i = 0; i < t.nRows; i++) {
    if (firstOf[i] >= 0) out.add('warning', t.file, t.line[i], null, `exact duplicate of row ${t.line[firstOf[i]]} (cleanStudy drops it)`, 'exact duplicate of an earlier row (cleanStudy drops it)');
  }
}

/**
 * Checks a loaded study against CONTRACT §1 and returns every problem found,
 * errors and warnings, each naming the file, its line (header = 1) and column.
 * Rules: missing or empty file, a header that is not comma-separated, missing
 * required columns, unparseable dates and months, duplicate keys (employee,
 * course, employee×period, period×region), training and outcomes for unknown
 * employees or courses, completion before hire or after termination,
 * completion after the last outcome month (a warning: it cannot be evaluated
 * yet), statuses outside completed/dropped/in_progress, scores outside
 * 0–100, non-numeric metrics, negative metrics (unless the name says the
 * metric is a change, margin, balance or net), rates above 1. Ids are compared
 * in normal form (`normaliseId`); ids not in normal form and exact duplicate
 * rows are warnings that `cleanStudy` fixes. A rule lists at most 20 rows per
 * file and column, then one line counts the rest.
 *
 * @example
 * validateStudy(await loadStudy('data/sample')); // => []
 * validateStudy(await loadStudy('data/sample-messy')).filter((p) => p.severity === 'error').length; // => > 0
 */
export function validateStudy(raw: RawStudy): Problem[] {
  const out = new ProblemList();
  for (const p of raw.problems) out.problems.push(p);
  const tables = raw.tables;
  const okColumns: Partial<Record<(typeof STUDY_FILES)[number], boolean>> = {};
  for (const name of STUDY_FILES) {
    const t = tables[name];
    if (!t) continue;
    okColumns[name] = checkRequiredColumns(t, out);
    for (const [col, c] of Object.entries(t.columns)) if (c.kind === 'number') checkNumbers(t, col, c, out);
    checkExactDuplicates(t, out);
  }

  // employees
  const empIndex = new Map<string, number>();
  let hireMonth: Float64Array | undefined;
  let termMonth: Float64Array | undefined;
  let hireDay: Float64Array | undefined;
  let termDay: Float64Array | undefined;
  const emp = tables.employees;
  if (emp && okColumns.employees) {
    const ids = checkIds(emp, 'employee_id', asText(emp, 'employee_id')!, out);
    const hire = asText(emp, 'hire_date')!;
    const hireDays = checkDates(emp, 'hire_date', hire, parseIsoDay, 'a date YYYY-MM-DD', out);
    const term = asText(emp, 'termination_date');
    const termDays = term ? checkDates(emp, 'termination_date', term, parseIsoDay, 'a date YYYY-MM-DD', out) : undefined;
    const role = asText(emp, 'role')!;
    const region = asText(emp, 'region');
    // The name the study gives employees with no region: apart from every region in the file.
    const noRegion = region ? missingLevelBeside(region.levels.map((l) => l.trim())) : '';
    hireMonth = new Float64Array(emp.nRows);
    termMonth = new Float64Array(emp.nRows).fill(Infinity);
    hireDay = new Float64Array(emp.nRows);
    termDay = new Float64Array(emp.nRows).fill(Infinity);
    for (let i = 0; i < emp.nRows; i++) {
      const id = idAt(ids, i);
      if (id !== null) {
        const prev = empIndex.get(id);
        if (prev !== undefined) out.add('error', emp.file, emp.line[i], 'employee_id', `employee "${id}" already appears at row ${emp.line[prev]}`, 'duplicate employee id');
        else empIndex.set(id, i);
      }
      if (hire.codes[i] < 0) out.add('error', emp.file, emp.line[i], 'hire_date', 'the hire date is empty');
      if (role.codes[i] < 0 || role.levels[role.codes[i]].trim() === '') out.add('warning', emp.file, emp.line[i], 'role', 'the role is empty');
      if (region && (region.codes[i] < 0 || region.levels[region.codes[i]].trim() === '')) {
        out.add('warning', emp.file, emp.line[i], 'region', `the region is empty; the study compares such employees as a region of their own, \`${noRegion}\``, `empty region: a region of its own, \`${noRegion}\``);
      }
      const h = hire.codes[i] < 0 ? NaN : hireDays[hire.codes[i]];
      hireDay[i] = h;
      hireMonth[i] = Number.isNaN(h) ? NaN : monthOfDay(h);
      if (term && termDays && term.codes[i] >= 0) {
        const d = termDays[term.codes[i]];
        if (!Number.isNaN(d)) {
          termDay[i] = d;
          termMonth[i] = monthOfDay(d);
          if (!Number.isNaN(h) && d < h) out.add('error', emp.file, emp.line[i], 'termination_date', `termination ${term.levels[term.codes[i]]} is before the hire date ${hire.levels[hire.codes[i]]}`, 'termination before hire');
        }
      }
    }
    const level = asNumber(emp, 'level');
    if (level) {
      for (let i = 0; i < emp.nRows; i++) {
        const v = level.values[i];
        if (!Number.isNaN(v) && (v < 0 || !Number.isInteger(v))) out.add('error', emp.file, emp.line[i], 'level', `expected a non-negative whole grade, got ${v}`, 'level must be a non-negative integer');
      }
    }
    // Blanks in a numeric covariate (level, or any extra column): the study keeps those employees and
    // compares them through a missing-value indicator; say so, row by row.
    for (const [name, col] of Object.entries(emp.columns)) {
      if (col.kind !== 'number') continue;
      let blank = 0;
      for (let i = 0; i < emp.nRows; i++) if (Number.isNaN(col.values[i])) blank++;
      if (blank === 0 || blank === emp.nRows) continue;
      const rule = `empty ${name}: filled with the mean of the others, beside an indicator \`${name}_missing\``;
      for (let i = 0; i < emp.nRows; i++) {
        if (Number.isNaN(col.values[i])) out.add('warning', emp.file, emp.line[i], name, `${name} is empty; the study fills it with the mean of the others and adds the indicator \`${name}_missing\``, rule);
      }
    }
  }
  const empOk = emp !== undefined && okColumns.employees === true;

  // courses
  const courseIds = new Set<string>();
  const crs = tables.courses;
  if (crs && okColumns.courses) {
    const ids = checkIds(crs, 'course_id', asText(crs, 'course_id')!, out);
    const rowOf = new Map<string, number>();
    for (let i = 0; i < crs.nRows; i++) {
      const id = idAt(ids, i);
      if (id === null) continue;
      const prev = rowOf.get(id);
      if (prev !== undefined) out.add('error', crs.file, crs.line[i], 'course_id', `course "${id}" already appears at row ${crs.line[prev]}`, 'duplicate course id');
      else rowOf.set(id, i);
      courseIds.add(id);
    }
    for (const name of ['cost_per_learner', 'hours']) {
      const col = asNumber(crs, name);
      if (!col) continue;
      for (let i = 0; i < crs.nRows; i++) if (col.values[i] < 0) out.add('error', crs.file, crs.line[i], name, `expected a number ≥ 0, got ${col.values[i]}`, `${name} must be ≥ 0`);
    }
  }

  // outcomes (before training: its months bound the completions)
  let lastMonth = Infinity;
  const outT = tables.outcomes;
  if (outT && okColumns.outcomes) {
    const ids = checkIds(outT, 'employee_id', asText(outT, 'employee_id')!, out);
    const period = asText(outT, 'period')!;
    const months = checkDates(outT, 'period', period, parseMonth, 'a month YYYY-MM', out);
    const metricNames = Object.keys(outT.columns).filter((n) => n !== 'employee_id' && n !== 'period');
    if (metricNames.length === 0) out.add('error', outT.file, 1, null, 'no metric column: outcomes.csv needs at least one numeric column besides employee_id and period');
    let minMonth = Infinity;
    let maxMonth = -Infinity;
    for (let j = 0; j < months.length; j++) {
      if (months[j] < minMonth) minMonth = months[j];
      if (months[j] > maxMonth) maxMonth = months[j];
    }
    if (Number.isFinite(maxMonth)) lastMonth = maxMonth;
    const span = Number.isFinite(minMonth) ? maxMonth - minMonth + 1 : 0;
    // Key by the normalised id's own code, so repeats across id spellings and of unknown ids are caught too.
    const idCol = asText(outT, 'employee_id')!;
    const normalCode = new Map<string, number>();
    const levelCode = idCol.levels.map((l) => {
      const k = normaliseId(l);
      if (!normalCode.has(k)) normalCode.set(k, normalCode.size);
      return normalCode.get(k)!;
    });
    const seen = new Int32Array(normalCode.size * span).fill(-1);
    const empOfLevel = empOk ? indexOfLevels(ids, empIndex) : undefined;
    let outside = 0;
    let firstOutside = -1;
    for (let i = 0; i < outT.nRows; i++) {
      const pc = period.codes[i];
      if (pc < 0) out.add('error', outT.file, outT.line[i], 'period', 'the period is empty');
      const id = idAt(ids, i);
      if (id === null) continue;
      const e = empOfLevel ? empOfLevel[ids.codes[i]] : -1;
      if (e === UNKNOWN) {
        out.add('error', outT.file, outT.line[i], 'employee_id', `unknown employee "${text(asText(outT, 'employee_id')!, i)}" (not in employees.csv)`, 'unknown employee (not in employees.csv)');
        continue;
      }
      if (pc < 0 || Number.isNaN(months[pc])) continue;
      const m = months[pc];
      const key = levelCode[idCol.codes[i]] * span + (m - minMonth);
      const prev = seen[key];
      if (prev >= 0) out.add('error', outT.file, outT.line[i], 'period', `employee "${id}" already has a row for ${period.levels[pc]} at row ${outT.line[prev]}`, 'duplicate employee × period');
      else seen[key] = i;
      if (e >= 0 && hireMonth && termMonth && (m < hireMonth[e] || m > termMonth[e])) {
        outside++;
        if (firstOutside < 0) firstOutside = i;
      }
    }
    if (outside > 0) {
      out.add('warning', outT.file, outT.line[firstOutside], 'period', `${outside} rows fall before the employee's hire month or after the termination month; they are ignored`);
    }
    for (const name of metricNames) {
      const col = asNumber(outT, name);
      if (col) checkMetric(outT, name, col.values, out);
    }
  }

  // training
  const tr = tables.training;
  if (tr && okColumns.training) {
    const idCol = asText(tr, 'employee_id')!;
    const ids = checkIds(tr, 'employee_id', idCol, out);
    const courseCol = asText(tr, 'course_id')!;
    const cids = checkIds(tr, 'course_id', courseCol, out);
    const done = asText(tr, 'completed_on')!;
    const doneDays = new Float64Array(done.levels.length);
    for (let j = 0; j < done.levels.length; j++) doneDays[j] = parseIsoDay(done.levels[j]);
    const status = asText(tr, 'status');
    const statusOf = status ? status.levels.map((s) => s.trim().toLowerCase()) : [];
    const allowed = new Set<string>(TRAINING_STATUSES);
    const empOfLevel = empOk ? indexOfLevels(ids, empIndex) : undefined;
    const courseKnown = crs && okColumns.courses ? cids.normal.map((c) => c === null || courseIds.has(c)) : undefined;
    for (let i = 0; i < tr.nRows; i++) {
      const line = tr.line[i];
      const id = idAt(ids, i);
      const code = empOfLevel && id !== null ? empOfLevel[ids.codes[i]] : -1;
      const e = code >= 0 ? code : undefined;
      if (code === UNKNOWN) out.add('error', tr.file, line, 'employee_id', `unknown employee "${text(idCol, i)}" (not in employees.csv)`, 'unknown employee (not in employees.csv)');
      if (courseKnown && cids.codes[i] >= 0 && !courseKnown[cids.codes[i]]) out.add('error', tr.file, line, 'course_id', `unknown course "${text(courseCol, i)}" (not in courses.csv)`, 'unknown course (not in courses.csv)');
      const s = status && status.codes[i] >= 0 ? statusOf[status.codes[i]] : 'completed';
      if (!allowed.has(s)) {
        out.add('error', tr.file, line, 'status', `expected completed, dropped or in_progress, got "${status!.levels[status!.codes[i]]}"`, 'status outside completed, dropped, in_progress');
        continue;
      }
      const dc = done.codes[i];
      if (dc >= 0 && Number.isNaN(doneDays[dc])) {
        out.add('error', tr.file, line, 'completed_on', `expected a date YYYY-MM-DD, got "${done.levels[dc]}"`, 'expected a date YYYY-MM-DD');
        continue;
      }
      if (s !== 'completed') continue;
      if (dc < 0) {
        out.add('error', tr.file, line, 'completed_on', 'a completed record needs a completion date');
        continue;
      }
      const d = doneDays[dc];
      if (e !== undefined && hireDay && termDay) {
        if (d < hireDay[e]) out.add('error', tr.file, line, 'completed_on', `completed ${done.levels[dc]}, before the hire date of "${id}"`, 'completion before hire');
        else if (d > termDay[e]) out.add('error', tr.file, line, 'completed_on', `completed ${done.levels[dc]}, after the termination date of "${id}"`, 'completion after termination');
      }
      if (monthOfDay(d) > lastMonth) {
        out.add('warning', tr.file, line, 'completed_on', `completed ${done.levels[dc]}, after the last outcome month: its effect cannot be measured yet`, 'completion after the last outcome month');
      }
    }
    const score = asNumber(tr, 'score');
    if (score) {
      for (let i = 0; i < tr.nRows; i++) {
        const v = score.values[i];
        if (v < 0 || v > 100) out.add('error', tr.file, tr.line[i], 'score', `expected a score in [0, 100], got ${v}`, 'score outside [0, 100]');
      }
    }
  }

  // context
  const ctx = tables.context;
  if (ctx && okColumns.context) {
    const period = asText(ctx, 'period')!;
    const months = checkDates(ctx, 'period', period, parseMonth, 'a month YYYY-MM', out);
    const region = asText(ctx, 'region');
    const factors = Object.keys(ctx.columns).filter((n) => n !== 'period' && n !== 'region');
    if (factors.length === 0) out.add('error', ctx.file, 1, null, 'no factor column: context.csv needs at least one numeric column besides period and region');
    for (const f of factors) if (ctx.columns[f].kind !== 'number') out.add('error', ctx.file, 1, f, 'expected a numeric factor');
    const seen = new Map<string, number>();
    for (let i = 0; i < ctx.nRows; i++) {
      const pc = period.codes[i];
      if (pc < 0 || Number.isNaN(months[pc])) continue;
      const key = `${months[pc]}|${region ? (text(region, i) ?? '').trim().toLowerCase() : ''}`;
      const prev = seen.get(key);
      if (prev !== undefined) out.add('error', ctx.file, ctx.line[i], 'period', `${region ? 'period and region' : 'period'} already given at row ${ctx.line[prev]}`, 'duplicate period (× region)');
      else seen.set(key, i);
    }
  }
  return out.finish();
}

/**
 * Whether a list of problems has any error.
 *
 * @example
 * hasErrors([{ severity: 'warning', file: 'x', row: null, column: null, message: 'm' }]); // => false
 */
export function hasErrors(problems: Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}
