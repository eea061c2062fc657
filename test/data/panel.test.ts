import { describe, expect, it, beforeAll } from 'vitest';
import { loadStudy } from '../../src/data/load';
import { buildPanel, STILL_EMPLOYED, NEVER_COMPLETED, type Panel } from '../../src/data/panel';
import { panelTable } from '../../src/data/panel-table';
import { DataError } from '../../src/core/errors';
import { copyStudy, rewrite } from './helpers';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

const TINY = 'test/fixtures/tiny-study';

describe('buildPanel on the tiny study (see test/fixtures/tiny-study/README.md)', () => {
  let p: Panel;
  beforeAll(async () => {
    p = buildPanel(await loadStudy(TINY));
  });
  it('lays out periods, employees, courses and the catalogue', () => {
    expect(p.periods).toEqual(['2024-01', '2024-02', '2024-03', '2024-04', '2024-05', '2024-06', '2024-07', '2024-08', '2024-09', '2024-10', '2024-11', '2024-12']);
    expect(p.employees).toEqual(['A1', 'A2', 'A3', 'A4', 'A5', 'A6']);
    expect(p.courses).toEqual(['C01', 'C02', 'C03']);
    expect(p.courseInfo[0]).toEqual({ id: 'C01', title: 'Consultative Selling', costPerLearner: 1200, hours: 16 });
    expect(p.roleLevels).toEqual(['AE', 'SDR']);
    expect(p.regionLevels).toEqual(['North', 'South']);
    expect(Array.from(p.role)).toEqual([0, 0, 1, 1, 0, 0]);
    expect(Array.from(p.level)).toEqual([2, 1, 1, 1, 3, 2]);
    expect(Array.from(p.extraCovariates.quota)).toEqual([100, 90, 40, 50, 120, 110]);
  });
  it('places hires and terminations on the period axis', () => {
    // A1 hired 2022-01 = 24 months before 2024-01; A3 hired 2024-05 = period 4; A4 left 2024-10 = period 9.
    expect(Array.from(p.hirePeriod)).toEqual([-24, -10, 4, -31, -47, -52]);
    expect(Array.from(p.termPeriod)).toEqual([STILL_EMPLOYED, STILL_EMPLOYED, STILL_EMPLOYED, 9, STILL_EMPLOYED, STILL_EMPLOYED]);
  });
  it('keeps observed months within employment only', () => {
    // 12 + 11 (A2 misses March) + 8 (A3 from May) + 10 (A4 until October) + 12 + 12.
    expect(p.nRows).toBe(65);
    const a4 = [];
    for (let j = 0; j < p.nRows; j++) if (p.rowEmployee[j] === 3) a4.push(p.metrics.revenue[j]);
    expect(a4).toEqual(new Array(10).fill(200)); // the 999s after leaving are gone
    for (let j = 1; j < p.nRows; j++) {
      const order = p.rowEmployee[j] - p.rowEmployee[j - 1] || p.rowPeriod[j] - p.rowPeriod[j - 1];
      expect(order).toBeGreaterThan(0);
    }
  });
  it('records first completions, scores, repeats and drop-outs', () => {
    expect(Array.from(p.firstCompletion[0])).toEqual([7, NEVER_COMPLETED, NEVER_COMPLETED, NEVER_COMPLETED, 7, 10]);
    expect(Array.from(p.firstCompletion[1])).toEqual([-1, -1, -1, 2, -1, -1]);
    expect(Array.from(p.firstCompletion[2])).toEqual([-1, -1, -1, -1, -1, -1]);
    expect(Array.from(p.firstScore[0]).map((v) => (Number.isNaN(v) ? null : v))).toEqual([88, null, null, null, 72, 60]);
    expect(Array.from(p.completions.employee)).toEqual([0, 3, 4, 4, 5]);
    expect(Array.from(p.completions.period)).toEqual([7, 2, 7, 9, 10]);
    expect(Array.from(p.dropouts.employee)).toEqual([4]);
  });
  it('joins context by period and region', () => {
    const j = 0; // A1 (North), 2024-01
    expect(p.context.market_index[j]).toBeCloseTo(1.01, 12);
    const a2 = p.rowEmployee.indexOf(1);
    expect(p.context.market_index[a2]).toBe(2);
  });
  it('gives people an arquero table', () => {
    const t = panelTable(p);
    expect(t.numRows()).toBe(65);
    expect(t.get('trained_C01', 7)).toBe(1);
    expect(t.get('trained_C01', 6)).toBe(0);
    expect(t.get('tenure', 0)).toBe(24);
  });
});

