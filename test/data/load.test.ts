import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadStudy, splitCsvLine, textAt, type NumberColumn, type TextColumn } from '../../src/data/load';
import { buildPanel } from '../../src/data/panel';
import { DataError } from '../../src/core/errors';
import { copyStudy, rewrite, toParquet } from './helpers';

const TINY = 'test/fixtures/tiny-study';

describe('loadStudy', () => {
  it('hands out dictionary-encoded text and typed numbers, in file order', async () => {
    const raw = await loadStudy(TINY);
    const emp = raw.tables.employees!;
    expect(emp.nRows).toBe(6);
    expect(emp.header).toEqual(['employee_id', 'hire_date', 'termination_date', 'role', 'region', 'level', 'quota']);
    const ids = emp.columns.employee_id as TextColumn;
    expect(Array.from({ length: 6 }, (_, i) => textAt(ids, i))).toEqual(['A1', 'A2', 'A3', 'A4', 'A5', 'A6']);
    expect(textAt(emp.columns.termination_date as TextColumn, 0)).toBeNull();
    expect(Array.from((emp.columns.quota as NumberColumn).values)).toEqual([100, 90, 40, 50, 120, 110]);
    const revenue = raw.tables.outcomes!.columns.revenue as NumberColumn;
    expect(revenue.values[0]).toBe(100);
    expect(Array.from(raw.tables.outcomes!.line.slice(0, 3))).toEqual([2, 3, 4]);
    expect(raw.problems).toEqual([]);
  });

  it('keeps the exact text of ids and dates (no trimming, no type guessing)', async () => {
    const dir = copyStudy(TINY);
    rewrite(dir, 'employees.csv', (s) => s.replace('A1,2022-01-10', '007 ,2022-01-10'));
    const ids = (await loadStudy(dir)).tables.employees!.columns.employee_id as TextColumn;
    expect(textAt(ids, 0)).toBe('007 ');
  });

  it('lists cells that are not numbers with their line', async () => {
    const dir = copyStudy(TINY);
    rewrite(dir, 'outcomes.csv', (s) => s.replace('A1,2024-02,200,', 'A1,2024-02,n/a,'));
    const revenue = (await loadStudy(dir)).tables.outcomes!.columns.revenue as NumberColumn;
    expect(revenue.invalid).toEqual([{ row: 7, text: 'n/a' }]);
    expect(revenue.invalidCount).toBe(1);
    expect(revenue.values[5]).toBeNaN();
    expect(revenue.values[6]).toBe(500);
  });

  it('reads Parquet files of the same names', async () => {
    const dir = copyStudy(TINY);
    await toParquet(dir, ['employees', 'outcomes']);
    const panel = buildPanel(await loadStudy(dir));
    const csvPanel = buildPanel(await loadStudy(TINY));
    expect(panel.employees).toEqual(csvPanel.employees);
    expect(Array.from(panel.hirePeriod)).toEqual(Array.from(csvPanel.hirePeriod));
    expect(Array.from(panel.metrics.revenue)).toEqual(Array.from(csvPanel.metrics.revenue));
  });

  it('sets aside rows that do not fit the header, naming their lines, and keeps later lines right', async () => {
    const dir = copyStudy(TINY);
    rewrite(dir, 'outcomes.csv', (s) => s.replace('A1,2024-02,200,2', 'A1,2024-02,200,2,extra').replace('A1,2024-04,400,', 'A1,2024-04,oops,'));
    const raw = await loadStudy(dir);
    expect(raw.problems).toEqual([
      { severity: 'error', file: join(dir, 'outcomes.csv'), row: 7, column: null, message: 'row skipped, it does not fit the header: Expected Number of Columns: 4 Found: 5' },
    ]);
    const out = raw.tables.outcomes!;
    expect(out.nRows).toBe(66);
    expect(Array.from(out.line.slice(3, 7))).toEqual([5, 6, 8, 9]);
    expect((out.columns.revenue as NumberColumn).invalid).toEqual([{ row: 16, text: 'oops' }]);
  });

  it('reads a byte-order mark, CRLF line ends and quoted commas', async () => {
    const dir = copyStudy(TINY);
    rewrite(dir, 'employees.csv', (s) => '\uFEFF' + s.replace(/\n/g, '\r\n'));
    rewrite(dir, 'courses.csv', (s) => s.replace('Consultative Selling', '"Selling, ""Consultatively"""'));
    const panel = buildPanel(await loadStudy(dir));
    expect(panel.employees).toEqual(['A1', 'A2', 'A3', 'A4', 'A5', 'A6']);
    expect(panel.courseInfo[0].title).toBe('Selling, "Consultatively"');
    expect(Array.from(panel.hirePeriod)).toEqual([-24, -10, 4, -31, -47, -52]);
  });

  it('refuses a folder that does not exist', async () => {
    await expect(loadStudy('no/such/folder')).rejects.toThrow(DataError);
    await expect(loadStudy('no/such/folder')).rejects.toThrow(/no such folder/);
  });

  it('uses a database file when asked', async () => {
    const dir = copyStudy(TINY);
    const raw = await loadStudy(dir, { database: join(dir, 'study.duckdb') });
    expect(raw.tables.outcomes!.nRows).toBe(67);
  });
});

describe('splitCsvLine', () => {
  it('splits on commas outside quotes', () => {
    expect(splitCsvLine('id,"title, long",cost')).toEqual(['id', 'title, long', 'cost']);
    expect(splitCsvLine('a,"say ""hi""",')).toEqual(['a', 'say "hi"', '']);
  });
});
