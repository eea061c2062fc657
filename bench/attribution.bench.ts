// attribution benchmark: Markov orders 1–3 and simplified Shapley on 1,000,000 journeys over
// 20 courses (one row per journey, not aggregated), and exact Shapley over course sets
// (the `rate` game, 2^15 coalitions) on 200,000 journeys over 15 courses. Data from a seed.
import { timeStep as wallStep } from './measure';
import { createRng } from '../src/stats/rng';
import type { PathCounts } from '../src/attribution/paths';
import { markovAttribution } from '../src/attribution/markov';
import { shapleyAttribution } from '../src/attribution/shapley';
import { ruleAttribution } from '../src/attribution/rules';

// Wall time (from timeStep) and this process's CPU time, since the build machine is shared.
async function timeStep<T>(label: string, fn: () => T | Promise<T>): Promise<{ value: T; seconds: number }> {
  const cpu0 = process.cpuUsage();
  const out = await wallStep(label, fn);
  const cpu = process.cpuUsage(cpu0);
  console.log(`  CPU ${((cpu.user + cpu.system) / 1e6).toFixed(3)} s`);
  return out;
}

function makeJourneys(n: number, courses: number, seed: number): PathCounts {
  const rng = createRng(seed);
  const names = Array.from({ length: courses }, (_, k) => `C${String(k + 1).padStart(2, '0')}`);
  // Popularity falls off with the course index; each course lifts conversion a little.
  const weights = names.map((_, k) => 1 / (k + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const lift = names.map((_, k) => 0.02 + 0.01 * (k % 5));
  const paths: string[][] = new Array(n);
  const conversions = new Float64Array(n);
  const value = new Float64Array(n);
  const nulls = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const len = 1 + Math.min(11, Math.floor(-Math.log(1 - rng.uniform()) * 2.5));
    const path: string[] = new Array(len);
    let p = 0.05;
    for (let t = 0; t < len; t++) {
      let u = rng.uniform() * total;
      let k = 0;
      while (k < courses - 1 && u >= weights[k]) u -= weights[k++];
      path[t] = names[k];
      p += lift[k] / (t + 1);
    }
    paths[i] = path;
    const converted = rng.uniform() < Math.min(0.9, p) ? 1 : 0;
    conversions[i] = converted;
    value[i] = converted * (50 + 100 * rng.uniform());
    nulls[i] = 1 - converted;
  }
  return { paths, conversions, value, nulls };
}

const big = (await timeStep('generate 1,000,000 journeys over 20 courses', () => makeJourneys(1_000_000, 20, 1))).value;
const touches = big.paths.reduce((s, p) => s + p.length, 0);
console.log(`  ${touches} touches, mean length ${(touches / big.paths.length).toFixed(2)}`);
await timeStep('linear (rule-based)', () => ruleAttribution(big, 'linear'));
for (const order of [1, 2, 3]) {
  const { value } = await timeStep(`markov order ${order} (exact removal effects)`, () => markovAttribution(big, { order }));
  console.log(`  ${value.notes[0]}`);
}
await timeStep('shapley simplified', () => shapleyAttribution(big));
await timeStep('shapley ordered', () => shapleyAttribution(big, { variant: 'ordered' }));

const mid = (await timeStep('generate 200,000 journeys over 15 courses', () => makeJourneys(200_000, 15, 2))).value;
await timeStep('shapley exact over 2^15 course sets (rate game)', () => shapleyAttribution(mid, { variant: 'rate', exactLimit: 15 }));
await timeStep('shapley sampled, 15 courses, 2000 permutations', () => shapleyAttribution(mid, { variant: 'rate', exactLimit: 0, draws: 2000, seed: 1 }));
