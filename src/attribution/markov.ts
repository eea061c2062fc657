import { EstimationError } from '../core/errors';
import { PathCounts, pathTotals } from './paths';
import { AttributionResult, appearing, buildResult, encodeForAttribution } from './result';

/**
 * An absorbing Markov chain fitted to journeys. Transient state 0 is the
 * start; every other transient state is the tuple of the last `order`
 * courses (shorter at the start of a journey). Each journey ends in
 * conversion (with its value) or in the null state.
 *
 * Transitions are stored row-wise (CSR): the successors of state s are
 * `to[rowStart[s] .. rowStart[s+1]-1]` with probabilities `prob[...]`;
 * `toConversion[s]` and `toNull[s]` are the absorbing probabilities and
 * `conversionValue[s]` the mean value of a conversion reached from s.
 */
export interface MarkovChain {
  order: number;
  courses: string[];
  /** Readable labels: `(start)`, `A`, `A > B`, ... */
  labels: string[];
  /** Per state, the course codes in its tuple (empty for the start). */
  tuples: Int32Array[];
  rowStart: Int32Array;
  to: Int32Array;
  prob: Float64Array;
  toConversion: Float64Array;
  toNull: Float64Array;
  conversionValue: Float64Array;
  /** Journeys (conversions + nulls) that the chain was fitted on. */
  journeys: number;
}

/** Options of {@link markovAttribution}. */
export interface MarkovOptions {
  /** Memory of the chain: the state is the last `order` courses. 1 to 3; default 1. */
  order?: number;
  /** Course catalogue: fixes output order; courses never taken get 0 with a note. */
  courses?: string[];
  /** Largest chain solved by dense LU; larger chains use Gauss–Seidel to 1e-14. Default 1500 states. */
  denseLimit?: number;
}

/** Markov attribution plus the removal effects it was built from. */
export interface MarkovResult extends AttributionResult {
  /** 1 − P(conversion without the course) / P(conversion), per course. */
  removalEffects: Record<string, number>;
  /** The same for the expected conversion value. */
  valueRemovalEffects: Record<string, number>;
  /** P(conversion) from the start state of the fitted chain. */
  conversionProbability: number;
  /** Expected conversion value per journey of the fitted chain. */
  expectedValue: number;
}

/**
 * Fits the absorbing chain of order 1–3 to aggregated journeys (transition
 * counts weighted by the journeys on each path).
 *
 * @example
 * const chain = buildMarkovChain({ paths: [['A', 'B'], ['B']], conversions: Float64Array.of(1, 1),
 *   value: Float64Array.of(10, 4), nulls: Float64Array.of(0, 1) });
 * chain.labels; // => ['(start)', 'A', 'B']
 */
