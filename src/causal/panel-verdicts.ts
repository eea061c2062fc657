import type { Estimate } from '../core/estimate';
import { isUserError } from '../core/errors';
import { formatCount } from '../report/html';
import type { EventStudyEntry } from '../core/study-result';
import { beforeAfter } from './before-after';
import { toEventStudyEntry } from './event-study';
import { coursePanelInput, densePanel, type PanelInput } from './panel-input';
import { didStaggered, type StaggeredResult } from './staggered';
import { didTwfe, type TwfeResult } from './twfe';

/** How much of the trained group's window the data already covers. */
export interface WindowCoverage {
  /** Trained units (with a first treatment inside the data). */
  trained: number;
  /** Of those, how many have their whole window [g + a, g + b] inside the data. */
  fullyObserved: number;
  share: number;
  /** Months until `minShare` of the trained will have their whole window in the data (0 = already). */
  monthsUntilEnough: number;
  /** Months until every trained unit's window has passed. */
  monthsUntilAll: number;
}

/**
 * Counts the trained units whose whole window lies inside the data, and how
 * long until enough of them do. Calendar time only: a unit that leaves the
 * company still counts as "window passed" once its window has elapsed.
 *
 * @example
 * windowCoverage(input, [1, 12], 0.5); // => { trained: 310, fullyObserved: 40, share: 0.13, monthsUntilEnough: 5, monthsUntilAll: 11 }
 */
export function windowCoverage(input: PanelInput, window: [number, number], minShare = 0.5): WindowCoverage {
  if (!(minShare > 0 && minShare <= 1)) throw new RangeError(`windowCoverage: \`minShare\` must be in (0, 1], got ${minShare}`);
  const d = densePanel(input, 'windowCoverage');
  const first = d.periods[0];
  const last = d.periods[d.nPeriods - 1];
  const remaining: number[] = [];
  for (let u = 0; u < d.nUnits; u++) {
    const g = d.unitGroup[u];
    if (g === 0 || g <= first || g > last) continue;
    remaining.push(Math.max(0, g + window[1] - last));
  }
  remaining.sort((a, b) => a - b);
  const trained = remaining.length;
  const fullyObserved = remaining.filter((m) => m === 0).length;
  const need = Math.max(1, Math.ceil(minShare * trained));
  return {
    trained,
    fullyObserved,
    share: trained > 0 ? fullyObserved / trained : 0,
    monthsUntilEnough: trained > 0 ? remaining[need - 1] : NaN,
    monthsUntilAll: trained > 0 ? remaining[trained - 1] : NaN,
  };
}

/** A reason not to take a panel estimate at face value. */
/** Share of the trained whose whole window must be in the data before a course is judged (panelVerdict's default). */
export const MIN_OBSERVED_SHARE = 0.5;

export type PanelFlagKind = 'too early to judge' | 'no comparison group' | 'pre-trends present' | 'pre-period untested' | 'TWFE unreliable here';

export interface PanelVerdict {
  course: string;
  flags: { kind: PanelFlagKind; reason: string }[];
  /** One sentence: the flags in words, or the staggered window estimate when there are none. */
  summary: string;
}

/** Thresholds of {@link panelVerdict}. */
export interface PanelVerdictOptions {
  /** Share of the trained whose window must be in the data (default 0.5). */
  minObservedShare?: number;
  /** Pre-trend test level (default 0.05). */
  preTrendAlpha?: number;
  /** Bacon weight on already-treated controls above which TWFE is called unreliable (default 0.1). */
  forbiddenWeight?: number;
  /** Name of the outcome's unit, for the sentences (e.g. "revenue per employee-month"). */
  outcomeLabel?: string;
}

/**
 * Plain-words verdicts on one course's panel evidence: *too early to judge*
 * when the window is not yet observed for enough of the trained (with the
 * months that remain), *pre-trends present* when the trained were already
 * diverging before training (the pre-period test rejects), *TWFE unreliable
 * here* when much of the TWFE weight sits on comparisons with already-trained
 * controls and its estimate differs from the staggered one.
 *
 * @example
 * panelVerdict('C06', { input, staggered, twfe, window: [1, 12] }).flags[0];
 * // => { kind: 'too early to judge', reason: 'only 12% of the 240 trained have their months 1–12 in the data; half will in 7 more months' }
 */
