import { PathCounts, pathTotals } from './paths';
import { AttributionResult, appearing, buildResult, encodeForAttribution } from './result';

/** Options shared by the rule-based models. */
export interface RuleOptions {
  /** Course catalogue: fixes output order; courses never taken get 0 with a note. */
  courses?: string[];
  /** time_decay: half-life in days (when the paths carry `daysBeforeEnd`). Default 7. */
  halfLifeDays?: number;
  /** time_decay: half-life in steps, used when the paths carry no dates. Default 1. */
  halfLifeSteps?: number;
  /** position_based: share of the first touch. Default 0.4. */
  first?: number;
  /** position_based: share of the last touch. Default 0.4 (the middle touches share the rest). */
  last?: number;
}

type RuleName = 'first_touch' | 'last_touch' | 'linear' | 'time_decay' | 'position_based';

function checkShare(name: string, x: number): void {
  if (!Number.isFinite(x) || x < 0 || x > 1) throw new RangeError(`positionBased: \`${name}\` must be in [0, 1], got ${x}`);
}

/**
 * Credit by a fixed rule over the touches of each path; every converting
 * journey's conversion (and value) is split over its touches by weights that
 * sum to 1, and repeated courses collect one weight per touch
 * (ChannelAttribution's convention: in `A > B > A`, linear gives A 2/3).
 *
 * - `first_touch` / `last_touch`: all to the first / last touch.
 * - `linear`: 1/L to each of the L touches.
 * - `time_decay`: weight ∝ 2^(−d/h), d the days from the touch to the journey
 *   end and h the half-life in days; aggregated path files carry no dates, so
 *   d counts steps before the last touch (last = 0) and h is in steps.
 * - `position_based`: `first` to the first touch, `last` to the last, the
 *   rest split evenly over the middle; one touch takes all, two touches split
 *   first:last in proportion.
 *
 * Journeys without any course (the empty path) are not attributed.
 *
 * @example
 * const counts = { paths: [['A', 'B'], ['B']], conversions: Float64Array.of(2, 1),
 *                  value: Float64Array.of(20, 5), nulls: Float64Array.of(1, 1) };
 * ruleAttribution(counts, 'first_touch').conversions; // => { A: 2, B: 1 }
 * ruleAttribution(counts, 'linear').credit;           // => { A: 1/3, B: 2/3 }
 */
export function ruleAttribution(counts: PathCounts, rule: RuleName, opts: RuleOptions = {}): AttributionResult {
  pathTotals(counts, rule);
  const enc = encodeForAttribution(counts, opts.courses);
  const m = enc.courses.length;
  const conv = new Float64Array(m);
  const val = new Float64Array(m);
  const notes: string[] = [];
  const halfLifeDays = opts.halfLifeDays ?? 7;
  const halfLifeSteps = opts.halfLifeSteps ?? 1;
  const first = opts.first ?? 0.4;
  const last = opts.last ?? 0.4;
  if (rule === 'time_decay') {
    if (!(halfLifeDays > 0) || !Number.isFinite(halfLifeDays)) throw new RangeError(`timeDecay: \`halfLifeDays\` must be > 0, got ${halfLifeDays}`);
    if (!(halfLifeSteps > 0) || !Number.isFinite(halfLifeSteps)) throw new RangeError(`timeDecay: \`halfLifeSteps\` must be > 0, got ${halfLifeSteps}`);
    notes.push(
      counts.daysBeforeEnd
        ? `time decay with a half-life of ${halfLifeDays} days before the journey end`
        : `no completion dates in aggregated paths: time counted in steps before the last touch, half-life ${halfLifeSteps} step(s)`,
    );
  }
  if (rule === 'position_based') {
    checkShare('first', first);
    checkShare('last', last);
    if (first + last > 1 + 1e-12) throw new RangeError(`positionBased: \`first\` + \`last\` must be <= 1, got ${first + last}`);
    notes.push(`position based: ${first} first, ${last} last, ${+(1 - first - last).toFixed(6)} shared by the middle`);
  }
  const weights = new Float64Array(Math.max(1, maxLength(enc.offsets)));
  let emptyConversions = 0;
  for (let r = 0; r < counts.paths.length; r++) {
    const a = enc.offsets[r];
    const len = enc.offsets[r + 1] - a;
    const c = counts.conversions[r];
    const v = counts.value[r];
    if (len === 0) {
      emptyConversions += c;
      continue;
    }
    if (c === 0 && v === 0) continue;
    touchWeights(rule, len, weights, counts.daysBeforeEnd?.[r], halfLifeDays, halfLifeSteps, first, last);
    for (let i = 0; i < len; i++) {
      const code = enc.touches[a + i];
      conv[code] += c * weights[i];
      val[code] += v * weights[i];
    }
  }
  if (emptyConversions > 0) notes.push(`${emptyConversions} conversions after no training are not attributed to any course`);
  return buildResult(rule, enc.courses, conv, val, notes, appearing(enc));
}

