import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { DataError } from '../core/errors';
import { normaliseColumnName, STUDY_FILES, STUDY_SCHEMA, type ColumnKind, type Problem, type StudyFile } from './schema';

/**
 * A text column, dictionary-encoded: `levels` holds each distinct raw text
 * once (exactly as in the file, spaces and case included) and `codes[i]` the
 * level of row i, or -1 when the cell is empty. Cleaning and id matching work
 * on the few levels rather than on millions of cells.
 */
export interface TextColumn {
  kind: 'text';
  codes: Int32Array;
  levels: string[];
}

/**
 * A numeric column: `values[i]` is NaN when the cell is empty or not a
 * number; `invalid` lists (up to 50) cells that had text but no number, with
 * their file line, and `invalidCount` counts them all.
 */
export interface NumberColumn {
  kind: 'number';
  values: Float64Array;
  invalid: { row: number; text: string }[];
  invalidCount: number;
}

/** A loaded column. */
export type RawColumn = TextColumn | NumberColumn;

/** One loaded file. Column keys are normalised names (trimmed, lower case); `header` keeps the file's spelling. */
export interface RawTable {
  name: StudyFile;
  /** Path of the file the table came from. */
  file: string;
  nRows: number;
  header: string[];
  columns: Record<string, RawColumn>;
  /** File line of each row (header = 1), kept through cleaning so problems still point at the file. */
  line: Int32Array;
}

/** A study folder as loaded, before validation and cleaning. */
export interface RawStudy {
  dir: string;
  tables: Partial<Record<StudyFile, RawTable>>;
  /** Problems found while reading (missing or empty file, a header that is not comma-separated). */
  problems: Problem[];
}

const MAX_INVALID = 50;
const NUMERIC_TYPE = /^(DOUBLE|FLOAT|REAL|DECIMAL.*|BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER|USMALLINT|UTINYINT)$/;

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function sqlIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

function firstLine(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(65536);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString('utf8');
    const end = text.search(/\r?\n/);
    return (end < 0 ? text : text.slice(0, end)).replace(/^\uFEFF/, '');
  } finally {
    closeSync(fd);
  }
}

/** The kind a file's column is loaded as: the contract's kind, else numbers for metrics/factors, else detected. */
function declaredKind(name: StudyFile, column: string): ColumnKind | 'detect' {
  const spec = STUDY_SCHEMA[name];
  const c = spec.columns.find((s) => s.name === column);
  if (c) return c.kind;
  return spec.extraKind;
}

/** The flat typed array behind a DuckDB result vector when the binding exposes one of the expected length. */
function vectorItems(vec: unknown, n: number): Int32Array | Float64Array | undefined {
  const items = (vec as { items?: unknown }).items;
  if ((items instanceof Int32Array || items instanceof Float64Array) && items.length === n) return items;
  return undefined;
}

/**
 * Streams a query whose first column is `rowid` (INTEGER) and whose other
 * columns are non-null INTEGER or DOUBLE values into typed arrays at each
 * row's position: joins need not keep file order, and copying whole vectors
 * avoids a call per cell.
 */
async function scatterColumns(conn: DuckDBConnection, sql: string, into: (Float64Array | Int32Array)[]): Promise<void> {
  const reader = await conn.stream(sql);
  for (;;) {
    const chunk = await reader.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const n = chunk.rowCount;
    const rowVec = chunk.getColumnVector(0);
    const rows = vectorItems(rowVec, n);
    for (let j = 0; j < into.length; j++) {
      const target = into[j];
      const valVec = chunk.getColumnVector(j + 1);
      const vals = vectorItems(valVec, n);
      if (rows instanceof Int32Array && vals !== undefined) {
        for (let i = 0; i < n; i++) target[rows[i]] = vals[i];
      } else {
        for (let i = 0; i < n; i++) target[rowVec.getItem(i) as number] = valVec.getItem(i) as number;
      }
    }
  }
}

/** How one column is read: its SQL value expression, an optional join, and where the values land. */
interface ColumnPlan {
  key: string;
  expr: string;
  join?: string;
  target: Float64Array | Int32Array;
  finish: () => Promise<RawColumn>;
}

