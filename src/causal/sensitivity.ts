import { tQuantile } from '../stats/dists';
import type { Estimate } from '../core/estimate';

/** An E-value for a point estimate and for the interval limit nearer the null. */
export interface EValue {
  /** Risk ratio used (≥ 1 after flipping a protective effect). */
  rr: number;
  /** Interval of the risk ratio on the same scale. */
  rrCi: [number, number];
  /** E-value of the point estimate. */
  point: number;
  /** E-value of the interval limit nearer 1 (1 when the interval includes 1). */
  ci: number;
}

function checkPositive(fn: string, name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${fn}: \`${name}\` must be a finite number, got ${String(v)}`);
  if (v <= 0) throw new RangeError(`${fn}: \`${name}\` must be > 0, got ${v}`);
}

/**
 * The E-value of a risk ratio (VanderWeele & Ding 2017): the minimum
 * strength of association, on the risk-ratio scale, that an unmeasured
 * confounder would need with both the treatment and the outcome to explain
 * the effect away. E = RR + √(RR (RR − 1)) for RR ≥ 1; a protective RR is
 * inverted first. https://doi.org/10.7326/M16-2607
 *
 * @example
 * eValueRiskRatio(3.9); // => 7.26… (the paper's example)
 * eValueRiskRatio(1);   // => 1
 */
export function eValueRiskRatio(rr: number): number {
  checkPositive('eValueRiskRatio', 'rr', rr);
  const r = rr < 1 ? 1 / rr : rr;
  return r + Math.sqrt(r * (r - 1));
}

/**
 * E-value of a risk ratio and its interval: the interval's E-value uses the
 * limit nearer 1, and is 1 when the interval already includes 1.
 *
 * @example
 * eValueWithCi(3.9, [1.8, 8.7]); // => { rr: 3.9, rrCi: [1.8, 8.7], point: 7.26…, ci: 3.0 }
 */
export function eValueWithCi(rr: number, rrCi: [number, number]): EValue {
  checkPositive('eValueWithCi', 'rrCi[0]', rrCi[0]);
  checkPositive('eValueWithCi', 'rrCi[1]', rrCi[1]);
  const point = eValueRiskRatio(rr);
  const includesNull = rrCi[0] <= 1 && rrCi[1] >= 1;
  const nearer = rr >= 1 ? rrCi[0] : rrCi[1];
  return { rr, rrCi, point, ci: includesNull ? 1 : eValueRiskRatio(nearer) };
}

/**
 * E-value of a difference in means on a continuous outcome, by VanderWeele &
 * Ding's approximation through the standardised effect d = effect / SD(Y):
 * RR ≈ exp(0.91 d), with interval exp(0.91 (d ± 1.96 SE_d)). The
 * approximation assumes a roughly normal outcome; it is a yardstick for how
 * strong a confounder must be, not an exact bound.
 *
 * @example
 * // effect 0.5 SD with SE 0.1 SD: RR ≈ exp(0.455) = 1.576, E ≈ 2.53
 * eValueContinuous(50, 10, 100).point; // => 2.53…
 */
export function eValueContinuous(effect: number, se: number, sdOutcome: number): EValue {
  if (!Number.isFinite(effect)) throw new TypeError(`eValueContinuous: \`effect\` must be a finite number, got ${effect}`);
  checkPositive('eValueContinuous', 'se', se);
  checkPositive('eValueContinuous', 'sdOutcome', sdOutcome);
  const d = effect / sdOutcome;
  const sed = se / sdOutcome;
  const rr = Math.exp(0.91 * d);
  const lo = Math.exp(0.91 * (d - 1.959964 * sed));
  const hi = Math.exp(0.91 * (d + 1.959964 * sed));
  return eValueWithCi(rr, [lo, hi]);
}

/** Partial R² of the treatment with the outcome given the covariates, from its t statistic: t² / (t² + df). */
export function partialR2(t: number, df: number): number {
  if (!Number.isFinite(t)) throw new TypeError(`partialR2: \`t\` must be a finite number, got ${t}`);
  checkPositive('partialR2', 'df', df);
  return (t * t) / (t * t + df);
}

/**
 * Cinelli & Hazlett's (2020) robustness value of a regression coefficient:
 * the partial R² that an unobserved confounder would need with both the
 * treatment and the outcome to reduce the estimate by `q` × 100 % (q = 1:
 * to zero) — or, with `alpha`, to make it no longer significant at that
 * level. From the t statistic and residual degrees of freedom only.
 * https://doi.org/10.1111/rssb.12348
 *
 * @example
 * robustnessValue(4.18, 783);                  // => 0.139 (the paper's Darfur example, RV = 13.9 %)
 * robustnessValue(4.18, 783, { alpha: 0.05 }); // => 0.076 (RV at α = 0.05: 7.6 %)
 */
