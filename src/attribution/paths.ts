import { DataError, EstimationError } from '../core/errors';
import { loadFlatTable, numericColumn, type FlatTable } from '../data/flat-table';

/**
 * Aggregated journeys: one row per distinct path with its counts, the shape of
 * ChannelAttribution's `PathData` and the common input of every non-causal
 * attribution model.
 *
 * - `paths[r]`: course ids in completion order. Repeats are kept, so
 *   `A > B > A` is a different journey from `A > B` and gives A two touches.
 *   An empty path is a journey with no training (allowed from the panel; a
 *   path file must not contain one).
 * - `conversions[r]`: journeys on that path that ended in the outcome.
 * - `value[r]`: total outcome value of those conversions (0 when unknown).
 * - `nulls[r]`: journeys on that path without the outcome.
 * - `daysBeforeEnd[r]` (optional): per touch, days from that completion to
 *   the end of the journey (the outcome date or the window end). Only
 *   `time_decay` reads it; without it, time is counted in steps.
 */
export interface PathCounts {
  paths: string[][];
  conversions: Float64Array;
  value: Float64Array;
  nulls: Float64Array;
  daysBeforeEnd?: Float64Array[];
}

/** Options of {@link readPathFile}: column names and the path separator. */
export interface ReadPathOptions {
  /** Column holding the path text, e.g. `"alpha > beta"`. */
  path: string;
  /** Column with the number of conversions on the path. */
  conversions: string;
  /** Column with the total conversion value (optional; zeros when absent). */
  value?: string;
  /** Column with the number of non-converting journeys (optional; zeros when absent). */
  nulls?: string;
  /** Separator between courses; surrounding blanks are trimmed. Default `>`. */
  separator?: string;
  /** Longest journey accepted (touches); longer rows are an error. Default 200. */
  maxLength?: number;
}

/** The default longest journey, in touches: longer ones are almost surely a parsing problem. */
export const DEFAULT_MAX_PATH_LENGTH = 200;

const LIKELY_SEPARATORS = ['>', '|', ',', ';', '/', '→', '-'];

/**
 * Splits one path text into trimmed course ids, with a clear error for empty
 * paths and empty steps (`"a > > b"`).
 *
 * @example
 * splitPath('alpha > beta > alpha', '>', 'paths.csv', 2, 'path'); // => ['alpha', 'beta', 'alpha']
 */
export function splitPath(text: string, separator: string, file: string, row: number, column: string): string[] {
  const trimmed = text.trim();
  if (trimmed.length === 0) {
    throw new DataError(`${file} row ${row}, column \`${column}\`: the path is empty; expected at least one course`, {
      file,
      row,
      column,
    });
  }
  const parts = trimmed.split(separator).map((s) => s.trim());
  const blank = parts.findIndex((s) => s.length === 0);
  if (blank >= 0) {
    throw new DataError(
      `${file} row ${row}, column \`${column}\`: step ${blank + 1} of "${text}" is empty; expected course ids separated by "${separator}"`,
      { file, row, column },
    );
  }
  return parts;
}

/**
 * Checks a PathCounts in place: equal lengths, finite non-negative counts, no
 * empty course ids, journeys no longer than `maxLength`. Throws a DataError
 * naming the row (1-based data row + 1 for the header, as in the file).
 *
 * @example
 * checkPathCounts({ paths: [['A']], conversions: Float64Array.of(1), value: Float64Array.of(5), nulls: Float64Array.of(2) });
 */
