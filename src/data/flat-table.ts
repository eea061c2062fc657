import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DataError } from '../core/errors';

/**
 * A flat table: one row per unit, columns by name. Numeric columns are
 * `Float64Array` with `NaN` where the file had no value (the caller decides
 * what missing means and says so); text columns are arrays of strings or null.
 */
export interface FlatTable {
  /** File the table came from, for error messages. */
  file: string;
  nRows: number;
  /** Column names in file order. */
  names: string[];
  columns: Record<string, Float64Array | (string | null)[]>;
}

const NUMERIC = /^(DOUBLE|FLOAT|REAL|DECIMAL.*|BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER|USMALLINT|UTINYINT|BOOLEAN)$/;

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/**
 * Reads a CSV (or Parquet) file with one row per unit into typed columns,
 * through DuckDB. `NA` and empty cells are missing.
 *
 * @example
 * const t = await loadFlatTable('data/lalonde/matchit_lalonde.csv');
 * t.nRows; // => 614
 * (t.columns.re78 as Float64Array)[0]; // => 9930.046
 */
export async function loadFlatTable(file: string): Promise<FlatTable> {
  if (!existsSync(file)) throw new DataError(`${file}: file not found`, { file });
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const source = file.toLowerCase().endsWith('.parquet')
      ? `read_parquet(${sqlString(file)})`
      : `read_csv(${sqlString(file)}, header = true, nullstr = ['NA', ''], sample_size = -1)`;
    let described;
    try {
      described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
    } catch (e) {
      throw new DataError(`${file}: could not be read as a table: ${(e as Error).message.split('\n')[0]}`, { file });
    }
    const desc = described.getRowObjectsJS() as { column_name: string; column_type: string }[];
    if (desc.length === 0) throw new DataError(`${file}: the file has no columns`, { file });
    const select = desc
      .map((d) => {
        const q = `"${d.column_name.replace(/"/g, '""')}"`;
        return NUMERIC.test(d.column_type) ? `CAST(${q} AS DOUBLE) AS ${q}` : `CAST(${q} AS VARCHAR) AS ${q}`;
      })
      .join(', ');
    const result = await conn.runAndReadAll(`SELECT ${select} FROM ${source}`);
    const raw = result.getColumnsJS();
    const names = desc.map((d) => d.column_name);
    const columns: FlatTable['columns'] = {};
    const nRows = raw.length > 0 ? raw[0].length : 0;
    if (nRows === 0) throw new DataError(`${basename(file)}: the file has a header but no rows`, { file });
    desc.forEach((d, j) => {
      const values = raw[j];
      if (NUMERIC.test(d.column_type)) {
        const col = new Float64Array(nRows);
        for (let i = 0; i < nRows; i++) col[i] = values[i] === null ? NaN : (values[i] as number);
        columns[d.column_name] = col;
      } else {
        columns[d.column_name] = values.map((v) => (v === null ? null : String(v)));
      }
    });
    return { file, nRows, names, columns };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/**
 * A numeric column by name, with a clear error if absent or not numeric.
 *
 * @example
 * numericColumn(t, 'treat'); // => Float64Array(614)
 */
export function numericColumn(table: FlatTable, name: string): Float64Array {
  const col = table.columns[name];
  if (col === undefined) {
    throw new DataError(`${table.file}: no column \`${name}\`; the columns are ${table.names.join(', ')}`, {
      file: table.file,
      column: name,
    });
  }
  if (!(col instanceof Float64Array)) {
    const bad = col.findIndex((v) => v !== null && Number.isNaN(Number(v)));
    throw new DataError(
      `${table.file} row ${bad + 2}, column \`${name}\`: expected a number, got ${JSON.stringify(col[bad])}`,
      { file: table.file, row: bad + 2, column: name },
    );
  }
  return col;
}
