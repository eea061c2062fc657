// stats kernels on a study's stacked design: one course of a synthetic company of 20,000 employees
// × 36 months (seed 3, course C04: about 121,000 stacked rows × 46 columns, 6 dense, the rest 0/1
// indicators of cohort, role, region, treatment and prior courses), per call of each kernel a study
// makes many times: the design structure, the weighted Gram matrix, Xᵀv, an OLS fit through the Gram
// matrix, HC1 and employee-clustered variances, the propensity logit (IRLS). Each time is the least of
// several calls, wall and CPU (the machine is shared). The Gram matrix and Xᵀv are also checked bit
// for bit against the plain loops over every term.
// BENCH_DIR=<study folder> uses an existing one instead (e.g. /tmp/mid-company), BENCH_COURSE another course.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeSynth } from '../src/data/synth';
import { loadStudy } from '../src/data/load';
import { buildPanel } from '../src/data/panel';
import { stackCourse } from '../src/data/stack';
import { stackedInput } from '../src/causal/placebo';
import { designMatrix, type Design } from '../src/stats/design';
import { crossprodVector, designStructure, weightedGram } from '../src/stats/linalg';
import { fitOls } from '../src/stats/ols';
import { vcovOls } from '../src/stats/vcov';
import { fitLogit } from '../src/stats/logit';

const COURSE = process.env.BENCH_COURSE ?? 'C04';
const own = process.env.BENCH_DIR === undefined;
const dir = process.env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'tl-bench-kernels-'));
if (own) await writeSynth(dir, { employees: 20_000, months: 36, seed: 3 });
const stacked = stackCourse(buildPanel(await loadStudy(dir)), COURSE, 'revenue');
if (own) rmSync(dir, { recursive: true, force: true });
const input = stackedInput(stacked);
const X = designMatrix([{ name: 'treat', values: input.treat }, ...input.covariates.map((c) => ({ name: c.name, values: c.values }))]);
const Xps = designMatrix(input.covariates.map((c) => ({ name: c.name, values: c.values })));
const w = stacked.weight;
const y = stacked.yPost;

function perCall(label: string, fn: () => unknown, calls = 7, setup?: () => void): void {
  fn();
  let wall = Infinity;
  let cpu = Infinity;
  for (let r = 0; r < calls; r++) {
    setup?.();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall = Math.min(wall, performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / 1000);
  }
  console.log(`${label.padEnd(52)} ${wall.toFixed(1).padStart(7)} ms wall ${cpu.toFixed(1).padStart(7)} ms CPU   (least of ${calls})`);
}

const s = designStructure(X);
console.log(`${COURSE}: ${X.n} rows × ${X.p} columns; ${s.dense.length} dense, ${s.groups.length} indicator groups (levels: ${s.groups.map((g) => g.columns.length).join(', ')}), ${s.sparse.length} other sparse`);
let fresh: Design = X;
perCall('designStructure, found (a design not seen before)', () => designStructure(fresh), 7, () => (fresh = { ...X, x: X.x.slice() }));
perCall('designStructure, reused after a full check', () => designStructure(X));
perCall('weightedGram(X, w)', () => weightedGram(X, w));
perCall('weightedGram(X, w, scratch, structure)', () => weightedGram(X, w, undefined, s));
perCall('crossprodVector(X, y)', () => crossprodVector(X, y));
perCall('crossprodVector(X, y, out, structure)', () => crossprodVector(X, y, undefined, s));
const fit = fitOls(X, y, { weights: w });
perCall('fitOls, weighted (Gram path)', () => fitOls(X, y, { weights: w }), 5);
perCall("vcovOls 'HC1'", () => vcovOls(fit, X, 'HC1'), 5);
perCall('vcovOls { cluster: employee }', () => vcovOls(fit, X, { cluster: stacked.employee }), 5);
const ps = fitLogit(Xps, input.treat, { weights: w });
perCall(`fitLogit, propensity (${ps.iterations} IRLS iterations)`, () => fitLogit(Xps, input.treat, { weights: w }), 3);

// The definitions, every term in increasing row order, for the bit-for-bit check.
const { n, p, x } = X;
const gram = weightedGram(X, w);
const xty = crossprodVector(X, y, undefined, s);
let differ = 0;
for (let j = 0; j < p; j++) {
  for (let k = j; k < p; k++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += w[i] * x[j * n + i] * x[k * n + i];
    if (!Object.is(sum, gram[j * p + k]) || !Object.is(sum, gram[k * p + j])) differ++;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += y[i] * x[j * n + i];
  if (!Object.is(sum, xty[j])) differ++;
}
console.log(differ === 0 ? '  weightedGram and crossprodVector: bit for bit the plain loops' : `  MISMATCH: ${differ} entries differ from the plain loops`);
if (differ > 0) process.exitCode = 1;
