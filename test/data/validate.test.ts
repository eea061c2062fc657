import { describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadStudy } from '../../src/data/load';
import { hasErrors, validateStudy } from '../../src/data/validate';
import type { Problem } from '../../src/data/schema';
import { copyStudy, rewrite } from './helpers';

const TINY = 'test/fixtures/tiny-study';

/** The problems of a copy of the tiny study after one edit, with file names shortened. */
async function problemsAfter(edit: (dir: string) => void): Promise<Problem[]> {
  const dir = copyStudy(TINY);
  edit(dir);
  return validateStudy(await loadStudy(dir)).map((p) => ({ ...p, file: basename(p.file) }));
}

function expectProblem(problems: Problem[], want: Partial<Omit<Problem, 'message'>> & { message: RegExp }): void {
  const hit = problems.find(
    (p) =>
      (want.severity === undefined || p.severity === want.severity) &&
      (want.file === undefined || p.file === want.file) &&
      (want.row === undefined || p.row === want.row) &&
      (want.column === undefined || p.column === want.column) &&
      want.message.test(p.message),
  );
  expect(hit, `no problem like ${JSON.stringify({ ...want, message: String(want.message) })} in ${JSON.stringify(problems, null, 1)}`).toBeDefined();
}

describe('validateStudy', () => {
  it('finds no error in the tiny study, only the ignored months after a termination', async () => {
    const problems = await problemsAfter(() => {});
    expect(hasErrors(problems)).toBe(false);
    expect(problems).toEqual([
      { severity: 'warning', file: 'outcomes.csv', row: 60, column: 'period', message: "2 rows fall before the employee's hire month or after the termination month; they are ignored" },
    ]);
  });
  it('finds nothing at all in the bundled sample company', async () => {
    expect(validateStudy(await loadStudy('data/sample'))).toEqual([]);
  });
  it('reports a missing required file', async () => {
    const problems = await problemsAfter((d) => rmSync(join(d, 'training.csv')));
    expectProblem(problems, { severity: 'error', file: 'training.csv', row: null, message: /required file training\.csv \(or training\.parquet\) is missing/ });
  });
  it('reports a missing required column', async () => {
    const problems = await problemsAfter((d) => rewrite(d, 'employees.csv', (s) => s.replace('hire_date', 'start_date')));
    expectProblem(problems, { severity: 'error', file: 'employees.csv', row: 1, column: 'hire_date', message: /required column `hire_date` is missing/ });
  });
  it('matches column names ignoring case and spaces', async () => {
    const problems = await problemsAfter((d) => rewrite(d, 'employees.csv', (s) => s.replace('employee_id,hire_date', ' Employee_ID ,HIRE_DATE')));
    expect(hasErrors(problems)).toBe(false);
  });
  it('reports an empty file and a header-only file', async () => {
    const empty = await problemsAfter((d) => writeFileSync(join(d, 'employees.csv'), ''));
    expectProblem(empty, { severity: 'error', file: 'employees.csv', message: /the file is empty/ });
    const headerOnly = await problemsAfter((d) => writeFileSync(join(d, 'training.csv'), 'employee_id,course_id,status,completed_on,score\n'));
    expectProblem(headerOnly, { severity: 'error', file: 'training.csv', message: /header but no rows/ });
  });
  it('reports a header that is not comma-separated', async () => {
    const problems = await problemsAfter((d) => rewrite(d, 'courses.csv', (s) => s.replace(/,/g, ';')));
    expectProblem(problems, { severity: 'error', file: 'courses.csv', row: 1, message: /separated by semicolons, expected commas/ });
  });
  it('reports unparseable dates and months', async () => {
    const dates = await problemsAfter((d) => rewrite(d, 'training.csv', (s) => s.replace('2024-08-15', '15.08.2024')));
    expectProblem(dates, { severity: 'error', file: 'training.csv', row: 2, column: 'completed_on', message: /expected a date YYYY-MM-DD, got "15\.08\.2024"/ });
    const impossible = await problemsAfter((d) => rewrite(d, 'employees.csv', (s) => s.replace('2023-03-01', '2023-02-30')));
    expectProblem(impossible, { severity: 'error', file: 'employees.csv', row: 3, column: 'hire_date', message: /got "2023-02-30"/ });
    const months = await problemsAfter((d) => rewrite(d, 'outcomes.csv', (s) => s.replace('A1,2024-02,', 'A1,Feb 2024,')));
    expectProblem(months, { severity: 'error', file: 'outcomes.csv', row: 7, column: 'period', message: /expected a month YYYY-MM, got "Feb 2024"/ });
  });
  it('warns of a metric value far outside its usual range, naming row and column', async () => {
    const typo = await problemsAfter((d) => rewrite(d, 'outcomes.csv', (s) => s.replace('A1,2024-02,200,2', 'A1,2024-02,2000000,2')));
    expectProblem(typo, { severity: 'warning', file: 'outcomes.csv', row: 7, column: 'revenue', message: /^revenue 2000000 lies \d+ typical deviations from the median .*check it/ });
    expect(hasErrors(typo)).toBe(false);
    const plain = await problemsAfter(() => undefined);
    expect(plain.some((p) => /typical deviations/.test(p.message))).toBe(false);
    // Many such values are the metric's long tail, not typos: nothing is said.
    const tail = await problemsAfter((d) => rewrite(d, 'outcomes.csv', (s) => s.replace(/^(A[56],2024-0[1-3]),\d+,/gm, '$1,2000000,')));
    expect(tail.some((p) => /typical deviations/.test(p.message))).toBe(false);
  });
  it('reports duplicate keys: employee, course, employee × period', async () => {
    const emp = await problemsAfter((d) => rewrite(d, 'employees.csv', (s) => s + 'a1 ,2020-01-01,,AE,North,1,1\n'));
    expectProblem(emp, { severity: 'error', file: 'employees.csv', row: 8, column: 'employee_id', message: /employee "A1" already appears at row 2/ });
    const crs = await problemsAfter((d) => rewrite(d, 'courses.csv', (s) => s + 'C02,Again,1,1\n'));
    expectProblem(crs, { severity: 'error', file: 'courses.csv', row: 5, column: 'course_id', message: /course "C02" already appears at row 3/ });
    const out = await problemsAfter((d) => rewrite(d, 'outcomes.csv', (s) => s + 'A1,2024-02,7,1\n'));
    expectProblem(out, { severity: 'error', file: 'outcomes.csv', row: 69, column: 'period', message: /employee "A1" already has a row for 2024-02 at row 7/ });
  });
  it('warns about exact duplicate rows and ids not in normal form', async () => {
    const problems = await problemsAfter((d) => rewrite(d, 'training.csv', (s) => s + 'A6,C01,completed,2024-11-20,60\n a5,C02,dropped,,\n'));
    expectProblem(problems, { severity: 'warning', file: 'training.csv', row: 9, message: /exact duplicate of row 8/ });
    expectProblem(problems, { severity: 'warning', file: 'training.csv', row: 10, column: 'employee_id', message: /1 ids have stray spaces or lower case \(first: " a5"\); they are matched as "A5"/ });
  });
  it('reports training and outcomes for unknown employees or courses', async () => {
    const tr = await problemsAfter((d) => rewrite(d, 'training.csv', (s) => s + 'Z9,C01,completed,2024-05-01,\nA1,C99,completed,2024-05-01,\n'));
    expectProblem(tr, { severity: 'error', file: 'training.csv', row: 9, column: 'employee_id', message: /unknown employee "Z9"/ });
    expectProblem(tr, { severity: 'error', file: 'training.csv', row: 10, column: 'course_id', message: /unknown course "C99"/ });
    const out = await problemsAfter((d) => rewrite(d, 'outcomes.csv', (s) => s + 'Z9,2024-05,1,1\n'));
    expectProblem(out, { severity: 'error', file: 'outcomes.csv', row: 69, column: 'employee_id', message: /unknown employee "Z9"/ });
  });
  it('reports completions before hire, after termination, and after the outcome data', async () => {
    const problems = await problemsAfter((d) =>
      rewrite(d, 'training.csv', (s) => s + 'A3,C01,completed,2024-01-15,\nA4,C01,completed,2024-11-01,\nA1,C02,completed,2025-03-01,\n'),
    );
    expectProblem(problems, { severity: 'error', file: 'training.csv', row: 9, column: 'completed_on', message: /completed 2024-01-15, before the hire date of "A3"/ });
    expectProblem(problems, { severity: 'error', file: 'training.csv', row: 10, column: 'completed_on', message: /completed 2024-11-01, after the termination date of "A4"/ });
    expectProblem(problems, { severity: 'warning', file: 'training.csv', row: 11, column: 'completed_on', message: /after the last outcome month/ });
  });
  it('reports statuses outside the allowed set, a completion without a date, and scores outside 0-100', async () => {
    const problems = await problemsAfter((d) =>
      rewrite(d, 'training.csv', (s) => s.replace('A1,C01,completed,2024-08-15,88', 'A1,C01,completed,2024-08-15,120') + 'A2,C01,finished,2024-05-01,\nA2,C02,completed,,\n'),
    );
    expectProblem(problems, { severity: 'error', file: 'training.csv', row: 2, column: 'score', message: /expected a score in \[0, 100\], got 120/ });
    expectProblem(problems, { severity: 'error', file: 'training.csv', row: 9, column: 'status', message: /expected completed, dropped or in_progress, got "finished"/ });
    expectProblem(problems, { severity: 'error', file: 'training.csv', row: 10, column: 'completed_on', message: /a completed record needs a completion date/ });
  });
  it('accepts status in any case', async () => {
    const problems = await problemsAfter((d) => rewrite(d, 'training.csv', (s) => s.replace('A5,C01,dropped', 'A5,C01,Dropped')));
    expect(hasErrors(problems)).toBe(false);
  });
  it('reports non-numeric and impossible metric values', async () => {
    const problems = await problemsAfter((d) => rewrite(d, 'outcomes.csv', (s) => s.replace('A1,2024-03,300,', 'A1,2024-03,3OO,').replace('A1,2024-04,400,', 'A1,2024-04,-400,')));
    expectProblem(problems, { severity: 'error', file: 'outcomes.csv', row: 12, column: 'revenue', message: /expected a number, got "3OO"/ });
    expectProblem(problems, { severity: 'error', file: 'outcomes.csv', row: 16, column: 'revenue', message: /expected a value ≥ 0, got -400/ });
  });
  it('lets a metric named as a change be negative, and bounds rates by 1', async () => {
    const change = await problemsAfter((d) => rewrite(d, 'outcomes.csv', (s) => s.replace('revenue,', 'revenue_change,').replace('A1,2024-04,400,', 'A1,2024-04,-400,')));
    expect(hasErrors(change)).toBe(false);
    const rate = await problemsAfter((d) => rewrite(d, 'outcomes.csv', (s) => s.replace('deals_won', 'win_rate')));
    expectProblem(rate, { severity: 'error', file: 'outcomes.csv', row: 2, column: 'win_rate', message: /expected a rate in \[0, 1\], got 2/ });
    // 67 rows break the rule: 20 are listed, one line counts the rest.
    expect(rate.filter((p) => p.column === 'win_rate' && p.row !== null)).toHaveLength(20);
    expectProblem(rate, { severity: 'error', file: 'outcomes.csv', row: null, column: 'win_rate', message: /^47 more rows: win_rate must be ≤ 1$/ });
  });
  it('reports a termination before the hire date', async () => {
    const problems = await problemsAfter((d) => rewrite(d, 'employees.csv', (s) => s.replace('2021-06-01,2024-10-20', '2021-06-01,2020-10-20')));
    expectProblem(problems, { severity: 'error', file: 'employees.csv', row: 5, column: 'termination_date', message: /before the hire date/ });
  });
  it('reports duplicate context rows', async () => {
    const problems = await problemsAfter((d) => rewrite(d, 'context.csv', (s) => s + '2024-03,north,1\n'));
    expectProblem(problems, { severity: 'error', file: 'context.csv', row: 26, column: 'period', message: /period and region already given at row 6/ });
  });
  it('finds every kind of fault in the messy sample', async () => {
    const problems = validateStudy(await loadStudy('data/sample-messy'));
    const kinds = new Set(problems.map((p) => `${p.severity} ${basename(p.file)} ${p.column}`));
    for (const k of [
      'error employees.csv hire_date',
      'error training.csv completed_on',
      'error training.csv employee_id',
      'error outcomes.csv employee_id',
      'error outcomes.csv period',
      'warning training.csv employee_id',
      'warning outcomes.csv null',
    ]) {
      expect(kinds.has(k), k).toBe(true);
    }
  });
});
