import { EstimationError } from '../core/errors';
import { PathCounts, pathTotals } from './paths';
import { AttributionResult, buildResult, encodeForAttribution } from './result';

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
  /** Largest chain solved by dense LU; larger chains use Gauss–Seidel to 1e-14. Default 300 states. */
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
  if (m >= 2 ** 16) throw new RangeError(`markovAttribution: too many courses (${m})`);
  // A tuple (c1..ck) keys as Σ (ci+1)·base^i. Small key spaces use a direct table, large ones a Map.
  const keySpace = base ** order;
  const direct = keySpace <= 1 << 22 ? new Int32Array(keySpace).fill(-1) : null;
  const map = direct ? null : new Map<number, number>();
  const tuples: Int32Array[] = [new Int32Array(0)];
  const absorb: number[] = [0, 0, 0]; // per state: conversions, nulls, value
  // Transitions between transient states, one entry per touch, counted afterwards.
  const nTouches = enc.touches.length;
  const from = new Int32Array(nTouches);
  const into = new Int32Array(nTouches);
  const weight = new Float64Array(nTouches);
  let nt = 0;
  let journeys = 0;
  for (let r = 0; r < counts.paths.length; r++) {
    const w = counts.conversions[r] + counts.nulls[r];
    if (w === 0) continue;
    journeys += w;
    const a = enc.offsets[r];
    const len = enc.offsets[r + 1] - a;
    let prev = 0;
    for (let i = 0; i < len; i++) {
      const first = Math.max(0, i - order + 1);
      let key = 0;
      let mult = 1;
      for (let j = first; j <= i; j++) {
        key += (enc.touches[a + j] + 1) * mult;
        mult *= base;
      }
      let s = direct ? direct[key] : (map!.get(key) ?? -1);
      if (s < 0) {
        s = tuples.length;
        if (direct) direct[key] = s;
        else map!.set(key, s);
        tuples.push(enc.touches.slice(a + first, a + i + 1));
        absorb.push(0, 0, 0);
      }
      from[nt] = prev;
      into[nt] = s;
      weight[nt] = w;
      nt++;
      prev = s;
    }
    absorb[3 * prev] += counts.conversions[r];
    absorb[3 * prev + 1] += counts.nulls[r];
    absorb[3 * prev + 2] += counts.value[r];
  }
  const nStates = tuples.length;
  // Counting sort of the transitions by origin, then per origin a dense scratch row.
  const rowStart = new Int32Array(nStates + 1);
  const bucketStart = new Int32Array(nStates + 1);
  for (let t = 0; t < nt; t++) bucketStart[from[t] + 1]++;
  for (let s = 0; s < nStates; s++) bucketStart[s + 1] += bucketStart[s];
  const fill = bucketStart.slice(0, nStates);
  const sorted = new Int32Array(nt);
  for (let t = 0; t < nt; t++) sorted[fill[from[t]]++] = t;
  const scratch = new Float64Array(nStates);
  const edgesTo: number[] = [];
  const edgesW: number[] = [];
  const outTotal = new Float64Array(nStates);
  for (let s = 0; s < nStates; s++) {
    const seen: number[] = [];
    for (let q = bucketStart[s]; q < bucketStart[s + 1]; q++) {
      const t = sorted[q];
      if (scratch[into[t]] === 0) seen.push(into[t]);
      scratch[into[t]] += weight[t];
    }
    seen.sort((x, y) => x - y);
    for (const t of seen) {
      edgesTo.push(t);
      edgesW.push(scratch[t]);
      outTotal[s] += scratch[t];
      scratch[t] = 0;
    }
    rowStart[s + 1] = edgesTo.length;
    outTotal[s] += absorb[3 * s] + absorb[3 * s + 1];
  }
  const to = Int32Array.from(edgesTo);
  const prob = Float64Array.from(edgesW);
  const toConversion = new Float64Array(nStates);
  const toNull = new Float64Array(nStates);
  const conversionValue = new Float64Array(nStates);
  for (let s = 0; s < nStates; s++) {
    const t = outTotal[s];
    if (t > 0) {
      for (let e = rowStart[s]; e < rowStart[s + 1]; e++) prob[e] /= t;
      toConversion[s] = absorb[3 * s] / t;
      toNull[s] = absorb[3 * s + 1] / t;
    }
    conversionValue[s] = absorb[3 * s] > 0 ? absorb[3 * s + 2] / absorb[3 * s] : 0;
  }
  const labels = tuples.map((t) => (t.length === 0 ? '(start)' : Array.from(t, (c) => enc.courses[c]).join(' > ')));
  return { order, courses: enc.courses, labels, tuples, rowStart, to, prob, toConversion, toNull, conversionValue, journeys };
}

/**
 * Absorption into conversion from the start, with states flagged in
 * `removed` sent to the null state: returns [P(conversion), E(value)].
 * Dense LU with partial pivoting up to `denseLimit` states (default 300), otherwise
 * Gauss–Seidel sweeps until the largest change is below 1e-14 (relative).
 */
export function absorbFromStart(chain: MarkovChain, removed: Uint8Array, denseLimit = 300): { probability: number; value: number; iterations: number } {
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
  const denseLimit = opts.denseLimit ?? 300;
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
  const seen = new Uint8Array(m);
  for (const t of chain.tuples) for (const c of t) seen[c] = 1;
  const result = buildResult('markov', chain.courses, conv, val, notes, seen);
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
