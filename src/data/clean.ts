import type { NumberColumn, RawColumn, RawStudy, RawTable, TextColumn } from './load';
import { exactDuplicateOf } from './duplicates';
import { calendarDay, formatDay, formatMonth, normaliseId, parseIsoDay, parseMonth, STUDY_FILES, STUDY_SCHEMA } from './schema';

/** One cleaning step and what it changed. */
export interface CleaningStep {
  step: string;
  /** Rows changed or dropped. */
  changed: number;
  note: string;
}

/**
 * Days since 1970-01-01 of a date in a format LMS and HRIS exports use, or
 * NaN. Accepted: `2024-03-15`, `2024/03/15`, `2024-03-15T10:00:00` (and with a
 * space), `15.03.2024` (European, day first), and `03/15/2024` (US, month
 * first). A slashed date whose first part exceeds 12 must be day-first
 * (`15/03/2024`) and is read so; an ambiguous one (`03/04/2024`) is read
 * month-first, as US LMS exports write it.
 *
 * @example
 * formatDay(parseLmsDate('03/15/2024')); // => '2024-03-15'
 * formatDay(parseLmsDate('15.03.2024')); // => '2024-03-15'
 */
export function parseLmsDate(text: string): number {
  const s = text.trim();
  const iso = parseIsoDay(s);
  if (!Number.isNaN(iso)) return iso;
  let m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(s);
  if (m) return calendarDay(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(s);
  if (m) return calendarDay(Number(m[3]), Number(m[2]), Number(m[1]));
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    return a > 12 ? calendarDay(Number(m[3]), b, a) : calendarDay(Number(m[3]), a, b);
  }
  return NaN;
}

/**
 * Month number (months since 1970-01) of a period in a common export format,
 * or NaN: `2024-03`, `2024/03`, `03/2024`, or any date `parseLmsDate` reads.
 *
 * @example
 * formatMonth(parseLmsMonth('2024/3')); // => '2024-03'
 */
export function parseLmsMonth(text: string): number {
  const s = text.trim();
  const iso = parseMonth(s);
  if (!Number.isNaN(iso)) return iso;
  let m = /^(\d{4})[-/](\d{1,2})$/.exec(s);
  if (m) return parseMonth(`${m[1]}-${m[2].padStart(2, '0')}`);
  m = /^(\d{1,2})[-/](\d{4})$/.exec(s);
  if (m) return parseMonth(`${m[2]}-${m[1].padStart(2, '0')}`);
  const d = parseLmsDate(s);
  if (Number.isNaN(d)) return NaN;
  const day = new Date(d * 86400000);
  return (day.getUTCFullYear() - 1970) * 12 + day.getUTCMonth();
}

/** Whether `mapped` repeats `levels` and they are strictly ascending (so remapping would give the same codes). */
function unchangedAndSorted(levels: string[], mapped: string[]): boolean {
  for (let j = 0; j < levels.length; j++) {
    if (mapped[j] !== levels[j] || (j > 0 && !(levels[j - 1] < levels[j]))) return false;
  }
  return true;
}

/** Rewrites a text column's levels through `map`, merging levels that become equal; returns rows whose text changed. */
function remapLevels(col: TextColumn, map: (s: string) => string): { col: TextColumn; changed: number } {
  const mapped = col.levels.map(map);
  // Nothing to rewrite (the usual case for a clean export): the column as it is, without a pass over its rows.
  if (unchangedAndSorted(col.levels, mapped)) return { col, changed: 0 };
  const levels = [...new Set(mapped)].sort();
  const at = new Map(levels.map((s, j) => [s, j]));
  const codeOf = mapped.map((s) => at.get(s)!);
  const differs = mapped.map((s, j) => s !== col.levels[j]);
  const codes = new Int32Array(col.codes.length);
  let changed = 0;
  for (let i = 0; i < codes.length; i++) {
    const c = col.codes[i];
    if (c < 0) {
      codes[i] = -1;
      continue;
    }
    codes[i] = codeOf[c];
    if (differs[c]) changed++;
  }
  return { col: { kind: 'text', codes, levels }, changed };
}

