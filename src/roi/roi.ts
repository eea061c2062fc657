import type { Estimate } from '../core/estimate';
import type { RoiEntry } from '../core/study-result';
import { quantileSorted } from '../stats/bootstrap';
import { criticalValue } from '../stats/dists';
import { createRng } from '../stats/rng';
import { benefitMultiplier, isDetectable, type BenefitOptions } from './benefits';
import { fullyLoadedCost, type CostBreakdown } from './costs';
import type { Panel } from '../data/panel';

/** What one course's ROI is computed from. */
export interface RoiInput {
  course: string;
  /** The isolating estimate (window ATT per employee-month, in the metric's units). */
  estimate: Estimate;
  /** Employees who completed the course. */
  trained: number;
  costPerLearner?: number;
  hours?: number;
  hourlyCost?: number;
  fixedCost?: number;
  /**
   * Draws of the effect (e.g. bootstrap replicates of the estimator). When
   * given they replace the normal approximation N(estimate, se²).
   */
  effectDraws?: ArrayLike<number>;
}

/** Options of {@link computeRoi}. */
export interface RoiOptions extends BenefitOptions {
  /** Credit a benefit even when the effect's 95 % interval includes 0 (default false). */
  countUndetected?: boolean;
  /** Parametric bootstrap draws for the intervals (default 4000). */
  draws?: number;
  /** Seed of the draws (default 1). */
  seed?: number;
}

/** {@link RoiEntry} with the pieces behind it. */
export interface RoiDetail extends RoiEntry {
  bcr: number;
  method: string;
  notes: string[];
  /** 95 % interval of the benefit-cost ratio. */
  bcrCi: [number, number];
  /** 95 % interval of the benefit. */
  benefitCi: [number, number];
  /** Whether the effect's 95 % interval excludes 0. */
  detected: boolean;
  /** Whether a benefit was credited (detected, or `countUndetected`). */
  counted: boolean;
  costs: CostBreakdown;
  /** Money per unit of effect: benefit = effect × multiplier. */
  multiplier: number;
}

/** The normal's 97.5 % point. */
const Z975 = criticalValue(0.95, Infinity);

function effectDrawsFor(input: RoiInput, draws: number, seed: number): Float64Array {
  if (input.effectDraws !== undefined) {
    const given = Float64Array.from(input.effectDraws);
    if (given.length < 100) throw new RangeError(`computeRoi: \`effectDraws\` needs at least 100 draws, got ${given.length}`);
    for (let i = 0; i < given.length; i++) {
      if (!Number.isFinite(given[i])) throw new RangeError(`computeRoi: \`effectDraws\`[${i}] is not a finite number`);
    }
    return given;
  }
  const { estimate, se } = input.estimate;
  if (!Number.isFinite(se) || se < 0) {
    throw new RangeError(`computeRoi: estimate for course ${input.course} (${input.estimate.method}) has no usable standard error (se = ${se}); pass \`effectDraws\``);
  }
  // An interval from t with few degrees of freedom (few trained employees) is wider than ±1.96 SE: the
  // draws then spread as wide as that interval, so the ROI's interval is no narrower than the effect's.
  const ci = input.estimate.ci;
  const halfWidth = Array.isArray(ci) && Number.isFinite(ci[0]) && Number.isFinite(ci[1]) ? (ci[1] - ci[0]) / 2 : NaN;
  const spread = halfWidth / Z975 > se ? halfWidth / Z975 : se;
  const rng = createRng(seed);
  const out = new Float64Array(draws);
  for (let i = 0; i < draws; i++) out[i] = estimate + spread * rng.normal();
  return out;
}

function fmtPct(x: number): string {
  return `${(x * 100).toFixed(0)} %`;
}

