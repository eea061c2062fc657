import tCdfImpl from '@stdlib/stats-base-dists-t-cdf';
import tQuantileImpl from '@stdlib/stats-base-dists-t-quantile';
import normalCdfImpl from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantileImpl from '@stdlib/stats-base-dists-normal-quantile';
import chisqCdfImpl from '@stdlib/stats-base-dists-chisquare-cdf';
import fCdfImpl from '@stdlib/stats-base-dists-f-cdf';

// Thin typed wrappers over stdlib's distributions: the numerics are stdlib's,
// the wrappers only fix the argument order and default parameters.

/**
 * Student t cumulative distribution function P(T ≤ x) with `df` degrees of freedom.
 *
 * @example
 * tCdf(2.0639, 604); // => 0.98029… (two-sided p ≈ 0.0394)
 */
export function tCdf(x: number, df: number): number {
  return tCdfImpl(x, df);
}

/**
 * Student t quantile: the x with P(T ≤ x) = p.
 *
 * @example
 * tQuantile(0.975, 10); // => 2.2281…
 */
export function tQuantile(p: number, df: number): number {
  return tQuantileImpl(p, df);
}

/**
 * Normal cumulative distribution function (standard by default).
 *
 * @example
 * normalCdf(1.959964); // => 0.975
 */
export function normalCdf(x: number, mean = 0, sd = 1): number {
  return normalCdfImpl(x, mean, sd);
}

/**
 * Normal quantile (standard by default).
 *
 * @example
 * normalQuantile(0.975); // => 1.959963…
 */
export function normalQuantile(p: number, mean = 0, sd = 1): number {
  return normalQuantileImpl(p, mean, sd);
}

/**
 * Chi-square cumulative distribution function with `df` degrees of freedom.
 *
 * @example
 * chisqCdf(3.841459, 1); // => 0.95
 */
export function chisqCdf(x: number, df: number): number {
  return chisqCdfImpl(x, df);
}

/**
 * F cumulative distribution function with `df1`, `df2` degrees of freedom.
 *
 * @example
 * fCdf(4.964603, 1, 10); // => 0.95
 */
export function fCdf(x: number, df1: number, df2: number): number {
  return fCdfImpl(x, df1, df2);
}

/**
 * Two-sided p-value of a t statistic (`df` = Infinity for the normal).
 *
 * @example
 * twoSidedP(1.96, Infinity); // => 0.04999…
 */
export function twoSidedP(t: number, df: number): number {
  const a = Math.abs(t);
  return 2 * (df === Infinity ? 1 - normalCdf(a) : 1 - tCdf(a, df));
}

/**
 * Critical value for a two-sided interval at `level` (t with `df`, or the normal when df = Infinity).
 *
 * @example
 * criticalValue(0.95, Infinity); // => 1.959963…
 */
export function criticalValue(level: number, df: number): number {
  if (!(level > 0 && level < 1)) throw new RangeError(`criticalValue: \`level\` must be in (0, 1), got ${level}`);
  const p = 1 - (1 - level) / 2;
  return df === Infinity ? normalQuantile(p) : tQuantile(p, df);
}