/** The rows of a table where `keep[i]` is 1, file lines preserved. */
function keepRows(t: RawTable, keep: Uint8Array): RawTable {
  let n = 0;
  for (let i = 0; i < t.nRows; i++) n += keep[i];
  const idx = new Int32Array(n);
  for (let i = 0, j = 0; i < t.nRows; i++) if (keep[i]) idx[j++] = i;
  const kept = new Set<number>();
  for (let j = 0; j < n; j++) kept.add(t.line[idx[j]]);
  const columns: Record<string, RawColumn> = {};
  for (const [name, c] of Object.entries(t.columns)) {
    if (c.kind === 'text') {
      const codes = new Int32Array(n);
      for (let j = 0; j < n; j++) codes[j] = c.codes[idx[j]];
      columns[name] = { kind: 'text', codes, levels: c.levels };
    } else {
      const values = new Float64Array(n);
      for (let j = 0; j < n; j++) values[j] = c.values[idx[j]];
      const invalid = c.invalid.filter((b) => kept.has(b.row));
      const num: NumberColumn = { kind: 'number', values, invalid, invalidCount: c.invalidCount - (c.invalid.length - invalid.length) };
      columns[name] = num;
    }
  }
  const line = new Int32Array(n);
  for (let j = 0; j < n; j++) line[j] = t.line[idx[j]];
  return { ...t, nRows: n, columns, line };
}

function idColumnsOf(t: RawTable): string[] {
  return STUDY_SCHEMA[t.name].columns.filter((c) => c.kind === 'id' && c.name in t.columns).map((c) => c.name);
}

/**
 * Cleans a loaded study in explicit steps, each reporting what it changed
 * (rows), in this order:
 * 1. `normalise ids`: employee and course ids trimmed and upper-cased
 *    (`normaliseId`): exports disagree on case and pad cells with spaces.
 * 2. `trim text`: role, region, department, title trimmed; status trimmed
 *    and lower-cased.
 * 3. `parse dates` (only with `parseDates`): hire, termination and
 *    completion dates in the formats `parseLmsDate` reads, and periods in
 *    those `parseLmsMonth` reads, rewritten as ISO. Unreadable values are
 *    left for validation to report.
 * 4. `drop exact duplicates`: a row identical to an earlier row of the same
 *    file (after steps 1–3) is dropped; the first is kept.
 * 5. `drop unknown employees and courses` (unless `dropUnknown` is false):
 *    training and outcome rows whose employee is not in employees.csv, and
 *    training rows whose course is not in courses.csv (when given), are
 *    dropped.
 * Nothing else is changed: a remaining fault stays for `validateStudy`.
 *
 * @example
 * const { study, steps } = cleanStudy(await loadStudy('data/sample-messy'), { parseDates: true });
 * steps.map((s) => `${s.step}: ${s.changed}`); // => ['normalise ids: 1630', 'trim text: 0', 'parse dates: 560', ...]
 */
