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

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function sqlIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/**
 * The fields of one CSV line (RFC 4180 quoting: `"a, b"` is one field, `""` a quote).
 *
 * @example
 * splitCsvLine('id,"title, long",cost'); // => ['id', 'title, long', 'cost']
 */
export function splitCsvLine(text: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

/** The header line, and the number of rows the file probably has (from the first 64 KB), to size arrays once. */
function peekFile(path: string): { header: string; rowsGuess: number } {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(65536);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString('utf8');
    const end = text.search(/\r?\n/);
    let lines = 0;
    for (let i = 0; i < n; i++) if (buf[i] === 10) lines++;
    const size = statSync(path).size;
    const rowsGuess = lines > 1 ? Math.ceil((size / n) * lines * 1.05) : 1024;
    return { header: (end < 0 ? text : text.slice(0, end)).replace(/^\uFEFF/, ''), rowsGuess };
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

/** The flat typed array behind a DuckDB result vector when the binding exposes one of the expected kind and length. */
function vectorItems<A extends Float64Array | Int32Array>(vec: unknown, n: number, kind: { new (n: number): A }): A | undefined {
  const items = (vec as { items?: unknown }).items;
  if (items instanceof kind && items.length === n) return items;
  return undefined;
}

/** A strict decimal number, as a CSV cell may hold one (no hex, no empty string read as 0). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** How one column is read: its scratch column in DuckDB and what it becomes. */
type ColumnReader =
  | { key: string; kind: 'number'; at: string; checked: boolean }
  | { key: string; kind: 'text' | 'detect'; at: string; type: string; levels: string[] };

/** All rows of a small query, first column only (levels, counts): one chunk at a time, no per-row objects. */
async function firstColumn(conn: DuckDBConnection, sql: string): Promise<unknown[]> {
  const reader = await conn.stream(sql);
  const out: unknown[] = [];
  for (;;) {
    const chunk = await reader.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const vec = chunk.getColumnVector(0);
    for (let i = 0; i < chunk.rowCount; i++) out.push(vec.getItem(i));
  }
  return out;
}

/**
 * JavaScript's order of the levels DuckDB sorted (by UTF-8 bytes, which
 * differs from JS's UTF-16 order only around characters beyond U+FFFF): the
 * new position of each DuckDB level, or undefined when the orders agree (the
 * usual case, checked in one pass).
 */
function jsOrder(levels: string[]): { levels: string[]; rank: Int32Array } | undefined {
  let sorted = true;
  for (let j = 1; j < levels.length && sorted; j++) sorted = levels[j - 1] < levels[j];
  if (sorted) return undefined;
  const order = levels.map((_, j) => j).sort((a, b) => (levels[a] < levels[b] ? -1 : levels[a] > levels[b] ? 1 : 0));
  const rank = new Int32Array(order.length);
  order.forEach((j, r) => (rank[j] = r));
  return { levels: order.map((j) => levels[j]), rank };
}

/**
 * Dictionary-encodes a scratch text column inside DuckDB: its distinct
 * values become an ENUM type (sorted), so the scan hands over integer codes
 * and each distinct text crosses into JavaScript once, instead of every cell
 * being decoded from UTF-8 and looked up in a Map (millions of cells, a
 * hundred thousand ids).
 */
async function encodeLevels(conn: DuckDBConnection, table: string, r: Extract<ColumnReader, { kind: 'text' | 'detect' }>): Promise<void> {
  await conn.run(`DROP TYPE IF EXISTS ${r.type}; CREATE TYPE ${r.type} AS ENUM (SELECT DISTINCT ${r.at} FROM ${table} WHERE ${r.at} IS NOT NULL ORDER BY ${r.at})`);
  r.levels = (await firstColumn(conn, `SELECT unnest(enum_range(NULL::${r.type}))`)) as string[];
}

/** A number column read as text, parsed: its finite value, NaN for anything else (SQL for the scan). */
function parsedNumberSql(col: string): string {
  const parsed = `TRY_CAST(trim(${col}) AS DOUBLE)`;
  return `CASE WHEN isfinite(${parsed}) THEN ${parsed} ELSE 'NaN'::DOUBLE END`;
}

/** Whether a number column's cell read as text holds something other than a blank or a finite number (SQL). */
function badNumberSql(col: string): string {
  return `${col} IS NOT NULL AND trim(${col}) <> '' AND NOT coalesce(isfinite(TRY_CAST(trim(${col}) AS DOUBLE)), false)`;
}

/**
 * The column types DuckDB reads a file with: DOUBLE for the kept number columns (unless they are read as
 * text to find their bad cells), VARCHAR for everything else.
 */
function columnTypesSql(name: StudyFile, header: string[], kept: Set<string>, numbersAsText: boolean): string {
  return header
    .map((raw) => {
      const asNumber = kept.has(raw) && declaredKind(name, normaliseColumnName(raw)) === 'number' && !numbersAsText;
      return `${sqlString(raw)}: '${asNumber ? 'DOUBLE' : 'VARCHAR'}'`;
    })
    .join(', ');
}

/**
 * The first (up to MAX_INVALID) cells of a number column read as text that
 * hold something other than a finite number, by row, and how many there are:
 * asked of DuckDB, so that a clean column costs no pass in JavaScript.
 */
async function invalidCells(conn: DuckDBConnection, table: string, at: string): Promise<{ invalid: NumberColumn['invalid']; invalidCount: number }> {
  const bad = badNumberSql(at);
  const [count] = (await firstColumn(conn, `SELECT count(*)::INTEGER FROM ${table} WHERE ${bad}`)) as number[];
  if (count === 0) return { invalid: [], invalidCount: 0 };
  const reader = await conn.stream(`SELECT rowid::INTEGER, ${at} FROM ${table} WHERE ${bad} ORDER BY rowid LIMIT ${MAX_INVALID}`);
  const invalid: NumberColumn['invalid'] = [];
  for (;;) {
    const chunk = await reader.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const rows = chunk.getColumnVector(0);
    const texts = chunk.getColumnVector(1);
    for (let i = 0; i < chunk.rowCount; i++) invalid.push({ row: rows.getItem(i) as number, text: texts.getItem(i) as string });
  }
  return { invalid, invalidCount: count };
}

/** Infinities DuckDB parsed from a DOUBLE column: refused like text, set to NaN. */
function refuseInfinities(values: Float64Array): { invalid: NumberColumn['invalid']; invalidCount: number } {
  const invalid: NumberColumn['invalid'] = [];
  let invalidCount = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === Infinity || v === -Infinity) {
      if (invalid.length < MAX_INVALID) invalid.push({ row: i, text: String(v) });
      invalidCount++;
      values[i] = NaN;
    }
  }
  return { invalid, invalidCount };
}

