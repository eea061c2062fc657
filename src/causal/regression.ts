import type { Estimate } from '../core/estimate';
import { bindColumns, type Design } from '../stats/design';
import { bindCovariates, encodeCovariates, sharedInterceptDesign } from './covariate-encoding';
import { coefIndex, fitOls, GRAM_MIN_ROWS, GRAM_ROWS_PER_COLUMN, gramLeastSquares, type OlsFit } from '../stats/ols';
import { clusterCodes, sandwichScale, vcovOls, type VcovType } from '../stats/vcov';
import { choleskyScaled, choleskySolve, designStructure, linearPredictor } from '../stats/linalg';
import type { NamedColumn } from '../stats/design';
import { modifierCost, modifierInteractions, modifiersFit, TRAINED_PER_MODIFIER, treatedRows, type ModifierColumns } from './modifiers';
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
  opts: CommonOptions & { interactions?: boolean; modifiers?: boolean } = {},
): Estimate {
  const { input: data, dropped } = checkCrossSectionInput('regressionAdjustment', input, opts);
  const vcov = chooseVcov(data.cluster, opts.vcov, opts.clusterAdjustment);
  const { nTreated, nControl } = groupSizes(data.treat, data.weights);
  const warnings: string[] = [];
  const mods = effectModifiers(data, nTreated, Boolean(opts.interactions), opts.modifiers, warnings);
  const plain = data.covariates.length > 0 && !opts.interactions;
  const r = (plain ? byPartialling(data, vcov, mods.columns) : null) ?? ordinaryFit(data, vcov, Boolean(opts.interactions), mods.columns);
  const cost = modifierCost(nTreated, mods.columns.length, r.leverageCorrected);
  let df = intervalDf(r.dfResidual, data.treat, data.cluster, data.weights, opts.clusterDf);
  if (opts.clusterDf === 'treated' && data.cluster) df = Math.max(1, df - cost.dfLoss);
  return makeEstimate('regression_adjustment', r.estimate, r.se * Math.sqrt(cost.scale), df, nTreated, nControl, {
    vcov: r.leverageCorrected || !isCr2(vcov) ? vcovLabel(vcov) : `${vcovLabel({ cluster: data.cluster as Int32Array })}; CR2 only below ${GRAM_MIN_ROWS.toLocaleString('en-US')} rows`,
    interactions: Boolean(opts.interactions),
    ...(mods.used.length > 0 ? { modifiers: mods.used } : {}),
    r2: r.r2,
    coefficients: r.p,
    droppedMissing: dropped,
    warnings,
  });
}

/**
 * The modifier interactions a regression fits (none when the input has no
 * modifiers, `use` is false, or full interactions already let the effect
 * vary), or none with a warning when the trained units are too few to carry
 * them (see `modifiersFit`).
 */
function effectModifiers(data: CrossSectionInput, nTreated: number, interactions: boolean, use: boolean | undefined, warnings: string[]): ModifierColumns {
  const none: ModifierColumns = { columns: [], used: [] };
  if (interactions || use === false || !data.modifiers || data.modifiers.length === 0) return none;
  const mods = modifierInteractions(data.treat, data.weights, data.modifiers);
  if (mods.columns.length === 0 || modifiersFit(nTreated, mods.columns.length)) return mods;
  warnings.push(
    `the effect is fitted as one number for all ${nTreated} treated units: too few to let it vary with ${mods.used.join(', ')} (${mods.columns.length} columns need at least ${TRAINED_PER_MODIFIER * mods.columns.length + 1}), ` +
      'so the interval is for the average effect in a population like them (wider than for these units when effects differ)',
  );
  return none;
}

/** What regressionAdjustment reports of its fit, by either path. */
interface AdjustmentFit {
  estimate: number;
  se: number;
  dfResidual: number;
  r2: number;
  /** Coefficients of the full regression. */
  p: number;
  /**
   * Whether the variance is CR2's, each cluster corrected for its own leverage: when asked for, on the
   * ordinary path; the partialling path (tall data, where that leverage is tiny) takes CR1's factor instead.
   */
  leverageCorrected: boolean;
}

// Whether a variance choice asks for CR2.
function isCr2(vcov: VcovType): boolean {
  return typeof vcov === 'object' && 'cluster' in vcov && vcov.type === 'CR2';
}