describe('buildPanel stops on what makes a panel impossible', () => {
  it('names file, row and column of a repeated employee-month', async () => {
    const dir = copyStudy(TINY);
    rewrite(dir, 'outcomes.csv', (s) => s + 'A1,2024-02,1,1\n');
    await expect(async () => buildPanel(await loadStudy(dir))).rejects.toThrow(/outcomes\.csv row 69, column `period`: employee "A1" has a second row for 2024-02/);
  });
  it('names an unknown employee', async () => {
    const dir = copyStudy(TINY);
    rewrite(dir, 'training.csv', (s) => s + 'ZZ9,C01,completed,2024-05-01,\n');
    await expect(async () => buildPanel(await loadStudy(dir))).rejects.toThrow(DataError);
    await expect(async () => buildPanel(await loadStudy(dir))).rejects.toThrow(/training\.csv row 9, column `employee_id`: unknown employee "ZZ9"/);
  });
  it('names an unreadable date', async () => {
    const dir = copyStudy(TINY);
    rewrite(dir, 'employees.csv', (s) => s.replace('2023-03-01', '03/01/2023'));
    await expect(async () => buildPanel(await loadStudy(dir))).rejects.toThrow(/employees\.csv row 3, column `hire_date`: expected a date YYYY-MM-DD, got "03\/01\/2023"/);
  });
});

describe('buildPanel with optional files missing or simpler', () => {
  it('takes the courses from training when there is no catalogue', async () => {
    const dir = copyStudy(TINY);
    rmSync(join(dir, 'courses.csv'));
    const p = buildPanel(await loadStudy(dir));
    expect(p.courses).toEqual(['C01', 'C02']);
    expect(p.courseInfo[0].title).toBe('C01');
    expect(p.courseInfo[0].costPerLearner).toBeNaN();
  });
  it('joins context by each employee\'s own region when employees.csv is not sorted by id', async () => {
    // The same study with employees.csv's rows reversed (A6 first): the panel is by sorted id, and
    // each employee keeps its own region's market index (North 1.0x, South 2.00).
    const dir = copyStudy(TINY);
    rewrite(dir, 'employees.csv', (text) => {
      const [head, ...rows] = text.trim().split('\n');
      return [head, ...rows.reverse()].join('\n') + '\n';
    });
    const p = buildPanel(await loadStudy(TINY));
    const q = buildPanel(await loadStudy(dir));
    expect(q.employees).toEqual(p.employees);
    expect(Array.from(q.region)).toEqual(Array.from(p.region));
    for (let j = 0; j < q.nRows; j++) {
      const south = q.regionLevels[q.region[q.rowEmployee[j]]] === 'South';
      expect(south ? q.context.market_index[j] === 2 : q.context.market_index[j] < 1.5, `row ${j}`).toBe(true);
    }
    expect(Array.from(q.context.market_index)).toEqual(Array.from(p.context.market_index));
  });
  it('keeps the best score of two completions of a course on one day, whichever row comes first', async () => {
    for (const before of [true, false]) {
      const dir = copyStudy(TINY);
      rewrite(dir, 'training.csv', (t) =>
        before ? t.replace('A6,C01,completed,2024-11-20,60', 'A6,C01,completed,2024-11-20,85\nA6,C01,completed,2024-11-20,60') : t + 'A6,C01,completed,2024-11-20,85\n',
      );
      const q = buildPanel(await loadStudy(dir));
      expect(q.firstScore[0][5], before ? 'the better row first' : 'the better row last').toBe(85);
    }
  });
  it('joins a context without region by period alone, and works without context', async () => {
    const dir = copyStudy(TINY);
    rewrite(dir, 'context.csv', () => 'period,price_change\n' + Array.from({ length: 12 }, (_, m) => `2024-${String(m + 1).padStart(2, '0')},${m / 100}`).join('\n') + '\n');
    const p = buildPanel(await loadStudy(dir));
    expect(p.contextNames).toEqual(['price_change']);
    expect(p.context.price_change[11]).toBeCloseTo(0.11, 12); // A1, December
    rmSync(join(dir, 'context.csv'));
    expect(buildPanel(await loadStudy(dir)).contextNames).toEqual([]);
  });
});