export function checkPathCounts(counts: PathCounts, file = 'paths', maxLength = DEFAULT_MAX_PATH_LENGTH): void {
  const n = counts.paths.length;
  for (const [name, col] of [
    ['conversions', counts.conversions],
    ['value', counts.value],
    ['nulls', counts.nulls],
  ] as const) {
    if (!(col instanceof Float64Array)) throw new TypeError(`checkPathCounts: \`${name}\` must be a Float64Array`);
    if (col.length !== n) {
      throw new RangeError(`checkPathCounts: \`${name}\` has ${col.length} entries but there are ${n} paths`);
    }
    for (let r = 0; r < n; r++) {
      const x = col[r];
      if (!Number.isFinite(x) || (name !== 'value' && x < 0)) {
        throw new DataError(
          `${file} row ${r + 2}, column \`${name}\`: expected a finite number >= 0, got ${String(x)}`,
          { file, row: r + 2, column: name },
        );
      }
    }
  }
  if (!Number.isInteger(maxLength) || maxLength < 1) {
    throw new RangeError(`checkPathCounts: \`maxLength\` must be a positive integer, got ${maxLength}`);
  }
  for (let r = 0; r < n; r++) {
    const p = counts.paths[r];
    if (p.length > maxLength) {
      throw new DataError(
        `${file} row ${r + 2}: the journey has ${p.length} touches, more than the limit of ${maxLength}; raise \`maxLength\` if this is real`,
        { file, row: r + 2 },
      );
    }
    for (const c of p) {
      if (typeof c !== 'string' || c.length === 0) {
        throw new DataError(`${file} row ${r + 2}: a course id is empty`, { file, row: r + 2 });
      }
    }
    if (counts.daysBeforeEnd && counts.daysBeforeEnd[r].length !== p.length) {
      throw new RangeError(`checkPathCounts: \`daysBeforeEnd\` row ${r} has ${counts.daysBeforeEnd[r].length} entries for ${p.length} touches`);
    }
  }
}

function textColumn(table: FlatTable, name: string): (string | null)[] {
  const col = table.columns[name];
  if (col === undefined) {
    throw new DataError(`${table.file}: no column \`${name}\`; the columns are ${table.names.join(', ')}`, {
      file: table.file,
      column: name,
    });
  }
  if (col instanceof Float64Array) return Array.from(col, (x) => (Number.isNaN(x) ? null : String(x)));
  return col;
}

function optionalCounts(table: FlatTable, name: string | undefined): Float64Array {
  if (name === undefined) return new Float64Array(table.nRows);
  const raw = table.columns[name];
  // DuckDB types a column with only empty cells as text: read it as numbers
  // so that the message below names the empty cell instead of the type.
  const col =
    raw !== undefined && !(raw instanceof Float64Array) && raw.every((v) => v === null || !Number.isNaN(Number(v)))
      ? Float64Array.from(raw, (v) => (v === null ? NaN : Number(v)))
      : numericColumn(table, name);
  const bad = col.findIndex((x) => Number.isNaN(x));
  if (bad >= 0) {
    throw new DataError(`${table.file} row ${bad + 2}, column \`${name}\`: the value is missing; expected a number >= 0`, {
      file: table.file,
      row: bad + 2,
      column: name,
    });
  }
  return col;
}

/**
 * Builds PathCounts from already-loaded columns (what {@link readPathFile}
 * does after reading). Exposed so that tests and the notebook can build path
 * data without a file.
 *
 * @example
 * pathCountsFromTable(table, { path: 'path', conversions: 'total_conversions', separator: '>' });
 */
export function pathCountsFromTable(table: FlatTable, opts: ReadPathOptions): PathCounts {
  const separator = opts.separator ?? '>';
  if (typeof separator !== 'string' || separator.trim().length === 0) {
    throw new RangeError(`readPathFile: \`separator\` must be a non-blank string, got ${JSON.stringify(separator)}`);
  }
  const sep = separator.trim();
  const text = textColumn(table, opts.path);
  const conversions = optionalCounts(table, opts.conversions);
  const value = optionalCounts(table, opts.value);
  const nulls = optionalCounts(table, opts.nulls);
  // A separator that never occurs while another likely one does means the
  // user named the wrong one: every path would otherwise be one long "course".
  let seen = false;
  for (const t of text) if (t !== null && t.includes(sep)) seen = true;
  if (!seen) {
    const other = LIKELY_SEPARATORS.filter((s) => s !== sep && text.some((t) => t !== null && t.includes(s)));
    if (other.length > 0) {
      throw new DataError(
        `${table.file}, column \`${opts.path}\`: the separator "${sep}" never occurs, but "${other[0]}" does; pass --separator "${other[0]}"`,
        { file: table.file, column: opts.path },
      );
    }
  }
  const paths: string[][] = new Array(table.nRows);
  for (let r = 0; r < table.nRows; r++) {
    const t = text[r];
    if (t === null) {
      throw new DataError(`${table.file} row ${r + 2}, column \`${opts.path}\`: the path is empty; expected at least one course`, {
        file: table.file,
        row: r + 2,
        column: opts.path,
      });
    }
    paths[r] = splitPath(t, sep, table.file, r + 2, opts.path);
  }
  const counts: PathCounts = {
    paths,
    conversions: Float64Array.from(conversions),
    value: Float64Array.from(value),
    nulls: Float64Array.from(nulls),
  };
  checkPathCountsNamed(counts, table.file, opts);
  return counts;
}

