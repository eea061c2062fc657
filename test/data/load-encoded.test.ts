import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadStudy, type RawStudy, type RawTable } from '../../src/data/load';
import { exactDuplicateOf } from '../../src/data/duplicates';
import { copyStudy, rewrite, toParquet } from './helpers';

const TINY = 'test/fixtures/tiny-study';

// Both ways of reading a file: every file dictionary-encoded inside DuckDB, or every file decoded cell by cell.
const IN_DUCKDB = { encodeInDuckDbFromRows: 0 };
const CELL_BY_CELL = { encodeInDuckDbFromRows: Infinity };

/** A study as plain data, typed arrays as arrays, so that two loads compare with toEqual. */
function plain(raw: RawStudy): unknown {
  return JSON.parse(
    JSON.stringify(raw, (_, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array, (x) => (Number.isNaN(x) ? 'NaN' : x)) : v)),
  );
}

async function bothWays(dir: string): Promise<[unknown, unknown]> {
  return [plain(await loadStudy(dir, IN_DUCKDB)), plain(await loadStudy(dir, CELL_BY_CELL))];
}

describe('loadStudy, text dictionary-encoded inside DuckDB', () => {
  it('gives the same columns as decoding cell by cell, on a messy export', async () => {
    const [a, b] = await bothWays('data/sample-messy');
    expect(a).toEqual(b);
  });

  it('orders levels as JavaScript sorts them, also beyond U+FFFF, and keeps empty cells apart', async () => {
    const dir = copyStudy(TINY);
    // '😀' (a surrogate pair) sorts before 'Ａ' (U+FF21) in JavaScript, after it in UTF-8 bytes.
    rewrite(dir, 'employees.csv', (s) => s.replace('A1,2022-01-10,,AE', 'A1,2022-01-10,,Ａ').replace('A2,2023-03-01,,AE', 'A2,2023-03-01,,😀').replace(',SDR,', ',,'));
    const [a, b] = await bothWays(dir);
    expect(a).toEqual(b);
    const role = (await loadStudy(dir, IN_DUCKDB)).tables.employees!.columns.role;
    const levels = role.kind === 'text' ? role.levels : [];
    expect(levels).toEqual([...levels].sort());
    expect(levels.indexOf('😀')).toBeGreaterThan(-1);
    expect(levels.indexOf('😀')).toBeLessThan(levels.indexOf('Ａ'));
  });

  it('lists cells that are not numbers, and rows that do not fit the header, by line', async () => {
    const dir = copyStudy(TINY);
    rewrite(dir, 'outcomes.csv', (s) => s.replace('A1,2024-02,200,', 'A1,2024-02,n/a,').replace('A2,2024-01,500,2', 'A2,2024-01,500,2,extra'));
    const [a, b] = await bothWays(dir);
    expect(a).toEqual(b);
    const raw = await loadStudy(dir, IN_DUCKDB);
    const revenue = raw.tables.outcomes!.columns.revenue;
    expect(revenue.kind === 'number' && revenue.invalid).toEqual([{ row: 7, text: 'n/a' }]);
    expect(raw.problems.map((p) => p.row)).toEqual([3]);
  });

  it('reads Parquet files the same way', async () => {
    const dir = copyStudy(TINY);
    await toParquet(dir, ['employees', 'outcomes']);
    const [a, b] = await bothWays(dir);
    expect(a).toEqual(b);
  });
});

/** The first earlier row with the same cells, by comparing every pair (the definition). */
function bruteForceDuplicates(t: RawTable): number[] {
  const cols = Object.values(t.columns);
  const same = (i: number, j: number) => cols.every((c) => (c.kind === 'text' ? c.codes[i] === c.codes[j] : Object.is(c.values[i], c.values[j])));
  return Array.from({ length: t.nRows }, (_, i) => {
    for (let j = 0; j < i; j++) if (same(j, i)) return j;
    return -1;
  });
}

describe('exactDuplicateOf', () => {
  it('finds the first earlier identical row, whatever the key columns hold', () => {
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let trial = 0; trial < 40; trial++) {
      const n = Math.floor(random() * 400);
      const columns: RawTable['columns'] = {};
      const nText = Math.floor(random() * 3);
      for (let c = 0; c < nText; c++) {
        const L = 1 + Math.floor(random() * (random() < 0.5 ? 4 : 2000));
        const codes = Int32Array.from({ length: n }, () => Math.floor(random() * (L + 1)) - 1);
        columns[`t${c}`] = { kind: 'text', codes, levels: Array.from({ length: L }, (_, j) => `x${j}`) };
      }
      for (let c = 0; c < 2; c++) {
        const values = Float64Array.from({ length: n }, () => {
          const u = random();
          return u < 0.1 ? NaN : u < 0.15 ? -0 : u < 0.2 ? 0 : Math.floor(random() * 3);
        });
        columns[`n${c}`] = { kind: 'number', values, invalid: [], invalidCount: 0 };
      }
      const t: RawTable = { name: 'outcomes', file: 'outcomes.csv', nRows: n, header: Object.keys(columns), columns, line: new Int32Array(n) };
      expect(Array.from(exactDuplicateOf(t))).toEqual(bruteForceDuplicates(t));
    }
  });
});
