import { describe, expect, it } from 'vitest';
import { loadStudy } from '../../src/data/load';
import { cleanStudy, parseLmsDate, parseLmsMonth } from '../../src/data/clean';
import { validateStudy } from '../../src/data/validate';
import { buildPanel } from '../../src/data/panel';
import { formatDay, formatMonth } from '../../src/data/schema';
import { copyStudy, rewrite } from './helpers';

const TINY = 'test/fixtures/tiny-study';

describe('parseLmsDate and parseLmsMonth', () => {
  it('read the formats LMS exports use', () => {
    const cases: [string, string][] = [
      ['2024-03-15', '2024-03-15'],
      ['2024/3/5', '2024-03-05'],
      ['2024-03-15T10:30:00Z', '2024-03-15'],
      ['2024-03-15 10:30', '2024-03-15'],
      ['15.03.2024', '2024-03-15'],
      ['03/15/2024', '2024-03-15'],
      ['15/03/2024', '2024-03-15'],
      ['03/04/2024', '2024-03-04'], // ambiguous: month first, as US exports write it
      [' 2024-03-15 ', '2024-03-15'],
    ];
    for (const [text, iso] of cases) expect(formatDay(parseLmsDate(text)), text).toBe(iso);
    for (const bad of ['2024-02-30', '13/13/2024', 'March 5', '', '2024-03']) expect(parseLmsDate(bad), bad).toBeNaN();
    expect(formatMonth(parseLmsMonth('2024/3'))).toBe('2024-03');
    expect(formatMonth(parseLmsMonth('03/2024'))).toBe('2024-03');
    expect(formatMonth(parseLmsMonth('2024-03-31'))).toBe('2024-03');
    expect(parseLmsMonth('2024-13')).toBeNaN();
  });
});

describe('cleanStudy', () => {
  it('reports every step, changing nothing in a clean study', async () => {
    const { steps, study } = cleanStudy(await loadStudy(TINY), { parseDates: true });
    expect(steps.map((s) => [s.step, s.changed])).toEqual([
      ['normalise ids', 0],
      ['trim text', 0],
      ['parse dates', 0],
      ['drop exact duplicates', 0],
      ['drop unknown employees and courses', 0],
    ]);
    expect(study.tables.outcomes!.nRows).toBe(67);
  });

  it('normalises ids, trims text, parses dates, drops duplicates and unknown employees, keeping file lines', async () => {
    const dir = copyStudy(TINY);
    rewrite(dir, 'training.csv', (s) =>
      s
        .replace('A1,C01,completed,2024-08-15,88', ' a1 ,c01, Completed ,08/15/2024,88')
        .concat('A6,C01,completed,2024-11-20,60\nZZ,C01,completed,2024-05-01,\nA2,C09,completed,2024-05-01,\n'),
    );
    rewrite(dir, 'employees.csv', (s) => s.replace('A2,2023-03-01,,AE,South', 'A2,01.03.2023,,AE , South'));
    const raw = await loadStudy(dir);
    expect(validateStudy(raw).filter((p) => p.severity === 'error').length).toBeGreaterThan(0);
    const { study, steps } = cleanStudy(raw, { parseDates: true });
    expect(steps).toEqual([
      { step: 'normalise ids', changed: 2, note: 'ids trimmed and upper-cased (cells changed): training 2' },
      { step: 'trim text', changed: 3, note: 'text trimmed, status lower-cased (cells changed): employees 2, training 1' },
      { step: 'parse dates', changed: 2, note: 'dates rewritten as YYYY-MM-DD, periods as YYYY-MM (cells changed): employees 1, training 1' },
      { step: 'drop exact duplicates', changed: 1, note: 'rows identical to an earlier row dropped: training 1' },
      {
        step: 'drop unknown employees and courses',
        changed: 2,
        note: 'rows for employees not in employees.csv or courses not in courses.csv dropped: training 2 (e.g. ZZ, A2)',
      },
    ]);
    expect(validateStudy(study).filter((p) => p.severity === 'error')).toEqual([]);
    // Lines still point into the file: the first training row kept is line 2, the duplicate (line 9) is gone.
    expect(Array.from(study.tables.training!.line)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    const panel = buildPanel(study);
    expect(panel.firstCompletion[0][0]).toBe(7); // A1's C01 in 2024-08 again
    expect(panel.regionLevels).toEqual(['North', 'South']);
  });

  it('leaves unknown employees in place when asked, and unreadable dates for validation', async () => {
    const dir = copyStudy(TINY);
    rewrite(dir, 'training.csv', (s) => s + 'ZZ,C01,completed,sometime,\n');
    const { study, steps } = cleanStudy(await loadStudy(dir), { parseDates: true, dropUnknown: false });
    expect(steps.map((s) => s.step)).not.toContain('drop unknown employees and courses');
    expect(steps.find((s) => s.step === 'parse dates')!.note).toMatch(/unreadable, left as is: training\.completed_on "sometime"/);
    const problems = validateStudy(study);
    expect(problems.some((p) => p.row === 9 && p.column === 'employee_id')).toBe(true);
    expect(problems.some((p) => p.row === 9 && p.column === 'completed_on')).toBe(true);
  });

  it('does not parse dates unless asked', async () => {
    const dir = copyStudy(TINY);
    rewrite(dir, 'training.csv', (s) => s.replace('2024-08-15', '08/15/2024'));
    const { study, steps } = cleanStudy(await loadStudy(dir));
    expect(steps.map((s) => s.step)).not.toContain('parse dates');
    expect(validateStudy(study).some((p) => p.column === 'completed_on' && p.severity === 'error')).toBe(true);
  });
});
