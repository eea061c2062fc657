import { describe, expect, it } from 'vitest';
import { MISSING_LEVEL, missingLevelBeside, withMissingIndicator } from '../../src/data/missing';
import { coursePanelInput } from '../../src/causal/panel-input';
import { loadStudy } from '../../src/data/load';
import { buildPanel } from '../../src/data/panel';
import { stackCourse } from '../../src/data/stack';
import { validateStudy } from '../../src/data/validate';
import { copyStudy, rewrite } from './helpers';

describe('withMissingIndicator: blanks in a numeric covariate', () => {
  it('fills them with the mean of the others and adds `<name>_missing`', () => {
    const out = withMissingIndicator('rating', Float64Array.of(3, NaN, 5, NaN));
    expect(out.map((c) => c.name)).toEqual(['rating', 'rating_missing']);
    expect(Array.from(out[0].values)).toEqual([3, 4, 5, 4]);
    expect(Array.from(out[1].values)).toEqual([0, 1, 0, 1]);
  });
  it('leaves a complete column as it is and drops one with no value at all', () => {
    const full = Float64Array.of(1, 2);
    expect(withMissingIndicator('x', full)).toEqual([{ name: 'x', values: full }]);
    expect(withMissingIndicator('x', Float64Array.of(NaN, NaN))).toEqual([]);
  });
});

describe('a study with blanks in employees.csv (the tiny study: A2 has no quota and no region)', () => {
  it('stacks them with a filled quota beside `quota_missing`, a region level `(missing)`, and a market index for every row', async () => {
    const dir = copyStudy('test/fixtures/tiny-study');
    rewrite(dir, 'employees.csv', (t) => t.replace('A2,2023-03-01,,AE,South,1,90', 'A2,2023-03-01,,AE,,1,'));
    const p = buildPanel(await loadStudy(dir));
    const s = stackCourse(p, 'C01', 'revenue');
    const cols = s.covariates.columns;
    const a2 = Array.from({ length: s.n }, (_, r) => r).filter((r) => p.employees[s.employee[r]] === 'A2');
    expect(a2.length).toBeGreaterThan(0);
    const quota = cols.quota as Float64Array;
    const missing = cols.quota_missing as Float64Array;
    const others = Array.from({ length: s.n }, (_, r) => r).filter((r) => !a2.includes(r));
    const mean = others.reduce((t, r) => t + quota[r], 0) / others.length;
    for (const r of a2) {
      expect(missing[r]).toBe(1);
      expect(quota[r]).toBeCloseTo(mean, 12);
      expect((cols.region as string[])[r]).toBe(MISSING_LEVEL);
    }
    for (const r of others) expect(missing[r]).toBe(0);
    expect(Array.from(cols.market_index as Float64Array).every(Number.isFinite)).toBe(true);
    // Its missing rows are exactly the region's: that level already carries them, no second indicator.
    expect(s.covariates.names).not.toContain('market_index_missing');
    const problems = validateStudy(await loadStudy(dir)).filter((q) => q.file.endsWith('employees.csv'));
    expect(problems.map((q) => [q.severity, q.row, q.column])).toEqual([
      ['warning', 3, 'region'],
      ['warning', 3, 'quota'],
    ]);
  });
});

describe('a region called "(missing)" beside blank regions', () => {
  it('keeps the two apart: the blanks become `(missing 2)` in the stack, the panel input and the validation message', async () => {
    expect(missingLevelBeside(['East'])).toBe('(missing)');
    expect(missingLevelBeside(['(missing)', '(missing 2)'])).toBe('(missing 3)');
    const dir = copyStudy('test/fixtures/tiny-study');
    // A1 and A4 (North) become a region named "(missing)"; A2 (South) has no region.
    rewrite(dir, 'employees.csv', (t) =>
      t.replace('A1,2022-01-10,,AE,North', 'A1,2022-01-10,,AE,(missing)').replace('A4,2021-06-01,2024-10-20,SDR,North', 'A4,2021-06-01,2024-10-20,SDR,(missing)').replace('A2,2023-03-01,,AE,South', 'A2,2023-03-01,,AE,'),
    );
    const raw = await loadStudy(dir);
    const p = buildPanel(raw);
    expect(p.regionLevels).toContain('(missing)');
    const s = stackCourse(p, 'C01', 'revenue');
    const region = s.covariates.columns.region as string[];
    for (let r = 0; r < s.n; r++) {
      const who = p.employees[s.employee[r]];
      if (who === 'A2') expect(region[r]).toBe('(missing 2)');
      else if (who === 'A1' || who === 'A4') expect(region[r]).toBe('(missing)');
      else expect(['North', 'South']).toContain(region[r]);
    }
    const input = coursePanelInput(p, 'C01', 'revenue', { covariates: ['region'] });
    const names = (input.covariates ?? []).map((c) => c.name);
    expect(names).toContain('region=(missing 2)');
    expect(new Set(names).size).toBe(names.length);
    const warning = validateStudy(raw).find((q) => q.column === 'region');
    expect(warning?.message).toContain('`(missing 2)`');
  });
});
