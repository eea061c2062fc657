// Data layer at scale: synthesize 100,000 employees x 36 months (3.6M outcome
// rows), then load + validate + build the panel + stack one course.
// Target: load through stacking under 5 s and under 2 GB peak RSS.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeSynth } from '../src/data/synth';
import { loadStudy } from '../src/data/load';
import { validateStudy } from '../src/data/validate';
import { buildPanel } from '../src/data/panel';
import { stackCourse } from '../src/data/stack';
import { peakRssMb, timeStep } from './measure';

async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tl-bench-data-'));
  try {
    await timeStep('synthesize 100,000 x 36 and write CSV', () => writeSynth(dir, { employees: 100000, months: 36, seed: 7 }));
    const t0 = performance.now();
    const raw = (await timeStep('load (DuckDB -> typed columns)', () => loadStudy(dir))).value;
    console.log(`  outcome rows: ${raw.tables.outcomes?.nRows.toLocaleString('en-US')}, training rows: ${raw.tables.training?.nRows.toLocaleString('en-US')}`);
    const problems = (await timeStep('validate', () => validateStudy(raw))).value;
    console.log(`  problems: ${problems.length}`);
    const panel = (await timeStep('build panel', () => buildPanel(raw))).value;
    const stacked = (await timeStep('stack C04 revenue (window 1..12)', () => stackCourse(panel, 'C04', 'revenue'))).value;
    console.log(`  stacked rows: ${stacked.n.toLocaleString('en-US')}`);
    const seconds = (performance.now() - t0) / 1000;
    const peak = peakRssMb();
    console.log(`load + validate + panel + stack: ${seconds.toFixed(2)} s, peak RSS ${peak.toFixed(0)} MB (target < 5 s, < 2048 MB)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

run().catch((e) => {
  console.error(e);
  process.exit(1);
});
