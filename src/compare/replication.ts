import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Estimate } from '../core/estimate';
import { estimateCrossSection } from '../causal/cross-section';
import { stackedInput } from '../causal/placebo';
import { loadStudy } from '../data/load';
import { buildPanel, type Panel } from '../data/panel';
import { stackCourse } from '../data/stack';
import { writeSynth } from '../data/synth';
import type { ReplicationRecord, SimulationTask } from './simulation-task';

/** Estimates of one course by every requested method; a method that cannot run is reported, not fatal. */
export type CourseEstimator = (panel: Panel, course: string, metric: string, opts: { window: [number, number]; seed: number; methods: string[] }) => { estimates: Estimate[]; failures: { method: string; message: string }[] };

/**
 * The cross-sectional methods on the stacked data of CONTRACT §4. Panel
 * methods (before_after, did_staggered) join once the study's per-course
 * runner is available.
 */
const stackedCrossSection: CourseEstimator = (panel, course, metric, opts) => {
  const input = stackedInput(stackCourse(panel, course, metric, { window: opts.window }));
  const estimates: Estimate[] = [];
  const failures: { method: string; message: string }[] = [];
  for (const method of opts.methods) {
    try {
      estimates.push(estimateCrossSection(method, input, { seed: opts.seed }));
    } catch (e) {
      failures.push({ method, message: e instanceof Error ? e.message : String(e) });
    }
  }
  return { estimates, failures };
};

let courseEstimator: CourseEstimator = stackedCrossSection;

/** Replaces the per-course estimator of the simulation (e.g. the study's full runner). */
export function setCourseEstimator(fn: CourseEstimator): void {
  courseEstimator = fn;
}

/**
 * One replication of the simulation study: synthesise a company with the
 * task's scenario and seed, load it as a user's folder would be (written to a
 * temporary folder, loaded through DuckDB, panel built), estimate the course
 * (or every course) with each method, and pair each estimate with that
 * company's true window ATT.
 *
 * @example
 * const rec = await runReplication({ kind: 'replication', scenario: 'default', replication: 0, seed: 1,
 *   employees: 400, months: 24, methods: ['aipw'], course: 'C01', metric: 'revenue', window: [1, 12] });
 * rec.estimates[0].truth; // => the company's true ATT of C01 on revenue
 */
export async function runReplication(task: SimulationTask): Promise<ReplicationRecord> {
  const dir = mkdtempSync(join(tmpdir(), 'trainlift-sim-'));
  try {
    const truth = await writeSynth(dir, { employees: task.employees, months: task.months, seed: task.seed, scenario: task.scenario });
    const panel = buildPanel(await loadStudy(dir));
    const courses = task.course ? [task.course] : panel.courses;
    const record: ReplicationRecord = { scenario: task.scenario, replication: task.replication, seed: task.seed, estimates: [], failures: [] };
    for (const course of courses) {
      const att = truth.effects[course]?.[task.metric]?.att;
      if (att === undefined) throw new RangeError(`runReplication: the synthetic company has no truth for course ${course} and metric ${task.metric}`);
      let out: ReturnType<CourseEstimator>;
      try {
        out = courseEstimator(panel, course, task.metric, { window: task.window, seed: task.seed, methods: task.methods });
      } catch (e) {
        // No usable cohort in this company (e.g. a small company): every method fails for this course.
        const message = e instanceof Error ? e.message : String(e);
        for (const method of task.methods) record.failures.push({ method, course, message });
        continue;
      }
      for (const e of out.estimates) {
        record.estimates.push({ method: e.method, course, estimate: e.estimate, se: e.se, lower: e.ci[0], upper: e.ci[1], truth: att });
      }
      for (const f of out.failures) record.failures.push({ ...f, course });
    }
    return record;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
