// A hand-made study result for the report tests: four courses, one with a
// hostile title, one too small to show, truth on every course, and
// diagnostics that carry individual employee ids the report must never print.
import type { Estimate } from '../../src/core/estimate';
import type { StudyResult } from '../../src/core/study-result';
import type { ReportChart } from '../../src/report/render-report';

export const HOSTILE_TITLE = '<script>window.__pwned = 1</script>Negotiation & "Closing"';
export const EMPLOYEE_IDS = ['E00017', 'E00342', 'E01999'];

function est(course: string, method: string, estimate: number, se: number, nTreated: number, nControl: number, diagnostics: Record<string, unknown> = {}): Estimate {
  return { course, method, estimand: 'ATT', estimate, se, ci: [estimate - 1.96 * se, estimate + 1.96 * se], nTreated, nControl, diagnostics };
}

export const SMALL_COURSE_ESTIMATE = 4321.5;

export function studyFixture(): StudyResult {
  const estimates: Estimate[] = [
    est('C01', 'naive_difference', 1510, 120, 310, 1450),
    est('C01', 'before_after', 1190, 140, 310, 0),
    est('C01', 'aipw', 842.3, 95.1, 310, 1450, {
      matchedPairs: [[EMPLOYEE_IDS[0], EMPLOYEE_IDS[1]]],
      weights: { [EMPLOYEE_IDS[2]]: 3.2 },
      warnings: ['12 controls with weights above 10 were trimmed'],
    }),
    est('C01', 'did_staggered', 801.7, 110.4, 310, 1200),
    est('C02', 'naive_difference', 655, 80, 420, 1300),
    est('C02', 'aipw', 12.4, 60.2, 420, 1300),
    est('C02', 'did_staggered', -20.9, 71.5, 420, 1100),
    est('C03', 'aipw', 300.2, 250.1, 45, 900),
    est('C04', 'aipw', SMALL_COURSE_ESTIMATE, 900, 3, 800),
  ];
  const byKey = (c: string, m: string) => estimates.find((e) => e.course === c && e.method === m)!;
  return {
    outcome: 'revenue',
    window: [1, 12],
    data: { employees: 2000, courses: 4, completions: 778, periods: ['2024-01', '2025-12'], warnings: ['outcomes.csv: 37 employee-months missing'] },
    estimates,
    eventStudy: [
      {
        course: 'C01',
        method: 'did_staggered',
        path: [-3, -2, -1, 0, 1, 2, 3].map((e) => ({ e, estimate: e < 1 ? 5 * e : 300 * e, se: 40 })),
        preTrend: { statistic: 3.1, df: 5, pValue: 0.68 },
      },
    ],
    attribution: [
      { model: 'linear', credit: { C01: 0.5, C02: 0.3, C03: 0.15, C04: 0.05 } },
      { model: 'causal', credit: { C01: 0.8, C02: 0.05, C03: 0.15, C04: 0 }, incremental: { C01: 3.1e6, C02: 2e5, C03: 5.8e5, C04: 0 } },
    ],
    roi: [
      { course: 'C01', benefit: 3.13e6, cost: 8.1e5, roi: 2.87, ci: [1.9, 3.8], bcr: 3.87, method: 'aipw' },
      { course: 'C02', benefit: 0, cost: 4.4e5, roi: -1, ci: [-1, -1], bcr: 0, method: 'aipw' },
      { course: 'C04', benefit: 9e4, cost: 3e3, roi: 29, ci: [2, 50], bcr: 30, method: 'aipw' },
    ],
    verdicts: [
      { course: 'C01', verdict: 'effective', reason: 'The selection-robust methods agree on a clear gain; the naive difference overstates it.', recommended: byKey('C01', 'aipw') },
      { course: 'C02', verdict: 'no detectable effect', reason: 'Once prior results are accounted for, the gain disappears.', recommended: byKey('C02', 'aipw') },
      { course: 'C03', verdict: 'too early to judge', reason: 'Only 45 completions so far; the interval is wide.', recommended: byKey('C03', 'aipw') },
      { course: 'C04', verdict: 'effective', reason: 'Tiny pilot.', recommended: byKey('C04', 'aipw') },
    ],
    courseTitles: { C01: 'Consultative Selling', C02: 'Time Management', C03: HOSTILE_TITLE, C04: 'Pilot: Executive Coaching' },
    problems: [
      { severity: 'error', file: 'training.csv', row: 17, column: 'completed_on', message: 'completion date "2024-13-01" is not a date (expected YYYY-MM-DD)' },
      { severity: 'warning', file: 'outcomes.csv', row: null, column: 'revenue', message: 'negative value <b>-5</b> in 2 rows' },
    ],
    cleaning: [{ step: 'dropDuplicates', changed: 14, note: 'removed exact duplicate rows in training.csv' }],
    comparison: { truth: { C01: { revenue: { att: 850 } }, C02: { revenue: { att: 0 } }, C03: { revenue: { att: 400 } }, C04: { revenue: { att: 100 } } } },
    notes: ['Revenue is in euros per employee-month.'],
    reproducibility: { version: '0.1.0', seed: 7, generatedBy: 'trainlift study data/sample', fingerprints: { 'employees.csv': 'sha256:1a2b3c', 'training.csv': 'sha256:4d5e6f' } },
  };
}