async function planNumberColumn(conn: DuckDBConnection, table: string, column: string, key: string, nRows: number, typed: boolean): Promise<ColumnPlan> {
  const c = `t.${sqlIdent(column)}`;
  const values = new Float64Array(nRows);
  if (typed) {
    return {
      key,
      expr: `coalesce(${c}::DOUBLE, 'NaN'::DOUBLE)`,
      target: values,
      finish: async () => {
        // DuckDB already parsed every cell as a number; only infinities remain to refuse.
        const invalid: NumberColumn['invalid'] = [];
        let invalidCount = 0;
        for (let i = 0; i < nRows; i++) {
          if (values[i] === Infinity || values[i] === -Infinity) {
            if (invalid.length < MAX_INVALID) invalid.push({ row: i + 2, text: String(values[i]) });
            invalidCount++;
            values[i] = NaN;
          }
        }
        return { kind: 'number', values, invalid, invalidCount };
      },
    };
  }
  const parsed = `TRY_CAST(trim(${c}::VARCHAR) AS DOUBLE)`;
  return {
    key,
    expr: `CASE WHEN isfinite(${parsed}) THEN ${parsed} ELSE 'NaN'::DOUBLE END`,
    target: values,
    finish: async () => {
      const badWhere = `${c} IS NOT NULL AND trim(${c}::VARCHAR) <> '' AND NOT coalesce(isfinite(${parsed}), false)`;
      const count = await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM ${table} t WHERE ${badWhere}`);
      const invalidCount = Number(count.getColumnsJS()[0][0]);
      const invalid: NumberColumn['invalid'] = [];
      if (invalidCount > 0) {
        const bad = await conn.runAndReadAll(`SELECT t.rowid::INTEGER, ${c}::VARCHAR FROM ${table} t WHERE ${badWhere} ORDER BY t.rowid LIMIT ${MAX_INVALID}`);
        const cols = bad.getColumnsJS();
        for (let i = 0; i < cols[0].length; i++) invalid.push({ row: Number(cols[0][i]) + 2, text: String(cols[1][i]) });
      }
      return { kind: 'number', values, invalid, invalidCount };
    },
  };
}

async function planTextColumn(conn: DuckDBConnection, table: string, column: string, key: string, nRows: number, index: number): Promise<ColumnPlan> {
  const c = `t.${sqlIdent(column)}`;
  const dict = `dict_${index}`;
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${dict} AS SELECT v, (row_number() OVER (ORDER BY v) - 1)::INTEGER AS code FROM (SELECT DISTINCT ${c}::VARCHAR AS v FROM ${table} t WHERE ${c} IS NOT NULL)`,
  );
  const lv = await conn.runAndReadAll(`SELECT v FROM ${dict} ORDER BY code`);
  const levels = (lv.getColumnsJS()[0] ?? []).map((v) => String(v));
  const codes = new Int32Array(nRows);
  return {
    key,
    expr: `coalesce(${dict}.code, -1)::INTEGER`,
    join: `LEFT JOIN ${dict} ON ${c}::VARCHAR = ${dict}.v`,
    target: codes,
    finish: async () => {
      await conn.run(`DROP TABLE ${dict}`);
      return { kind: 'text', codes, levels };
    },
  };
}

function hashName(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Whether every non-empty cell of a column parses as a finite number. */
async function allNumeric(conn: DuckDBConnection, table: string, column: string): Promise<boolean> {
  const c = sqlIdent(column);
  const r = await conn.runAndReadAll(
    `SELECT count(*)::INTEGER FROM ${table} WHERE ${c} IS NOT NULL AND trim(${c}::VARCHAR) <> '' AND NOT coalesce(isfinite(TRY_CAST(trim(${c}::VARCHAR) AS DOUBLE)), false)`,
  );
  return Number(r.getColumnsJS()[0][0]) === 0;
}

async function loadTable(
  conn: DuckDBConnection,
  name: StudyFile,
  path: string,
  problems: Problem[],
): Promise<RawTable | undefined> {
  const fileLabel = path;
  const isParquet = path.toLowerCase().endsWith('.parquet');
  if (!isParquet) {
    if (statSync(path).size === 0) {
      problems.push({ severity: 'error', file: fileLabel, row: null, column: null, message: 'the file is empty (no header, no rows)' });
      return undefined;
    }
    const header = firstLine(path);
    if (!header.includes(',') && /[;\t|]/.test(header)) {
      const sep = header.includes(';') ? 'semicolons' : header.includes('\t') ? 'tabs' : 'pipes';
      problems.push({
        severity: 'error',
        file: fileLabel,
        row: 1,
        column: null,
        message: `the header is separated by ${sep}, expected commas: "${header.slice(0, 80)}"`,
      });
      return undefined;
    }
  }
  const table = `raw_${name}`;
  // First try with the contract's number columns read as DOUBLE and all else as text (fast, no
  // per-cell casts in SQL); a cell that is not a number makes DuckDB refuse, and then every
  // column is read as text so that validation can point at the bad cells.
  const csv = (extra: string) =>
    `read_csv(${sqlString(path)}, header = true, delim = ',', quote = '"', escape = '"', nullstr = ['', 'NA'], null_padding = true, ${extra})`;
  let typedNumbers = false;
  try {
    if (isParquet) {
      await conn.run(`CREATE OR REPLACE TABLE ${table} AS SELECT * FROM read_parquet(${sqlString(path)})`);
      typedNumbers = true;
    } else {
      const names = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${csv('all_varchar = true')}`);
      const header = (names.getRowObjectsJS() as { column_name: string }[]).map((d) => d.column_name);
      const types = header.map((h) => `${sqlString(h)}: '${declaredKind(name, normaliseColumnName(h)) === 'number' ? 'DOUBLE' : 'VARCHAR'}'`).join(', ');
      try {
        await conn.run(`CREATE OR REPLACE TABLE ${table} AS SELECT * FROM ${csv(`types = {${types}}, auto_detect = true`)}`);
        typedNumbers = true;
      } catch {
        await conn.run(`CREATE OR REPLACE TABLE ${table} AS SELECT * FROM ${csv('all_varchar = true')}`);
      }
    }
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    problems.push({ severity: 'error', file: fileLabel, row: null, column: null, message: `could not be read as a comma-separated table: ${why}` });
    return undefined;
  }
  const desc = (await conn.runAndReadAll(`DESCRIBE ${table}`)).getRowObjectsJS() as { column_name: string; column_type: string }[];
  const typeOf = new Map(desc.map((d) => [d.column_name, d.column_type]));
  const header = desc.map((d) => d.column_name);
  const nRows = Number((await conn.runAndReadAll(`SELECT count(*)::INTEGER FROM ${table}`)).getColumnsJS()[0][0]);
  if (nRows === 0) {
    problems.push({ severity: 'error', file: fileLabel, row: null, column: null, message: 'the file has a header but no rows' });
  }
  const columns: Record<string, RawColumn> = {};
  const plans: ColumnPlan[] = [];
  const seen = new Map<string, string>();
  for (const raw of header) {
    const key = normaliseColumnName(raw);
    if (seen.has(key)) {
      problems.push({
        severity: 'error',
        file: fileLabel,
        row: 1,
        column: raw,
        message: `column "${raw}" repeats "${seen.get(key)}" (names are compared ignoring case and spaces); the second is ignored`,
      });
      continue;
    }
    seen.set(key, raw);
    let kind = declaredKind(name, key);
    if (kind === 'detect') kind = (await allNumeric(conn, table, raw)) ? 'number' : 'text';
    const isDouble = typedNumbers && NUMERIC_TYPE.test(typeOf.get(raw) ?? '');
    plans.push(kind === 'number' ? await planNumberColumn(conn, table, raw, key, nRows, isDouble) : await planTextColumn(conn, table, raw, key, nRows, plans.length));
  }
  // One scan of the table for every column: the joins run together and the result streams once.
  if (plans.length > 0 && nRows > 0) {
    const sql = `SELECT t.rowid::INTEGER, ${plans.map((p) => p.expr).join(', ')} FROM ${table} t ${plans.map((p) => p.join ?? '').join(' ')}`;
    await scatterColumns(conn, sql, plans.map((p) => p.target));
  }
  for (const p of plans) columns[p.key] = await p.finish();
  const line = new Int32Array(nRows);
  for (let i = 0; i < nRows; i++) line[i] = i + 2;
  await conn.run(`DROP TABLE ${table}`);
  return { name, file: fileLabel, nRows, header, columns, line };
}

/**
 * Loads a study folder (CONTRACT §1): `employees`, `courses`, `training`,
 * `outcomes` and `context`, each as `.csv` or `.parquet`. Every cell is read
 * as text through DuckDB (in memory unless `database` names a file) and
 * handed out as typed columns: ids, text, dates and months dictionary-encoded
 * (so ids can be normalised and dates parsed once per distinct value),
 * metrics and factors as `Float64Array`. Nothing is judged here beyond what
 * stops reading (a missing or empty file, a header that is not
 * comma-separated); `validateStudy` judges the rest.
 *
 * @example
 * const raw = await loadStudy('data/sample');
 * raw.tables.outcomes?.nRows; // => 50,000-odd employee-months
 * validateStudy(raw).filter((p) => p.severity === 'error'); // => []
 */
export async function loadStudy(dir: string, opts: { database?: string } = {}): Promise<RawStudy> {
  if (typeof dir !== 'string' || dir.length === 0) throw new TypeError('loadStudy: `dir` must be a folder path');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new DataError(`loadStudy: ${dir}: no such folder`, { file: dir });
  const instance = await DuckDBInstance.create(opts.database ?? ':memory:');
  const conn = await instance.connect();
  const problems: Problem[] = [];
  const tables: RawStudy['tables'] = {};
  try {
    for (const name of STUDY_FILES) {
      const csv = join(dir, `${name}.csv`);
      const parquet = join(dir, `${name}.parquet`);
      const path = existsSync(csv) ? csv : existsSync(parquet) ? parquet : undefined;
      if (path === undefined) {
        if (STUDY_SCHEMA[name].required) {
          problems.push({ severity: 'error', file: csv, row: null, column: null, message: `required file ${name}.csv (or ${name}.parquet) is missing` });
        }
        continue;
      }
      const t = await loadTable(conn, name, path, problems);
      if (t) tables[name] = t;
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return { dir, tables, problems };
}

/**
 * The text of row i of a text column (null when empty).
 *
 * @example
 * textAt(raw.tables.employees!.columns.role as TextColumn, 0); // => 'AE'
 */
export function textAt(col: TextColumn, i: number): string | null {
  const c = col.codes[i];
  return c < 0 ? null : col.levels[c];
}
