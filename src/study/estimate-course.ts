import { METHODS, type Estimate } from '../core/estimate';
import { EstimationError } from '../core/errors';
import type { Panel } from '../data/panel';
import { stackCourse, type ControlSampling, type StackedData } from '../data/stack';
import { beforeAfter } from '../causal/before-after';
import { CROSS_SECTION_METHOD_NAMES, estimateCrossSection, type CrossSectionInput } from '../causal/cross-section';
import { subsetInput } from '../causal/cross-section-input';
import { coursePanelInput } from '../causal/panel-input';
import { stackedInput } from '../causal/placebo';
import { didStaggered, type StaggeredOptions, type StaggeredResult } from '../causal/staggered';
import { didTwfe, type TwfeResult } from '../causal/twfe';
import { panelVerdict, type PanelVerdict } from '../causal/panel-verdicts';

/**
 * How the study's regression-based estimates on the stacked data treat their
 * clusters (employees): vcovCL's small-sample factor G/(G−1)·(n−1)/(n−p), and
 * an interval from t with at most one less degree of freedom than there are
 * trained employees (the treatment coefficient's variance rests on the
 * trained clusters' scores: with 8 of them t(7) gives 2.36 where the normal
 * gives 1.96; with hundreds it changes nothing). CR1p's G/(G−p) was tried
 * and left as an option: over simulated companies of 600 employees it matched
 * the errors' spread, but at 150 it overstated it by 7–16 % on four courses of
 * six (the cohorts' indicators count as coefficients without taking a
 * cluster's worth of leverage each), so small companies would lose power for
 * nothing (bench/README.md).
 */
export const STUDY_CLUSTER_OPTIONS = { clusterAdjustment: 'CR1', clusterDf: 'treated' } as const;

/**
 * The study's regression adjustment, the estimate its verdicts stand on,
 * takes CR2 (each employee's residuals corrected for that employee's own
 * leverage, Bell & McCaffrey; clubSandwich's `vcovCR(type = "CR2")`)
 * instead of CR1's single factor: over simulated companies of 600
 * employees CR1 ran 2–8 % below the errors' spread on the courses without
 * an effect. On stacked data of 50,000 rows or more, where each employee's
 * leverage is tiny, it takes CR1's factor (and its label says so). The
 * regression also lets the effect vary with the effect modifiers of the
 * stacked data (`stackedModifiers`), so that its interval is for the
 * trained employees' own average effect, the estimand, rather than for a
 * population like them (bench/README.md).
 */
export const STUDY_REGRESSION_OPTIONS = { clusterAdjustment: 'CR2', clusterDf: 'treated' } as const;

/** Every study method in table order (CONTRACT §3). */
export const STUDY_METHODS = METHODS;

/** Options of {@link estimateCourse}. */
export interface CourseEstimationOptions {
  /** Event-time window of the ATT (CONTRACT §4), default [1, 12]. */
  window?: [number, number];
  /** Methods to run, default all of {@link STUDY_METHODS}. */
  methods?: readonly string[];
  /** Baseline months before completion, default 6. */
  baseline?: number;
  /** Controls of did_staggered: not-yet-treated (default, CONTRACT §4) or never-treated. */
  control?: 'notyet' | 'never';
  /** Multiplier-bootstrap draws for did_staggered's simultaneous band (0 = analytic only, the default). */
  bootstrapDraws?: number;
  seed?: number;
  /**
   * Report the staggered DiD conditional on the pre-period outcomes and the
   * employee attributes (see `conditionalStaggered`) as `did_staggered`
   * (default true); false reports the plain comparison. The event study and
   * its pre-period test are the plain comparison's either way.
   */
  conditionalDid?: boolean;
  /**
   * A seeded random sample of each cohort's controls for the stacked data
   * (see `ControlSampling`); default null, every control. The study passes
   * `DEFAULT_CONTROL_SAMPLING` with its seed.
   */
  controls?: ControlSampling | null;
}

