import type { Estimate } from '../core/estimate';
import { bindColumns, type Design } from '../stats/design';
import { bindCovariates, encodeCovariates, sharedInterceptDesign } from './covariate-encoding';
import { coefIndex, fitOls, GRAM_MIN_ROWS, GRAM_ROWS_PER_COLUMN, gramLeastSquares, type OlsFit } from '../stats/ols';
import { clusterCodes, sandwichScale, vcovOls, type VcovType } from '../stats/vcov';
import { designStructure, linearPredictor } from '../stats/linalg';
import {
  checkCrossSectionInput,
  chooseVcov,
  groupSizes,
  intervalDf,
  makeEstimate,
  vcovLabel,
  type CommonOptions,
  type CrossSectionInput,
} from './cross-section-input';
import { countPositive, sumOfSquares } from '../stats/arrays';

/** The treatment coefficient of a weighted regression, with its variance. */
export interface TreatmentCoefficient {
  estimate: number;
  se: number;
  dfResidual: number;
  fit: OlsFit;
  design: Design;
}

/**
 * Regresses y on an intercept, `treat` and the columns of `controls` (may be
 * null) with weights, and returns
 * the coefficient on `treat` with its SE under `vcov`. The building block of
 * the regression, matching and weighting estimators, as MatchIt's guide
 * estimates effects on matched data.
 *
 * @example
 * treatmentCoefficient(y, treat, null, undefined, 'HC1').estimate; // => difference in means
 */
export function treatmentCoefficient(
  y: Float64Array,
  treat: Float64Array,
  controls: Design | null,
  weights: Float64Array | undefined,
  vcov: VcovType,
): TreatmentCoefficient {
  const base = treatmentBase(treat);
  return fitTreatment(controls === null ? base : bindColumns(base, controls), y, weights, vcov);
}

// The intercept and treatment columns every treatment regression starts with.
function treatmentBase(treat: Float64Array): Design {
  const n = treat.length;
  const base: Design = { n, p: 2, names: ['(Intercept)', 'treat'], x: new Float64Array(2 * n) };
  base.x.fill(1, 0, n);
  base.x.set(treat, n);
  return base;
}

// The treatment coefficient of a design that has the column `treat`.
function fitTreatment(design: Design, y: Float64Array, weights: Float64Array | undefined, vcov: VcovType): TreatmentCoefficient {
  const fit = fitOls(design, y, { weights });
  const V = vcovOls(fit, design, vcov);
  const j = coefIndex(fit, 'treat');
  return { estimate: fit.coef[j], se: Math.sqrt(V[j * fit.p + j]), dfResidual: fit.dfResidual, fit, design };
}

/**
 * The covariates' design without the intercept (text columns → indicators), or null when there are none.
 *
 * @example
 * covariateDesign(input)?.names; // => ['age', 'educ', 'racehispan', 'racewhite', ...]
 */
export function covariateDesign(input: CrossSectionInput): Design | null {
  if (input.covariates.length === 0) return null;
  // The refuters refit on the same covariates many times: reuse their encoding.
  return encodeCovariates(input.covariates);
}

/**
 * Regression adjustment: OLS of the outcome on treatment and the
 * pre-treatment covariates; the treatment coefficient is the effect. With
 * `interactions`, treatment also interacts with the covariates centred at
 * the treated units' (weighted) means, so the coefficient is the ATT even when
 * the effect varies with the covariates. Errors: HC1 by default, cluster-robust
 * on `input.cluster` when given.
 *
 * @example
 * regressionAdjustment({ y, treat, covariates: [{ name: 'age', values: age }] }).estimate;
 * // LaLonde (MatchIt data, 7 covariates): 1548.24, HC1 SE 740.58
 */
