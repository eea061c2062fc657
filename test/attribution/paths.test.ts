import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePaths, poolSmallPaths, readPathFile, splitPath } from '../../src/attribution/paths';
import { DataError } from '../../src/core/errors';

const dir = mkdtempSync(join(tmpdir(), 'trainlift-paths-'));
const file = (name: string, text: string): string => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};
const opts = { path: 'path', conversions: 'conv', value: 'val', nulls: 'nul' };

describe('readPathFile', () => {
  it('reads PathData with its " > " separator', async () => {
    const c = await readPathFile('data/channel_paths/path_data.csv', {
      path: 'path', conversions: 'total_conversions', value: 'total_conversion_value', nulls: 'total_null' });
    expect(c.paths.length).toBe(10000);
    expect(c.paths[0]).toEqual(['eta', 'iota', 'alpha', 'eta']);
    expect(c.conversions.reduce((a, b) => a + b, 0)).toBe(19785);
    expect(c.nulls.reduce((a, b) => a + b, 0)).toBe(68602);
  });
  it('rejects an empty path, naming file, row and column', async () => {
    const f = file('empty.csv', 'path,conv,val,nul\nA>B,1,2,3\n"",1,2,3\n');
    await expect(readPathFile(f, opts)).rejects.toThrow(/row 3, column `path`: the path is empty/);
    const g = file('blankstep.csv', 'path,conv,val,nul\nA>>B,1,2,3\n');
    await expect(readPathFile(g, opts)).rejects.toThrow(/row 2.*step 2 of "A>>B" is empty/);
  });
  it('says when the separator is wrong', async () => {
    const f = file('comma.csv', 'path,conv,val,nul\n"A,B",1,2,3\n"B",1,2,3\n');
    await expect(readPathFile(f, opts)).rejects.toThrow(/separator ">" never occurs, but "," does/);
    await expect(readPathFile(f, { ...opts, separator: ' ' })).rejects.toThrow(/`separator` must be a non-blank/);
    const ok = await readPathFile(f, { ...opts, separator: ',' });
    expect(ok.paths[0]).toEqual(['A', 'B']);
  });
  it('rejects negative and missing counts with the column as named in the file', async () => {
    const f = file('neg.csv', 'path,conv,val,nul\nA>B,1,2,3\nB,-1,2,3\n');
    const err = await readPathFile(f, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toMatch(/row 3, column `conv`: expected a finite number >= 0, got -1/);
    const g = file('missing.csv', 'path,conv,val,nul\nA>B,1,2,\n');
    await expect(readPathFile(g, opts)).rejects.toThrow(/row 2, column `nul`: the value is missing/);
    await expect(readPathFile(f, { ...opts, conversions: 'nope' })).rejects.toThrow(/no column `nope`/);
  });
  it('rejects journeys longer than the limit', async () => {
    const f = file('long.csv', `path,conv,val,nul\n${Array(12).fill('A').join('>')},1,2,3\n`);
    await expect(readPathFile(f, { ...opts, maxLength: 10 })).rejects.toThrow(/row 2: the journey has 12 touches, more than the limit of 10/);
    expect((await readPathFile(f, opts)).paths[0].length).toBe(12);
  });
});

describe('path helpers', () => {
  it('splitPath trims blanks', () => {
    expect(splitPath(' a >b  > a ', '>', 'f', 2, 'path')).toEqual(['a', 'b', 'a']);
  });
  it('encodePaths codes courses in catalogue order', () => {
    const e = encodePaths([['b', 'a'], ['a']], ['a', 'b', 'c']);
    expect(e.courses).toEqual(['a', 'b', 'c']);
    expect(Array.from(e.offsets)).toEqual([0, 2, 3]);
    expect(Array.from(e.touches)).toEqual([1, 0, 0]);
  });
  it('poolSmallPaths pools rows below the minimum by course set and says so', () => {
    const c = {
      paths: [['A', 'B'], ['B', 'A'], ['A', 'B', 'A'], ['A']],
      conversions: Float64Array.of(1, 1, 0, 10),
      value: Float64Array.of(5, 5, 0, 50),
      nulls: Float64Array.of(1, 0, 2, 10),
    };
    const { counts, note } = poolSmallPaths(c, 5);
    // The three small rows share the set {A, B}: one pooled row of 5 journeys.
    expect(counts.paths).toEqual([['A'], ['A', 'B']]);
    expect(Array.from(counts.conversions)).toEqual([10, 2]);
    expect(Array.from(counts.nulls)).toEqual([10, 3]);
    expect(note).toMatch(/3 paths with fewer than 5 journeys were pooled/);
    expect(poolSmallPaths(c, 1).note).toBeNull();
  });
});
