import { describe, expect, it } from 'vitest';
import {
  completionsByMonth,
  completionsByMonthPlot,
  courseUptakePlot,
  metricTrendPlot,
  outcomeCoverage,
  outcomeCoveragePlot,
  problemCountsPlot,
  problemSummary,
  type GlancePanel,
} from '../../src/plot/data-charts';

const STILL = 2147483647;

// Four employees over three months, checkable by eye:
//   e0 AE  hired long ago, still employed; revenue 10, –, 30; first took A in Feb
//   e1 AE  hired Jan, left in Feb;          revenue 5, 7;     dropped A twice
//   e2 SDR hired Feb;                       revenue –, 9;     took A before the data, B in Mar; dropped B
//   e3 SDR left in Jan;                     revenue 1;        took A in Jan
function tinyPanel(): GlancePanel {
  return {
    periods: ['2024-01', '2024-02', '2024-03'],
    courses: ['A', 'B'],
    courseInfo: [
      { id: 'A', title: 'Negotiation', costPerLearner: NaN, hours: NaN },
      { id: 'B', title: 'B', costPerLearner: NaN, hours: NaN },
    ],
    hirePeriod: Int32Array.from([-5, 0, 1, -1]),
    termPeriod: Int32Array.from([STILL, 1, STILL, 0]),
    firstCompletion: [Int32Array.from([1, -1, -2, 0]), Int32Array.from([-1, -1, 2, -1])],
    dropouts: { employee: Int32Array.from([1, 1, 2]), course: Int32Array.from([0, 0, 1]) },
    nRows: 8,
    rowEmployee: Int32Array.from([0, 0, 0, 1, 1, 2, 2, 3]),
    rowPeriod: Int32Array.from([0, 1, 2, 0, 1, 1, 2, 0]),
    metricNames: ['revenue'],
    metrics: { revenue: Float64Array.from([10, NaN, 30, 5, 7, NaN, 9, 1]) },
    role: Int32Array.from([0, 0, 1, 1]),
    roleLevels: ['AE', 'SDR'],
    region: Int32Array.from([0, 0, 0, -1]),
    regionLevels: ['North'],
  };
}

describe('completionsByMonth', () => {
  it('counts first completions per course and month, and those before the data separately', () => {
    const c = completionsByMonth(tinyPanel());
    expect(Array.from(c.counts[0])).toEqual([1, 1, 0]);
    expect(Array.from(c.counts[1])).toEqual([0, 0, 1]);
    expect(Array.from(c.beforeData)).toEqual([1, 0]);
  });

  it('plots one stacked bar series per course, labelled with its title', () => {
    const spec = completionsByMonthPlot(tinyPanel());
    expect(spec.data.map((d) => d.name)).toEqual(['A Negotiation', 'B']);
    expect(spec.data[0].y).toEqual([1, 1, 0]);
    expect(spec.layout.barmode).toBe('stack');
  });
});

describe('outcomeCoverage', () => {
  it('counts employed employees per month from hire and termination months', () => {
    const c = outcomeCoverage(tinyPanel());
    expect(Array.from(c.employed)).toEqual([3, 3, 2]);
    expect(Array.from(c.observed.revenue)).toEqual([3, 1, 2]);
    expect(Array.from(c.coverage.revenue)).toEqual([1, 1 / 3, 1]);
  });

  it('plots coverage in percent over the headcount', () => {
    const spec = outcomeCoveragePlot(tinyPanel());
    expect(spec.data[0].y).toEqual([3, 3, 2]);
    expect(spec.data[1].y).toEqual([100, 33.3, 100]);
  });
});

describe('metricTrendPlot', () => {
  it('averages a metric per month and group, blanking cells below the minimum group size', () => {
    const spec = metricTrendPlot(tinyPanel(), 'revenue', { by: 'role', minGroupSize: 2 });
    expect(spec.data.map((d) => d.name)).toEqual(['AE', 'SDR']);
    expect(spec.data[0].y).toEqual([7.5, null, null]);
    expect(spec.data[1].y).toEqual([null, null, null]);
  });

  it('shows every cell when the minimum is 1, and skips employees without a region', () => {
    expect(metricTrendPlot(tinyPanel(), 'revenue', { minGroupSize: 1 }).data[1].y).toEqual([1, null, 9]);
    expect(metricTrendPlot(tinyPanel(), 'revenue', { by: 'region', minGroupSize: 1 }).data[0].y).toEqual([7.5, 7, 19.5]);
  });

  it('uses a minimum group size of 5 by default', () => {
    expect(metricTrendPlot(tinyPanel(), 'revenue').data[0].y).toEqual([null, null, null]);
  });

  it('names the metrics it knows when given another', () => {
    expect(() => metricTrendPlot(tinyPanel(), 'profit')).toThrow(/metricTrendPlot: `metric` must be one of revenue, got "profit"/);
  });
});

describe('courseUptakePlot', () => {
  it('counts completers (including before the data) and distinct drop-outs per course', () => {
    const spec = courseUptakePlot(tinyPanel());
    expect(spec.data[0].x).toEqual([3, 1]);
    expect(spec.data[1].x).toEqual([1, 1]);
  });
});

describe('problemCountsPlot', () => {
  it('counts problems per file and severity', () => {
    const spec = problemCountsPlot([
      { severity: 'error', file: 'data/x/training.csv', row: 3, column: 'completed_on', message: 'not a date' },
      { severity: 'warning', file: 'data/x/training.csv', row: 4, column: 'score', message: 'above 100' },
      { severity: 'error', file: 'data/x/employees.csv', row: 2, column: 'hire_date', message: 'not a date' },
    ]);
    expect(spec.data[0].x).toEqual(['employees.csv', 'training.csv']);
    expect(spec.data[0].y).toEqual([1, 1]);
    expect(spec.data[1].y).toEqual([0, 1]);
  });
});

describe('problemSummary', () => {
  it('groups by severity, file and column with a count, the first row and an example, errors first', () => {
    const groups = problemSummary([
      { severity: 'warning', file: 'd/training.csv', row: null, column: 'course_id', message: 'ids with stray spaces' },
      { severity: 'error', file: 'd/training.csv', row: 9, column: 'completed_on', message: 'expected a date, got "03/15/2024"' },
      { severity: 'error', file: 'd/training.csv', row: 4, column: 'completed_on', message: 'expected a date, got "15.03.2024"' },
      { severity: 'error', file: 'd/employees.csv', row: 7, column: 'hire_date', message: 'expected a date' },
    ]);
    expect(groups).toEqual([
      { severity: 'error', file: 'employees.csv', column: 'hire_date', count: 1, firstRow: 7, example: 'expected a date' },
      { severity: 'error', file: 'training.csv', column: 'completed_on', count: 2, firstRow: 4, example: 'expected a date, got "03/15/2024"' },
      { severity: 'warning', file: 'training.csv', column: 'course_id', count: 1, firstRow: null, example: 'ids with stray spaces' },
    ]);
  });
  it("counts validation's closing line \"N more rows: …\" as the N rows it stands for, in the table and the bars", () => {
    const problems = [
      { severity: 'warning' as const, file: 'd/employees.csv', row: 2, column: 'manager_rating', message: 'manager_rating is empty' },
      { severity: 'warning' as const, file: 'd/employees.csv', row: null, column: 'manager_rating', message: '30 more rows: empty manager_rating', rows: 30 },
    ];
    expect(problemSummary(problems)[0].count).toBe(31);
    expect(problemCountsPlot(problems).data[1].y).toEqual([31]);
  });
});