/** All a study learns about one course and one metric. */
export interface CourseEstimation {
  course: string;
  metric: string;
  window: [number, number];
  /** One entry per method that could be estimated, in table order, each with `course` set. */
  estimates: Estimate[];
  /** The stacked event-window data the cross-sectional methods used (null when it could not be built). */
  stacked: StackedData | null;
  /** The staggered DiD result (event study, pre-trend test), when run. */
  staggered: StaggeredResult | null;
  /**
   * The staggered DiD conditional on pre-period outcomes, run when the plain
   * one fails its pre-period test; its window ATT is then the `did_staggered`
   * entry of `estimates`.
   */
  conditionalStaggered: StaggeredResult | null;
  /** The TWFE result with its Bacon decomposition, when run. */
  twfe: TwfeResult | null;
  /** Panel warnings in words (too early, pre-trends, TWFE unreliable), when did_staggered ran. */
  panelVerdict: PanelVerdict | null;
  /** Plain-words notes: methods that could not run and why, rows trimmed for common support. */
  warnings: string[];
}


function isBinary(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (values[i] !== 0 && values[i] !== 1) return false;
  return true;
}

/**
 * Common support for the ATT on 0/1 covariates: when every trained row has
 * the same value of an indicator (say nobody who took the remedial course
 * had taken the advanced one), controls with the other value have no
 * comparable trained employee, a propensity of zero and no say in the ATT.
 * They are dropped, and the now-constant indicator with them, instead of
 * letting the propensity model fail on separation. Returns the kept rows
 * (null when nothing changes) and a note per indicator.
 */
function trimBinarySupport(input: CrossSectionInput): { rows: Int32Array | null; drop: Set<string>; notes: string[] } {
  const n = input.y.length;
  const keep = new Uint8Array(n).fill(1);
  const drop = new Set<string>();
  const notes: string[] = [];
  for (const c of input.covariates) {
    if (!(c.values instanceof Float64Array) || !isBinary(c.values)) continue;
    let treatedOnes = 0;
    let treated = 0;
    for (let i = 0; i < n; i++) {
      if (input.treat[i] === 1) {
        treated++;
        treatedOnes += c.values[i];
      }
    }
    if (treated === 0 || (treatedOnes !== 0 && treatedOnes !== treated)) continue;
    const v = treatedOnes === 0 ? 0 : 1;
    let removed = 0;
    for (let i = 0; i < n; i++) {
      if (keep[i] === 1 && input.treat[i] === 0 && c.values[i] !== v) {
        keep[i] = 0;
        removed++;
      }
    }
    drop.add(c.name);
    if (removed > 0) notes.push(`every trained row has ${c.name} = ${v}: ${removed} control rows with ${c.name} = ${1 - v} are outside the common support and were left out, and ${c.name} with them`);
  }
  if (drop.size === 0) return { rows: null, drop, notes };
  let m = 0;
  for (let i = 0; i < n; i++) m += keep[i];
  const rows = new Int32Array(m);
  for (let i = 0, j = 0; i < n; i++) if (keep[i] === 1) rows[j++] = i;
  return { rows, drop, notes };
}


const count = (x: number) => x.toLocaleString('en-US');

/**
 * The sentence a study prints about a course's control sample.
 *
 * @example
 * controlSampleNote({ perTrained: 20, min: 2000, seed: 1, cohorts: 34, controls: 2169566, kept: 426060 });
 * // => 'the methods on the stacked data (naive difference, regression, matching, weighting) compare each cohort with a random sample of its controls: 426,060 of 2,169,566 control rows in 34 cohorts (…)'
 */
export function controlSampleNote(cs: NonNullable<StackedData['controlSample']>): string {
  return (
    `the methods on the stacked data (naive difference, regression, matching, weighting) compare each cohort with a random sample of its controls: ${count(cs.kept)} of ${count(cs.controls)} control rows ` +
    `in ${cs.cohorts} ${cs.cohorts === 1 ? 'cohort' : 'cohorts'} (at most ${cs.perTrained} per trained employee, at least ${count(cs.min)} a cohort, seed ${cs.seed}), ` +
    `each weighted to stand for the controls left out; the intervals include the sampling (--controls-per-trained all uses every control)`
  );
}