export function buildMarkovChain(counts: PathCounts, opts: Pick<MarkovOptions, 'order' | 'courses'> = {}): MarkovChain {
  const order = opts.order ?? 1;
  if (!Number.isInteger(order) || order < 1 || order > 3) {
    throw new RangeError(`markovAttribution: \`order\` must be 1, 2 or 3, got ${order}`);
  }
  const enc = encodeForAttribution(counts, opts.courses);
  const m = enc.courses.length;
  const base = m + 1;
  // A tuple (c1..ck) keys as Σ (ci+1)·base^i, unique for k ≤ 3 and m < 2^16.
  const stateOf = new Map<number, number>();
  const tuples: Int32Array[] = [new Int32Array(0)];
  stateOf.set(0, 0);
  const edge = new Map<number, number>();
  let toConv: number[] = [0];
  let toNullCount: number[] = [0];
  let convValue: number[] = [0];
  const EDGE = 2 ** 21;
  if (m >= 2 ** 16) throw new RangeError(`markovAttribution: too many courses (${m})`);
  let journeys = 0;
  for (let r = 0; r < counts.paths.length; r++) {
    const w = counts.conversions[r] + counts.nulls[r];
    if (w === 0) continue;
    journeys += w;
    const a = enc.offsets[r];
    const len = enc.offsets[r + 1] - a;
    let prev = 0;
    for (let i = 0; i < len; i++) {
      const from = Math.max(0, i - order + 1);
      let key = 0;
      let mult = 1;
      for (let j = from; j <= i; j++) {
        key += (enc.touches[a + j] + 1) * mult;
        mult *= base;
      }
      let s = stateOf.get(key);
      if (s === undefined) {
        s = tuples.length;
        stateOf.set(key, s);
        tuples.push(enc.touches.slice(a + from, a + i + 1));
        toConv.push(0);
        toNullCount.push(0);
        convValue.push(0);
      }
      const ek = prev * EDGE + s;
      edge.set(ek, (edge.get(ek) ?? 0) + w);
      prev = s;
    }
    toConv[prev] += counts.conversions[r];
    toNullCount[prev] += counts.nulls[r];
    convValue[prev] += counts.value[r];
  }
  if (tuples.length > EDGE) throw new RangeError(`markovAttribution: the chain has too many states (${tuples.length})`);
  const nStates = tuples.length;
  const keys = [...edge.keys()].sort((x, y) => x - y);
  const rowStart = new Int32Array(nStates + 1);
  const to = new Int32Array(keys.length);
  const prob = new Float64Array(keys.length);
  const outTotal = new Float64Array(nStates);
  for (let s = 0; s < nStates; s++) outTotal[s] = toConv[s] + toNullCount[s];
  keys.forEach((k, e) => {
    const s = Math.floor(k / EDGE);
    rowStart[s + 1]++;
    to[e] = k - s * EDGE;
    prob[e] = edge.get(k)!;
    outTotal[s] += prob[e];
  });
  for (let s = 0; s < nStates; s++) rowStart[s + 1] += rowStart[s];
  const toConversion = new Float64Array(nStates);
  const toNull = new Float64Array(nStates);
  const conversionValue = new Float64Array(nStates);
  for (let s = 0; s < nStates; s++) {
    const t = outTotal[s];
    if (t > 0) {
      for (let e = rowStart[s]; e < rowStart[s + 1]; e++) prob[e] /= t;
      toConversion[s] = toConv[s] / t;
      toNull[s] = toNullCount[s] / t;
    }
    conversionValue[s] = toConv[s] > 0 ? convValue[s] / toConv[s] : 0;
  }
  toConv = toNullCount = convValue = [];
  const labels = tuples.map((t) => (t.length === 0 ? '(start)' : Array.from(t, (c) => enc.courses[c]).join(' > ')));
  return { order, courses: enc.courses, labels, tuples, rowStart, to, prob, toConversion, toNull, conversionValue, journeys };
}

/**
 * Absorption into conversion from the start, with states flagged in
 * `removed` sent to the null state: returns [P(conversion), E(value)].
 * Dense LU with partial pivoting up to `denseLimit` states, otherwise
 * Gauss–Seidel sweeps until the largest change is below 1e-14 (relative).
 */