export function regressionAdjustment(
  input: CrossSectionInput,
  opts: CommonOptions & { interactions?: boolean } = {},
): Estimate {
  const { input: data, dropped } = checkCrossSectionInput('regressionAdjustment', input, opts);
  const vcov = chooseVcov(data.cluster, opts.vcov, opts.clusterAdjustment);
  const { nTreated, nControl } = groupSizes(data.treat, data.weights);
  const plain = data.covariates.length > 0 && !opts.interactions;
  const r = (plain ? byPartialling(data, vcov) : null) ?? ordinaryFit(data, vcov, Boolean(opts.interactions));
  return makeEstimate('regression_adjustment', r.estimate, r.se, intervalDf(r.dfResidual, data.treat, data.cluster, data.weights, opts.clusterDf), nTreated, nControl, {
    vcov: vcovLabel(vcov),
    interactions: Boolean(opts.interactions),
    r2: r.r2,
    coefficients: r.p,
    droppedMissing: dropped,
    warnings: [],
  });
}

/** What regressionAdjustment reports of its fit, by either path. */
interface AdjustmentFit {
  estimate: number;
  se: number;
  dfResidual: number;
  r2: number;
  /** Coefficients of the full regression. */
  p: number;
}

// The regression fitted on its whole design: without interactions the covariates are written straight
// into the one design matrix (no intermediate copy).
function ordinaryFit(data: CrossSectionInput, vcov: VcovType, interactions: boolean): AdjustmentFit {
  const r =
    data.covariates.length > 0 && !interactions
      ? fitTreatment(bindCovariates([treatmentBase(data.treat)], data.covariates), data.y, data.weights, vcov)
      : treatmentCoefficient(data.y, data.treat, data.covariates.length === 0 ? null : withCentredInteractions(encodeCovariates(data.covariates), data.treat, data.weights), data.weights, vcov);
  return { estimate: r.estimate, se: r.se, dfResidual: r.dfResidual, r2: r.fit.r2, p: r.fit.p };
}

/**
 * [X | treat × (X − treated mean of X)]: the interaction terms whose centring makes the treat coefficient the ATT.
 * A column constant among the treated (e.g. a level no treated unit has) gives an all-zero interaction and is left out.
 */
function withCentredInteractions(X: Design, treat: Float64Array, weights: Float64Array | undefined): Design {
  const { n, p } = X;
  const inter = new Float64Array(n * p);
  const names: string[] = [];
  let q = 0;
  for (let j = 0; j < p; j++) {
    const src = j * n;
    const off = q * n;
    let s = 0;
    let sw = 0;
    for (let i = 0; i < n; i++) {
      if (treat[i] !== 1) continue;
      const w = weights ? weights[i] : 1;
      s += w * X.x[src + i];
      sw += w;
    }
    const m = s / sw;
    let nonZero = false;
    for (let i = 0; i < n; i++) {
      const v = treat[i] * (X.x[src + i] - m);
      inter[off + i] = v;
      if (v !== 0) nonZero = true;
    }
    if (!nonZero) continue;
    names.push(`treat:${X.names[j]}`);
    q++;
  }
  return bindColumns(X, { n, p: q, names, x: inter.subarray(0, q * n) });
}

/** Below this share of its weighted sum of squares left after the covariates, the treatment is called collinear with them (and the ordinary path says so). */
const TREAT_LEFT_SHARE = 1e-8;

/**
 * Regression adjustment on a tall design by partialling out (Frisch–Waugh–
 * Lovell): the treatment coefficient of y on [1, treat, covariates] is the
 * slope of y's residual on treat's residual, both residuals from the
 * regression on [1, covariates], whose design is the one the propensity
 * score fits on (shared, so a study encodes its covariates once and never
 * builds the wider design). One Gram matrix serves both regressions
 * (`gramLeastSquares`, as `fitOls` solves tall designs). The
 * coefficient's HC0/HC1 and cluster-robust variances are the full
 * regression's: its row of (XᵀWX)⁻¹XᵀW is treat's residual over its sum of
 * squares, so the meat needs only the per-cluster sums of w·r_treat·e. Null
 * where this does not apply or cannot be trusted (a short design, HC2/HC3 or
 * classical variances, a nearly singular Gram matrix, a treatment the
 * covariates nearly explain): then the ordinary path fits, and explains any
 * failure in its own words.
 */
