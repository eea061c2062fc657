// Data layer at scale: synthesize 100,000 employees x 36 months (~3 M outcome
// rows once hires and leavers are accounted for), then load + validate + build
// the panel + stack one course. Target: load through stacking under 5 s and
// under 2 GB peak RSS. Wall and CPU time are both printed: on a shared machine
// CPU time (all threads, DuckDB's included) is the fair figure.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeSynth } from '../src/data/synth';
import { loadStudy } from '../src/data/load';
import { validateStudy } from '../src/data/validate';
import { buildPanel } from '../src/data/panel';
import { stackCourse } from '../src/data/stack';
import { peakRssMb } from './measure';

const totals = { wall: 0, cpu: 0 };

async function step<T>(label: string, fn: () => T | Promise<T>, count = true): Promise<T> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const value = await fn();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  if (count) {
    totals.wall += wall;
    totals.cpu += cpu;
  }
  console.log(`${label.padEnd(40)} ${wall.toFixed(2).padStart(7)} s wall ${cpu.toFixed(2).padStart(7)} s CPU   (peak RSS ${peakRssMb().toFixed(0)} MB)`);
  return value;
}

async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tl-bench-data-'));
  try {
    await step('synthesize 100,000 x 36, write CSV', () => writeSynth(dir, { employees: 100000, months: 36, seed: 7 }), false);
    const raw = await step('load (DuckDB -> typed columns)', () => loadStudy(dir));
    console.log(`  outcome rows: ${raw.tables.outcomes?.nRows.toLocaleString('en-US')}, training rows: ${raw.tables.training?.nRows.toLocaleString('en-US')}`);
    const problems = await step('validate', () => validateStudy(raw));
    console.log(`  problems: ${problems.length}`);
    const panel = await step('build panel', () => buildPanel(raw));
    const stacked = await step('stack C04 revenue (window 1..12)', () => stackCourse(panel, 'C04', 'revenue'));
    console.log(`  stacked rows: ${stacked.n.toLocaleString('en-US')}`);
    console.log(
      `load + validate + panel + stack: ${totals.wall.toFixed(2)} s wall, ${totals.cpu.toFixed(2)} s CPU, peak RSS ${peakRssMb().toFixed(0)} MB (target < 5 s, < 2048 MB)`,
    );
    console.log(`machine load average ${loadavg().map((x) => x.toFixed(1)).join(', ')} on ${cpus().length} cores`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

run().catch((e) => {
  console.error(e);
  process.exit(1);
});