function describeFailure(method: string, course: string, e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return `${method} could not be estimated for ${course}: ${msg}`;
}

/**
 * Runs every requested estimator on one course and one metric of the panel,
 * all aimed at CONTRACT §4's window ATT: the cross-sectional methods on the
 * stacked event-window data, the panel methods on the employee-month panel.
 * A method that cannot proceed (no overlap, too few controls, ...) is left
 * out with a warning in words rather than stopping the study; bad arguments
 * still throw.
 *
 * @example
 * const r = estimateCourse(panel, 'C04', 'revenue', { window: [1, 12] });
 * r.estimates.map((e) => e.method); // => ['naive_difference', 'before_after', ..., 'did_staggered']
 */
export function estimateCourse(panel: Panel, course: string, metric: string, opts: CourseEstimationOptions = {}): CourseEstimation {
  const window = opts.window ?? [1, 12];
  const methods = opts.methods ?? STUDY_METHODS;
  for (const m of methods) {
    if (!(STUDY_METHODS as readonly string[]).includes(m)) {
      throw new RangeError(`estimateCourse: unknown method \`${m}\`; the methods are ${STUDY_METHODS.join(', ')}`);
    }
  }
  const baseline = opts.baseline ?? 6;
  const warnings: string[] = [];
  const byMethod = new Map<string, Estimate>();
  const attempt = (method: string, run: () => Estimate): void => {
    try {
      const est = run();
      byMethod.set(method, { ...est, method, course });
    } catch (e) {
      if (e instanceof EstimationError || e instanceof RangeError) warnings.push(describeFailure(method, course, e));
      else throw e;
    }
  };

  let stacked: StackedData | null = null;
  const crossMethods = methods.filter((m) => (CROSS_SECTION_METHOD_NAMES as readonly string[]).includes(m));
  if (crossMethods.length > 0) {
    try {
      stacked = stackCourse(panel, course, metric, { window, baseline, controls: opts.controls });
    } catch (e) {
      if (e instanceof EstimationError || e instanceof RangeError) warnings.push(describeFailure('stacked data', course, e));
      else throw e;
    }
    if (stacked !== null) {
      const cs = stacked.controlSample;
      if (cs !== null && cs.cohorts > 0) warnings.push(`${course}: ${controlSampleNote(cs)}`);
      let input = stackedInput(stacked);
      const support = trimBinarySupport(input);
      if (support.drop.size > 0) {
        const kept = support.rows ? subsetInput(input, support.rows) : input;
        input = { ...kept, covariates: kept.covariates.filter((c) => !support.drop.has(c.name)) };
        for (const note of support.notes) warnings.push(`${course}: ${note}`);
      }
      for (const m of crossMethods) {
        attempt(m, () => estimateCrossSection(m, m === 'naive_difference' ? { ...input, covariates: [] } : input, m === 'regression_adjustment' ? STUDY_REGRESSION_OPTIONS : STUDY_CLUSTER_OPTIONS));
      }
    }
  }

  const panelInput = coursePanelInput(panel, course, metric);
  if (methods.includes('before_after')) attempt('before_after', () => beforeAfter(panelInput, { window, baseline }));
  let twfe: TwfeResult | null = null;
  if (methods.includes('did_twfe')) {
    attempt('did_twfe', () => {
      twfe = didTwfe(panelInput);
      return twfe;
    });
  }
  let staggered: StaggeredResult | null = null;
  let conditional: StaggeredResult | null = null;
  let verdict: PanelVerdict | null = null;
  if (methods.includes('did_staggered')) {
    const draws = opts.bootstrapDraws ?? 0;
    const common = {
      control: opts.control ?? 'notyet',
      window,
      eventRange: [-baseline, window[1]] as [number, number],
      bootstrap: draws > 0 ? { draws, seed: opts.seed ?? 1 } : undefined,
    };
    attempt('did_staggered', () => {
      // The study reads the window ATT, the event study and its pre-period test: only their cells are computed.
      staggered = didStaggered(panelInput, { ...common, cells: 'path' });
      for (const w of staggered.warnings) warnings.push(`did_staggered (${course}): ${w}`);
      return staggered.aggregates.window;
    });
    // Assigned inside attempt's closure, which TypeScript's narrowing does not follow.
    const plain = staggered as StaggeredResult | null;
    if (plain !== null) {
      verdict = panelVerdict(course, { input: panelInput, staggered: plain, twfe: twfe ?? undefined, window });
      // Without a window estimate from the plain comparison (too early) the conditional one has no cell to estimate either.
      if ((opts.conditionalDid ?? true) && Number.isFinite(plain.aggregates.window.estimate)) {
        conditional = conditionalStaggered(panel, course, metric, common, plain.warnings, warnings);
        if (conditional !== null) byMethod.set('did_staggered', { ...conditional.aggregates.window, method: 'did_staggered', course });
      }
    }
  }

  const estimates = STUDY_METHODS.filter((m) => byMethod.has(m)).map((m) => byMethod.get(m) as Estimate);
  return { course, metric, window, estimates, stacked, staggered, conditionalStaggered: conditional, twfe, panelVerdict: verdict, warnings };
}

