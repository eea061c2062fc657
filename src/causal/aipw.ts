import type { Estimate } from '../core/estimate';
import { fitOls, GRAM_MIN_ROWS, GRAM_ROWS_PER_COLUMN } from '../stats/ols';
import { linearPredictor } from '../stats/linalg';
import { designMatrix, factorLevels, subsetRows, type Design, type NamedColumn } from '../stats/design';
import { clusterCodes } from '../stats/vcov';
import {
  checkCrossSectionInput,
  effectiveSampleSize,
  groupSizes,
  makeEstimate,
  subsetInput,
  type CommonOptions,
  type CrossSectionInput,
} from './cross-section-input';
import { fitPropensity, scoreOverlap } from './propensity';
import { attWeights } from './weighting';
import { gather, sumOfSquares } from '../stats/arrays';

/**
 * Augmented inverse-probability weighting (doubly robust) for the ATT:
 * an outcome model m₀(x) fitted by (weighted) least squares on the controls,
 * and a logistic propensity score e(x); the estimate is
 * mean_T(y − m₀) − Σ_C w(y − m₀)/Σ_C w with w = e/(1−e), consistent if either
 * model is right. The standard error comes from the influence function of
 * this (Neyman-orthogonal) score, summed within clusters when `input.cluster`
 * is given; the interval is normal.
 *
 * @example
 * aipw(lalondeInput).estimate; // => 1231.04 (SE 806.41)
 */
export function aipw(input: CrossSectionInput, opts: Pick<CommonOptions, 'dropMissing'> = {}): Estimate {
  const { input: data, dropped } = checkCrossSectionInput('aipw', input, opts);
  if (data.covariates.length === 0) throw new RangeError('aipw: needs covariates for the propensity score and the outcome model');
  const n = data.y.length;
  const ps = fitPropensity(data.treat, data.covariates, { weights: data.weights });
  // The propensity model already encoded the covariates: the outcome model
  // takes the control rows of that design rather than encoding them again.
  const X = ps.design;
  const controlRows = rowsWhere(data.treat, 0);
  const m0fit = controlsKeepEveryLevel(data.covariates, controlRows) ? fitOnControlRows(X, data, controlRows) : fitOnEncodedControls(data, controlRows, X);
  const m0 = linearPredictor(X, m0fit.coef);
  const s = data.weights;
  const wC = attWeights(ps.score, data.treat, s);
  const { sumT, sumC } = groupWeightTotals(data.treat, s, wC);
  // Normalised weights w1 (treated) and w0 (controls), each averaging to one over all n rows.
  const { a1, a0 } = weightedResidualMeans(data.y, m0, data.treat, s, wC, sumT, sumC);
  const estimate = a1 - a0;
  const psi = influence(data.y, m0, data.treat, s, wC, sumT, sumC, a1, a0);
  let ss: number;
  if (data.cluster) {
    const { codes, groups } = clusterCodes(data.cluster);
    ss = clusteredSquares(psi, codes, groups);
  } else ss = sumOfSquares(psi);
  const se = Math.sqrt(ss) / n;
  const { nTreated, nControl } = groupSizes(data.treat, data.weights);
  const overlap = scoreOverlap(ps.score, data.treat);
  const ess = effectiveSampleSize(wC, (i) => data.treat[i] === 0);
  const warnings = [...overlap.warnings];
  if (ess < 0.1 * nControl) warnings.push(`the weighted controls are worth only ${ess.toFixed(0)} of ${nControl} controls (effective sample size)`);
  return makeEstimate('aipw', estimate, se, Infinity, nTreated, nControl, {
    se: data.cluster ? 'influence function, clustered' : 'influence function',
    outcomeModelR2: m0fit.r2,
    effectiveControls: ess,
    overlap,
    droppedMissing: dropped,
    warnings,
  });
}

// Σ s over the treated (1 each without sample weights) and Σ wC over the controls.
function groupWeightTotals(treat: Float64Array, s: Float64Array | undefined, wC: Float64Array): { sumT: number; sumC: number } {
  let sumT = 0;
  let sumC = 0;
  for (let i = 0; i < treat.length; i++) {
    if (treat[i] === 1) sumT += s ? s[i] : 1;
    else sumC += wC[i];
  }
  return { sumT, sumC };
}