// The regression fitted on its whole design: without interactions the covariates are written straight
// into the one design matrix (no intermediate copy).
function ordinaryFit(data: CrossSectionInput, vcov: VcovType, interactions: boolean, modifiers: NamedColumn[]): AdjustmentFit {
  const covariates = modifiers.length > 0 ? [...data.covariates, ...modifiers] : data.covariates;
  const r =
    covariates.length > 0 && !interactions
      ? fitTreatment(bindCovariates([treatmentBase(data.treat)], covariates), data.y, data.weights, vcov)
      : treatmentCoefficient(data.y, data.treat, data.covariates.length === 0 ? null : withCentredInteractions(encodeCovariates(data.covariates), data.treat, data.weights), data.weights, vcov);
  return { estimate: r.estimate, se: r.se, dfResidual: r.dfResidual, r2: r.fit.r2, p: r.fit.p, leverageCorrected: isCr2(vcov) };
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
function byPartialling(data: CrossSectionInput, vcov: VcovType, modifiers: { name: string; values: Float64Array }[]): AdjustmentFit | null {
  // HC0, HC1 and one-way clusters (either factor); not the classical, leverage-based or two-way variances.
  const cluster = typeof vcov === 'object' && 'cluster' in vcov ? vcov : null;
  if (cluster === null && vcov !== 'HC1' && vcov !== 'HC0') return null;
  if (data.y.length < GRAM_MIN_ROWS) return null;
  const X = sharedInterceptDesign(data.covariates);
  const { n } = X;
  const k = modifiers.length;
  const p = X.p + 1 + k;
  if (n < GRAM_ROWS_PER_COLUMN * p) return null;
  const w = data.weights;
  const nPositive = w ? countPositive(w) : n;
  const structure = designStructure(X);
  const wt = w ?? new Float64Array(n).fill(1);
  const ls = gramLeastSquares(X, w, structure);
  if (ls === null) return null;
  const coefT = ls.coef(data.treat);
  const coefY = ls.coef(data.y);
  // The modifiers' interactions, partialled in a second step (Frisch–Waugh–Lovell again), folded into the
  // coefficients on X so that each residual still takes one pass over the rows; the design is never widened.
  const second = k > 0 ? modifierStep(X, ls.factor, wt, data.treat, modifiers, [data.treat, data.y], [coefT, coefY]) : null;
  if (k > 0 && second === null) return null;
  const residual = (v: Float64Array, coef: Float64Array): Float64Array => subtractFrom(v, linearPredictor(X, coef, undefined, structure));
  const rT = residual(data.treat, second ? second.coef[0] : coefT);
  const rY = residual(data.y, second ? second.coef[1] : coefY);
  if (second) {
    for (let a = 0; a < k; a++) {
      subtractScaledAt(rT, modifiers[a].values, second.c[0][a], second.rows);
      subtractScaledAt(rY, modifiers[a].values, second.c[1][a], second.rows);
    }
  }
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
    // CR2's per-cluster leverage correction is for small designs (the ordinary path); on data this tall each
    // cluster's leverage is tiny, and vcovCL's factor is used (the estimate's label says so).
    scale = sandwichScale(cluster.type === 'CR2' ? 'HC1' : (cluster.type ?? 'HC1'), n, p, groups);
  } else {
    meat = sumOfSquares(score);
    scale = sandwichScale(vcov as 'HC0' | 'HC1', n, p);
  }
  const mean = sumWy / sumW;
  const tss = weightedTss(wt, data.y, mean);
  return { estimate, se: Math.sqrt((scale * meat) / (tt * tt)), dfResidual: nPositive - p, r2: tss > 0 ? 1 - rss / tss : NaN, p, leverageCorrected: false };
}

/**
 * The second step of the partialling, for targets v whose coefficients on X
 * are `coefs` (v's residual on X is v − X·coef): the modifier columns M,
 * residualised on X, are R = M − XB with B = (XᵀWX)⁻¹XᵀWM, and v's residual
 * on [X, M] is v − X(coef − Bc) − Mc with c = (RᵀWR)⁻¹RᵀW(v − X·coef). M is
 * zero off the treated rows, so XᵀWM, MᵀWM and RᵀW(v − X·coef) =
 * MᵀWv − (XᵀWM)ᵀcoef are sums over the treated rows alone, and
 * RᵀWR = MᵀWM − (XᵀWM)ᵀB. Returns each target's adjusted coefficients on X
 * and its c, and the treated rows; null when RᵀWR is (nearly) singular.
 */