export function robustnessValue(t: number, df: number, opts: { q?: number; alpha?: number } = {}): number {
  if (!Number.isFinite(t)) throw new TypeError(`robustnessValue: \`t\` must be a finite number, got ${t}`);
  checkPositive('robustnessValue', 'df', df);
  const q = opts.q ?? 1;
  checkPositive('robustnessValue', 'q', q);
  const fq = (q * Math.abs(t)) / Math.sqrt(df);
  if (opts.alpha === undefined) return 0.5 * (Math.sqrt(fq ** 4 + 4 * fq ** 2) - fq ** 2);
  const alpha = opts.alpha;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`robustnessValue: \`alpha\` must be in (0, 1), got ${alpha}`);
  if (df <= 1) throw new RangeError(`robustnessValue: \`df\` must be > 1 with \`alpha\`, got ${df}`);
  const fCrit = Math.abs(tQuantile(alpha / 2, df - 1)) / Math.sqrt(df - 1);
  const fqa = fq - fCrit;
  if (fqa < 0) return 0;
  // When the confounder would have to explain all of the treatment's residual
  // variance the binding constraint changes; the bound is then the extreme one.
  if (fq > 1 / fCrit) return (fq * fq - fCrit * fCrit) / (1 + fq * fq);
  return 0.5 * (Math.sqrt(fqa ** 4 + 4 * fqa ** 2) - fqa ** 2);
}

/**
 * The estimate a regression would give if an omitted confounder had partial
 * R² `r2dz` with the treatment and `r2yz` with the outcome (Cinelli & Hazlett
 * 2020, eq. 4–5), moved toward zero: |bias| = SE · √(r2yz · r2dz / (1 − r2dz)) · √df.
 *
 * @example
 * // estimate 100, SE 20, df 400, confounder explaining 5 % of each: bias = 20 · √(0.0025/0.95) · 20 = 20.5
 * adjustedForConfounder(100, 20, 400, { r2dz: 0.05, r2yz: 0.05 }).estimate; // => 79.48…
 */
export function adjustedForConfounder(
  estimate: number,
  se: number,
  df: number,
  confounder: { r2dz: number; r2yz: number },
): { estimate: number; se: number; bias: number } {
  checkPositive('adjustedForConfounder', 'se', se);
  checkPositive('adjustedForConfounder', 'df', df);
  const { r2dz, r2yz } = confounder;
  if (!(r2dz >= 0 && r2dz < 1)) throw new RangeError(`adjustedForConfounder: \`r2dz\` must be in [0, 1), got ${r2dz}`);
  if (!(r2yz >= 0 && r2yz < 1)) throw new RangeError(`adjustedForConfounder: \`r2yz\` must be in [0, 1), got ${r2yz}`);
  const bias = se * Math.sqrt((r2yz * r2dz) / (1 - r2dz)) * Math.sqrt(df);
  const adjSe = se * Math.sqrt((1 - r2yz) / (1 - r2dz)) * Math.sqrt(df / (df - 1));
  return { estimate: estimate - Math.sign(estimate) * bias, se: adjSe, bias };
}

/** Sensitivity of one estimate to an unobserved confounder, with a reading in words. */
export interface SensitivityReport {
  method: string;
  eValue: EValue;
  /** Robustness value (q = 1) and at α = 0.05, from t = estimate / SE. */
  robustnessValue: number;
  robustnessValueAlpha: number;
  partialR2: number;
  df: number;
  /** Plain-words reading. */
  reading: string[];
}

/**
 * Sensitivity of an estimate to an unobserved confounder: the E-value
 * (continuous-outcome approximation through the standardised effect, so
 * `sdOutcome` is needed) and the robustness value from t = estimate / SE.
 * `df` defaults to nTreated + nControl − 2, which overstates the degrees of
 * freedom of a model with many covariates or clustered errors; pass the
 * model's own when known.
 *
 * @example
 * sensitivityReport({ method: 'regression_adjustment', estimand: 'ATT', estimate: 50, se: 10,
 *   ci: [30.4, 69.6], nTreated: 200, nControl: 800, diagnostics: {} }, { sdOutcome: 100 }).reading[0];
 * // => 'To explain away the estimate, an unmeasured confounder would have to be associated with both …'
 */
export function sensitivityReport(estimate: Estimate, opts: { sdOutcome: number; df?: number }): SensitivityReport {
  const df = opts.df ?? estimate.nTreated + estimate.nControl - 2;
  if (!Number.isFinite(estimate.se) || estimate.se <= 0) {
    throw new RangeError(`sensitivityReport: ${estimate.method} has no usable standard error (se = ${estimate.se})`);
  }
  const ev = eValueContinuous(estimate.estimate, estimate.se, opts.sdOutcome);
  const t = estimate.estimate / estimate.se;
  const rv = robustnessValue(t, df);
  const rva = robustnessValue(t, df, { alpha: 0.05 });
  const pr2 = partialR2(t, df);
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const reading = [
    `To explain away the estimate, an unmeasured confounder would have to be associated with both completing the course and the outcome by a risk ratio of ${ev.point.toFixed(2)} each ` +
      `(E-value; for the interval limit, ${ev.ci.toFixed(2)}), on top of the measured covariates. This uses the approximation RR ≈ exp(0.91 × effect / SD of the outcome).`,
    `In regression terms, a confounder explaining ${pct(rv)} of the residual variance of both training and the outcome would bring the estimate to zero (robustness value); ` +
      `${pct(rva)} would make it no longer distinguishable from zero at the 5 % level. Training alone explains ${pct(pr2)} of the outcome's residual variance.`,
  ];
  if (ev.ci === 1) reading.push('The interval already includes no effect, so no confounding at all is needed to make it compatible with zero.');
  else if (ev.ci < 1.25) reading.push('A weak confounder would be enough to make the interval include zero: treat the estimate as fragile.');
  else if (ev.ci >= 2) reading.push('Only a strong confounder, stronger than most measured covariates usually are, could explain the interval away.');
  return { method: estimate.method, eValue: ev, robustnessValue: rv, robustnessValueAlpha: rva, partialR2: pr2, df, reading };
}
