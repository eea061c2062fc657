import { DataError } from '../core/errors';

/**
 * A design matrix stored flat and column-major (`x[j * n + i]` is row i of
 * column j), so that every column is one contiguous run for the inner loops.
 */
export interface Design {
  n: number;
  p: number;
  /** Column names, R style: `(Intercept)`, `age`, `racehispan`. */
  names: string[];
  x: Float64Array;
}

/** A named input column: numbers (NaN = missing) or text (null = missing, treated as categorical). */
export interface NamedColumn {
  name: string;
  values: Float64Array | (string | null)[];
}

/**
 * Sorted distinct levels of a text column, as R's `factor()` orders them
 * (plain code-point order, which equals R's in the C locale).
 *
 * @example
 * factorLevels(['white', 'black', 'hispan', 'black']); // => ['black', 'hispan', 'white']
 */
export function factorLevels(values: readonly (string | null)[]): string[] {
  const seen = new Set<string>();
  for (const v of values) if (v !== null) seen.add(v);
  return [...seen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

// Text columns whose levels and row indices their builder already knew (see noteLevelCodes).
const KNOWN_LEVELS = new WeakMap<readonly (string | null)[], { levels: string[]; index: Int32Array }>();

/**
 * Notes what a text column's builder knows: its levels, sorted as
 * {@link factorLevels} sorts them, and each row's index among them (the
 * column has no missing value). The encoders (`covariateCodes`, the balance
 * table) then take the rows' levels from it instead of looking every row's
 * text up. The column and `index` must not change afterwards.
 *
 * @example
 * noteLevelCodes(['b', 'a', 'b'], ['a', 'b'], Int32Array.from([1, 0, 1]));
 */
export function noteLevelCodes(values: readonly (string | null)[], levels: string[], index: Int32Array): void {
  if (index.length !== values.length) throw new RangeError(`noteLevelCodes: \`index\` has ${index.length} rows, the column ${values.length}`);
  KNOWN_LEVELS.set(values, { levels, index });
}

/**
 * The levels and row indices noted for a column by {@link noteLevelCodes}, if any.
 *
 * @example
 * knownLevelCodes(column)?.levels; // => ['a', 'b']
 */
export function knownLevelCodes(values: readonly (string | null)[]): { levels: string[]; index: Int32Array } | undefined {
  return KNOWN_LEVELS.get(values);
}

/**
 * Throws a DataError naming the column and how many rows are missing, if any are.
 *
 * @example
 * checkNoMissing('fitOls', { name: 'tenure', values: Float64Array.from([1, NaN]) });
 * // throws: fitOls: column `tenure` has 1 missing or non-finite value (first at row index 1); ...
 */
export function checkNoMissing(where: string, column: NamedColumn): void {
  const v = column.values;
  let missing = 0;
  let first = -1;
  if (v instanceof Float64Array) {
    for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) { missing++; if (first < 0) first = i; }
  } else {
    for (let i = 0; i < v.length; i++) if (v[i] === null) { missing++; if (first < 0) first = i; }
  }
  if (missing > 0) {
    throw new DataError(
      `${where}: column \`${column.name}\` has ${missing} missing or non-finite value${missing === 1 ? '' : 's'} (first at row index ${first}); ` +
        'drop or fill those rows first (or pass `dropMissing: true`)',
      { column: column.name },
    );
  }
}

/**
 * Builds a column-major design matrix from named columns. Numeric columns
 * enter as they are; text columns expand to 0/1 indicators for every level
 * but the first in sorted order (R's treatment contrasts), named
 * `<column><level>`. Missing values are an error naming the column and the
 * number of rows.
 *
 * @example
 * const X = designMatrix([{ name: 'age', values: Float64Array.from([30, 40, 50]) },
 *                         { name: 'race', values: ['black', 'white', 'black'] }]);
 * X.names; // => ['(Intercept)', 'age', 'racewhite']
 * X.x[2 * 3 + 1]; // => 1   (row 1 of column racewhite)
 */
export function designMatrix(columns: NamedColumn[], opts: { intercept?: boolean } = {}): Design {
  const intercept = opts.intercept ?? true;
  if (!Array.isArray(columns)) throw new TypeError('designMatrix: `columns` must be an array of { name, values }');
  let n = -1;
  for (const c of columns) {
    if (!c || typeof c.name !== 'string' || !(c.values instanceof Float64Array || Array.isArray(c.values))) {
      throw new TypeError('designMatrix: every column must be { name: string, values: Float64Array | (string|null)[] }');
    }
    if (n < 0) n = c.values.length;
    else if (c.values.length !== n) {
      throw new RangeError(`designMatrix: column \`${c.name}\` has ${c.values.length} rows, expected ${n}`);
    }
  }
  if (n < 0) {
    if (!intercept) throw new RangeError('designMatrix: no columns and no intercept');
    throw new RangeError('designMatrix: pass at least one column to know the number of rows');
  }
  const names: string[] = [];
  const blocks: ((out: Float64Array, offset: number) => void)[] = [];
  if (intercept) {
    names.push('(Intercept)');
    blocks.push((out, off) => out.fill(1, off, off + n));
  }
  for (const c of columns) {
    checkNoMissing('designMatrix', c);
    const v = c.values;
    if (v instanceof Float64Array) {
      names.push(c.name);
      blocks.push((out, off) => out.set(v, off));
    } else {
      const levels = factorLevels(v);
      for (let l = 1; l < levels.length; l++) {
        const level = levels[l];
        names.push(c.name + level);
        blocks.push((out, off) => {
          for (let i = 0; i < n; i++) out[off + i] = v[i] === level ? 1 : 0;
        });
      }
      if (levels.length < 2) {
        throw new DataError(`designMatrix: text column \`${c.name}\` has a single level (${JSON.stringify(levels[0])}), so it cannot explain anything; drop it`, {
          column: c.name,
        });
      }
    }
  }
  const p = names.length;
  const x = new Float64Array(n * p);
  blocks.forEach((fill, j) => fill(x, j * n));
  return { n, p, names, x };
}

/**
 * The rows `rows` of a design, as a new design (column-major again).
 *
 * @example
 * subsetRows(X, Int32Array.from([0, 2])).n; // => 2
 */
export function subsetRows(X: Design, rows: Int32Array): Design {
  const m = rows.length;
  const x = new Float64Array(m * X.p);
  for (let j = 0; j < X.p; j++) {
    const src = j * X.n;
    const dst = j * m;
    for (let r = 0; r < m; r++) x[dst + r] = X.x[src + rows[r]];
  }
  return { n: m, p: X.p, names: X.names.slice(), x };
}

/**
 * Columns side by side: `[A | B]` (same number of rows).
 *
 * @example
 * bindColumns(A, B).p; // => A.p + B.p
 */
export function bindColumns(...designs: Design[]): Design {
  const n = designs[0].n;
  for (const d of designs) if (d.n !== n) throw new RangeError(`bindColumns: designs have ${d.n} and ${n} rows`);
  const p = designs.reduce((s, d) => s + d.p, 0);
  const x = new Float64Array(n * p);
  let off = 0;
  for (const d of designs) {
    x.set(d.x, off);
    off += d.x.length;
  }
  return { n, p, names: designs.flatMap((d) => d.names), x };
}

/**
 * A one-column design from a numeric vector.
 *
 * @example
 * columnDesign('treat', Float64Array.from([0, 1])).names; // => ['treat']
 */
export function columnDesign(name: string, values: Float64Array): Design {
  return { n: values.length, p: 1, names: [name], x: Float64Array.from(values) };
}