export function absorbFromStart(chain: MarkovChain, removed: Uint8Array, denseLimit = 1500): { probability: number; value: number; iterations: number } {
  const n = chain.labels.length;
  // Keep only states that can still be reached: a removed state absorbs to null.
  const keepIndex = new Int32Array(n).fill(-1);
  let k = 0;
  for (let s = 0; s < n; s++) if (!removed[s]) keepIndex[s] = k++;
  if (removed[0]) return { probability: 0, value: 0, iterations: 0 };
  const rewardValue = (s: number): number => chain.toConversion[s] * chain.conversionValue[s];
  if (k <= denseLimit) {
    // A = I − Q on kept states, column-major; two right-hand sides.
    const a = new Float64Array(k * k);
    const b = new Float64Array(2 * k);
    for (let s = 0; s < n; s++) {
      const i = keepIndex[s];
      if (i < 0) continue;
      a[i * k + i] += 1;
      for (let e = chain.rowStart[s]; e < chain.rowStart[s + 1]; e++) {
        const j = keepIndex[chain.to[e]];
        if (j >= 0) a[j * k + i] -= chain.prob[e];
      }
      b[i] = chain.toConversion[s];
      b[k + i] = rewardValue(s);
    }
    solveDenseInPlace(a, b, k, 2);
    return { probability: b[0], value: b[k], iterations: 0 };
  }
  const x = new Float64Array(n);
  const v = new Float64Array(n);
  for (let it = 1; it <= 100000; it++) {
    let change = 0;
    let scale = 0;
    for (let s = n - 1; s >= 0; s--) {
      if (removed[s]) continue;
      let px = chain.toConversion[s];
      let pv = rewardValue(s);
      for (let e = chain.rowStart[s]; e < chain.rowStart[s + 1]; e++) {
        const t = chain.to[e];
        px += chain.prob[e] * x[t];
        pv += chain.prob[e] * v[t];
      }
      change = Math.max(change, Math.abs(px - x[s]), Math.abs(pv - v[s]) / Math.max(1, Math.abs(pv)));
      scale = Math.max(scale, Math.abs(px));
      x[s] = px;
      v[s] = pv;
    }
    if (change <= 1e-14 * Math.max(1, scale)) return { probability: x[0], value: v[0], iterations: it };
  }
  throw new EstimationError('markovAttribution: the chain did not converge in 100000 sweeps (a course that loops on itself almost surely?)');
}

/** Solves A X = B in place (A k×k column-major, B k×nrhs column-major) by LU with partial pivoting. */
function solveDenseInPlace(a: Float64Array, b: Float64Array, k: number, nrhs: number): void {
  for (let c = 0; c < k; c++) {
    let p = c;
    let best = Math.abs(a[c * k + c]);
    for (let i = c + 1; i < k; i++) {
      const x = Math.abs(a[c * k + i]);
      if (x > best) {
        best = x;
        p = i;
      }
    }
    if (best < 1e-300) throw new EstimationError('markovAttribution: singular transition system (a state that never leaves?)');
    if (p !== c) {
      for (let j = 0; j < k; j++) {
        const t = a[j * k + c];
        a[j * k + c] = a[j * k + p];
        a[j * k + p] = t;
      }
      for (let j = 0; j < nrhs; j++) {
        const t = b[j * k + c];
        b[j * k + c] = b[j * k + p];
        b[j * k + p] = t;
      }
    }
    const pivot = a[c * k + c];
    for (let i = c + 1; i < k; i++) {
      const f = a[c * k + i] / pivot;
      if (f === 0) continue;
      a[c * k + i] = 0;
      for (let j = c + 1; j < k; j++) a[j * k + i] -= f * a[j * k + c];
      for (let j = 0; j < nrhs; j++) b[j * k + i] -= f * b[j * k + c];
    }
  }
  for (let j = 0; j < nrhs; j++) {
    for (let c = k - 1; c >= 0; c--) {
      let s = b[j * k + c];
      for (let i = c + 1; i < k; i++) s -= a[i * k + c] * b[j * k + i];
      b[j * k + c] = s / a[c * k + c];
    }
  }
}

/**
 * Markov-chain attribution by removal effects, solved exactly: the chain's
 * conversion probability (and expected value) from the start is the
 * absorption probability of a linear system on the transient states; removing
 * a course sends every state whose tuple contains it to the null state. Each
 * course's credit is its removal effect over the sum of removal effects, for
 * conversions and for value separately (the value chain pays, on absorption
 * from state s, the mean value of conversions reached from s). Journeys
 * without training enter the chain (start → conversion) but are not credited.
 *
 * Worked chain: paths A>B (1 conversion), A (1 null), B (1 conversion, 1 null):
 * P = ½·½·⅔ + ½·⅔ = ½; without A, P = ⅓ (effect ⅓); without B, P = 0
 * (effect 1): A gets ¼ of the credit, B ¾.
 *
 * @example
 * const res = markovAttribution({ paths: [['A', 'B'], ['A'], ['B']], conversions: Float64Array.of(1, 0, 1),
 *   value: Float64Array.of(10, 0, 4), nulls: Float64Array.of(0, 1, 1) });
 * res.credit;         // => { A: 0.25, B: 0.75 }
 * res.removalEffects; // => { A: 0.333…, B: 1 }
 */
