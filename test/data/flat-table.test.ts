import { describe, expect, it } from 'vitest';
import { loadFlatTable, numericColumn } from '../../src/data/flat-table';
import { DataError } from '../../src/core/errors';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

describe('loadFlatTable', () => {
  it('reads the LaLonde data with typed columns', async () => {
    const t = await loadFlatTable('data/lalonde/matchit_lalonde.csv');
    expect(t.nRows).toBe(614);
    expect(numericColumn(t, 're78')[0]).toBeCloseTo(9930.046, 6);
    expect(t.columns.race[1]).toBe('hispan');
  });
  it('names the file, row and column of a non-numeric value', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-'));
    const f = join(dir, 'x.csv');
    writeFileSync(f, 'a,b\n1,2\n2,oops\n');
    const t = await loadFlatTable(f);
    expect(() => numericColumn(t, 'b')).toThrow(/row 3, column `b`: expected a number, got "oops"/);
    expect(() => numericColumn(t, 'zz')).toThrow(DataError);
  });
  it('reports NA as NaN for the caller to handle', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-'));
    const f = join(dir, 'x.csv');
    writeFileSync(f, 'a,b\n1,NA\n2,3\n');
    const t = await loadFlatTable(f);
    expect(Number.isNaN(numericColumn(t, 'b')[0])).toBe(true);
  });
});