function byPartialling(data: CrossSectionInput, vcov: VcovType): AdjustmentFit | null {
  // HC0, HC1 and one-way clusters (either factor); not the classical, leverage-based or two-way variances.
  const cluster = typeof vcov === 'object' && 'cluster' in vcov ? vcov : null;
  if (cluster === null && vcov !== 'HC1' && vcov !== 'HC0') return null;
  if (data.y.length < GRAM_MIN_ROWS) return null;
  const X = sharedInterceptDesign(data.covariates);
  const { n } = X;
  const p = X.p + 1;
  if (n < GRAM_ROWS_PER_COLUMN * p) return null;
  const w = data.weights;
  const nPositive = w ? countPositive(w) : n;
  const structure = designStructure(X);
  const wt = w ?? new Float64Array(n).fill(1);
  const ls = gramLeastSquares(X, w, structure);
  if (ls === null) return null;
  const residual = (v: Float64Array): Float64Array => subtractFrom(v, linearPredictor(X, ls.coef(v), undefined, structure));
  const rT = residual(data.treat);
  const rY = residual(data.y);
  const { tt, ty, t0 } = treatSquares(wt, rT, rY, data.treat);
  if (!(tt > TREAT_LEFT_SHARE * t0)) return null;
  const estimate = ty / tt;
  // e = y − fitted of the full regression = rY − estimate·rT; the score of row i is w_i·rT_i·e_i.
  const score = new Float64Array(n);
  const { rss, sumW, sumWy } = fullScores(wt, rT, rY, data.y, estimate, score);
  let meat: number;
  let scale: number;
  if (cluster !== null) {
    const { codes, groups } = clusterCodes(cluster.cluster);
    if (groups < 2) return null;
    meat = clusterSquares(score, codes, groups);
    scale = sandwichScale(cluster.type ?? 'HC1', n, p, groups);
  } else {
    meat = sumOfSquares(score);
    scale = sandwichScale(vcov as 'HC0' | 'HC1', n, p);
  }
  const mean = sumWy / sumW;
  const tss = weightedTss(wt, data.y, mean);
  return { estimate, se: Math.sqrt((scale * meat) / (tt * tt)), dfResidual: nPositive - p, r2: tss > 0 ? 1 - rss / tss : NaN, p };
}

// r ← v − r (r holds the fitted values): the residuals, in r.
function subtractFrom(v: Float64Array, r: Float64Array): Float64Array {
  for (let i = 0; i < r.length; i++) r[i] = v[i] - r[i];
  return r;
}

// Σw·rT², Σw·rT·rY and Σw·treat², in row order.
function treatSquares(wt: Float64Array, rT: Float64Array, rY: Float64Array, treat: Float64Array): { tt: number; ty: number; t0: number } {
  let tt = 0;
  let ty = 0;
  let t0 = 0;
  for (let i = 0; i < wt.length; i++) {
    tt += wt[i] * rT[i] * rT[i];
    ty += wt[i] * rT[i] * rY[i];
    t0 += wt[i] * treat[i] * treat[i];
  }
  return { tt, ty, t0 };
}

// The full regression's residuals e = rY − estimate·rT: their weighted sum of squares, Σw and Σw·y, and
// each row's score w·rT·e (into score).
function fullScores(wt: Float64Array, rT: Float64Array, rY: Float64Array, y: Float64Array, estimate: number, score: Float64Array): { rss: number; sumW: number; sumWy: number } {
  let rss = 0;
  let sumW = 0;
  let sumWy = 0;
  for (let i = 0; i < wt.length; i++) {
    const e = rY[i] - estimate * rT[i];
    rss += wt[i] * e * e;
    sumW += wt[i];
    sumWy += wt[i] * y[i];
    score[i] = wt[i] * rT[i] * e;
  }
  return { rss, sumW, sumWy };
}

// Σ over clusters of (Σ score within the cluster)².
function clusterSquares(score: Float64Array, codes: Int32Array, groups: number): number {
  const sums = new Float64Array(groups);
  for (let i = 0; i < score.length; i++) sums[codes[i]] += score[i];
  let meat = 0;
  for (let g = 0; g < groups; g++) meat += sums[g] * sums[g];
  return meat;
}

// Σ w·(y − mean)², in row order.
function weightedTss(wt: Float64Array, y: Float64Array, mean: number): number {
  let tss = 0;
  for (let i = 0; i < wt.length; i++) tss += wt[i] * (y[i] - mean) * (y[i] - mean);
  return tss;
}