function modifierStep(
  X: Design,
  factor: { L: Float64Array; d: Float64Array },
  wt: Float64Array,
  treat: Float64Array,
  modifiers: { values: Float64Array }[],
  targets: Float64Array[],
  coefs: Float64Array[],
): { coef: Float64Array[]; c: Float64Array[]; rows: Int32Array } | null {
  const k = modifiers.length;
  const { p } = X;
  const rows = treatedRows(treat, wt);
  const C = modifierCrossprods(X, wt, modifiers, rows);
  const B = C.map((col) => choleskySolve(factor, col, p));
  const A = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b <= a; b++) {
      A[a * k + b] = A[b * k + a] = rowsDot(wt, modifiers[a].values, modifiers[b].values, rows) - dot(C[a], B[b]);
    }
  }
  const f = choleskyScaled(A, k, 1e-10);
  if (!('L' in f)) return null;
  const out: { coef: Float64Array[]; c: Float64Array[]; rows: Int32Array } = { coef: [], c: [], rows };
  targets.forEach((v, t) => {
    const g = Float64Array.from(modifiers, (m, a) => rowsDot(wt, m.values, v, rows) - dot(C[a], coefs[t]));
    const c = choleskySolve(f, g, k);
    const coef = coefs[t].slice();
    for (let a = 0; a < k; a++) addScaled(coef, B[a], -c[a]);
    out.coef.push(coef);
    out.c.push(c);
  });
  return out;
}

// Σ a_j·b_j.
function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * b[j];
  return s;
}

/**
 * XᵀW m for each modifier column m, summed over the rows `rows` (m is zero
 * elsewhere). The modifiers' values and the weights at those rows are
 * gathered once into a compact row-major block; each design column is then
 * read once at those rows for all k products, not once per modifier (the
 * rows are scattered over a tall design, and every read is a cache miss).
 */
function modifierCrossprods(X: Design, wt: Float64Array, modifiers: { values: Float64Array }[], rows: Int32Array): Float64Array[] {
  const { n, p } = X;
  const k = modifiers.length;
  const m = rows.length;
  const block = new Float64Array(m * k);
  for (let a = 0; a < k; a++) gatherWeightedAt(block, a, k, modifiers[a].values, wt, rows);
  const out = new Float64Array(p * k);
  for (let j = 0; j < p; j++) columnTimesBlock(X.x, j * n, rows, block, k, out, j * k);
  return modifiers.map((_, a) => Float64Array.from({ length: p }, (_, j) => out[j * k + a]));
}

// block[r·k + a] = w_i·z_i at the r-th of the rows.
function gatherWeightedAt(block: Float64Array, a: number, k: number, z: Float64Array, wt: Float64Array, rows: Int32Array): void {
  for (let r = 0; r < rows.length; r++) block[r * k + a] = wt[rows[r]] * z[rows[r]];
}

// out[at + a] = Σ_r x[off + rows[r]]·block[r·k + a], a < k.
function columnTimesBlock(x: Float64Array, off: number, rows: Int32Array, block: Float64Array, k: number, out: Float64Array, at: number): void {
  for (let r = 0; r < rows.length; r++) {
    const xv = x[off + rows[r]];
    if (xv === 0) continue;
    const b = r * k;
    for (let a = 0; a < k; a++) out[at + a] += xv * block[b + a];
  }
}

// Σ over rows of w·a·b.
function rowsDot(wt: Float64Array, a: Float64Array, b: Float64Array, rows: Int32Array): number {
  let s = 0;
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    s += wt[i] * a[i] * b[i];
  }
  return s;
}

// v ← v − c·z at the rows `rows`.
function subtractScaledAt(v: Float64Array, z: Float64Array, c: number, rows: Int32Array): void {
  for (let r = 0; r < rows.length; r++) v[rows[r]] -= c * z[rows[r]];
}

// out ← out + c·b.
function addScaled(out: Float64Array, b: Float64Array, c: number): void {
  for (let j = 0; j < out.length; j++) out[j] += c * b[j];
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
