import type { Estimate } from '../core/estimate';
import { EstimationError } from '../core/errors';
import { balanceTable, balanceWarnings } from './balance';
import {
  checkCrossSectionInput,
  chooseVcov,
  effectiveSampleSize,
  groupSizes,
  intervalDf,
  makeEstimate,
  vcovLabel,
  type CommonOptions,
  type CrossSectionInput,
} from './cross-section-input';
import { fitPropensity, scoreOverlap } from './propensity';
import { treatmentCoefficient } from './regression';

/**
 * ATT weights from a propensity score: 1 for treated units and e/(1−e) for
 * controls (times any sample weights), which reweights the controls to look
 * like the treated.
 *
 * @example
 * attWeights(Float64Array.from([0.5, 0.2]), Float64Array.from([1, 0])); // => [1, 0.25]
 */
export function attWeights(score: Float64Array, treat: Float64Array, sampleWeights?: Float64Array): Float64Array {
  const weights = new Float64Array(score.length);
  for (let i = 0; i < score.length; i++) {
    const e = score[i];
    const treated = treat[i] === 1;
    if (!treated && !(e < 1 - 1e-12)) {
      throw new EstimationError(
        `attWeights: the control at row index ${i} has a propensity score of ${e}: its ATT weight e/(1−e) is infinite, so the groups do not overlap there; drop or coarsen the covariates that predict treatment perfectly`,
      );
    }
    weights[i] = (sampleWeights ? sampleWeights[i] : 1) * (treated ? 1 : e / (1 - e));
  }
  return weights;
}

/**
 * Inverse-probability weighting for the ATT (normalised, "Hájek"): the
 * weighted regression of the outcome on treatment with ATT weights, i.e. the
 * treated mean minus the weighted control mean. Standard errors treat the
 * weights as known (HC1, or cluster-robust on `input.cluster`), as the
 * common `lm(weights =)` + `sandwich` recipe does.
 *
 * @example
 * ipw(lalondeInput).estimate; // => 1214.07 (HC1 SE 825.40)
 */
export function ipw(input: CrossSectionInput, opts: CommonOptions = {}): Estimate {
  const { input: data, dropped } = checkCrossSectionInput('ipw', input, opts);
  if (data.covariates.length === 0) throw new RangeError('ipw: needs covariates for the propensity score');
  const ps = fitPropensity(data.treat, data.covariates, { weights: data.weights });
  const w = attWeights(ps.score, data.treat, data.weights);
  const vcov = chooseVcov(data.cluster, opts.vcov, opts.clusterAdjustment);
  const r = treatmentCoefficient(data.y, data.treat, null, w, vcov);
  const { nTreated, nControl } = groupSizes(data.treat, data.weights);
  const balance = balanceTable(data.covariates, data.treat, { before: data.weights, after: w });
  const overlap = scoreOverlap(ps.score, data.treat);
  const ess = effectiveSampleSize(w, (i) => data.treat[i] === 0);
  const maxShare = largestControlShare(w, data.treat);
  const warnings = [...overlap.warnings, ...balanceWarnings(balance)];
  if (ess < 0.1 * nControl) {
    warnings.push(`the weighted controls are worth only ${ess.toFixed(0)} of ${nControl} controls (effective sample size): a few controls carry the estimate`);
  }
  if (maxShare > 0.1) warnings.push(`one control carries ${(100 * maxShare).toFixed(0)}% of the control weight`);
  return makeEstimate('ipw', r.estimate, r.se, intervalDf(r.dfResidual, data.treat, data.cluster, data.weights, opts.clusterDf), nTreated, nControl, {
    vcov: vcovLabel(vcov),
    effectiveControls: ess,
    maxControlWeightShare: maxShare,
    overlap,
    balance,
    droppedMissing: dropped,
    warnings,
  });
}

// The largest share of the controls' total weight that one control carries.
function largestControlShare(w: Float64Array, treat: Float64Array): number {
  let maxShare = 0;
  let sumC = 0;
  for (let i = 0; i < w.length; i++) if (treat[i] === 0) sumC += w[i];
  for (let i = 0; i < w.length; i++) if (treat[i] === 0) maxShare = Math.max(maxShare, w[i] / sumC);
  return maxShare;
}
