/** The inputs of a fully loaded programme cost (Phillips: every cost, not only the invoice). */
export interface CostInput {
  /** Learners who completed (and so incurred the per-learner costs). */
  trained: number;
  /** Direct cost of one completion: licence, fee, materials. */
  costPerLearner?: number;
  /** Seat time per learner, in hours. */
  hours?: number;
  /** Loaded cost of one hour of a learner's time (salary, benefits, lost output). */
  hourlyCost?: number;
  /** Programme costs that do not scale with learners: design, vendor set-up, administration. */
  fixedCost?: number;
}

/** A fully loaded cost and its parts, in the outcome's currency. */
export interface CostBreakdown {
  direct: number;
  time: number;
  fixed: number;
  total: number;
  perLearner: number;
}

function nonNegative(name: string, v: number | undefined): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`fullyLoadedCost: \`${name}\` must be a finite number, got ${String(v)}`);
  if (v < 0) throw new RangeError(`fullyLoadedCost: \`${name}\` must be ≥ 0, got ${v}`);
  return v;
}

/**
 * The fully loaded cost of a course: cost per learner × learners, plus seat
 * hours × hourly cost × learners (the time learners spend away from work is
 * a real cost and often the largest), plus fixed programme costs.
 *
 * @example
 * fullyLoadedCost({ trained: 50, costPerLearner: 400, hours: 8, hourlyCost: 60, fixedCost: 10000 });
 * // => { direct: 20000, time: 24000, fixed: 10000, total: 54000, perLearner: 1080 }
 */
export function fullyLoadedCost(input: CostInput): CostBreakdown {
  const trained = nonNegative('trained', input.trained);
  const perLearner = nonNegative('costPerLearner', input.costPerLearner);
  const hours = nonNegative('hours', input.hours);
  const hourly = nonNegative('hourlyCost', input.hourlyCost);
  if (hours > 0 && input.hourlyCost === undefined) {
    throw new RangeError('fullyLoadedCost: `hours` is given but `hourlyCost` is not; give the loaded cost of a learner hour');
  }
  const direct = perLearner * trained;
  const time = hours * hourly * trained;
  const fixed = nonNegative('fixedCost', input.fixedCost);
  const total = direct + time + fixed;
  return { direct, time, fixed, total, perLearner: trained > 0 ? total / trained : NaN };
}