/** Builds a dictionary-encoded column as values stream in: codes in first-seen order, sorted at the end. */
class TextBuilder {
  private readonly index = new Map<string, number>();
  private readonly seen: string[] = [];
  // The previous cell and its code: exports list an employee's rows together, and comparing with the
  // previous text is cheaper than hashing a freshly decoded string for the Map.
  private last: string | null = null;
  private lastCode = -1;
  codes: Int32Array;
  constructor(capacity: number) {
    this.codes = new Int32Array(capacity);
  }
  set(i: number, v: string | null): void {
    if (i >= this.codes.length) this.codes = grow(this.codes, i);
    if (v === null) {
      this.codes[i] = -1;
      return;
    }
    if (v === this.last) {
      this.codes[i] = this.lastCode;
      return;
    }
    let c = this.index.get(v);
    if (c === undefined) {
      c = this.seen.length;
      this.index.set(v, c);
      this.seen.push(v);
    }
    this.last = v;
    this.lastCode = c;
    this.codes[i] = c;
  }
  finish(n: number): TextColumn {
    const order = this.seen.map((_, j) => j).sort((a, b) => (this.seen[a] < this.seen[b] ? -1 : this.seen[a] > this.seen[b] ? 1 : 0));
    const rank = new Int32Array(order.length);
    order.forEach((j, r) => (rank[j] = r));
    const codes = this.codes.length === n ? this.codes : this.codes.slice(0, n);
    for (let i = 0; i < n; i++) if (codes[i] >= 0) codes[i] = rank[codes[i]];
    return { kind: 'text', codes, levels: order.map((j) => this.seen[j]) };
  }
}