export function panelVerdict(
  course: string,
  evidence: { input: PanelInput; staggered: StaggeredResult; twfe?: TwfeResult; window: [number, number] },
  opts: PanelVerdictOptions = {},
): PanelVerdict {
  const minShare = opts.minObservedShare ?? MIN_OBSERVED_SHARE;
  const alpha = opts.preTrendAlpha ?? 0.05;
  const maxForbidden = opts.forbiddenWeight ?? 0.1;
  const { staggered, twfe, window } = evidence;
  const flags: PanelVerdict['flags'] = [];
  const cov = windowCoverage(evidence.input, window, minShare);
  const pct = (v: number) => `${Math.round(100 * v)}%`;
  const months = `months ${window[0]}–${window[1]}`;
  if (cov.trained > 0 && cov.share < minShare) {
    flags.push({
      kind: 'too early to judge',
      reason:
        `${cov.share === 0 ? 'none' : pct(cov.share) === '0%' ? 'fewer than 1%' : `only ${pct(cov.share)}`} of the ${formatCount(cov.trained)} trained ` +
        `${cov.share === 0 ? 'has' : 'have'} their ${months} after completion in the data; ` +
        `${pct(minShare)} will in ${cov.monthsUntilEnough} more month${cov.monthsUntilEnough === 1 ? '' : 's'}, all in ${cov.monthsUntilAll}`,
    });
  }
  const w = staggered.aggregates.window;
  if (Number.isNaN(w.estimate) && !flags.some((f) => f.kind === 'too early to judge')) {
    // Observed but with nobody left to compare with is not a matter of waiting.
    const noGroup = staggered.warnings.find((m) => m.startsWith('no cohort has a comparison group'));
    flags.push(noGroup ? { kind: 'no comparison group', reason: noGroup } : { kind: 'too early to judge', reason: `no trained employee is observed in ${months} after completion yet` });
  }
  const pre = staggered.preTrend;
  if ((!pre || !(pre.df > 0)) && Number.isFinite(w.estimate)) {
    flags.push({
      kind: 'pre-period untested',
      reason:
        'the trained have no month before completion in the data to test the comparison on (a course taken at hire, or at the start of the data): ' +
        'nothing shows they were moving in parallel with the untrained, and a new hire ramping up would read as an effect of the course',
    });
  }
  if (pre && pre.df > 0 && pre.pValue < alpha) {
    flags.push({
      kind: 'pre-trends present',
      reason: `before training, the trained were already drifting away from the comparison group (pre-period test ${pre.pValue < 0.001 ? 'p < 0.001' : `p = ${pre.pValue.toPrecision(2)}`} on ${pre.df} months): who took the course is not comparable, so the DiD estimate is not trustworthy as it stands`,
    });
  }
  if (twfe?.bacon) {
    const share = twfe.bacon.forbiddenWeight;
    const gap = Number.isFinite(w.estimate) ? twfe.estimate - w.estimate : NaN;
    const differs = Number.isFinite(gap) && Math.abs(gap) > Math.max(twfe.se, w.se);
    if (share > maxForbidden && (differs || !Number.isFinite(gap))) {
      flags.push({
        kind: 'TWFE unreliable here',
        reason: `${pct(share)} of the classic two-way fixed-effects estimate rests on comparisons that use already-trained employees as controls; it says ${fmt(twfe.estimate)} where the staggered estimate says ${fmt(w.estimate)}`,
      });
    }
  }
  const label = opts.outcomeLabel ?? 'per employee-month';
  const summary =
    flags.length > 0
      ? `${course}: ${flags.map((f) => f.kind).join('; ')}: ${flags.map((f) => f.reason).join('; ')}.`
      : `${course}: the staggered DiD estimate over ${months} is ${fmt(w.estimate)} ${label} (95% interval ${fmt(w.ci[0])} to ${fmt(w.ci[1])}); no panel warning.`;
  return { course, flags, summary };
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return 'not estimable';
  return Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3);
}

