import { EstimationError } from '../core/errors';
import { createRng } from '../stats/rng';
import { PathCounts, pathTotals } from './paths';
import { progressBar } from '../stats/bootstrap';
import { AttributionResult, appearing, buildResult, encodeForAttribution } from './result';

/** Shapley values of a game, with their Monte-Carlo standard errors when sampled. */
export interface ShapleyGameResult {
  values: Float64Array;
  /** Per player, the standard error of the sampled value; null when exact. */
  standardErrors: Float64Array | null;
  exact: boolean;
  /** Permutations drawn (0 when exact). */
  draws: number;
}

/** Options of {@link shapleyValues}. */
export interface ShapleyGameOptions {
  /** Largest number of players solved by the exact sum over 2^n coalitions. Default 15. */
  exactLimit?: number;
  /** Permutations drawn when sampling. Default 2000. */
  draws?: number;
  /** Seed of the permutation sampler. Default 1. */
  seed?: number;
  /** Show a progress bar on stderr (default: only when stderr is a terminal). */
  progress?: boolean;
}

/**
 * Exact Shapley values from a table of coalition values indexed by bit mask
 * (`table[mask]`, bit j set when player j is in): φ_j = Σ_{S ∌ j}
 * |S|!(n−|S|−1)!/n! · (v(S ∪ {j}) − v(S)).
 *
 * @example
 * // Glove game: v({0,1}) = v({0,2}) = v(N) = 1, else 0 → φ = (2/3, 1/6, 1/6).
 * shapleyFromTable(3, Float64Array.of(0, 0, 0, 1, 0, 1, 0, 1)); // => [0.666…, 0.1666…, 0.1666…]
 */
export function shapleyFromTable(n: number, table: Float64Array): Float64Array {
  if (!Number.isInteger(n) || n < 0 || n > 25) throw new RangeError(`shapleyFromTable: \`n\` must be an integer in 0..25, got ${n}`);
  const size = 2 ** n;
  if (table.length !== size) throw new RangeError(`shapleyFromTable: \`table\` must have 2^${n} = ${size} entries, got ${table.length}`);
  const weight = new Float64Array(n);
  // w(s) = s!(n−s−1)!/n!, built by ratios to stay finite for large n.
  if (n > 0) {
    weight[0] = 1 / n;
    for (let s = 1; s < n; s++) weight[s] = (weight[s - 1] * s) / (n - s);
  }
  const phi = new Float64Array(n);
  for (let mask = 0; mask < size; mask++) {
    let s = 0;
    for (let m = mask; m; m &= m - 1) s++;
    const v = table[mask];
    for (let j = 0; j < n; j++) {
      const bit = 1 << j;
      if (mask & bit) continue;
      phi[j] += weight[s] * (table[mask | bit] - v);
    }
  }
  return phi;
}

/**
 * Shapley values of any game given as a value function over coalitions
 * (`members[j] = 1` when player j is in; `mask` is the same set as a bit
 * mask when n ≤ 30, else −1). Exact up to `exactLimit` players; above it,
 * the mean marginal contribution over random permutations (seeded), whose
 * standard errors are returned. Sampled values still sum exactly to
 * v(N) − v(∅), since every permutation's contributions do.
 *
 * @example
 * const v = (m: Uint8Array) => (m[0] ? 10 : 0) + (m[1] ? 5 : 0);
 * shapleyValues(2, v).values; // => [10, 5]
 */