function maxLength(offsets: Int32Array): number {
  let m = 0;
  for (let r = 0; r + 1 < offsets.length; r++) m = Math.max(m, offsets[r + 1] - offsets[r]);
  return m;
}

function touchWeights(
  rule: RuleName,
  len: number,
  w: Float64Array,
  days: Float64Array | undefined,
  halfLifeDays: number,
  halfLifeSteps: number,
  first: number,
  last: number,
): void {
  w.fill(0, 0, len);
  switch (rule) {
    case 'first_touch':
      w[0] = 1;
      return;
    case 'last_touch':
      w[len - 1] = 1;
      return;
    case 'linear':
      w.fill(1 / len, 0, len);
      return;
    case 'time_decay': {
      let s = 0;
      for (let i = 0; i < len; i++) {
        const x = days ? Math.pow(2, -Math.max(0, days[i]) / halfLifeDays) : Math.pow(2, -(len - 1 - i) / halfLifeSteps);
        w[i] = x;
        s += x;
      }
      for (let i = 0; i < len; i++) w[i] /= s;
      return;
    }
    case 'position_based': {
      if (len === 1) {
        w[0] = 1;
      } else if (len === 2) {
        const s = first + last;
        w[0] = s > 0 ? first / s : 0.5;
        w[1] = s > 0 ? last / s : 0.5;
      } else {
        w[0] = first;
        w[len - 1] = last;
        const mid = (1 - first - last) / (len - 2);
        for (let i = 1; i < len - 1; i++) w[i] = mid;
      }
      return;
    }
  }
}

/** First-touch credit: see {@link ruleAttribution}. @example firstTouch(counts).conversions.alpha; // => 6308 on PathData */
export const firstTouch = (counts: PathCounts, opts?: RuleOptions): AttributionResult => ruleAttribution(counts, 'first_touch', opts);
/** Last-touch credit: see {@link ruleAttribution}. @example lastTouch(counts).conversions.alpha; // => 8447 on PathData */
export const lastTouch = (counts: PathCounts, opts?: RuleOptions): AttributionResult => ruleAttribution(counts, 'last_touch', opts);
/** Linear credit: see {@link ruleAttribution}. @example linearTouch(counts).conversions.alpha; // => 7574.72 on PathData */
export const linearTouch = (counts: PathCounts, opts?: RuleOptions): AttributionResult => ruleAttribution(counts, 'linear', opts);
/** Time-decay credit: see {@link ruleAttribution}. @example timeDecay(counts, { halfLifeDays: 14 }); */
export const timeDecay = (counts: PathCounts, opts?: RuleOptions): AttributionResult => ruleAttribution(counts, 'time_decay', opts);
/** Position-based (U-shaped) credit: see {@link ruleAttribution}. @example positionBased(counts, { first: 0.3, last: 0.5 }); */
export const positionBased = (counts: PathCounts, opts?: RuleOptions): AttributionResult =>
  ruleAttribution(counts, 'position_based', opts);