function grow<A extends Int32Array | Float64Array>(a: A, need: number): A {
  let size = Math.max(1024, a.length * 2);
  while (size <= need) size *= 2;
  const b = new (a.constructor as { new (n: number): A })(size);
  b.set(a);
  return b;
}

/** How one column is read cell by cell: the SQL expressions it needs and what it builds from them. */
type CellReader =
  | { key: string; kind: 'text'; builder: TextBuilder }
  | { key: string; kind: 'number'; values: Float64Array; invalid: NumberColumn['invalid']; invalidCount: number; checked: boolean }
  | { key: string; kind: 'detect'; builder: TextBuilder };

/**
 * Reads every column of a small file in one streamed scan. Numbers come as
 * DOUBLE vectors copied whole; text through a JS dictionary. With
 * `numbersAsText` the number columns are parsed by TRY_CAST and the text of
 * cells that fail is kept, so validation can point at them.
 */
async function streamCells(
  conn: DuckDBConnection,
  name: StudyFile,
  source: (columnTypes: string) => string,
  header: string[],
  kept: Set<string>,
  numbersAsText: boolean,
  estimate: number,
): Promise<{ nRows: number; columns: Record<string, RawColumn> }> {
  const readers: CellReader[] = [];
  const exprs: string[] = [];
  for (const raw of header) {
    const key = normaliseColumnName(raw);
    const q = sqlIdent(raw);
    const kind = declaredKind(name, key);
    if (!kept.has(raw)) continue;
    if (kind === 'number') {
      if (numbersAsText) {
        exprs.push(parsedNumberSql(q));
        exprs.push(`CASE WHEN ${badNumberSql(q)} THEN ${q} END`);
      } else {
        exprs.push(`coalesce(${q}::DOUBLE, 'NaN'::DOUBLE)`);
      }
      readers.push({ key, kind: 'number', values: new Float64Array(estimate), invalid: [], invalidCount: 0, checked: numbersAsText });
    } else {
      exprs.push(`${q}::VARCHAR`);
      readers.push({ key, kind: kind === 'detect' ? 'detect' : 'text', builder: new TextBuilder(estimate) });
    }
  }
  const reader = await conn.stream(`SELECT ${exprs.join(', ')} FROM ${source(columnTypesSql(name, header, kept, numbersAsText))}`);
  let at = 0;
  for (;;) {
    const chunk = await reader.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const n = chunk.rowCount;
    let col = 0;
    for (const r of readers) {
      if (r.kind === 'number') {
        if (at + n > r.values.length) r.values = grow(r.values, at + n);
        const vec = chunk.getColumnVector(col++);
        const items = vectorItems(vec, n, Float64Array);
        if (items) r.values.set(items, at);
        else for (let i = 0; i < n; i++) r.values[at + i] = vec.getItem(i) as number;
        if (r.checked) {
          const bad = chunk.getColumnVector(col++);
          for (let i = 0; i < n; i++) {
            const text = bad.getItem(i) as string | null;
            if (text === null) continue;
            if (r.invalid.length < MAX_INVALID) r.invalid.push({ row: at + i, text });
            r.invalidCount++;
          }
        } else {
          // DuckDB parsed every cell; only infinities remain to refuse.
          for (let i = at; i < at + n; i++) {
            const v = r.values[i];
            if (v === Infinity || v === -Infinity) {
              if (r.invalid.length < MAX_INVALID) r.invalid.push({ row: i, text: String(v) });
              r.invalidCount++;
              r.values[i] = NaN;
            }
          }
        }
      } else {
        const vec = chunk.getColumnVector(col++);
        for (let i = 0; i < n; i++) r.builder.set(at + i, vec.getItem(i) as string | null);
      }
    }
    at += n;
  }
  const columns: Record<string, RawColumn> = {};
  for (const r of readers) {
    if (r.kind === 'number') {
      columns[r.key] = { kind: 'number', values: r.values.length === at ? r.values : r.values.slice(0, at), invalid: r.invalid, invalidCount: r.invalidCount };
    } else {
      const text = r.builder.finish(at);
      columns[r.key] = r.kind === 'detect' ? detectNumbers(text) : text;
    }
  }
  return { nRows: at, columns };
}

