import type { Estimate } from '../core/estimate';

/** Options that turn a per-employee-month effect into money over a horizon. */
export interface BenefitOptions {
  /**
   * Months of benefit counted per trained employee (default 12: the first
   * year, as Phillips annualises). The window ATT is assumed to hold for each
   * of these months; longer horizons extrapolate past the data.
   */
  months?: number;
  /**
   * Share of one unit of the metric that is money to the business (default
   * 1: the metric is already profit or cost saved). For revenue, pass the
   * gross margin (e.g. 0.35) so that the benefit is profit, not sales.
   */
  margin?: number;
  /** Annual discount rate for the months of benefit (default 0: no discounting). */
  discountRate?: number;
}

function checkFinite(fn: string, name: string, v: number, lo: number, hi = Infinity, openLo = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${fn}: \`${name}\` must be a finite number, got ${String(v)}`);
  if ((openLo ? v <= lo : v < lo) || v > hi) {
    throw new RangeError(`${fn}: \`${name}\` must be ${openLo ? '>' : '≥'} ${lo}${hi < Infinity ? ` and ≤ ${hi}` : ''}, got ${v}`);
  }
}

/**
 * The present-value factor of a flat monthly benefit: the average over months
 * m = 1..M of (1 + r)^(−m/12). Each month is discounted at its own end, so one
 * year at 10 % is worth a little more than 1/1.1 of its undiscounted value.
 * Returns 1 when `discountRate` is 0.
 *
 * @example
 * discountFactor(12, 0);    // => 1
 * discountFactor(12, 0.1);  // => 0.95004… (mean of 1.1^(−1/12) … 1.1^(−12/12))
 */
export function discountFactor(months: number, discountRate: number): number {
  checkFinite('discountFactor', 'months', months, 0, Infinity, true);
  checkFinite('discountFactor', 'discountRate', discountRate, 0, 10);
  if (discountRate === 0) return 1;
  const whole = Math.floor(months);
  const monthly = Math.pow(1 + discountRate, -1 / 12);
  let sum = 0;
  let f = 1;
  for (let m = 1; m <= whole; m++) {
    f *= monthly;
    sum += f;
  }
  // A fractional last month counts pro rata at its end-of-month discount.
  const frac = months - whole;
  if (frac > 0) sum += frac * f * monthly;
  return sum / months;
}

/**
 * Money per unit of effect: how many currency units one unit of the window
 * ATT (per employee-month) is worth for `trained` employees over the horizon.
 * Benefit = ATT × this multiplier.
 *
 * @example
 * benefitMultiplier(100, { months: 12, margin: 0.5 }); // => 600 (100 × 12 × 0.5)
 */
export function benefitMultiplier(trained: number, opts: BenefitOptions = {}): number {
  const months = opts.months ?? 12;
  const margin = opts.margin ?? 1;
  const rate = opts.discountRate ?? 0;
  checkFinite('benefitMultiplier', 'trained', trained, 0);
  checkFinite('benefitMultiplier', 'months', months, 0, Infinity, true);
  checkFinite('benefitMultiplier', 'margin', margin, 0, Infinity, true);
  return trained * months * margin * discountFactor(months, rate);
}

/**
 * Whether an estimate's effect is detectable: its 95 % interval excludes 0.
 * Phillips' rule *no data, no improvement* credits no benefit otherwise.
 *
 * @example
 * isDetectable({ ci: [5, 20] } as Estimate);  // => true
 * isDetectable({ ci: [-5, 20] } as Estimate); // => false
 */
export function isDetectable(estimate: Pick<Estimate, 'ci'>): boolean {
  const [lo, hi] = estimate.ci;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return false;
  return lo > 0 || hi < 0;
}
