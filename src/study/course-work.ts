import type { Estimate } from '../core/estimate';
import type { CourseRobustness } from '../core/study-result';
import type { Panel } from '../data/panel';
import { samplingOf, stackCourse, type ControlSampling } from '../data/stack';
import { CROSS_SECTION_METHOD_NAMES } from '../causal/cross-section';
import { coursePanelInput } from '../causal/panel-input';
import { MIN_OBSERVED_SHARE, windowCoverage } from '../causal/panel-verdicts';
import { estimateCourse, STUDY_METHODS, type CourseEstimation, type CourseEstimationOptions } from './estimate-course';
import { courseRobustness } from './robustness';

// A course's work in three independent parts, so that worker threads can share it out:
// the cross-sectional methods on the stacked data, the panel methods on the employee-month
// panel (the two halves of `estimateCourse`, which share nothing), and the robustness step,
// which needs the first part's regression estimate and both parts' verdict.

/** How a cross part's stacked data was built, for the robustness part to build it again. */
export interface StackedShape {
  window: [number, number];
  baseline: number;
  controls: ControlSampling | null;
}

/** One part of one course's work (see {@link runCourseTask}). */
export type CourseTask =
  | {
      kind: 'cross' | 'panel';
      course: string;
      metric: string;
      opts: CourseEstimationOptions;
      /**
       * A cross part with this runs the course's robustness step right after, on the stacked data it
       * has just built, unless the window is too little observed for a verdict (see runCourseTask).
       */
      robustness?: { seed: number };
    }
  | {
      kind: 'robustness';
      course: string;
      metric: string;
      estimates: Estimate[];
      window: [number, number];
      baseline: number;
      controls: ControlSampling | null;
      seed: number;
    };

/** What a {@link CourseTask} gives back: plain data, as a worker thread posts it. */
export type CourseTaskResult =
  | {
      kind: 'cross' | 'panel';
      ce: CourseEstimation;
      stacked: StackedShape | null;
      /** The robustness step run ahead of the verdict (undefined when it was not run). */
      robustness?: CourseRobustness | null;
    }
  | { kind: 'robustness'; robustness: CourseRobustness | null };

/**
 * The methods of `methods` (default all) that each part runs: the
 * cross-sectional ones on the stacked data, the rest on the panel.
 *
 * @example
 * splitMethods(undefined).cross; // => ['naive_difference', 'regression_adjustment', 'psm_nearest', 'ipw', 'aipw']
 */
export function splitMethods(methods: readonly string[] | undefined): { cross: string[]; panel: string[] } {
  const all = methods ?? STUDY_METHODS;
  const isCross = (m: string) => (CROSS_SECTION_METHOD_NAMES as readonly string[]).includes(m);
  return { cross: all.filter(isCross), panel: all.filter((m) => !isCross(m)) };
}

/**
 * Runs one part of a course's work. The stacked data a cross part builds is
 * not returned (only its window and baseline, for the robustness part, which
 * stacks again: the same rows, and no large arrays to pass between threads).
 *
 * @example
 * runCourseTask(panel, { kind: 'panel', course: 'C01', metric: 'revenue', opts: { methods: ['did_staggered'] } });
 */
export function runCourseTask(panel: Panel, task: CourseTask): CourseTaskResult {
  if (task.kind === 'robustness') {
    const stacked = stackCourse(panel, task.course, task.metric, { window: task.window, baseline: task.baseline, controls: task.controls });
    const ce: CourseEstimation = {
      course: task.course,
      metric: task.metric,
      window: task.window,
      estimates: task.estimates,
      stacked,
      staggered: null,
      conditionalStaggered: null,
      twfe: null,
      panelVerdict: null,
      warnings: [],
    };
    return { kind: 'robustness', robustness: courseRobustness(panel, ce, { seed: task.seed }) };
  }
  const ce = estimateCourse(panel, task.course, task.metric, task.opts);
  const stacked = ce.stacked ? { window: ce.stacked.window, baseline: ce.stacked.baseline, controls: samplingOf(ce.stacked) } : null;
  // The robustness step needs the course's verdict, which waits for the panel part; it is run ahead on the
  // stacked data at hand (instead of stacking again later) and dropped if the verdict says too early to judge.
  // The one sure sign of that, a window too little observed, is checked first, as the panel verdict checks it.
  let robustness: CourseRobustness | null | undefined;
  if (task.kind === 'cross' && task.robustness && ce.stacked && !windowTooEarly(panel, task.course, task.metric, ce.window)) {
    robustness = courseRobustness(panel, ce, { seed: task.robustness.seed });
  }
  ce.stacked = null;
  return robustness === undefined ? { kind: task.kind, ce, stacked } : { kind: task.kind, ce, stacked, robustness };
}

function windowTooEarly(panel: Panel, course: string, metric: string, window: [number, number]): boolean {
  const cov = windowCoverage(coursePanelInput(panel, course, metric), window, MIN_OBSERVED_SHARE);
  return cov.trained > 0 && cov.share < MIN_OBSERVED_SHARE;
}

/**
 * The `estimateCourse` result of a course from its cross and panel parts:
 * estimates in table order, the cross part's warnings before the panel
 * part's (the order `estimateCourse` gives them in), no stacked data.
 *
 * @example
 * mergeCourseParts(cross.ce, panel.ce).estimates.map((e) => e.method); // => ['naive_difference', ..., 'did_staggered']
 */
export function mergeCourseParts(cross: CourseEstimation, panel: CourseEstimation): CourseEstimation {
  const byMethod = new Map([...cross.estimates, ...panel.estimates].map((e) => [e.method, e]));
  return {
    course: cross.course,
    metric: cross.metric,
    window: cross.window,
    estimates: STUDY_METHODS.filter((m) => byMethod.has(m)).map((m) => byMethod.get(m) as Estimate),
    stacked: null,
    staggered: panel.staggered,
    conditionalStaggered: panel.conditionalStaggered,
    twfe: panel.twfe,
    panelVerdict: panel.panelVerdict,
    warnings: [...cross.warnings, ...panel.warnings],
  };
}