/** Blocks of pre-period months the conditional DiD matches on: the last three (the spell a manager looks at) and the nine before them. */
const PRE_PERIOD_BLOCKS = [3, 9];

/**
 * The staggered DiD conditional on the pre-period: each cohort-month's
 * untreated change is imputed from controls with the same results over the
 * last 3 and the 9 months before, the same role, level and region and any
 * extra employee covariate (manager_rating), by regression among the
 * controls (Heckman, Ichimura & Todd's regression DiD, see `didStaggered`'s
 * `laggedOutcomes`). People chosen on a recent good or bad spell would have
 * moved anyway, and comparing them with people who had the same spell
 * removes that; comparing within region removes the regional market shocks
 * that hit a rollout wave all at once. On the sample company the plain
 * comparison misses C01, C02 and C04 and this one covers all six courses;
 * over 200 simulated companies see bench/README.md. Null, with a warning,
 * when it cannot be fitted (the plain estimate is then reported).
 */
function conditionalStaggered(
  panel: Panel,
  course: string,
  metric: string,
  common: Pick<StaggeredOptions, 'control' | 'window' | 'eventRange' | 'bootstrap'>,
  plainWarnings: readonly string[],
  warnings: string[],
): StaggeredResult | null {
  const covariates = [
    ...(panel.roleLevels.length > 1 ? ['role'] : []),
    ...(panel.level.some((v) => !Number.isNaN(v)) ? ['level'] : []),
    ...(panel.regionLevels.length > 1 ? ['region'] : []),
    ...Object.keys(panel.extraCovariates),
  ];
  try {
    const input = coursePanelInput(panel, course, metric, { covariates });
    // Only the window ATT is reported (the event study is the plain comparison's): only the window's cells are fitted.
    const r = didStaggered(input, { ...common, laggedOutcomes: PRE_PERIOD_BLOCKS, covariates: covariates.length > 0, cells: 'window' });
    // What the plain comparison already said (gaps in the panel, a window beyond the data) is not repeated.
    const said = new Set(plainWarnings);
    for (const w of r.warnings) if (!said.has(w)) warnings.push(`did_staggered (${course}, conditional): ${w}`);
    return Number.isFinite(r.aggregates.window.estimate) ? r : null;
  } catch (e) {
    if (e instanceof EstimationError || e instanceof RangeError) {
      warnings.push(describeFailure('did_staggered conditional on the pre-period', course, e));
      return null;
    }
    throw e;
  }
}
