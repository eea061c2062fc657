import { EstimationError } from '../core/errors';
import type { Design, NamedColumn } from '../stats/design';
import { sameColumns, sharedInterceptDesign } from './covariate-encoding';
import { fitLogit, type LogitFit } from '../stats/logit';

/** A fitted propensity score model. */
export interface PropensityScore {
  /** P(treat = 1 | covariates). */
  score: Float64Array;
  /** The linear predictor, log(score / (1 − score)). */
  logit: Float64Array;
  fit: LogitFit;
  design: Design;
}

/**
 * Propensity score by logistic regression of treatment on the covariates
 * (with sample weights if given), as MatchIt's default `distance = "glm"`.
 *
 * @example
 * const ps = fitPropensity(treat, [{ name: 'age', values: age }, { name: 'race', values: race }]);
 * ps.score[0]; // => 0.6385 for the first LaLonde unit with all 7 covariates
 */
export function fitPropensity(treat: Float64Array, covariates: NamedColumn[], opts: { weights?: Float64Array } = {}): PropensityScore {
  if (covariates.length === 0) throw new RangeError('fitPropensity: `covariates` is empty; a propensity score needs at least one covariate');
  // Matching, IPW and AIPW on one input need the same score: fit it once.
  // The cache is keyed on the very arrays passed (typed arrays are not
  // copied by the estimators), so a changed input is a different key.
  const cached = FITTED.get(treat);
  if (cached && cached.covariates === covariates && cached.weights === opts.weights && sameColumns(cached.columns, covariates)) return cached.score;
  const design = sharedInterceptDesign(covariates);
  // The estimators read only the fitted scores: the coefficients' variance waits until asked for.
  const fit = fitLogit(design, treat, { weights: opts.weights, lazyInformation: true });
  const score = { score: fit.fitted, logit: fit.linear, fit, design };
  FITTED.set(treat, { covariates, columns: covariates.map((c) => c.values), weights: opts.weights, score });
  return score;
}

const FITTED = new WeakMap<Float64Array, { covariates: NamedColumn[]; columns: NamedColumn['values'][]; weights: Float64Array | undefined; score: PropensityScore }>();

/** How well treated and control scores overlap. */
export interface ScoreOverlap {
  treatedRange: [number, number];
  controlRange: [number, number];
  /** Treated units whose score lies outside the controls' range (no comparable control). */
  treatedOutsideControlRange: number;
  /** Controls whose score lies outside the treated range. */
  controlOutsideTreatedRange: number;
  /** Treated units with a score above 0.95: for the ATT their look-alike controls get weights above 19. */
  extremeScores: number;
  warnings: string[];
}

/**
 * Summarises the overlap (common support) of propensity scores, with plain
 * warnings when treated units have no comparable controls.
 *
 * @example
 * scoreOverlap(ps.score, treat).treatedOutsideControlRange; // => 0 for LaLonde's MatchIt data
 */
export function scoreOverlap(score: Float64Array, treat: Float64Array): ScoreOverlap {
  const [tMin, tMax, cMin, cMax] = scoreRanges(score, treat);
  const [tOut, cOut, extreme, nT] = outsideCounts(score, treat, tMin, tMax, cMin, cMax);
  const warnings: string[] = [];
  if (tOut > 0) {
    warnings.push(`${tOut} of ${nT} treated units have a propensity score outside the controls' range: no comparable untrained employee exists for them`);
  }
  if (extreme > 0.05 * nT) {
    warnings.push(`${extreme} of ${nT} treated units have a propensity score above 0.95: almost nobody like them went untrained, so the few similar controls carry huge weights and the estimate is fragile`);
  }
  if (tMax < cMin || cMax < tMin) throw new EstimationError('scoreOverlap: treated and control propensity scores do not overlap at all');
  return { treatedRange: [tMin, tMax], controlRange: [cMin, cMax], treatedOutsideControlRange: tOut, controlOutsideTreatedRange: cOut, extremeScores: extreme, warnings };
}

// scoreOverlap's loops, one a function (so V8's code for one loop never runs on into the next).

// [least, greatest treated score, least, greatest control score].
function scoreRanges(score: Float64Array, treat: Float64Array): [number, number, number, number] {
  let tMin = Infinity, tMax = -Infinity, cMin = Infinity, cMax = -Infinity;
  for (let i = 0; i < score.length; i++) {
    const s = score[i];
    if (treat[i] === 1) {
      if (s < tMin) tMin = s;
      if (s > tMax) tMax = s;
    } else {
      if (s < cMin) cMin = s;
      if (s > cMax) cMax = s;
    }
  }
  return [tMin, tMax, cMin, cMax];
}

// [treated outside the controls' range, controls outside the treated range, treated above 0.95, treated].
function outsideCounts(score: Float64Array, treat: Float64Array, tMin: number, tMax: number, cMin: number, cMax: number): [number, number, number, number] {
  let tOut = 0, cOut = 0, extreme = 0, nT = 0;
  for (let i = 0; i < score.length; i++) {
    const s = score[i];
    if (treat[i] === 1) {
      nT++;
      if (s < cMin || s > cMax) tOut++;
    } else if (s < tMin || s > tMax) cOut++;
    if (treat[i] === 1 && s > 0.95) extreme++;
  }
  return [tOut, cOut, extreme, nT];
}