/**
 * Files of at least this many rows (estimated from the first 64 KB) are
 * dictionary-encoded inside DuckDB; smaller ones are decoded cell by cell,
 * which costs less than the scratch table and the ENUM types. Measured on
 * 100,000 employees × 36 months: outcomes (3 million rows) and training
 * (420,000) cost no more CPU encoded in DuckDB and leave the main thread free;
 * employees (100,000 rows, every id distinct) gains nothing.
 */
const ENCODE_IN_DUCKDB_ROWS = 250_000;

/**
 * Reads every column of a file, in the way its size makes cheaper (see
 * ENCODE_IN_DUCKDB_ROWS); both give the same columns.
 */
async function streamTable(
  conn: DuckDBConnection,
  name: StudyFile,
  source: (columnTypes: string) => string,
  header: string[],
  kept: Set<string>,
  numbersAsText: boolean,
  rowsGuess: number,
  encodeFrom: number,
): Promise<{ nRows: number; columns: Record<string, RawColumn> }> {
  return rowsGuess >= encodeFrom
    ? streamEncoded(conn, name, source, header, kept, numbersAsText)
    : streamCells(conn, name, source, header, kept, numbersAsText, rowsGuess);
}

/**
 * Reads every column of a file: DuckDB loads the file once into a scratch
 * table, dictionary-encodes the text columns there (`encodeLevels`), and one
 * scan hands over numbers as DOUBLE vectors and text as INTEGER codes, both
 * copied whole. With `numbersAsText` the number columns are loaded as text
 * and parsed by TRY_CAST, and the cells that fail are looked up by row, so
 * validation can point at them.
 */