function checkPathCountsNamed(counts: PathCounts, file: string, opts: ReadPathOptions): void {
  try {
    checkPathCounts(counts, file, opts.maxLength ?? DEFAULT_MAX_PATH_LENGTH);
  } catch (e) {
    // Re-say the column as the user named it in the file.
    if (e instanceof DataError && e.column) {
      const named = e.column === 'conversions' ? opts.conversions : e.column === 'value' ? opts.value : opts.nulls;
      if (named) throw new DataError(e.message.replace(`\`${e.column}\``, `\`${named}\``), { file, row: e.row, column: named });
    }
    throw e;
  }
}

/**
 * Reads an aggregated journey file (CSV or Parquet, one row per distinct
 * path), e.g. ChannelAttribution's PathData.
 *
 * @example
 * const counts = await readPathFile('data/channel_paths/path_data.csv', {
 *   path: 'path', conversions: 'total_conversions', value: 'total_conversion_value', nulls: 'total_null' });
 * counts.paths.length; // => 10000
 * counts.paths[0];     // => ['eta', 'iota', 'alpha', 'eta']
 */
export async function readPathFile(file: string, opts: ReadPathOptions): Promise<PathCounts> {
  if (!opts || typeof opts.path !== 'string' || typeof opts.conversions !== 'string') {
    throw new TypeError('readPathFile: `path` and `conversions` column names are required');
  }
  const table = await loadFlatTable(file);
  return pathCountsFromTable(table, opts);
}

/**
 * Paths as integer codes for the hot loops: course ids in first-seen order
 * (or the given catalogue order), touches concatenated, `offsets[r]..offsets[r+1]`
 * the touches of row r.
 */
export interface EncodedPaths {
  courses: string[];
  offsets: Int32Array;
  touches: Int32Array;
}

/**
 * Encodes paths as integer codes. With a catalogue, a path naming a course
 * outside it is an error (a typo or a stale export), and catalogue courses
 * that never appear keep their code (and get zero credit).
 *
 * @example
 * encodePaths([['b', 'a'], ['a']]); // => { courses: ['b', 'a'], offsets: [0, 2, 3], touches: [0, 1, 1] }
 */
export function encodePaths(paths: string[][], catalogue?: string[]): EncodedPaths {
  const index = new Map<string, number>();
  const courses: string[] = [];
  if (catalogue) {
    for (const c of catalogue) {
      if (index.has(c)) throw new RangeError(`encodePaths: course "${c}" is listed twice in \`courses\``);
      index.set(c, courses.length);
      courses.push(c);
    }
  }
  let total = 0;
  for (const p of paths) total += p.length;
  const offsets = new Int32Array(paths.length + 1);
  const touches = new Int32Array(total);
  let k = 0;
  for (let r = 0; r < paths.length; r++) {
    for (const c of paths[r]) {
      let code = index.get(c);
      if (code === undefined) {
        if (catalogue) {
          throw new DataError(`row ${r + 2}: course "${c}" is not in the course list (${catalogue.join(', ')})`, { row: r + 2 });
        }
        code = courses.length;
        index.set(c, code);
        courses.push(c);
      }
      touches[k++] = code;
    }
    offsets[r + 1] = k;
  }
  return { courses, offsets, touches };
}