export function shapleyValues(
  n: number,
  value: (members: Uint8Array, mask: number) => number,
  opts: ShapleyGameOptions = {},
): ShapleyGameResult {
  const exactLimit = opts.exactLimit ?? 15;
  if (!Number.isInteger(exactLimit) || exactLimit < 0 || exactLimit > 25) {
    throw new RangeError(`shapleyValues: \`exactLimit\` must be an integer in 0..25, got ${exactLimit}`);
  }
  const members = new Uint8Array(n);
  if (n <= exactLimit) {
    const size = 2 ** n;
    const table = new Float64Array(size);
    for (let mask = 0; mask < size; mask++) {
      for (let j = 0; j < n; j++) members[j] = (mask >> j) & 1;
      table[mask] = value(members, mask);
    }
    return { values: shapleyFromTable(n, table), standardErrors: null, exact: true, draws: 0 };
  }
  const draws = opts.draws ?? 2000;
  if (!Number.isInteger(draws) || draws < 2) throw new RangeError(`shapleyValues: \`draws\` must be an integer >= 2, got ${draws}`);
  const rng = createRng(opts.seed ?? 1);
  const sum = new Float64Array(n);
  const sumSq = new Float64Array(n);
  const perm = new Int32Array(n);
  const bar = progressBar('Shapley sampling', draws, opts.progress);
  members.fill(0);
  const empty = value(members, n <= 30 ? 0 : -1);
  for (let d = 0; d < draws; d++) {
    for (let j = 0; j < n; j++) perm[j] = j;
    for (let j = n - 1; j > 0; j--) {
      const k = rng.int(j + 1);
      const t = perm[j];
      perm[j] = perm[k];
      perm[k] = t;
    }
    members.fill(0);
    let mask = 0;
    let prev = empty;
    for (let i = 0; i < n; i++) {
      const j = perm[i];
      members[j] = 1;
      if (n <= 30) mask += 2 ** j;
      const cur = value(members, n <= 30 ? mask : -1);
      const delta = cur - prev;
      sum[j] += delta;
      sumSq[j] += delta * delta;
      prev = cur;
    }
    bar.tick();
  }
  bar.stop();
  const values = new Float64Array(n);
  const standardErrors = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    values[j] = sum[j] / draws;
    const variance = Math.max(0, (sumSq[j] - draws * values[j] * values[j]) / (draws - 1));
    standardErrors[j] = Math.sqrt(variance / draws);
  }
  return { values, standardErrors, exact: false, draws };
}

/** Options of {@link shapleyAttribution}. */
export interface ShapleyOptions extends ShapleyGameOptions {
  /**
   * - `simplified` (default): Zhao et al. (2018). The value of a set S is the
   *   conversions of journeys whose course set lies within S, so the game is a
   *   sum of unanimity games and φ_j = Σ_{T ∋ j} R(T)/|T| (R(T): conversions
   *   of journeys with exactly the set T) — linear time in the data.
   * - `ordered`: the same credit, broken down by the touch position at which
   *   each course was taken (repeats split a course's share over its
   *   touches); totals per course equal `simplified`.
   * - `rate`: the textbook game over sets, v(S) = conversion rate (and mean
   *   value per journey) of journeys whose course set is exactly S; sets
   *   never observed take the best value of their observed subsets (adding a
   *   course is not assumed to hurt). Exact up to `exactLimit` courses,
   *   sampled above.
   */
  variant?: 'simplified' | 'ordered' | 'rate';
  /** Course catalogue: fixes output order; courses never taken get 0 with a note. */
  courses?: string[];
}

/** Shapley attribution plus what its variant adds. */
export interface ShapleyResult extends AttributionResult {
  variant: 'simplified' | 'ordered' | 'rate';
  /** `ordered`: conversions credited to each course at touch position 1, 2, ... */
  byPosition?: Record<string, number[]>;
  /** `rate`, sampled: standard error of each course's share. */
  shareStandardErrors?: Record<string, number>;
}

/**
 * Shapley attribution over course sets (see {@link ShapleyOptions} for the
 * three variants). Journeys without training are the baseline and are not
 * credited.
 *
 * @example
 * // A-only converts 2, B-only 1, A+B 3: simplified φ_A = 2 + 3/2 = 3.5, φ_B = 1 + 3/2 = 2.5.
 * const res = shapleyAttribution({ paths: [['A'], ['B'], ['A', 'B']], conversions: Float64Array.of(2, 1, 3),
 *   value: Float64Array.of(0, 0, 0), nulls: Float64Array.of(5, 5, 5) });
 * res.conversions; // => { A: 3.5, B: 2.5 }
 */