async function streamEncoded(
  conn: DuckDBConnection,
  name: StudyFile,
  source: (columnTypes: string) => string,
  header: string[],
  kept: Set<string>,
  numbersAsText: boolean,
): Promise<{ nRows: number; columns: Record<string, RawColumn> }> {
  const table = `trainlift_${name}`;
  const readers: ColumnReader[] = [];
  const loads: string[] = [];
  for (const raw of header) {
    if (!kept.has(raw)) continue;
    const key = normaliseColumnName(raw);
    const kind = declaredKind(name, key);
    const asNumber = kind === 'number';
    // Scratch columns by position: DuckDB compares names ignoring case, the header need not.
    const at = `c${readers.length}`;
    // Text as VARCHAR whatever the file's type (a Parquet date, say), numbers as read.
    loads.push(`${sqlIdent(raw)}${asNumber ? '' : '::VARCHAR'} AS ${at}`);
    if (asNumber) readers.push({ key, kind: 'number', at, checked: numbersAsText });
    else readers.push({ key, kind: kind === 'detect' ? 'detect' : 'text', at, type: `${table}_${at}`, levels: [] });
  }
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${table} AS SELECT ${loads.join(', ')} FROM ${source(columnTypesSql(name, header, kept, numbersAsText))}`);
  try {
    return await scanTable(conn, table, readers);
  } finally {
    const drops = readers.flatMap((r) => (r.kind === 'number' ? [] : [`DROP TYPE IF EXISTS ${r.type};`]));
    await conn.run(`DROP TABLE IF EXISTS ${table}; ${drops.join(' ')}`);
  }
}

/** The columns of a scratch table: levels encoded, then one scan copying whole vectors into typed arrays. */
async function scanTable(conn: DuckDBConnection, table: string, readers: ColumnReader[]): Promise<{ nRows: number; columns: Record<string, RawColumn> }> {
  const [nRows] = (await firstColumn(conn, `SELECT count(*)::INTEGER FROM ${table}`)) as number[];
  const exprs: string[] = [];
  for (const r of readers) {
    if (r.kind === 'number') {
      exprs.push(r.checked ? parsedNumberSql(r.at) : `coalesce(${r.at}::DOUBLE, 'NaN'::DOUBLE)`);
    } else {
      await encodeLevels(conn, table, r);
      exprs.push(`coalesce(enum_code(${r.at}::${r.type})::INTEGER, -1)`);
    }
  }
  const arrays = readers.map((r) => (r.kind === 'number' ? new Float64Array(nRows) : new Int32Array(nRows)));
  const reader = await conn.stream(`SELECT ${exprs.join(', ')} FROM ${table}`);
  let at = 0;
  for (;;) {
    const chunk = await reader.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const n = chunk.rowCount;
    arrays.forEach((dst, col) => copyVector(chunk.getColumnVector(col), n, dst, at));
    at += n;
  }
  const columns: Record<string, RawColumn> = {};
  for (let j = 0; j < readers.length; j++) {
    const r = readers[j];
    if (r.kind === 'number') {
      const values = arrays[j] as Float64Array;
      const bad = r.checked ? await invalidCells(conn, table, r.at) : refuseInfinities(values);
      columns[r.key] = { kind: 'number', values, ...bad };
    } else {
      const text = textColumn(arrays[j] as Int32Array, r.levels);
      columns[r.key] = r.kind === 'detect' ? detectNumbers(text) : text;
    }
  }
  return { nRows: at, columns };
}

/** Copies a result vector into `dst` at `at`: the whole typed array when the binding exposes it, else item by item. */
function copyVector(vec: { getItem(i: number): unknown }, n: number, dst: Float64Array | Int32Array, at: number): void {
  const items = dst instanceof Float64Array ? vectorItems(vec, n, Float64Array) : vectorItems(vec, n, Int32Array);
  if (items) dst.set(items, at);
  else for (let i = 0; i < n; i++) dst[at + i] = vec.getItem(i) as number;
}

/** A text column from DuckDB's codes and levels, levels put in JavaScript's sort order when DuckDB's differs. */
function textColumn(codes: Int32Array, levels: string[]): TextColumn {
  const reorder = jsOrder(levels);
  if (!reorder) return { kind: 'text', codes, levels };
  for (let i = 0; i < codes.length; i++) if (codes[i] >= 0) codes[i] = reorder.rank[codes[i]];
  return { kind: 'text', codes, levels: reorder.levels };
}

/** An extra column is numeric when every non-empty cell is a decimal number; otherwise it stays text. */
function detectNumbers(col: TextColumn): RawColumn {
  const parsed = new Float64Array(col.levels.length);
  for (let j = 0; j < col.levels.length; j++) {
    const t = col.levels[j].trim();
    if (t === '') parsed[j] = NaN;
    else if (DECIMAL.test(t)) parsed[j] = Number(t);
    else return col;
  }
  const values = new Float64Array(col.codes.length);
  for (let i = 0; i < values.length; i++) values[i] = col.codes[i] < 0 ? NaN : parsed[col.codes[i]];
  return { kind: 'number', values, invalid: [], invalidCount: 0 };
}

async function loadTable(
  conn: DuckDBConnection,
  name: StudyFile,
  path: string,
  problems: Problem[],
  encodeFrom: number,
): Promise<RawTable | undefined> {
  const fileLabel = path;
  const isParquet = path.toLowerCase().endsWith('.parquet');
  let rowsGuess = 1024;
  let headerLine = '';
  if (!isParquet) {
    if (statSync(path).size === 0) {
      problems.push({ severity: 'error', file: fileLabel, row: null, column: null, message: 'the file is empty (no header, no rows)' });
      return undefined;
    }
    const peek = peekFile(path);
    const first = peek.header;
    headerLine = first;
    rowsGuess = peek.rowsGuess;
    if (!first.includes(',') && /[;\t|]/.test(first)) {
      const sep = first.includes(';') ? 'semicolons' : first.includes('\t') ? 'tabs' : 'pipes';
      problems.push({
        severity: 'error',
        file: fileLabel,
        row: 1,
        column: null,
        message: `the header is separated by ${sep}, expected commas: "${first.slice(0, 80)}"`,
      });
      return undefined;
    }
  }
  const csvOptions = `header = true, delim = ',', quote = '"', escape = '"', nullstr = ['', 'NA']`;
  // Column types are given, not guessed: ids like 007 stay text, and no sample decides a type.
  let rejects = '';
  const source = (columnTypes: string) =>
    isParquet
      ? `read_parquet(${sqlString(path)})`
      : `read_csv(${sqlString(path)}, ${csvOptions}, auto_detect = false, columns = {${columnTypes}}${rejects})`;
  let header: string[];
  if (isParquet) {
    try {
      const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(path)})`);
      header = (described.getRowObjectsJS() as { column_name: string }[]).map((d) => d.column_name);
    } catch (e) {
      problems.push({ severity: 'error', file: fileLabel, row: null, column: null, message: `could not be read as Parquet: ${(e as Error).message.split('\n')[0]}` });
      return undefined;
    }
  } else {
    header = splitCsvLine(headerLine);
    const exact = header.find((h, j) => header.indexOf(h) !== j);
    if (exact !== undefined) {
      problems.push({ severity: 'error', file: fileLabel, row: 1, column: exact, message: `the header names column "${exact}" twice` });
      return undefined;
    }
  }
  const seen = new Map<string, string>();
  const kept = new Set<string>();
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
    kept.add(raw);
  }
  // Numbers as DOUBLE first (fast). A cell that is not a number makes DuckDB refuse: read again
  // with numbers as text so that every bad cell can be named. A row with too many or too few
  // fields makes it refuse again: read once more setting such rows aside, each reported by line.
  let read: { nRows: number; columns: Record<string, RawColumn> } | undefined;
  let rejectedLines: number[] = [];
  let lastError = '';
  for (const attempt of ['typed', 'text', 'rejects'] as const) {
    if (attempt === 'rejects') {
      if (isParquet) break;
      rejects = `, ignore_errors = true, store_rejects = true, rejects_table = 'rejects_${name}', rejects_scan = 'rejects_scan_${name}'`;
    }
    try {
      read = await streamTable(conn, name, source, header, kept, attempt !== 'typed', rowsGuess, encodeFrom);
    } catch (e) {
      lastError = (e as Error).message.split('\n')[0];
      continue;
    }
    if (attempt === 'rejects') {
      const rej = await conn.runAndReadAll(`SELECT line::INTEGER AS line, first(error_message) AS message FROM rejects_${name} GROUP BY line ORDER BY line`);
      for (const r of rej.getRowObjectsJS() as { line: number; message: string }[]) {
        rejectedLines.push(r.line);
        problems.push({ severity: 'error', file: fileLabel, row: r.line, column: null, message: `row skipped, it does not fit the header: ${r.message}` });
      }
      await conn.run(`DROP TABLE IF EXISTS rejects_${name}; DROP TABLE IF EXISTS rejects_scan_${name}`);
    }
    break;
  }
  if (!read) {
    problems.push({ severity: 'error', file: fileLabel, row: null, column: null, message: `could not be read as a comma-separated table: ${lastError}` });
    return undefined;
  }
  if (read.nRows === 0) {
    problems.push({ severity: 'error', file: fileLabel, row: null, column: null, message: 'the file has a header but no rows' });
  }
  // File line of each kept row: data starts on line 2, and set-aside lines are skipped.
  rejectedLines = [...new Set(rejectedLines)].sort((a, b) => a - b);
  const line = new Int32Array(read.nRows);
  for (let i = 0, r = 0; i < read.nRows; i++) {
    let at = i + 2 + r;
    while (r < rejectedLines.length && rejectedLines[r] <= at) {
      r++;
      at = i + 2 + r;
    }
    line[i] = at;
  }
  for (const col of Object.values(read.columns)) if (col.kind === 'number') for (const bad of col.invalid) bad.row = line[bad.row];
  return { name, file: fileLabel, nRows: read.nRows, header, columns: read.columns, line };
}

