import type { Estimate } from '../core/estimate';
import type { CourseVerdict } from '../core/study-result';
import type { PanelVerdict } from '../causal/panel-verdicts';

/**
 * Methods that can stand for a course's effect, in the order they are
 * recommended: regression adjustment on the stacked data (each cohort against
 * colleagues not yet trained over the same calendar months, conditioning on
 * their own baseline results, role, region, level, tenure, earlier courses
 * and market conditions); the staggered DiD (fixed differences and common
 * shocks); the doubly robust AIPW. The order comes from the simulation study
 * (bench/README.md): over synthetic companies with every trap, regression
 * adjustment covered the truth most often, the DiD missed when a regional
 * shock coincided with a rollout wave, and AIPW was unstable when enrolment
 * was nearly deterministic. All three must agree for a verdict of
 * *effective* or *harmful*. The naive baselines and TWFE are never
 * recommended.
 */
const ROBUST_ORDER = ['regression_adjustment', 'did_staggered', 'aipw'] as const;

/**
 * AIPW leans on the outcome model when the propensity weights are extreme,
 * but its variance then explodes and its standard error understates it: when
 * the weighted controls are worth fewer than max(30, 20% of the trained)
 * employees, it is set aside in favour of regression adjustment.
 */
function weightsTooExtreme(e: Estimate): boolean {
  const ess = e.diagnostics.effectiveControls;
  return typeof ess === 'number' && ess < Math.max(30, 0.2 * e.nTreated);
}

function excludesZero(e: Estimate): boolean {
  return e.ci[0] > 0 || e.ci[1] < 0;
}

// Numbers as the report's tables show them: thousands separated, three significant digits below 100, and a
// minus sign (−), not a hyphen.
function fmt(v: number): string {
  const text = Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3);
  return text.replace(/^-/, '−');
}

// The methods as a verdict names them to a reader who does not know the JSON's method names.
const NAMES: Record<string, string> = {
  regression_adjustment: 'regression adjustment',
  did_staggered: 'the staggered DiD',
  aipw: 'the doubly robust AIPW',
};

function named(method: string): string {
  return NAMES[method] ?? method.replace(/_/g, ' ');
}

function describe(e: Estimate, unit: string): string {
  const by = e.method === BRACKETED ? 'spanning regression adjustment and the staggered DiD' : `by ${named(e.method)}`;
  return `${fmt(e.estimate)} ${unit} (95% interval ${fmt(e.ci[0])} to ${fmt(e.ci[1])}, ${by})`;
}

/**
 * The method name of a recommended estimate that brackets regression
 * adjustment and the staggered DiD (see {@link courseVerdict}).
 *
 * @example
 * courseVerdict('C02', estimates, panelVerdict).recommended?.method; // => 'regression_adjustment+did_staggered' on the remedial course
 */
export const BRACKETED = 'regression_adjustment+did_staggered';

/**
 * One estimate spanning two: its interval runs from the lower of their lower
 * bounds to the higher of their upper bounds, its point is that interval's
 * centre, and its SE the half-width over the first's critical value (so that
 * an ROI drawn from it spreads as wide). Counts come from the first.
 */
function bracket(a: Estimate, b: Estimate): Estimate {
  const lo = Math.min(a.ci[0], b.ci[0]);
  const hi = Math.max(a.ci[1], b.ci[1]);
  const crit = (a.ci[1] - a.ci[0]) / (2 * a.se);
  return {
    ...a,
    method: BRACKETED,
    estimate: (lo + hi) / 2,
    se: (hi - lo) / 2 / crit,
    ci: [lo, hi],
    diagnostics: { brackets: [a.method, b.method], estimates: [a.estimate, b.estimate], intervals: [a.ci, b.ci] },
  };
}

/** Trained employees under which a verdict warns that its interval is likely too narrow. */
export const FEW_TRAINED = 20;