export function shapleyAttribution(counts: PathCounts, opts: ShapleyOptions = {}): ShapleyResult {
  pathTotals(counts, 'shapleyAttribution');
  const variant = opts.variant ?? 'simplified';
  if (!['simplified', 'ordered', 'rate'].includes(variant)) {
    throw new RangeError(`shapleyAttribution: \`variant\` must be simplified, ordered or rate, got "${variant}"`);
  }
  const enc = encodeForAttribution(counts, opts.courses);
  const m = enc.courses.length;
  const notes: string[] = [];
  let untrainedConversions = 0;
  for (let r = 0; r < counts.paths.length; r++) if (enc.offsets[r + 1] === enc.offsets[r]) untrainedConversions += counts.conversions[r];
  if (untrainedConversions > 0) notes.push(`${untrainedConversions} conversions after no training are the baseline, not credited`);
  if (variant === 'rate') return rateShapley(counts, enc, opts, notes);
  const conv = new Float64Array(m);
  const val = new Float64Array(m);
  const seenAt = new Int32Array(m).fill(-1);
  const occurrences = new Int32Array(m);
  const creditedAt = new Int32Array(m).fill(-1);
  const byPosition: Float64Array[] | null = variant === 'ordered' ? enc.courses.map(() => new Float64Array(0)) : null;
  for (let r = 0; r < counts.paths.length; r++) {
    const a = enc.offsets[r];
    const b = enc.offsets[r + 1];
    const c = counts.conversions[r];
    const v = counts.value[r];
    if (b === a || (c === 0 && v === 0)) continue;
    let distinct = 0;
    for (let k = a; k < b; k++) {
      const j = enc.touches[k];
      if (seenAt[j] !== r) {
        seenAt[j] = r;
        occurrences[j] = 0;
        distinct++;
      }
      occurrences[j]++;
    }
    for (let k = a; k < b; k++) {
      const j = enc.touches[k];
      if (byPosition) {
        const pos = k - a;
        if (byPosition[j].length <= pos) {
          const grown = new Float64Array(Math.max(pos + 1, byPosition[j].length * 2));
          grown.set(byPosition[j]);
          byPosition[j] = grown;
        }
        byPosition[j][pos] += c / distinct / occurrences[j];
      }
      // Each distinct course is counted once per row, at its first touch.
      if (creditedAt[j] !== r) {
        creditedAt[j] = r;
        conv[j] += c / distinct;
        val[j] += v / distinct;
      }
    }
  }
  notes.push(
    variant === 'ordered'
      ? 'ordered Shapley (Zhao et al. 2018): simplified credit broken down by touch position'
      : 'simplified Shapley (Zhao et al. 2018): each journey’s conversions shared equally by its distinct courses',
  );
  const result = buildResult('shapley', enc.courses, conv, val, notes, appearing(enc));
  const out: ShapleyResult = { ...result, variant };
  if (byPosition) {
    out.byPosition = {};
    enc.courses.forEach((c, j) => {
      let len = byPosition[j].length;
      while (len > 0 && byPosition[j][len - 1] === 0) len--;
      out.byPosition![c] = Array.from(byPosition[j].subarray(0, len));
    });
  }
  return out;
}