// The treated's and the controls' weighted means of the outcome model's residuals y − m0.
function weightedResidualMeans(y: Float64Array, m0: Float64Array, treat: Float64Array, s: Float64Array | undefined, wC: Float64Array, sumT: number, sumC: number): { a1: number; a0: number } {
  let a1 = 0;
  let a0 = 0;
  for (let i = 0; i < y.length; i++) {
    const res = y[i] - m0[i];
    if (treat[i] === 1) a1 += ((s ? s[i] : 1) / sumT) * res;
    else a0 += (wC[i] / sumC) * res;
  }
  return { a1, a0 };
}

// Each row's influence on the estimate (the score, centred at each group's mean residual).
function influence(y: Float64Array, m0: Float64Array, treat: Float64Array, s: Float64Array | undefined, wC: Float64Array, sumT: number, sumC: number, a1: number, a0: number): Float64Array {
  const n = y.length;
  const psi = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const res = y[i] - m0[i];
    psi[i] = treat[i] === 1 ? (n * (s ? s[i] : 1) / sumT) * (res - a1) : -(n * wC[i] / sumC) * (res - a0);
  }
  return psi;
}

// Σ over clusters of (Σ psi within the cluster)².
function clusteredSquares(psi: Float64Array, codes: Int32Array, groups: number): number {
  const g = new Float64Array(groups);
  for (let i = 0; i < psi.length; i++) g[codes[i]] += psi[i];
  let ss = 0;
  for (let k = 0; k < groups; k++) ss += g[k] * g[k];
  return ss;
}

// The row indices (ascending) where `values` equals `target`.
function rowsWhere(values: Float64Array, target: number): Int32Array {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === target) count++;
  const rows = new Int32Array(count);
  for (let i = 0, r = 0; i < values.length; i++) if (values[i] === target) rows[r++] = i;
  return rows;
}

// Whether every level of every text covariate occurs among the controls:
// then the control rows of the full design equal the controls' own design.
function controlsKeepEveryLevel(covariates: NamedColumn[], controlRows: Int32Array): boolean {
  for (const c of covariates) {
    const v = c.values;
    if (v instanceof Float64Array) continue;
    const all = factorLevels(v).length;
    const seen = new Set<string | null>();
    for (let r = 0; r < controlRows.length && seen.size < all; r++) {
      const level = v[controlRows[r]];
      if (level !== null) seen.add(level);
    }
    if (seen.size < all) return false;
  }
  return true;
}

// Least squares on the control rows of X. A tall fit goes through the Gram matrix (see fitOls), whose
// sums over all rows with the treated rows' weights at zero add exact zeros to the controls' sums: the
// same coefficients and R² bit for bit, without copying the controls' rows of X. The one difference, a
// pivot too small for the Gram path, sends that fit to QR on all rows rather than on the controls'.
function fitOnControlRows(X: Design, data: CrossSectionInput, controlRows: Int32Array): ReturnType<typeof fitOls> {
  const n0 = controlRows.length;
  if (!(n0 >= GRAM_MIN_ROWS && n0 >= GRAM_ROWS_PER_COLUMN * X.p)) {
    return fitOls(subsetRows(X, controlRows), gather(data.y, controlRows), { weights: data.weights ? gather(data.weights, controlRows) : undefined });
  }
  const weights = new Float64Array(X.n);
  for (let r = 0; r < n0; r++) weights[controlRows[r]] = data.weights ? data.weights[controlRows[r]] : 1;
  return fitOls(X, data.y, { weights, solver: 'gram' });
}

// The controls lack a level: encode them on their own, which throws the
// error saying which level (or that a column has one level left).
function fitOnEncodedControls(data: CrossSectionInput, controlRows: Int32Array, X: Design): ReturnType<typeof fitOls> {
  const controls = subsetInput(data, controlRows);
  const Xc = designMatrix(controls.covariates);
  if (Xc.names.join('|') !== X.names.join('|')) {
    throw new RangeError(`aipw: the controls do not have every level of the text covariates (${X.names.filter((nm) => !Xc.names.includes(nm)).join(', ')}); the outcome model cannot predict for those treated units`);
  }
  return fitOls(Xc, controls.y, { weights: controls.weights });
}