/**
 * {@link panelVerdict} for several courses.
 *
 * @example
 * panelVerdicts([{ course: 'C04', input, staggered, twfe, window: [1, 12] }]).map((v) => v.summary);
 */
export function panelVerdicts(
  courses: { course: string; input: PanelInput; staggered: StaggeredResult; twfe?: TwfeResult; window: [number, number] }[],
  opts: PanelVerdictOptions = {},
): PanelVerdict[] {
  return courses.map((c) => panelVerdict(c.course, c, opts));
}

/** Everything the panel methods say about one course and metric, ready for the study JSON. */
export interface CoursePanelResult {
  /** before_after, did_twfe and did_staggered (window ATT), each with `course` set; a method that cannot run is left out and said in `warnings`. */
  estimates: Estimate[];
  eventStudy: EventStudyEntry | null;
  verdict: PanelVerdict;
  staggered: StaggeredResult | null;
  twfe: TwfeResult | null;
  warnings: string[];
}

/**
 * Runs the panel estimators on one course and metric of the employee-month
 * panel: before-after, TWFE (with its Bacon decomposition) and the staggered
 * DiD over the window (not-yet-treated controls by default), the event-study
 * path −6 .. window end, and the plain-words verdict. An estimator that
 * cannot proceed (e.g. no window observed yet) is reported in `warnings`
 * instead of failing the course.
 *
 * @example
 * const r = coursePanelStudy(panel, 'C04', 'revenue', { window: [1, 12], seed: 7 });
 * r.estimates.map((e) => e.method); // => ['before_after', 'did_twfe', 'did_staggered']
 * r.verdict.flags.map((f) => f.kind); // => ['TWFE unreliable here']
 */
export function coursePanelStudy(
  panel: Parameters<typeof coursePanelInput>[0],
  course: string,
  metric: string,
  opts: { window?: [number, number]; control?: 'notyet' | 'never'; seed?: number; draws?: number; truthPath?: Record<string, number>; verdict?: PanelVerdictOptions } = {},
): CoursePanelResult {
  const window = opts.window ?? [1, 12];
  const input = coursePanelInput(panel, course, metric);
  const warnings: string[] = [];
  const attempt = <T>(method: string, run: () => T): T | null => {
    try {
      return run();
    } catch (e) {
      if (!isUserError(e)) throw e;
      warnings.push(`${method}: ${(e as Error).message}`);
      return null;
    }
  };
  const before = attempt('before_after', () => beforeAfter(input, { window }));
  const twfe = attempt('did_twfe', () => didTwfe(input));
  const staggered = attempt('did_staggered', () =>
    didStaggered(input, {
      window,
      control: opts.control ?? 'notyet',
      ...(opts.seed !== undefined ? { bootstrap: { draws: opts.draws ?? 999, seed: opts.seed } } : {}),
    }),
  );
  const estimates: Estimate[] = [];
  if (before) estimates.push({ ...before, course });
  if (twfe) {
    const { bacon: decomposition, ...plain } = twfe;
    estimates.push({ ...plain, course, diagnostics: { ...plain.diagnostics, bacon: decomposition } });
  }
  if (staggered && Number.isFinite(staggered.aggregates.window.estimate)) estimates.push({ ...staggered.aggregates.window, course });
  const verdict = staggered
    ? panelVerdict(course, { input, staggered, twfe: twfe ?? undefined, window }, opts.verdict)
    : { course, flags: [{ kind: 'too early to judge' as const, reason: warnings.join('; ') }], summary: `${course}: the staggered DiD cannot be estimated: ${warnings.join('; ')}` };
  return {
    estimates,
    eventStudy: staggered ? toEventStudyEntry(course, staggered, opts.truthPath) : null,
    verdict,
    staggered,
    twfe,
    warnings: [...warnings, ...(staggered?.warnings ?? [])],
  };
}