/** One study file, `.csv` or `.parquet`, on a connection of its own; a missing required file is a problem. */
async function loadFile(instance: DuckDBInstance, dir: string, name: StudyFile, encodeFrom: number): Promise<{ table?: RawTable; problems: Problem[] }> {
  const problems: Problem[] = [];
  const csv = join(dir, `${name}.csv`);
  const parquet = join(dir, `${name}.parquet`);
  const path = existsSync(csv) ? csv : existsSync(parquet) ? parquet : undefined;
  if (path === undefined) {
    if (STUDY_SCHEMA[name].required) {
      problems.push({ severity: 'error', file: csv, row: null, column: null, message: `required file ${name}.csv (or ${name}.parquet) is missing` });
    }
    return { problems };
  }
  const conn = await instance.connect();
  try {
    return { table: await loadTable(conn, name, path, problems, encodeFrom), problems };
  } finally {
    conn.closeSync();
  }
}

/**
 * Loads a study folder (CONTRACT §1): `employees`, `courses`, `training`,
 * `outcomes` and `context`, each as `.csv` or `.parquet`. Every cell is read
 * as text through DuckDB (in memory unless `database` names a file) and
 * handed out as typed columns: ids, text, dates and months dictionary-encoded
 * (so ids can be normalised and dates parsed once per distinct value),
 * metrics and factors as `Float64Array`. Nothing is judged here beyond what
 * stops reading (a missing or empty file, a header that is not
 * comma-separated); `validateStudy` judges the rest. Large files are
 * dictionary-encoded inside DuckDB, from `encodeInDuckDbFromRows` rows
 * (default 250,000; the columns are the same either way, only the cost
 * differs).
 *
 * @example
 * const raw = await loadStudy('data/sample');
 * raw.tables.outcomes?.nRows; // => 50,000-odd employee-months
 * validateStudy(raw).filter((p) => p.severity === 'error'); // => []
 */
export async function loadStudy(dir: string, opts: { database?: string; encodeInDuckDbFromRows?: number } = {}): Promise<RawStudy> {
  if (typeof dir !== 'string' || dir.length === 0) throw new TypeError('loadStudy: `dir` must be a folder path');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new DataError(`loadStudy: ${dir}: no such folder`, { file: dir });
  const instance = await DuckDBInstance.create(opts.database ?? ':memory:');
  const problems: Problem[] = [];
  const tables: RawStudy['tables'] = {};
  try {
    // The files load side by side, each on its own connection: JavaScript decodes one file's cells
    // while DuckDB parses another (outcomes, the big one). Results and problems keep the file order.
    const encodeFrom = opts.encodeInDuckDbFromRows ?? ENCODE_IN_DUCKDB_ROWS;
    // Every load settles before the instance closes; the first failure, in file order, is thrown.
    const loaded = await Promise.allSettled(STUDY_FILES.map((name) => loadFile(instance, dir, name, encodeFrom)));
    STUDY_FILES.forEach((name, k) => {
      const result = loaded[k];
      if (result.status === 'rejected') throw result.reason;
      problems.push(...result.value.problems);
      if (result.value.table) tables[name] = result.value.table;
    });
  } finally {
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
