/**
 * The study folder's schema (CONTRACT §1) and the small parsers every data
 * step shares: ids, ISO dates, months. One place decides what a valid value
 * is, so that validation, cleaning and the panel never disagree.
 */

/**
 * The files of a study folder, in the order they are loaded and reported.
 *
 * @example
 * STUDY_FILES[0]; // => 'employees'
 */
export const STUDY_FILES = ['employees', 'courses', 'training', 'outcomes', 'context'] as const;
/** One of the study folder's files, by its base name without extension. */
export type StudyFile = (typeof STUDY_FILES)[number];

/** What a column holds: ids and text are kept as text, dates and months are text until parsed. */
export type ColumnKind = 'id' | 'text' | 'date' | 'month' | 'number' | 'status';

/** A column the contract names, with whether the file must have it. */
export interface ColumnSpec {
  name: string;
  kind: ColumnKind;
  required: boolean;
}

/** What the contract says about one file. Columns not listed are extra (metrics, factors, covariates). */
export interface FileSpec {
  required: boolean;
  columns: ColumnSpec[];
  /** The kind of any column the contract does not name: metrics and factors are numbers. */
  extraKind: 'number' | 'detect';
}

/**
 * The contract's files and columns.
 *
 * @example
 * STUDY_SCHEMA.training.columns.find((c) => c.name === 'score')?.kind; // => 'number'
 */
export const STUDY_SCHEMA: Record<StudyFile, FileSpec> = {
  employees: {
    required: true,
    extraKind: 'detect',
    columns: [
      { name: 'employee_id', kind: 'id', required: true },
      { name: 'hire_date', kind: 'date', required: true },
      { name: 'role', kind: 'text', required: true },
      { name: 'department', kind: 'text', required: false },
      { name: 'region', kind: 'text', required: false },
      { name: 'level', kind: 'number', required: false },
      { name: 'termination_date', kind: 'date', required: false },
    ],
  },
  courses: {
    required: false,
    extraKind: 'detect',
    columns: [
      { name: 'course_id', kind: 'id', required: true },
      { name: 'title', kind: 'text', required: false },
      { name: 'cost_per_learner', kind: 'number', required: false },
      { name: 'hours', kind: 'number', required: false },
    ],
  },
  training: {
    required: true,
    extraKind: 'detect',
    columns: [
      { name: 'employee_id', kind: 'id', required: true },
      { name: 'course_id', kind: 'id', required: true },
      { name: 'completed_on', kind: 'date', required: true },
      { name: 'status', kind: 'status', required: false },
      { name: 'score', kind: 'number', required: false },
    ],
  },
  outcomes: {
    required: true,
    extraKind: 'number',
    columns: [
      { name: 'employee_id', kind: 'id', required: true },
      { name: 'period', kind: 'month', required: true },
    ],
  },
  context: {
    required: false,
    extraKind: 'number',
    columns: [
      { name: 'period', kind: 'month', required: true },
      { name: 'region', kind: 'text', required: false },
    ],
  },
};

/**
 * Training statuses the contract allows; only `completed` is treatment.
 *
 * @example
 * TRAINING_STATUSES.includes('dropped'); // => true
 */
export const TRAINING_STATUSES = ['completed', 'dropped', 'in_progress'] as const;

/** A problem found in a study folder. `row` is the line a text editor shows: header = 1, first data row = 2. */
export interface Problem {
  severity: 'error' | 'warning';
  file: string;
  row: number | null;
  column: string | null;
  message: string;
  /** For a line that stands for several rows of one kind ("N more rows: …"), how many. */
  rows?: number;
}

/**
 * Column names are matched case-insensitively after trimming (CONTRACT §1).
 *
 * @example
 * normaliseColumnName(' Employee_ID '); // => 'employee_id'
 */
export function normaliseColumnName(name: string): string {
  return name.trim().toLowerCase();
}

/**
 * The normal form of an employee or course id: trimmed and upper-cased.
 * LMS and CRM exports disagree on case (`e0012` vs `E0012`) and pad cells
 * with spaces; ids that differ only in those ways name the same person, so
 * every join in TrainLift compares normal forms.
 *
 * @example
 * normaliseId('  e0012 '); // => 'E0012'
 */
export function normaliseId(id: string): string {
  return id.trim().toUpperCase();
}

const DAY_MS = 86400000;

/**
 * Days since 1970-01-01 of a strict ISO date `YYYY-MM-DD`, or NaN when the
 * text is not one (wrong shape, or a day the calendar does not have).
 *
 * @example
 * parseIsoDay('2024-03-15'); // => 19797
 * parseIsoDay('03/15/2024'); // => NaN
 */
export function parseIsoDay(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!m) return NaN;
  return calendarDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

/**
 * Days since 1970-01-01 of a calendar date, NaN when it does not exist (e.g. Feb 30).
 *
 * @example
 * calendarDay(2024, 3, 15); // => 19797
 * calendarDay(2023, 2, 29); // => NaN
 */
export function calendarDay(year: number, month: number, day: number): number {
  if (month < 1 || month > 12 || day < 1 || day > 31) return NaN;
  const ms = Date.UTC(year, month - 1, day);
  const d = new Date(ms);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return NaN;
  return ms / DAY_MS;
}

/**
 * The ISO text of a day number.
 *
 * @example
 * formatDay(19797); // => '2024-03-15'
 */
export function formatDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Months since 1970-01 of a period `YYYY-MM`, or NaN when the text is not one.
 *
 * @example
 * parseMonth('2024-03'); // => 650
 */
export function parseMonth(text: string): number {
  const m = /^(\d{4})-(\d{2})$/.exec(text.trim());
  if (!m) return NaN;
  const month = Number(m[2]);
  if (month < 1 || month > 12) return NaN;
  return Number(m[1]) * 12 + month - 1 - 1970 * 12;
}

/**
 * The `YYYY-MM` label of a month number (months since 1970-01).
 *
 * @example
 * formatMonth(650); // => '2024-03'
 */
export function formatMonth(month: number): string {
  const y = Math.floor(month / 12) + 1970;
  const m = month - (y - 1970) * 12 + 1;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}`;
}

/**
 * The month number (months since 1970-01) that a day number falls in.
 *
 * @example
 * monthOfDay(parseIsoDay('2024-03-15')); // => 650
 */
export function monthOfDay(day: number): number {
  // Civil-from-days (H. Hinnant's algorithm): no Date object in loops over millions of rows.
  const z = Math.floor(day) + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return (year - 1970) * 12 + month - 1;
}

/**
 * Metrics that may be negative: their name says they are a change, a
 * difference, a margin or a balance. Every other metric is a count, an amount
 * or a rate, and a negative value is an error. A rate (name containing
 * `rate`, `ratio`, `share` or `pct`) must also lie in [0, 1] unless named
 * `pct`/`percent`, which lie in [0, 100].
 *
 * @example
 * metricMayBeNegative('revenue'); // => false
 * metricMayBeNegative('margin_change'); // => true
 */
export function metricMayBeNegative(name: string): boolean {
  return /(change|delta|diff|margin|balance|net|growth|profit|variance|score_gap|_z$|^z_)/.test(name);
}

/**
 * Upper bound a metric's name implies: rates lie in [0, 1], percentages in [0, 100], others are unbounded.
 *
 * @example
 * metricUpperBound('close_rate'); // => 1
 * metricUpperBound('revenue'); // => Infinity
 */
export function metricUpperBound(name: string): number {
  if (metricMayBeNegative(name)) return Infinity;
  if (/(pct|percent)/.test(name)) return 100;
  if (/(rate|ratio|share)/.test(name)) return 1;
  return Infinity;
}
