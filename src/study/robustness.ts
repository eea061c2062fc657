import type { CourseRobustness } from '../core/study-result';
import type { Panel } from '../data/panel';
import { refuteCourse } from '../causal/placebo';
import { regressionAdjustment } from '../causal/regression';
import { regressionRefit } from '../causal/refit';
import { sensitivityReport } from '../causal/sensitivity';
import { STUDY_REGRESSION_OPTIONS, type CourseEstimation } from './estimate-course';

function sdOf(values: Float64Array, weights: Float64Array): number {
  let sw = 0;
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    sw += weights[i];
    m += weights[i] * values[i];
  }
  m /= sw;
  let v = 0;
  for (let i = 0; i < values.length; i++) v += weights[i] * (values[i] - m) ** 2;
  return Math.sqrt(v / sw);
}

/**
 * The refutation tests and the sensitivity analysis for one course, on its
 * regression-adjusted estimate (the one whose assumptions the refuters probe
 * most directly, and cheap enough to refit many times): placebo completion
 * dates, a placebo outcome from before the baseline, a random common cause
 * and random subsets, then the E-value and the robustness value for an
 * unobserved confounder. Each is answered in words. Null when the course has
 * no stacked data or no regression estimate.
 *
 * @example
 * courseRobustness(panel, estimateCourse(panel, 'C01', 'revenue'), { seed: 1 })?.refutations.map((r) => r.passed);
 * // => [false, false, true, true]: the placebos catch the self-selection
 */
export function courseRobustness(panel: Panel, ce: CourseEstimation, opts: { seed: number }): CourseRobustness | null {
  const original = ce.estimates.find((e) => e.method === 'regression_adjustment');
  if (!ce.stacked || !original || !(original.se > 0)) return null;
  const refutations = refuteCourse(panel, ce.stacked, (x) => regressionAdjustment(x, STUDY_REGRESSION_OPTIONS), {
    original,
    seed: opts.seed,
    refit: (input, orig) => regressionRefit(input, { anchor: orig.estimate, ...STUDY_REGRESSION_OPTIONS }),
  }).map((r) => ({
    refuter: r.refuter,
    passed: r.passed,
    reading: r.reading,
  }));
  let sensitivity: CourseRobustness['sensitivity'];
  try {
    const s = sensitivityReport(original, { sdOutcome: sdOf(ce.stacked.yPost, ce.stacked.weight) });
    sensitivity = { eValue: s.eValue.point, eValueCi: s.eValue.ci, robustnessValue: s.robustnessValue, reading: s.reading };
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
  }
  return { course: ce.course, method: original.method, refutations, sensitivity };
}
