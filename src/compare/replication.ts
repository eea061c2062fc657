import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Estimate } from '../core/estimate';
import { loadStudy } from '../data/load';
import { buildPanel, type Panel } from '../data/panel';
import { writeSynth } from '../data/synth';
import { estimateCourse } from '../study/estimate-course';
import { courseVerdict } from '../study/verdict';
import type { ReplicationRecord, SimulationTask } from './simulation-task';

/** Estimates of one course by every requested method; a method that cannot run is reported, not fatal. */
type CourseEstimator = (
  panel: Panel,
  course: string,
  metric: string,
  opts: { window: [number, number]; seed: number; methods: string[]; controls?: { perTrained: number; min: number } },
) => { estimates: Estimate[]; failures: { method: string; message: string }[] };

/**
 * Pseudo-method name for the estimate the study recommends per course
 * (did_staggered when its pre-trend test passes, else aipw, else
 * regression_adjustment), so the simulation scores what a user is told.
 */
export const RECOMMENDED = 'recommended';

/**
 * The study's own per-course runner (every method of CONTRACT §3 on the
 * stacked and panel data), so the simulation scores exactly what
 * `trainlift study` reports. A requested method that could not run is a
 * failure carrying the study's warning.
 */
const studyEstimator: CourseEstimator = (panel, course, metric, opts) => {
  const methods = opts.methods.includes(RECOMMENDED)
    ? [...new Set([...opts.methods.filter((m) => m !== RECOMMENDED), 'regression_adjustment', 'aipw', 'did_staggered'])]
    : opts.methods;
  const controls = opts.controls ? { ...opts.controls, seed: opts.seed } : null;
  const run = estimateCourse(panel, course, metric, { window: opts.window, methods, seed: opts.seed, controls });
  const got = new Set(run.estimates.map((e) => e.method));
  const failures = opts.methods
    .filter((m) => m !== RECOMMENDED && !got.has(m))
    .map((method) => ({ method, message: run.warnings.find((w) => w.includes(method)) ?? `${method} gave no estimate` }));
  const estimates = run.estimates.filter((e) => opts.methods.includes(e.method));
  // The estimate the study's verdict would stand behind, scored as its own row: the bar of the simulation study.
  if (opts.methods.includes(RECOMMENDED)) {
    const rec = courseVerdict(course, run.estimates, run.panelVerdict).recommended;
    if (rec) estimates.push({ ...rec, method: RECOMMENDED, diagnostics: { source: rec.method } });
    else failures.push({ method: RECOMMENDED, message: 'no robust estimate to recommend' });
  }
  return { estimates, failures };
};

const courseEstimator: CourseEstimator = studyEstimator;

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
        out = courseEstimator(panel, course, task.metric, { window: task.window, seed: task.seed, methods: task.methods, controls: task.controls });
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