/**
 * ROI of one course, following Phillips: benefit = window ATT (per
 * employee-month) × trained employees × months (12 by default) × margin,
 * optionally discounted; cost = fully loaded; ROI = (benefit − cost) / cost
 * (2.87 means 287 %) and the benefit-cost ratio benefit / cost. The 95 %
 * intervals carry the effect's uncertainty through a seeded parametric
 * bootstrap (normal on the estimate with its SE, widened to the effect's
 * interval when that came from t with few degrees of freedom, or the given draws); costs
 * are treated as known. *No data, no improvement*: when the effect's 95 %
 * interval includes 0 the credited benefit is 0 (ROI = −100 %) unless
 * `countUndetected` is set; the notes say so. The intervals always show what
 * the effect's uncertainty allows, so they still show the upside.
 *
 * @example
 * const est = { method: 'aipw', estimand: 'ATT', estimate: 200, se: 50, ci: [102, 298],
 *   nTreated: 100, nControl: 400, diagnostics: {} };
 * computeRoi({ course: 'C01', estimate: est, trained: 100, costPerLearner: 1000 });
 * // => { course: 'C01', benefit: 240000, cost: 100000, roi: 1.4, bcr: 2.4, ci: [≈0.22, ≈2.58], … }
 */
export function computeRoi(input: RoiInput, opts: RoiOptions = {}): RoiDetail {
  if (typeof input.course !== 'string' || input.course.length === 0) throw new TypeError('computeRoi: `course` must be a non-empty string');
  const draws = opts.draws ?? 4000;
  if (!Number.isInteger(draws) || draws < 100) throw new RangeError(`computeRoi: \`draws\` must be an integer ≥ 100, got ${draws}`);
  const seed = opts.seed ?? 1;
  const est = input.estimate;
  if (!Number.isFinite(est.estimate)) throw new RangeError(`computeRoi: estimate for course ${input.course} is not a finite number (${est.estimate})`);
  const costs = fullyLoadedCost(input);
  if (!(costs.total > 0)) {
    throw new RangeError(`computeRoi: total cost of course ${input.course} must be > 0 to compute a return; give \`costPerLearner\`, \`hours\` with \`hourlyCost\`, or \`fixedCost\``);
  }
  const multiplier = benefitMultiplier(input.trained, opts);
  const detected = isDetectable(est);
  const counted = detected || opts.countUndetected === true;
  const benefit = counted ? est.estimate * multiplier : 0;
  const cost = costs.total;

  const effects = effectDrawsFor(input, draws, seed);
  const sortedEffects = effects.slice().sort();
  const lo = quantileSorted(sortedEffects, 0.025) * multiplier;
  const hi = quantileSorted(sortedEffects, 0.975) * multiplier;
  // Benefit, ROI and BCR are increasing linear maps of the effect (multiplier > 0),
  // so their percentile intervals are the images of the effect's.
  const benefitCi: [number, number] = [lo, hi];
  const ci: [number, number] = [(lo - cost) / cost, (hi - cost) / cost];
  const bcrCi: [number, number] = [lo / cost, hi / cost];

  const months = opts.months ?? 12;
  const notes: string[] = [
    `isolation: the effect comes from ${est.method} (${est.estimand}); benefit = ${fmtNum(est.estimate)} per employee-month × ${input.trained} trained × ${months} months` +
      `${(opts.margin ?? 1) !== 1 ? ` × margin ${opts.margin}` : ''}${(opts.discountRate ?? 0) > 0 ? `, discounted at ${fmtPct(opts.discountRate ?? 0)} a year` : ''}.`,
    `cost is fully loaded: ${fmtNum(costs.direct)} direct + ${fmtNum(costs.time)} learner time + ${fmtNum(costs.fixed)} fixed = ${fmtNum(cost)}.`,
  ];
  if (!detected && !counted) {
    notes.push(
      `no data, no improvement: the effect's 95 % interval [${fmtNum(est.ci[0])}, ${fmtNum(est.ci[1])}] includes 0, so no benefit is credited and the ROI is −100 %; ` +
        `the interval shows what the effect's uncertainty would allow if it were counted.`,
    );
  } else if (!detected) {
    notes.push(`the effect's 95 % interval includes 0 but the benefit is counted on request (countUndetected); treat this ROI as unproven.`);
  }
  if (counted && est.estimate < 0) notes.push('the estimated effect is negative: the course appears to lower the outcome.');
  if (input.effectDraws === undefined) notes.push(`interval: ${draws} seeded normal draws of the effect (seed ${seed}); costs are treated as known.`);
  else notes.push(`interval: ${effects.length} given draws of the effect; costs are treated as known.`);

  return {
    course: input.course,
    benefit,
    cost,
    roi: (benefit - cost) / cost,
    ci,
    bcr: benefit / cost,
    bcrCi,
    benefitCi,
    method: est.method,
    notes,
    detected,
    counted,
    costs,
    multiplier,
  };
}

