import type { Estimate } from '../core/estimate';
import type { EventStudyEntry } from '../core/study-result';
import type { PanelInput } from './panel-input';
import { didStaggered, type StaggeredOptions, type StaggeredResult } from './staggered';

/** One point of an event-study path: the effect e periods after first treatment. */
export interface EventStudyPoint {
  e: number;
  estimate: number;
  se: number;
  lower: number;
  upper: number;
}

/**
 * The study JSON's event-study entry (CONTRACT §3) for one course from a
 * staggered result, with the truth path attached when it is known (synthetic
 * data), so the report can draw both.
 *
 * @example
 * const entry = toEventStudyEntry('C04', didStaggered(input), truth.effects.C04.revenue.path);
 * entry.path[0]; // => { e: -6, estimate: 74.1, se: 88.2, lower: …, upper: …, truth: undefined }
 */
export function toEventStudyEntry(course: string, result: StaggeredResult, truthPath?: Record<string, number>): EventStudyEntry {
  return {
    course,
    method: 'did_staggered',
    path: result.eventStudy.map((p) => ({
      e: p.e,
      estimate: p.estimate,
      se: p.se,
      lower: p.lower,
      upper: p.upper,
      ...(truthPath ? { truth: p.e < 0 ? 0 : truthPath[String(p.e)] } : {}),
    })),
    criticalValue: result.criticalValue,
    ...(result.preTrend ? { preTrend: result.preTrend } : {}),
  };
}

/** The shape of an effect over months since completion, in numbers and in words. */
export interface LearningCurve {
  /** Event time of the largest effect and that effect. */
  peakE: number;
  peak: number;
  /** First event time ≥ 0 whose effect reaches half the peak (the ramp-up). */
  halfPeakE: number;
  /** Last effect observed as a share of the peak (1 = holds, near 0 = faded). */
  lastShareOfPeak: number;
  shape: 'immediate' | 'ramps up' | 'fades' | 'ramps up then fades' | 'no clear effect';
  summary: string;
}

/**
 * Reads the post-treatment part of an event-study path as a learning curve:
 * does the effect arrive at once, build up over months, or fade? A path
 * whose every post-period interval covers zero has "no clear effect".
 *
 * @example
 * learningCurve([{ e: 1, estimate: 100, se: 10, lower: 80, upper: 120 }, { e: 6, estimate: 600, se: 10, lower: 580, upper: 620 }]).shape;
 * // => 'ramps up'
 */
export function learningCurve(path: EventStudyPoint[]): LearningCurve {
  const post = path.filter((p) => p.e >= 1 && Number.isFinite(p.estimate));
  if (post.length === 0) {
    return { peakE: NaN, peak: NaN, halfPeakE: NaN, lastShareOfPeak: NaN, shape: 'no clear effect', summary: 'no month after completion is observed yet' };
  }
  const sign = Math.sign(post.reduce((s, p) => s + p.estimate, 0)) || 1;
  let peakPoint = post[0];
  for (const p of post) if (sign * p.estimate > sign * peakPoint.estimate) peakPoint = p;
  const peak = peakPoint.estimate;
  const halfPeakE = post.find((p) => sign * p.estimate >= 0.5 * sign * peak)?.e ?? NaN;
  const last = post[post.length - 1];
  const lastShareOfPeak = peak !== 0 ? last.estimate / peak : NaN;
  const anyClear = post.some((p) => p.lower > 0 || p.upper < 0);
  const first = post[0];
  const rampsUp = sign * first.estimate < 0.5 * sign * peak && peakPoint.e - first.e >= 2;
  const fades = lastShareOfPeak < 0.5 && last.e - peakPoint.e >= 2;
  const shape: LearningCurve['shape'] = !anyClear
    ? 'no clear effect'
    : rampsUp && fades
      ? 'ramps up then fades'
      : rampsUp
        ? 'ramps up'
        : fades
          ? 'fades'
          : 'immediate';
  const f = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3));
  const summary =
    shape === 'no clear effect'
      ? `no month after completion shows an effect distinguishable from zero (largest ${f(peak)} at month ${peakPoint.e})`
      : shape === 'immediate'
        ? `the effect arrives in month ${first.e} (${f(first.estimate)}) and holds (month ${last.e}: ${f(last.estimate)})`
        : shape === 'ramps up'
          ? `the effect builds up: ${f(first.estimate)} in month ${first.e}, half of its peak by month ${halfPeakE}, ${f(peak)} at month ${peakPoint.e}`
          : shape === 'fades'
            ? `the effect is largest early (${f(peak)} in month ${peakPoint.e}) and fades to ${f(last.estimate)} by month ${last.e}`
            : `the effect builds up to ${f(peak)} at month ${peakPoint.e}, then fades to ${f(last.estimate)} by month ${last.e}`;
  return { peakE: peakPoint.e, peak, halfPeakE, lastShareOfPeak, shape, summary };
}

/**
 * The same course judged at several windows, e.g. [1, 1], [1, 3], [1, 12]:
 * measuring too soon under-states a course whose effect builds up (and
 * over-states one that fades). Each entry is the window ATT of
 * {@link didStaggered} with the other options unchanged.
 *
 * @example
 * attByWindow(input, [[1, 1], [1, 3], [1, 12]]).map((w) => Math.round(w.estimate.estimate));
 * // => [127, 364, 1477] for the synthetic company's CRM course
 */
export function attByWindow(
  input: PanelInput,
  windows: [number, number][],
  opts: Omit<StaggeredOptions, 'window' | 'bootstrap'> = {},
): { window: [number, number]; estimate: Estimate }[] {
  return windows.map((window) => ({ window, estimate: didStaggered(input, { ...opts, window }).aggregates.window }));
}