function rateShapley(
  counts: PathCounts,
  enc: ReturnType<typeof encodeForAttribution>,
  opts: ShapleyOptions,
  notes: string[],
): ShapleyResult {
  const m = enc.courses.length;
  if (m > 52) throw new RangeError(`shapleyAttribution: the rate variant handles at most 52 courses, got ${m}`);
  // Journeys, conversions and value per observed course set (bit mask).
  const sets = new Map<number, { journeys: number; conv: number; value: number }>();
  for (let r = 0; r < counts.paths.length; r++) {
    let mask = 0;
    const seen = new Set<number>();
    for (let k = enc.offsets[r]; k < enc.offsets[r + 1]; k++) seen.add(enc.touches[k]);
    for (const j of seen) mask += 2 ** j;
    const s = sets.get(mask) ?? { journeys: 0, conv: 0, value: 0 };
    s.journeys += counts.conversions[r] + counts.nulls[r];
    s.conv += counts.conversions[r];
    s.value += counts.value[r];
    sets.set(mask, s);
  }
  const observed = [...sets.entries()].filter(([, s]) => s.journeys > 0);
  const baseRate = sets.get(0)?.journeys ? sets.get(0)!.conv / sets.get(0)!.journeys : 0;
  const baseValue = sets.get(0)?.journeys ? sets.get(0)!.value / sets.get(0)!.journeys : 0;
  const isSubset = (t: number, s: number): boolean => {
    // Masks can exceed 32 bits: compare in two halves.
    const tl = t % 2 ** 26;
    const sl = s % 2 ** 26;
    const th = Math.floor(t / 2 ** 26);
    const sh = Math.floor(s / 2 ** 26);
    return (tl & ~sl) === 0 && (th & ~sh) === 0;
  };
  const cache = new Map<number, [number, number]>();
  const gameValue = (mask: number): [number, number] => {
    const hit = cache.get(mask);
    if (hit) return hit;
    const own = sets.get(mask);
    let best: [number, number] = [baseRate, baseValue];
    if (own && own.journeys > 0) best = [own.conv / own.journeys, own.value / own.journeys];
    else {
      for (const [t, s] of observed) {
        if (t !== 0 && isSubset(t, mask)) {
          best = [Math.max(best[0], s.conv / s.journeys), Math.max(best[1], s.value / s.journeys)];
        }
      }
    }
    cache.set(mask, best);
    return best;
  };
  const maskOf = (members: Uint8Array): number => {
    let mask = 0;
    for (let j = 0; j < m; j++) if (members[j]) mask += 2 ** j;
    return mask;
  };
  const exactLimit = opts.exactLimit ?? 15;
  let lookup = (members: Uint8Array, mask: number): [number, number] => gameValue(mask >= 0 ? mask : maskOf(members));
  if (m <= exactLimit) {
    // Every coalition will be asked for: fill the table once by dynamic programming over subsets
    // (best observed subset of S = S itself if observed, else the best of S minus one course).
    const size = 2 ** m;
    const bestRate = new Float64Array(size).fill(-Infinity);
    const bestValue = new Float64Array(size).fill(-Infinity);
    const tableRate = new Float64Array(size);
    const tableValue = new Float64Array(size);
    for (let mask = 0; mask < size; mask++) {
      let subRate = -Infinity;
      let subValue = -Infinity;
      for (let j = 0; j < m; j++) {
        if (!(mask & (1 << j))) continue;
        subRate = Math.max(subRate, bestRate[mask ^ (1 << j)]);
        subValue = Math.max(subValue, bestValue[mask ^ (1 << j)]);
      }
      const own = sets.get(mask);
      if (mask !== 0 && own && own.journeys > 0) {
        tableRate[mask] = own.conv / own.journeys;
        tableValue[mask] = own.value / own.journeys;
        bestRate[mask] = Math.max(subRate, tableRate[mask]);
        bestValue[mask] = Math.max(subValue, tableValue[mask]);
      } else {
        tableRate[mask] = mask === 0 ? baseRate : Math.max(baseRate, subRate);
        tableValue[mask] = mask === 0 ? baseValue : Math.max(baseValue, subValue);
        bestRate[mask] = subRate;
        bestValue[mask] = subValue;
      }
    }
    lookup = (_members, mask) => [tableRate[mask], tableValue[mask]];
  }
  const conv = shapleyValues(m, (members, mask) => lookup(members, mask)[0], opts);
  const val = shapleyValues(m, (members, mask) => lookup(members, mask)[1], opts);
  let attributedConv = 0;
  let attributedValue = 0;
  for (let r = 0; r < counts.paths.length; r++) {
    if (enc.offsets[r + 1] === enc.offsets[r]) continue;
    attributedConv += counts.conversions[r];
    attributedValue += counts.value[r];
  }
  const gain = conv.values.reduce((x, y) => x + y, 0);
  if (Math.abs(gain) <= 1e-12 * Math.max(1e-300, ...Array.from(conv.values, Math.abs))) {
    throw new EstimationError(
      'shapleyAttribution: with all courses the conversion rate is the same as with none, so rate-based shares are undefined; use the simplified variant',
    );
  }
  const scale = (phi: Float64Array, total: number): Float64Array => {
    const s = phi.reduce((x, y) => x + y, 0);
    return Float64Array.from(phi, (x) => (s !== 0 ? (total * x) / s : 0));
  };
  notes.push(
    `Shapley over course sets: value of a set = conversion rate of journeys with exactly that set (unseen sets take their best observed subset); ${
      conv.exact ? 'exact' : `sampled with ${conv.draws} permutations (seed ${opts.seed ?? 1})`
    }; shares of the rate gain over no training`,
  );
  const result = buildResult('shapley', enc.courses, scale(conv.values, attributedConv), scale(val.values, attributedValue), notes, appearing(enc));
  const out: ShapleyResult = { ...result, variant: 'rate' };
  if (conv.standardErrors) {
    const s = conv.values.reduce((x, y) => x + y, 0);
    out.shareStandardErrors = {};
    enc.courses.forEach((c, j) => (out.shareStandardErrors![c] = Math.abs(conv.standardErrors![j] / s)));
    const worst = Math.max(...Object.values(out.shareStandardErrors));
    notes.push(`sampling error: largest standard error of a share ${worst.toExponential(2)}`);
  }
  return out;
}