function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : Number(x.toPrecision(4)).toString();
}

/**
 * The ROI input of one course from the panel: trained = employees whose first
 * completion of the course lies within the data (the people the benefit is
 * credited for and the per-learner costs were paid for), cost per learner and
 * hours from courses.csv (missing values count as 0), plus the study's hourly
 * and fixed costs.
 *
 * @example
 * computeRoi(courseRoiInput(panel, 'C01', aipwEstimate, { hourlyCost: 55 }));
 */
export function courseRoiInput(
  panel: Pick<Panel, 'courses' | 'courseInfo' | 'firstCompletion'>,
  course: string,
  estimate: Estimate,
  costs: { hourlyCost?: number; fixedCost?: number } = {},
): RoiInput {
  const k = panel.courses.indexOf(course);
  if (k < 0) throw new RangeError(`courseRoiInput: unknown \`course\` "${course}"; the courses are ${panel.courses.join(', ')}`);
  const fc = panel.firstCompletion[k];
  let trained = 0;
  for (let e = 0; e < fc.length; e++) if (fc[e] >= 0) trained++;
  const info = panel.courseInfo[k];
  const perLearner = Number.isFinite(info?.costPerLearner) ? info.costPerLearner : 0;
  const hours = Number.isFinite(info?.hours) ? info.hours : 0;
  const input: RoiInput = { course, estimate, trained, costPerLearner: perLearner, fixedCost: costs.fixedCost };
  if (hours > 0 && costs.hourlyCost !== undefined) {
    input.hours = hours;
    input.hourlyCost = costs.hourlyCost;
  }
  return input;
}

function money(x: number, currency: string): string {
  const s = Math.round(x).toLocaleString('en-US');
  return currency ? `${currency} ${s}` : s;
}

function pct(x: number): string {
  // A typographic minus, as in the report's prose.
  return `${Math.round(100 * x)} %`.replace(/^-/, '−');
}

/**
 * One sentence a CFO can read for a course's ROI: the return per unit spent,
 * the interval, the money on each side and where the effect came from — or,
 * under *no data, no improvement*, why no benefit is credited.
 *
 * @example
 * describeRoi(computeRoi({ course: 'C01', estimate: est, trained: 100, costPerLearner: 1000 }), { title: 'Consultative Selling', currency: 'EUR' });
 * // => 'Consultative Selling: every EUR 1 spent returned EUR 2.40 (ROI 140 %, 95 % interval 22 % to 258 %): a first-year benefit of EUR 240,000 against a fully loaded cost of EUR 100,000; effect isolated by aipw.'
 */
export function describeRoi(entry: RoiDetail, opts: { title?: string; currency?: string } = {}): string {
  const name = opts.title ?? entry.course;
  const cur = opts.currency ?? '';
  const unit = cur ? `${cur} ` : '';
  const range = `${pct(entry.ci[0])} to ${pct(entry.ci[1])}`;
  if (!entry.counted) {
    return (
      `${name}: no detectable effect, so no benefit is credited and the ${money(entry.cost, cur)} spent counts as a loss (ROI −100 %). ` +
      (entry.ci[1] < 0
        ? `Even at the optimistic end of what the data allow it would not pay back (ROI at most ${pct(entry.ci[1])}).`
        : `The data cannot rule out an ROI anywhere from ${range}; more time or more learners would be needed to tell.`)
    );
  }
  const verdict =
    entry.ci[0] > 0 ? 'pays back with room to spare' : entry.ci[1] < 0 ? 'does not pay back' : 'may or may not pay back';
  return (
    `${name}: every ${unit}1 spent returned ${unit}${entry.bcr.toFixed(2)} (ROI ${pct(entry.roi)}, 95 % interval ${range}), so it ${verdict}: ` +
    `a first-year benefit of ${money(entry.benefit, cur)} against a fully loaded cost of ${money(entry.cost, cur)}; effect isolated by ${entry.method}` +
    `${entry.detected ? '' : ' (not statistically detectable: counted on request)'}.`
  );
}