export function chartsFixture(): ReportChart[] {
  const bar = (title: string, x: string[], y: number[]) => ({
    data: [{ type: 'bar', x, y, name: title }],
    layout: { title: { text: title }, xaxis: { title: { text: 'course' } }, yaxis: { title: { text: 'revenue' } }, showlegend: true },
  });
  return [
    {
      section: 'forest plot',
      title: 'Every method, every course',
      spec: {
        data: [{ type: 'scatter', mode: 'markers', x: [842, 801, 1510], y: ['aipw', 'did_staggered', 'naive_difference'], error_x: { type: 'data', array: [186, 216, 235] }, name: 'C01' }],
        layout: { title: { text: 'Estimates with 95 % intervals' }, xaxis: { title: { text: 'revenue per employee-month' } } },
      },
      caption: 'Dots are estimates, bars their 95 % intervals.',
    },
    {
      section: 'event study',
      title: 'C01 month by month',
      spec: {
        data: [{ type: 'scatter', mode: 'lines+markers', x: [-3, -2, -1, 0, 1, 2, 3], y: [-15, -10, -5, 0, 300, 600, 900], name: 'did_staggered' }],
        layout: { xaxis: { title: { text: 'months since completion' } }, yaxis: { title: { text: 'effect' } } },
      },
    },
    { section: 'balance', title: 'Standardised differences before and after weighting', spec: bar('Balance', ['tenure', 'level', 'y_pre'], [0.02, 0.05, 0.01]) },
    { section: 'attribution', title: 'Credit by model', spec: bar('Credit', ['C01', 'C02'], [0.5, 0.3]) },
    { section: 'roi', title: 'ROI with intervals', spec: bar('ROI', ['C01', 'C02'], [287, -100]) },
    { section: 'roi', title: 'Pilot cohort breakdown', spec: bar('Pilot', ['C04'], [9e4]), groupSize: 3 },
    {
      section: 'attribution',
      title: 'Journeys between courses',
      spec: {
        data: [{ type: 'sankey', node: { label: ['C01', 'C02', 'C03'] }, link: { source: [0, 0], target: [1, 2], value: [40, 25] } }],
        layout: {},
      },
    },
    {
      section: 'attribution',
      title: 'Transition probabilities',
      spec: {
        data: [{ type: 'heatmap', x: ['C01', 'C02'], y: ['C01', 'C02'], z: [[0, 0.4], [0.2, 0]], colorscale: 'Blues' }],
        layout: { xaxis: { title: { text: 'to' } }, yaxis: { title: { text: 'from' } } },
      },
    },
  ];
}
