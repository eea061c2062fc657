import cliProgress from 'cli-progress';
import { createRng, type Rng } from './rng';
import { clusterCodes, type ClusterLabels } from './vcov';

/** Bootstrap replicates with their standard deviation and percentile interval. */
export interface BootstrapResult {
  replicates: Float64Array;
  se: number;
  /** Percentile interval at `level` (default 95%). */
  ci: [number, number];
  draws: number;
  seed: number;
}

interface Progress {
  tick(): void;
  stop(): void;
}

/**
 * A progress bar on stderr, shown only when stderr is a terminal or when
 * asked, so tests and pipes stay clean.
 *
 * @example
 * const bar = progressBar('bootstrap', 999, undefined); bar.tick(); bar.stop();
 */
export function progressBar(label: string, total: number, show: boolean | undefined): Progress {
  const visible = show ?? Boolean(process.stderr.isTTY);
  if (!visible) return { tick: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${label} [{bar}] {value}/{total} {eta}s`, clearOnComplete: true, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  let done = 0;
  return {
    tick: () => {
      done++;
      if (done % Math.max(1, Math.floor(total / 100)) === 0 || done === total) bar.update(done);
    },
    stop: () => bar.stop(),
  };
}

/**
 * Percentile of sorted values, type 7 (R's default quantile).
 *
 * @example
 * quantileSorted(Float64Array.from([1, 2, 3, 4]), 0.25); // => 1.75
 */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

function summarise(replicates: Float64Array, level: number, seed: number): BootstrapResult {
  const finite = replicates.filter((v) => Number.isFinite(v));
  let mean = 0;
  for (const v of finite) mean += v;
  mean /= finite.length;
  let ss = 0;
  for (const v of finite) ss += (v - mean) * (v - mean);
  const sorted = Float64Array.from(finite).sort();
  const a = (1 - level) / 2;
  return {
    replicates,
    se: Math.sqrt(ss / (finite.length - 1)),
    ci: [quantileSorted(sorted, a), quantileSorted(sorted, 1 - a)],
    draws: replicates.length,
    seed,
  };
}

function checkDraws(fn: string, draws: number): void {
  if (!Number.isInteger(draws) || draws < 2) throw new RangeError(`${fn}: \`draws\` must be an integer >= 2, got ${draws}`);
}

/**
 * Nonparametric bootstrap: resamples rows (or whole clusters, when
 * `cluster` is given) with replacement and recomputes `stat` on the resampled
 * row indices. Seeded; a progress bar on stderr when it is a terminal or
 * `progress` is true.
 *
 * @example
 * const y = Float64Array.from([1, 2, 3, 4, 5]);
 * const r = bootstrapCases(5, (rows) => rows.reduce((s, i) => s + y[i], 0) / rows.length, { draws: 999, seed: 1 });
 * r.se; // => ≈ 0.63 (the SE of a mean of 5 values with sd 1.58)
 */
export function bootstrapCases(
  n: number,
  stat: (rows: Int32Array) => number,
  opts: { draws?: number; seed: number; cluster?: ClusterLabels; progress?: boolean; level?: number },
): BootstrapResult {
  const draws = opts.draws ?? 999;
  checkDraws('bootstrapCases', draws);
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`bootstrapCases: \`n\` must be an integer >= 2, got ${n}`);
  const rng: Rng = createRng(opts.seed);
  const replicates = new Float64Array(draws);
  const bar = progressBar('bootstrap', draws, opts.progress);
  try {
    if (opts.cluster) {
      if (opts.cluster.length !== n) throw new RangeError(`bootstrapCases: \`cluster\` has ${opts.cluster.length} labels, expected ${n}`);
      const { codes, groups } = clusterCodes(opts.cluster);
      // Rows of each cluster, stored contiguously (counting sort by cluster).
      const start = new Int32Array(groups + 1);
      for (let i = 0; i < n; i++) start[codes[i] + 1]++;
      for (let g = 0; g < groups; g++) start[g + 1] += start[g];
      const members = new Int32Array(n);
      const fill = start.slice(0, groups);
      for (let i = 0; i < n; i++) members[fill[codes[i]]++] = i;
      for (let b = 0; b < draws; b++) {
        const picked = new Int32Array(groups);
        let total = 0;
        for (let g = 0; g < groups; g++) {
          picked[g] = rng.int(groups);
          total += start[picked[g] + 1] - start[picked[g]];
        }
        const rows = new Int32Array(total);
        let k = 0;
        for (let g = 0; g < groups; g++) for (let r = start[picked[g]]; r < start[picked[g] + 1]; r++) rows[k++] = members[r];
        replicates[b] = stat(rows);
        bar.tick();
      }
    } else {
      const rows = new Int32Array(n);
      for (let b = 0; b < draws; b++) {
        for (let i = 0; i < n; i++) rows[i] = rng.int(n);
        replicates[b] = stat(rows);
        bar.tick();
      }
    }
  } finally {
    bar.stop();
  }
  return summarise(replicates, opts.level ?? 0.95, opts.seed);
}

/**
 * Multiplier (wild) bootstrap of an asymptotically linear estimator from its
 * influence function ψ (estimate − θ ≈ mean(ψ)): each draw is
 * Σ_g ξ_g·ψ_g / n with ψ summed within clusters and ξ Rademacher (±1) or
 * Mammen weights. Returns the replicates of estimate − θ̂; `se` is their sd.
 *
 * @example
 * const psi = Float64Array.from([1.2, -0.4, 0.3, -1.1]);
 * multiplierBootstrap(psi, { draws: 2000, seed: 3 }).se; // => ≈ sqrt(Σψ²)/n = 0.43
 */
export function multiplierBootstrap(
  influence: Float64Array,
  opts: { draws?: number; seed: number; cluster?: ClusterLabels; weights?: 'rademacher' | 'mammen'; progress?: boolean; level?: number },
): BootstrapResult {
  const draws = opts.draws ?? 999;
  checkDraws('multiplierBootstrap', draws);
  const n = influence.length;
  let psi = influence;
  if (opts.cluster) {
    if (opts.cluster.length !== n) throw new RangeError(`multiplierBootstrap: \`cluster\` has ${opts.cluster.length} labels, expected ${n}`);
    const { codes, groups } = clusterCodes(opts.cluster);
    psi = new Float64Array(groups);
    for (let i = 0; i < n; i++) psi[codes[i]] += influence[i];
  }
  const rng = createRng(opts.seed);
  const mammen = opts.weights === 'mammen';
  const s5 = Math.sqrt(5);
  const pLow = (s5 + 1) / (2 * s5);
  const replicates = new Float64Array(draws);
  const bar = progressBar('multiplier bootstrap', draws, opts.progress);
  try {
    for (let b = 0; b < draws; b++) {
      let s = 0;
      for (let g = 0; g < psi.length; g++) {
        const xi = mammen ? (rng.uniform() < pLow ? -(s5 - 1) / 2 : (s5 + 1) / 2) : rng.uniform() < 0.5 ? -1 : 1;
        s += xi * psi[g];
      }
      replicates[b] = s / n;
      bar.tick();
    }
  } finally {
    bar.stop();
  }
  return summarise(replicates, opts.level ?? 0.95, opts.seed);
}