/**
 * Pools rows with fewer than `minJourneys` journeys (conversions + nulls)
 * into one row per course set (order dropped: the pooled path lists the set
 * in first-touch order of its first row), so that path-level outputs rest on
 * more employees. Pooled sets still below the minimum are counted in the
 * note. Returns the pooled counts and a note (null when nothing was pooled).
 *
 * @example
 * poolSmallPaths(counts, 5).note; // => '3 paths with fewer than 5 journeys were pooled by course set (order dropped) to protect privacy'
 */
export function poolSmallPaths(counts: PathCounts, minJourneys = 5): { counts: PathCounts; note: string | null } {
  const n = counts.paths.length;
  const keep: number[] = [];
  const groups = new Map<string, { path: string[]; conv: number; value: number; nulls: number }>();
  let pooled = 0;
  for (let r = 0; r < n; r++) {
    const size = counts.conversions[r] + counts.nulls[r];
    if (size >= minJourneys || counts.paths[r].length === 0) {
      keep.push(r);
      continue;
    }
    pooled++;
    const set = Array.from(new Set(counts.paths[r]));
    const key = [...set].sort().join('\u0000');
    const g = groups.get(key) ?? { path: set, conv: 0, value: 0, nulls: 0 };
    g.conv += counts.conversions[r];
    g.value += counts.value[r];
    g.nulls += counts.nulls[r];
    groups.set(key, g);
  }
  if (pooled === 0) return { counts, note: null };
  const paths: string[][] = keep.map((r) => counts.paths[r]);
  const conv: number[] = keep.map((r) => counts.conversions[r]);
  const val: number[] = keep.map((r) => counts.value[r]);
  const nul: number[] = keep.map((r) => counts.nulls[r]);
  const days = counts.daysBeforeEnd ? keep.map((r) => counts.daysBeforeEnd![r]) : undefined;
  for (const g of groups.values()) {
    paths.push(g.path);
    conv.push(g.conv);
    val.push(g.value);
    nul.push(g.nulls);
    // Dates cannot be pooled meaningfully: the pooled row counts time in steps.
    if (days) days.push(Float64Array.from(g.path, (_, i) => g.path.length - 1 - i));
  }
  let stillSmall = 0;
  for (const g of groups.values()) if (g.conv + g.nulls < minJourneys) stillSmall++;
  const tail = stillSmall > 0 ? `; ${stillSmall} pooled course sets still have fewer than ${minJourneys}` : '';
  return {
    counts: {
      paths,
      conversions: Float64Array.from(conv),
      value: Float64Array.from(val),
      nulls: Float64Array.from(nul),
      ...(days ? { daysBeforeEnd: days } : {}),
    },
    note: `${pooled} paths with fewer than ${minJourneys} journeys were pooled by course set (order dropped) to protect privacy${tail}`,
  };
}

/** Total conversions and value over all paths, with a clear error when there is nothing to attribute. */
export function pathTotals(counts: PathCounts, caller: string): { conversions: number; value: number; journeys: number } {
  if (!counts || !Array.isArray(counts.paths)) throw new TypeError(`${caller}: \`counts\` must be a PathCounts { paths, conversions, value, nulls }`);
  // Counts built in code skip readPathFile's checks: check them here, once per model call.
  let longest = DEFAULT_MAX_PATH_LENGTH;
  for (const p of counts.paths) if (p.length > longest) longest = p.length;
  checkPathCounts(counts, `${caller}: paths`, longest);
  let conversions = 0;
  let value = 0;
  let journeys = 0;
  for (let r = 0; r < counts.paths.length; r++) {
    conversions += counts.conversions[r];
    value += counts.value[r];
    journeys += counts.conversions[r] + counts.nulls[r];
  }
  if (counts.paths.length === 0) throw new DataError(`${caller}: there are no paths to attribute`);
  if (conversions <= 0) throw new EstimationError(`${caller}: no path has a conversion, so there is no credit to share`);
  return { conversions, value, journeys };
}
