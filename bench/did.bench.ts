// did benchmark: 100,000 employees × 36 months, 30 completion cohorts (60% trained), generated
// directly as typed arrays from a seed. Times did_staggered (analytic SEs; 999-draw multiplier
// bootstrap; the study's conditional version on lagged outcomes and covariates) and did_twfe
// (clustered by employee), then the same TWFE in statsmodels (bench/did_reference.py) on the very
// same rows, and checks the two coefficients agree.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timeStep } from './measure';
import { createRng } from '../src/stats/rng';
import { didStaggered } from '../src/causal/staggered';
import { didTwfe } from '../src/causal/twfe';
import type { PanelInput } from '../src/causal/panel-input';

const EMPLOYEES = 100_000;
const MONTHS = 36;
const COHORTS = 30;

function makePanel(seed: number): PanelInput {
  const rng = createRng(seed);
  const n = EMPLOYEES * MONTHS;
  const unit = new Int32Array(n);
  const time = new Int32Array(n);
  const group = new Int32Array(n);
  const y = new Float64Array(n);
  const season = Float64Array.from({ length: MONTHS }, (_, t) => 100 * Math.sin((2 * Math.PI * t) / 12) + 5 * t);
  let i = 0;
  for (let u = 0; u < EMPLOYEES; u++) {
    const g = rng.uniform() < 0.6 ? 4 + rng.int(COHORTS) : 0; // cohorts in months 4..33
    const level = 1000 + 200 * rng.normal();
    for (let t = 1; t <= MONTHS; t++, i++) {
      unit[i] = u;
      time[i] = t;
      group[i] = g;
      const e = t - g;
      // the effect builds up over six months after completion
      const effect = g > 0 && e >= 1 ? 50 * Math.min(e, 6) : 0;
      y[i] = level + season[t - 1] + effect + 50 * rng.normal();
    }
  }
  return { unit, time, group, y };
}

/**
 * The study's covariates for the conditional run (role and region as indicators, level, manager rating), one value
 * per row and constant within an employee, from their own seed so the panel's outcomes stay as they were.
 */
function withCovariates(input: PanelInput, seed: number): PanelInput {
  const rng = createRng(seed);
  const n = input.y.length;
  const names = ['role_analyst', 'role_manager', 'role_sales', 'region_east', 'region_north', 'region_west', 'level', 'manager_rating'];
  const cols = names.map(() => new Float64Array(n));
  for (let u = 0; u < EMPLOYEES; u++) {
    const role = rng.int(4);
    const region = rng.int(4);
    const level = 1 + rng.int(5);
    const rating = Math.round(10 * (3 + rng.normal())) / 10;
    for (let i = u * MONTHS; i < (u + 1) * MONTHS; i++) {
      if (role > 0) cols[role - 1][i] = 1;
      if (region > 0) cols[2 + region][i] = 1;
      cols[6][i] = level;
      cols[7][i] = rating;
    }
  }
  return { ...input, covariates: names.map((name, j) => ({ name, values: cols[j] })) };
}

/** timeStep plus this process's CPU seconds: on a shared, loaded machine the wall clock overstates. */
async function timed<T>(label: string, fn: () => T): Promise<{ value: T; seconds: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const r = await timeStep(label, fn);
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  console.log(`${''.padEnd(48)} ${cpu.toFixed(3).padStart(8)} s CPU`);
  return { ...r, cpu };
}

const { value: input } = await timeStep(`generate ${EMPLOYEES} x ${MONTHS} panel (${COHORTS} cohorts)`, () => makePanel(1));
const { value: analytic, seconds: sA, cpu: cA } = await timed('did_staggered, analytic SEs (target < 2 s)', () => didStaggered(input, { window: [1, 12] }));
const { value: boot, seconds: sB, cpu: cB } = await timed('did_staggered, 999-draw multiplier bootstrap (< 10 s)', () =>
  didStaggered(input, { window: [1, 12], bootstrap: { draws: 999, seed: 1 } }),
);
// The study's did_staggered: regression DiD conditional on the pre-period (two baseline blocks) and the covariates.
const conditionalInput = withCovariates(input, 2);
const { value: conditional, seconds: sC, cpu: cC } = await timed('did_staggered conditional, 999-draw bootstrap (< 8 s)', () =>
  didStaggered(conditionalInput, { window: [1, 12], eventRange: [-6, 12], laggedOutcomes: [3, 9], covariates: true, bootstrap: { draws: 999, seed: 1 } }),
);
const { value: twfe, seconds: sT, cpu: cT } = await timed('did_twfe, clustered by employee (< 3 s)', () => didTwfe(input, { decompose: false }));
const w = analytic.aggregates.window;
console.log(`  window ATT ${w.estimate.toFixed(2)} (se ${w.se.toFixed(2)}; bootstrap se ${boot.aggregates.window.se.toFixed(2)}; band critical value ${boot.criticalValue.toFixed(3)})`);
console.log(`  conditional window ATT ${conditional.aggregates.window.estimate.toFixed(2)} (bootstrap se ${conditional.aggregates.window.se.toFixed(2)}; ${conditional.attgt.length} cells)`);
console.log(`  TWFE ${twfe.estimate.toFixed(4)} (se ${twfe.se.toFixed(4)}) with ${analytic.attgt.length} ATT(g, t) cells`);

// The reference: statsmodels on the same rows.
const dir = mkdtempSync(join(tmpdir(), 'tl-bench-did-'));
writeFileSync(join(dir, 'unit.i32'), input.unit);
writeFileSync(join(dir, 'time.i32'), input.time);
writeFileSync(join(dir, 'group.i32'), input.group);
writeFileSync(join(dir, 'y.f64'), input.y);
const py = spawnSync('/usr/bin/python3', [join('bench', 'did_reference.py'), dir], { encoding: 'utf8' });
if (py.status !== 0) {
  console.log(`  statsmodels reference failed: ${py.stderr.split('\n').slice(-3).join(' ')}`);
} else {
  process.stdout.write(py.stdout);
  const m = /TWFE coef ([-\d.e]+) se ([-\d.e]+)/.exec(py.stdout);
  if (m) {
    const dc = Math.abs(Number(m[1]) - twfe.estimate);
    const ds = Math.abs(Number(m[2]) - twfe.se) / Number(m[2]);
    console.log(`  TWFE agrees with statsmodels: |coef diff| ${dc.toExponential(2)}, SE rel. diff ${ds.toExponential(2)}`);
    if (dc > 1e-6 || ds > 1e-6) process.exitCode = 1;
  }
}
const over = [sA > 2 && 'analytic > 2 s', sB > 10 && 'bootstrap > 10 s', sC > 8 && 'conditional > 8 s', sT > 3 && 'twfe > 3 s'].filter(Boolean);
const overCpu = [cA > 2 && 'analytic', cB > 10 && 'bootstrap', cC > 8 && 'conditional', cT > 3 && 'twfe'].filter(Boolean);
console.log(over.length ? `  wall clock over target: ${over.join(', ')} (load average ${(await import('node:os')).loadavg()[0].toFixed(1)})` : '  all within targets (wall clock)');
console.log(overCpu.length ? `  CPU time over target: ${overCpu.join(', ')}` : '  all within targets (CPU time)');
