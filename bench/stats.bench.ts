// stats benchmark: OLS with HC1 errors and logistic regression on 1,000,000 × 20, and
// nearest-neighbour matching of 50,000 treated among 500,000 controls, generated from a seed.
// The same rows go to statsmodels (bench/stats_reference.py) and MatchIt (bench/stats_reference.R)
// in the same run, as raw float64 files written once; their times exclude reading the files.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timeStep } from './measure';
import { createRng } from '../src/stats/rng';
import type { Design } from '../src/stats/design';
import { fitOls } from '../src/stats/ols';
import { vcovOls } from '../src/stats/vcov';
import { fitLogit } from '../src/stats/logit';
import { matchNearest } from '../src/causal/matching';

const N = 1_000_000;
const P = 20; // covariates, plus the intercept
const N_TREATED = 50_000;
const N_CONTROL = 500_000;

function makeRegressionData(seed: number): { X: Design; y: Float64Array; d: Float64Array } {
  const rng = createRng(seed);
  const p = P + 1;
  const x = new Float64Array(N * p);
  x.fill(1, 0, N);
  for (let j = 1; j < p; j++) for (let i = 0; i < N; i++) x[j * N + i] = rng.normal();
  const y = new Float64Array(N);
  const d = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let eta = 0;
    let mu = 1;
    for (let j = 1; j < p; j++) {
      eta += (j % 3 === 0 ? 0.1 : -0.05) * x[j * N + i];
      mu += 0.5 * j * x[j * N + i];
    }
    y[i] = mu + (1 + Math.abs(x[N + i])) * rng.normal(); // heteroskedastic on purpose
    d[i] = rng.uniform() < 1 / (1 + Math.exp(-(eta - 0.5))) ? 1 : 0;
  }
  return { X: { n: N, p, names: ['(Intercept)', ...Array.from({ length: P }, (_, j) => `x${j + 1}`)], x }, y, d };
}

function makeMatchingData(seed: number): { score: Float64Array; treat: Float64Array } {
  const rng = createRng(seed);
  const n = N_TREATED + N_CONTROL;
  const score = new Float64Array(n);
  const treat = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    treat[i] = i % 11 === 0 ? 1 : 0; // 50,000 treated spread through the data
    score[i] = rng.normal() + (treat[i] === 1 ? 0.5 : 0); // a logit-scale score; treated sit higher
  }
  return { score, treat };
}

const { value: reg } = await timeStep(`generate ${N} x ${P} regression data`, () => makeRegressionData(1));
const { value: ols, seconds: tOls } = await timeStep('TrainLift OLS (QR) + HC1 vcov', () => {
  const fit = fitOls(reg.X, reg.y);
  return { fit, V: vcovOls(fit, reg.X, 'HC1') };
});
const { value: logit, seconds: tLogit } = await timeStep('TrainLift logistic regression (Newton/IRLS)', () => fitLogit(reg.X, reg.d));
const { value: m } = await timeStep(`generate ${N_TREATED} treated + ${N_CONTROL} controls`, () => makeMatchingData(2));
const { value: match, seconds: tMatch } = await timeStep('TrainLift matchNearest 1:1 (largest first)', () => matchNearest(m.score, m.treat));
console.log(`  OLS x20 coef ${ols.fit.coef[20].toFixed(6)} HC1 se ${Math.sqrt(ols.V[20 * 21 + 20]).toExponential(6)}; logit x3 coef ${logit.coef[3].toFixed(6)} (${logit.iterations} iterations); matched ${match.nMatchedTreated} pairs`);

const dir = mkdtempSync(join(tmpdir(), 'tl-bench-stats-'));
writeFileSync(join(dir, 'x.f64'), reg.X.x);
writeFileSync(join(dir, 'y.f64'), reg.y);
writeFileSync(join(dir, 'd.f64'), reg.d);
writeFileSync(join(dir, 'score.f64'), m.score);
writeFileSync(join(dir, 'treat.f64'), m.treat);

let tSmOls = NaN;
let tSmLogit = NaN;
const py = spawnSync('/usr/bin/python3', [join('bench', 'stats_reference.py'), dir, String(N), String(P + 1)], { encoding: 'utf8' });
if (py.status !== 0) console.log(`  statsmodels reference failed: ${py.stderr.split('\n').slice(-3).join(' ')}`);
else {
  process.stdout.write(py.stdout);
  tSmOls = Number(/statsmodels OLS \+ HC1\s+([\d.]+) s/.exec(py.stdout)?.[1]);
  tSmLogit = Number(/statsmodels Logit\s+([\d.]+) s/.exec(py.stdout)?.[1]);
  const c = /OLS x20 coef ([-\d.e]+) se ([-\d.e]+); logit x3 coef ([-\d.e]+)/.exec(py.stdout);
  if (c) {
    const d1 = Math.abs(Number(c[1]) - ols.fit.coef[20]);
    const d2 = Math.abs(Number(c[2]) - Math.sqrt(ols.V[20 * 21 + 20])) / Number(c[2]);
    const d3 = Math.abs(Number(c[3]) - logit.coef[3]);
    console.log(`  agreement with statsmodels: OLS coef ${d1.toExponential(1)}, HC1 SE rel. ${d2.toExponential(1)}, logit coef ${d3.toExponential(1)}`);
    if (d1 > 1e-8 || d2 > 1e-8 || d3 > 1e-6) process.exitCode = 1;
  }
}

let tMatchIt = NaN;
const r = spawnSync('Rscript', [join('bench', 'stats_reference.R'), dir, String(N_TREATED + N_CONTROL)], { encoding: 'utf8', timeout: 900_000 });
if (r.status !== 0) console.log(`  MatchIt reference failed or timed out: ${(r.stderr ?? '').split('\n').slice(-3).join(' ')}`);
else {
  process.stdout.write(r.stdout);
  tMatchIt = Number(/MatchIt nearest 1:1 \(full\)\s+([\d.]+) s/.exec(r.stdout)?.[1]);
  const agree = /MatchIt matched (\d+) pairs/.exec(r.stdout);
  if (agree) console.log(`  MatchIt matched ${agree[1]} pairs, TrainLift ${match.nMatchedTreated}`);
}
rmSync(dir, { recursive: true, force: true });

const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) ? `${(a / b).toFixed(1)}×` : 'n/a');
console.log(`  speed-up: OLS+HC1 ${ratio(tSmOls, tOls)} vs statsmodels, logit ${ratio(tSmLogit, tLogit)} vs statsmodels, matching ${ratio(tMatchIt, tMatch)} vs MatchIt`);
const misses = [tOls > tSmOls && 'OLS slower than statsmodels', tLogit > tSmLogit && 'logit slower than statsmodels', tMatchIt / tMatch < 10 && 'matching < 10× MatchIt'].filter(Boolean);
console.log(misses.length ? `  MISSED TARGET: ${misses.join(', ')}` : '  all targets met');