/**
 * One plain-words verdict per course, from the robust estimates and the
 * panel's warnings:
 * - *too early to judge* when the window is not yet observed for enough of
 *   the trained;
 * - the staggered DiD is set aside when its pre-period test fails (the
 *   trained were already diverging: e.g. a course given to people after a
 *   bad spell, who would have recovered anyway), or cannot be run (no month
 *   before completion: a course taken at hire, where the ramp-up of new
 *   hires would read as its effect);
 * - *effective* (or *harmful*) when every remaining robust estimate excludes
 *   zero on the same side, *no detectable effect* when none does, and
 *   *methods disagree* otherwise, naming which says what.
 * The recommended estimate is regression_adjustment, else did_staggered when
 * trusted, else aipw (unless its weights are extreme). When AIPW's weights
 * are extreme, regression adjustment extrapolates too: if the staggered DiD
 * is trusted, or compares people with the same pre-period results, the
 * verdict stands instead on one estimate ({@link BRACKETED}) whose interval
 * spans both of theirs, centred between them; *methods disagree* when the
 * two exclude zero on opposite sides.
 *
 * @example
 * courseVerdict('C03', estimates, panelVerdict).verdict; // => 'no detectable effect'
 */
export function courseVerdict(course: string, estimates: Estimate[], panel: PanelVerdict | null, opts: { unit?: string } = {}): CourseVerdict {
  const unit = opts.unit ?? 'per employee-month';
  const flags = panel?.flags ?? [];
  const tooEarly = flags.find((f) => f.kind === 'too early to judge');
  const preTrend = flags.find((f) => f.kind === 'pre-trends present');
  const untested = flags.find((f) => f.kind === 'pre-period untested');
  const candidates = ROBUST_ORDER.map((m) => estimates.find((e) => e.method === m)).filter(
    (e): e is Estimate => e !== undefined && Number.isFinite(e.estimate) && Number.isFinite(e.se),
  );
  const fragile = candidates.find((e) => e.method === 'aipw' && weightsTooExtreme(e));
  const trusted = candidates.filter((e) => !((preTrend || untested) && e.method === 'did_staggered') && e !== fragile);
  const recommended = trusted[0] ?? candidates[0];
  if (tooEarly) {
    return {
      course,
      verdict: 'too early to judge',
      reason: `Too early to judge: ${tooEarly.reason}.${recommended ? ` What is seen so far: ${describe(recommended, unit)}.` : ''}`,
      recommended,
    };
  }
  if (trusted.length === 0) {
    // Nothing to recommend: an estimate set aside is no basis for a number a CFO reads, nor for an ROI.
    return {
      course,
      verdict: 'methods disagree',
      reason: `No selection-robust estimate could be made${preTrend ? `, and ${preTrend.reason}` : untested ? `: the staggered DiD was set aside because ${untested.reason}` : ''}; the naive numbers cannot be trusted on their own.`,
    };
  }
  const did = candidates.find((e) => e.method === 'did_staggered');
  const conditioned = did !== undefined && Array.isArray(did.diagnostics.laggedOutcomes) && did.diagnostics.laggedOutcomes.length > 0;
  // Weights that extreme mean few untrained employees resemble the trained; a regression then answers from its
  // model, extrapolated from controls unlike them (on the synthetic remedial course, chosen by a threshold on
  // recent results, it overstated the effect by more than the effect's size over 200 companies: bias +275
  // against a truth of 196, 81 % coverage). The staggered DiD, when it compares people with the same
  // pre-period results (or passes its pre-period test), rests on another assumption, which the data cannot
  // check either once the pre-period is used up: neither is taken alone. The verdict then stands on one
  // estimate spanning both intervals, centred between them (over those 200 companies: 95.5 % coverage with
  // the effect, and 95.5 % without, where the regression alone covered 92.5 %).
  const regression = trusted[0];
  const extrapolating = fragile !== undefined && regression.method === 'regression_adjustment';
  const bracketable = extrapolating && did !== undefined && !untested && (!preTrend || conditioned) && did.se > 0 && regression.se > 0;
  // The two on opposite sides of zero, each excluding it: no bracket hides that the methods disagree.
  const opposed = bracketable && ((regression.ci[0] > 0 && did.ci[1] < 0) || (regression.ci[1] < 0 && did.ci[0] > 0));
  if (bracketable) {
    const rest = trusted.filter((e) => e !== regression && e !== did);
    trusted.splice(0, trusted.length, bracket(regression, did), ...rest);
  }
  const setAside =
    (preTrend
      ? conditioned
        ? ` The plain staggered DiD failed its pre-period test: ${preTrend.reason}. The DiD shown compares employees with the same pre-period results instead; ${bracketable ? 'the pre-period can no longer test it.' : 'it is left out of this verdict because the pre-period can no longer test it.'}`
        : ` The staggered DiD was set aside: ${preTrend.reason}.`
      : untested
        ? ` The staggered DiD was set aside: ${untested.reason}.`
        : '') +
    (fragile
      ? ` The doubly robust estimate was set aside: its weighted controls are worth only ${Math.round(fragile.diagnostics.effectiveControls as number)} employees, so a handful of people would decide it.`
      : '');
  const best = trusted[0];
  const extrapolates = bracketable
    ? ` With so few comparable untrained employees the regression leans on its model, extrapolated from controls unlike the trained, and the DiD on a comparison the data cannot test: neither is taken alone. The estimate is the midpoint between regression adjustment (${fmt(regression.estimate)}, ${fmt(regression.ci[0])} to ${fmt(regression.ci[1])}) and the staggered DiD (${fmt(did.estimate)}, ${fmt(did.ci[0])} to ${fmt(did.ci[1])}), and its interval spans both of theirs.`
    : extrapolating
      ? ' With so few comparable untrained employees the regression estimate too leans on its model, extrapolated from controls unlike the trained: it can be off in either direction by more than its interval shows.'
      : '';
  // Clustered standard errors run small with few trained employees (each is one cluster on the treated side).
  const thin =
    best.nTreated < FEW_TRAINED
      ? ` Only ${best.nTreated} trained employees stand behind it: with so few, the interval is likely too narrow, so treat this as a hint, not a finding.`
      : '';
  const caveats = setAside + extrapolates + thin;
  if (opposed) {
    return {
      course,
      verdict: 'methods disagree',
      reason: `Methods disagree: regression adjustment and the staggered DiD exclude zero on opposite sides. ${describe(best, unit)} spans both.${caveats}`,
      recommended: best,
    };
  }
  const positive = trusted.filter((e) => e.ci[0] > 0);
  const negative = trusted.filter((e) => e.ci[1] < 0);
  if (positive.length === trusted.length) {
    return { course, verdict: 'effective', reason: `Effective: ${describe(best, unit)}${trusted.length > 1 ? `; ${trusted.slice(1).map((e) => named(e.method)).join(' and ')} agree${trusted.length > 2 ? '' : 's'} on the sign` : ''}.${caveats}`, recommended: best };
  }
  if (negative.length === trusted.length) {
    return { course, verdict: 'harmful', reason: `Harmful: ${describe(best, unit)}; the course lowered the outcome.${caveats}`, recommended: best };
  }
  if (!trusted.some(excludesZero)) {
    return { course, verdict: 'no detectable effect', reason: `No detectable effect: ${describe(best, unit)}; the interval includes zero.${caveats}`, recommended: best };
  }
  const says = trusted.map((e) => `${named(e.method)} ${fmt(e.estimate)} (${fmt(e.ci[0])} to ${fmt(e.ci[1])})`).join(', ');
  return {
    course,
    verdict: 'methods disagree',
    reason:
      `Methods disagree: ${says}. The DiD assumes the trained would have moved in parallel with the untrained; ` +
      `the doubly robust estimate assumes the recorded covariates and baseline results capture why people took the course. ` +
      `Look at the event study and the balance table before deciding.${caveats}`,
    recommended: best,
  };
}
