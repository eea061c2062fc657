import type { StudyResult } from '../core/study-result';
import type { BalanceRow } from '../causal/balance';
import type { PlotSpec } from '../plot/display';
import { lovePlot } from '../plot/balance';
import { creditByModelPlot } from '../plot/attribution';
import { eventStudyPlot } from '../plot/event-study';
import { forestPlot } from '../plot/forest';
import { roiPlot } from '../plot/roi';
import type { CourseEstimation } from './estimate-course';
import type { ReportChart } from '../report/render-report';

export type { ReportChart };



/**
 * The report's charts from a study: per course the forest plot of every
 * method (with the truth when known), the event study with its band (and the
 * true path when known) and the covariate balance of the matching; then the
 * attribution models side by side and ROI.
 *
 * @example
 * studyCharts(result, courses, truthPaths).map((c) => c.section); // => ['forest plot', 'event study', 'balance', ..., 'roi']
 */
export function studyCharts(
  result: StudyResult,
  courses: CourseEstimation[],
  truthPaths: Record<string, Record<string, number>> = {},
): ReportChart[] {
  const charts: ReportChart[] = [];
  const titles = result.courseTitles ?? {};
  const truth = (result.comparison as { truth?: Record<string, number> } | undefined)?.truth ?? {};
  const unit = `${result.outcome} per employee-month`;
  for (const ce of courses) {
    const name = `${titles[ce.course] ?? ce.course} (${ce.course})`;
    if (ce.estimates.length > 0) {
      charts.push({
        section: 'forest plot',
        title: `${name}: every method`,
        spec: forestPlot(ce.estimates, { truth: truth[ce.course], title: `${name}: effect on ${unit}`, xTitle: unit }),
        caption: 'Each method\'s estimate with its 95% interval' + (truth[ce.course] !== undefined ? '; the dashed line is the true effect.' : '.'),
      });
    }
    const es = result.eventStudy.find((p) => p.course === ce.course);
    if (es && es.path.some((p) => Number.isFinite(p.estimate))) {
      charts.push({
        section: 'event study',
        title: `${name}: effect by months since completion`,
        spec: eventStudyPlot(
          es.path.filter((p) => Number.isFinite(p.estimate)),
          { truth: truthPaths[ce.course], title: `${name}: effect by months since completion`, yTitle: unit },
        ),
        caption: 'Staggered DiD by event time; months before 0 should sit on zero (the pre-trend check).',
      });
    }
    const psm = ce.estimates.find((e) => e.method === 'psm_nearest');
    const balance = psm?.diagnostics.balance as BalanceRow[] | undefined;
    if (balance && balance.length > 0) {
      charts.push({
        section: 'balance',
        title: `${name}: covariate balance before and after matching`,
        spec: lovePlot(balance.filter((b) => !b.name.startsWith('cohort')), { title: `${name}: balance before and after matching` }),
        caption: 'Standardised mean differences; |SMD| below 0.1 is commonly read as balanced. Cohort indicators are left out of the chart.',
      });
    }
  }
  if (result.attribution.length > 0) {
    charts.push({
      section: 'attribution',
      title: 'Credit by course, model by model',
      spec: creditByModelPlot(result.attribution),
      caption: 'Rule-based, Markov and Shapley models split the outcome among courses; only the causal model counts what the training caused.',
    });
  }
  if (result.roi.length > 0) {
    charts.push({
      section: 'roi',
      title: 'Return on investment by course',
      spec: roiPlot(result.roi, { titles }),
      caption: 'ROI with its 95% interval; a course with no detectable effect is credited no benefit.',
    });
  }
  return charts;
}