export function markovAttribution(counts: PathCounts, opts: MarkovOptions = {}): MarkovResult {
  const totals = pathTotals(counts, 'markovAttribution');
  const chain = buildMarkovChain(counts, opts);
  const m = chain.courses.length;
  const n = chain.labels.length;
  const denseLimit = opts.denseLimit ?? 1500;
  const full = absorbFromStart(chain, new Uint8Array(n), denseLimit);
  if (!(full.probability > 0)) throw new EstimationError('markovAttribution: the chain never converts');
  const re = new Float64Array(m);
  const reValue = new Float64Array(m);
  const removed = new Uint8Array(n);
  let maxIterations = full.iterations;
  for (let c = 0; c < m; c++) {
    for (let s = 0; s < n; s++) removed[s] = chain.tuples[s].includes(c) ? 1 : 0;
    const without = absorbFromStart(chain, removed, denseLimit);
    maxIterations = Math.max(maxIterations, without.iterations);
    re[c] = Math.max(0, 1 - without.probability / full.probability);
    reValue[c] = full.value > 0 ? Math.max(0, 1 - without.value / full.value) : 0;
  }
  let attributedConv = 0;
  let attributedValue = 0;
  for (let r = 0; r < counts.paths.length; r++) {
    if (counts.paths[r].length === 0) continue;
    attributedConv += counts.conversions[r];
    attributedValue += counts.value[r];
  }
  const sumRe = re.reduce((x, y) => x + y, 0);
  const sumReValue = reValue.reduce((x, y) => x + y, 0);
  const conv = Float64Array.from(re, (x) => (sumRe > 0 ? (attributedConv * x) / sumRe : 0));
  const val = Float64Array.from(reValue, (x) => (sumReValue > 0 ? (attributedValue * x) / sumReValue : 0));
  const notes = [
    `Markov chain of order ${chain.order} with ${n - 1} course states, solved ${
      n <= denseLimit ? 'exactly by LU' : `by Gauss–Seidel to 1e-14 (${maxIterations} sweeps)`
    }; removal effects normalised to shares`,
  ];
  if (attributedConv < totals.conversions) notes.push(`${totals.conversions - attributedConv} conversions after no training are not attributed`);
  const result = buildResult('markov', chain.courses, conv, val, notes, appearing(encodeForAttribution(counts, opts.courses)));
  const removalEffects: Record<string, number> = {};
  const valueRemovalEffects: Record<string, number> = {};
  chain.courses.forEach((c, j) => {
    removalEffects[c] = re[j];
    valueRemovalEffects[c] = reValue[j];
  });
  return { ...result, removalEffects, valueRemovalEffects, conversionProbability: full.probability, expectedValue: full.value };
}

/**
 * The first-order transition matrix over `(start)`, the courses,
 * `(conversion)` and `(null)`, for the heat map: `matrix[i][j]` is
 * P(next = j | now = i); absorbing rows are zero.
 *
 * @example
 * transitionMatrix(counts).labels; // => ['(start)', 'A', 'B', '(conversion)', '(null)']
 */
export function transitionMatrix(counts: PathCounts, courses?: string[]): { labels: string[]; matrix: number[][] } {
  const chain = buildMarkovChain(counts, { order: 1, courses });
  const m = chain.courses.length;
  const labels = ['(start)', ...chain.courses, '(conversion)', '(null)'];
  const matrix = labels.map(() => new Array<number>(labels.length).fill(0));
  // Order-1 state s holds one course: its row is 1 + that course's code.
  const rowOf = (s: number): number => (s === 0 ? 0 : chain.tuples[s][0] + 1);
  for (let s = 0; s < chain.labels.length; s++) {
    const i = rowOf(s);
    for (let e = chain.rowStart[s]; e < chain.rowStart[s + 1]; e++) matrix[i][rowOf(chain.to[e])] += chain.prob[e];
    matrix[i][m + 1] += chain.toConversion[s];
    matrix[i][m + 2] += chain.toNull[s];
  }
  return { labels, matrix };
}