export function cleanStudy(raw: RawStudy, opts: { parseDates?: boolean; dropUnknown?: boolean } = {}): { study: RawStudy; steps: CleaningStep[] } {
  const parseDates = opts.parseDates ?? false;
  const dropUnknown = opts.dropUnknown ?? true;
  const tables: RawStudy['tables'] = { ...raw.tables };
  const steps: CleaningStep[] = [];
  const perFile = (counts: Record<string, number>) =>
    Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([f, n]) => `${f} ${n}`)
      .join(', ') || 'nothing to change';

  const rewrite = (step: string, pick: (t: RawTable, name: string, col: TextColumn) => ((s: string) => string) | undefined, why: string) => {
    const counts: Record<string, number> = {};
    let total = 0;
    for (const f of STUDY_FILES) {
      const t = tables[f];
      if (!t) continue;
      const columns = { ...t.columns };
      let n = 0;
      for (const [name, col] of Object.entries(t.columns)) {
        if (col.kind !== 'text') continue;
        const map = pick(t, name, col);
        if (!map) continue;
        const r = remapLevels(col, map);
        columns[name] = r.col;
        n += r.changed;
      }
      tables[f] = { ...t, columns };
      counts[f] = n;
      total += n;
    }
    steps.push({ step, changed: total, note: `${why}: ${perFile(counts)}` });
  };

  rewrite('normalise ids', (t, name) => (idColumnsOf(t).includes(name) ? normaliseId : undefined), 'ids trimmed and upper-cased (cells changed)');
  rewrite(
    'trim text',
    (t, name) => {
      if (name === 'status') return (s) => s.trim().toLowerCase();
      const spec = STUDY_SCHEMA[t.name].columns.find((c) => c.name === name);
      if (spec?.kind === 'text' || name === 'title') return (s) => s.trim();
      return undefined;
    },
    'text trimmed, status lower-cased (cells changed)',
  );
  if (parseDates) {
    const unread: string[] = [];
    rewrite(
      'parse dates',
      (t, name) => {
        const spec = STUDY_SCHEMA[t.name].columns.find((c) => c.name === name);
        if (spec?.kind === 'date') {
          return (s) => {
            const d = parseLmsDate(s);
            if (Number.isNaN(d)) unread.push(`${t.name}.${name} "${s}"`);
            return Number.isNaN(d) ? s : formatDay(d);
          };
        }
        if (spec?.kind === 'month') {
          return (s) => {
            const m = parseLmsMonth(s);
            if (Number.isNaN(m)) unread.push(`${t.name}.${name} "${s}"`);
            return Number.isNaN(m) ? s : formatMonth(m);
          };
        }
        return undefined;
      },
      'dates rewritten as YYYY-MM-DD, periods as YYYY-MM (cells changed)',
    );
    if (unread.length > 0) steps[steps.length - 1].note += `; unreadable, left as is: ${unread.slice(0, 5).join(', ')}${unread.length > 5 ? ` and ${unread.length - 5} more` : ''}`;
  }

  // Exact duplicates, over the cleaned cells.
  {
    const counts: Record<string, number> = {};
    let total = 0;
    for (const f of STUDY_FILES) {
      const t = tables[f];
      if (!t) continue;
      const firstOf = exactDuplicateOf(t);
      const keep = new Uint8Array(t.nRows);
      let dropped = 0;
      for (let i = 0; i < t.nRows; i++) {
        if (firstOf[i] >= 0) dropped++;
        else keep[i] = 1;
      }
      if (dropped > 0) tables[f] = keepRows(t, keep);
      counts[f] = dropped;
      total += dropped;
    }
    steps.push({ step: 'drop exact duplicates', changed: total, note: `rows identical to an earlier row dropped: ${perFile(counts)}` });
  }

  if (dropUnknown) {
    const emp = tables.employees;
    const empCol = emp?.columns.employee_id;
    const known = new Set<string>();
    if (empCol && empCol.kind === 'text') for (const l of empCol.levels) known.add(l);
    const crs = tables.courses;
    const crsCol = crs?.columns.course_id;
    const knownCourses = crsCol && crsCol.kind === 'text' ? new Set(crsCol.levels) : undefined;
    const counts: Record<string, number> = {};
    const examples = new Set<string>();
    let total = 0;
    if (empCol && empCol.kind === 'text') {
      for (const f of ['training', 'outcomes'] as const) {
        const t = tables[f];
        const idCol = t?.columns.employee_id;
        if (!t || !idCol || idCol.kind !== 'text') continue;
        const courseCol = f === 'training' ? t.columns.course_id : undefined;
        const levelKnown = idCol.levels.map((l) => known.has(l));
        const courseKnown = courseCol && courseCol.kind === 'text' && knownCourses ? courseCol.levels.map((l) => knownCourses.has(l)) : undefined;
        const keep = new Uint8Array(t.nRows);
        let dropped = 0;
        for (let i = 0; i < t.nRows; i++) {
          const c = idCol.codes[i];
          let ok = c >= 0 && levelKnown[c];
          if (ok && courseKnown && courseCol && courseCol.kind === 'text') {
            const k = courseCol.codes[i];
            ok = k >= 0 && courseKnown[k];
          }
          if (ok) keep[i] = 1;
          else {
            dropped++;
            if (examples.size < 5 && c >= 0) examples.add(idCol.levels[c]);
          }
        }
        if (dropped > 0) tables[f] = keepRows(t, keep);
        counts[f] = dropped;
        total += dropped;
      }
    }
    const ex = examples.size > 0 ? ` (e.g. ${[...examples].join(', ')})` : '';
    steps.push({ step: 'drop unknown employees and courses', changed: total, note: `rows for employees not in employees.csv or courses not in courses.csv dropped: ${perFile(counts)}${ex}` });
  }
  return { study: { dir: raw.dir, tables, problems: raw.problems }, steps };
}
