import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Estimate } from '../core/estimate';
import { DataError } from '../core/errors';
import type { AttributionEntry, CourseRobustness, CourseVerdict, EventStudyEntry, RoiEntry, StudyResult } from '../core/study-result';
import { loadStudy, type RawStudy } from '../data/load';
import { normaliseId } from '../data/schema';
import { redactStudyResult } from '../report/render-report';
import { validateStudy, hasErrors } from '../data/validate';
import { cleanStudy } from '../data/clean';
import { buildPanel, COMPLETED_BEFORE_DATA, NEVER_COMPLETED, type Panel } from '../data/panel';
import { DEFAULT_CONTROL_SAMPLING, type ControlSampling } from '../data/stack';
import type { Problem } from '../data/schema';
import { compareModels } from '../compare/compare-models';
import { computeRoi, courseRoiInput } from '../roi/roi';
import { fullyLoadedCost } from '../roi/costs';
import { kirkpatrickInputFromPanel, kirkpatrickLevels } from '../roi/kirkpatrick';
import { courseRobustness } from './robustness';
import { estimateCourse, type CourseEstimation } from './estimate-course';
import { coursesInWorkers, PARALLEL_MIN_ROWS, parallelWorth, warmCourseWorkers, workersAvailable } from './parallel-courses';
import { courseVerdict } from './verdict';
import { studyAttribution } from './attribution';
import { studyCharts, type ReportChart } from './charts';

/** Options of {@link runStudy}. */
export interface StudyOptions {
  /** The metric of outcomes.csv to study. */
  outcome: string;
  /**
   * Every outcome the report studies, when this run is one of several on the
   * same data (the CLI's `--outcome a,b`): the evaluation levels then count
   * them all as isolated. Default: `[outcome]`.
   */
  reportOutcomes?: string[];
  /** Only these courses (default: every course). */
  courses?: string[];
  /** Event-time window of the ATT (default [1, 12]). */
  window?: [number, number];
  /** Seed of every random step (bootstrap, ROI draws). Default 1. */
  seed?: number;
  /** Methods to run (default all eight). */
  methods?: readonly string[];
  /** Multiplier-bootstrap draws for the event-study band (default 999; 0 = analytic only). */
  bootstrapDraws?: number;
  /** Money per hour of seat time, for ROI (default 0: hours not priced). */
  hourlyCost?: number;
  /** Fixed programme cost per course, for ROI (default 0). */
  fixedCost?: number;
  /** Money to the business per unit of the outcome, for ROI: a revenue-to-profit margin, or the value of one deal (default 1: the metric is money). */
  margin?: number;
  /** Compute ROI (default true). False for an outcome whose units are not money and have no value per unit. */
  roi?: boolean;
  /** Months of benefit counted (default 12: the first year). */
  benefitMonths?: number;
  /** Run the attribution models (default true). */
  attribution?: boolean;
  /** A truth.json to hold the estimates against (synthetic folders only; the estimation never reads it). */
  truthFile?: string;
  /** Breakdowns of fewer employees are suppressed (default 5). */
  minGroupSize?: number;
  /** Run the refuters and the sensitivity analysis (default true). */
  robustness?: boolean;
  /**
   * Control rows a cohort's trained employees are compared with in the
   * stacked data (the matching, weighting and regression methods): a seeded
   * random sample of at most this many per trained employee (default 20,
   * see `ControlSampling`), or 'all'. Only cohorts with more controls than
   * that and than `minControls` are sampled, so small companies keep every
   * control.
   */
  controlsPerTrained?: number | 'all';
  /** A sampled cohort keeps at least this many control rows (default 2,000). */
  minControls?: number;
  /**
   * Keep each course's stacked data in the returned `courses` (default
   * false: it is released once the course is done, which keeps a large
   * study's memory to one course's stack at a time).
   */
  keepStacked?: boolean;
  /**
   * Share the courses out over two worker threads (same results). Default:
   * when the panel has 300,000 employee-months or more, there are several
   * courses and a second core; never with `keepStacked`, nor where worker
   * threads cannot load the sources (the notebook kernel).
   */
  parallel?: boolean;
  /** Progress on stderr. */
  progress?: boolean;
}

/** A study's result, its charts and what each course's estimation kept. */
export interface StudyRun {
  result: StudyResult;
  charts: ReportChart[];
  courses: CourseEstimation[];
  panel: Panel;
}

const VERSION = '0.1.0';

function fingerprints(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir).sort()) {
    if (!/\.(csv|parquet)$/i.test(f)) continue;
    out[f] = 'sha256:' + createHash('sha256').update(readFileSync(join(dir, f))).digest('hex').slice(0, 16);
  }
  return out;
}

function problemLine(p: Problem): string {
  const where = [p.file, p.row !== null ? `row ${p.row}` : '', p.column !== null ? `column \`${p.column}\`` : ''].filter(Boolean).join(', ');
  return `${where}: ${p.message}`;
}

interface TruthForOutcome {
  att: Record<string, number>;
  path: Record<string, Record<string, number>>;
}

function readTruth(file: string, outcome: string): TruthForOutcome {
  if (!existsSync(file)) throw new DataError(`${file}: truth file not found`, { file });
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DataError(`${file}: not valid JSON (${(e as Error).message})`, { file });
  }
  const effects = (parsed as { effects?: Record<string, Record<string, { att?: unknown; path?: unknown }>> }).effects;
  if (typeof effects !== 'object' || effects === null) throw new DataError(`${file}: expected an \`effects\` object as written by trainlift synth`, { file });
  const out: TruthForOutcome = { att: {}, path: {} };
  for (const [course, byMetric] of Object.entries(effects)) {
    const t = byMetric?.[outcome];
    if (typeof t?.att === 'number') out.att[course] = t.att;
    if (typeof t?.path === 'object' && t.path !== null) out.path[course] = t.path as Record<string, number>;
  }
  return out;
}

function trainedCount(panel: Panel, course: string): number {
  const fc = panel.firstCompletion[panel.courses.indexOf(course)];
  let n = 0;
  for (let i = 0; i < fc.length; i++) if (fc[i] >= 0) n++;
  return n;
}

/** A validated, cleaned study folder and its panel, ready for one or several outcomes. */
export interface PreparedStudy {
  dir: string;
  panel: Panel;
  /** Problems validation found in the files as given. */
  problems: Problem[];
  /** Cleaning steps applied and what each changed. */
  cleaning: { step: string; changed: number; note: string }[];
  /** Every employee id seen in any file (raw and normalised), so that free text naming one can be redacted. */
  identifiers: string[];
}

function employeeIdentifiers(raw: RawStudy): string[] {
  const ids = new Set<string>();
  for (const table of Object.values(raw.tables)) {
    const col = table?.columns.employee_id;
    if (col?.kind !== 'text') continue;
    for (const level of col.levels) {
      ids.add(level);
      ids.add(normaliseId(level));
    }
  }
  return [...ids].filter((id) => id.trim().length > 0).sort();
}

/**
 * Loads a study folder, validates it, cleans it (ids, duplicates, dates,
 * unknown employees) and builds the employee-month panel. Problems that
 * cleaning cannot fix stop here with a DataError naming file, row and column.
 * When the outcomes have 300,000 rows or more, the two worker threads that
 * {@link runStudy} will estimate the courses in are started while the panel
 * is built (see warmCourseWorkers).
 *
 * @example
 * const prepared = await prepareStudy('data/sample');
 * prepared.panel.metricNames; // => ['revenue', 'deals_won', 'close_rate']
 */
export async function prepareStudy(dir: string, opts: { progress?: boolean } = {}): Promise<PreparedStudy> {
  if (!existsSync(dir)) throw new DataError(`${dir}: study folder not found`, { file: dir });
  const say = (msg: string) => {
    if (opts.progress) process.stderr.write(`${msg}\n`);
  };
  say('validating…');
  const raw = await loadStudy(dir);
  // A panel this large will be estimated in two worker threads: start them now, so that their start-up
  // overlaps validating, cleaning and building it (single-threaded).
  if ((raw.tables.outcomes?.nRows ?? 0) >= PARALLEL_MIN_ROWS) warmCourseWorkers();
  const found = validateStudy(raw);
  const { study, steps } = cleanStudy(raw, { parseDates: true, dropUnknown: true });
  // Cleaning that changed nothing leaves the problems found (a clean export: one validation, not two).
  const remaining = steps.every((st) => st.changed === 0) ? found : validateStudy(study);
  if (hasErrors(remaining)) {
    const errors = remaining.filter((p) => p.severity === 'error');
    const shown = errors.slice(0, 10).map((p) => `  ${problemLine(p)}`).join('\n');
    throw new DataError(
      `${dir}: ${errors.length} problem${errors.length === 1 ? '' : 's'} that cleaning cannot fix:\n${shown}${errors.length > 10 ? `\n  … and ${errors.length - 10} more (run \`trainlift validate ${dir}\`)` : ''}`,
      { file: errors[0].file, row: errors[0].row ?? undefined, column: errors[0].column ?? undefined },
    );
  }
  say('building the panel…');
  const panel = buildPanel(study);
  return {
    dir,
    panel,
    problems: found,
    cleaning: steps.map((s) => ({ step: s.step, changed: s.changed, note: s.note })),
    identifiers: employeeIdentifiers(raw),
  };
}

// Employees who can be a comparison for some cohort g of the course: employed from before g to its first
// window month, and not trained by the end of g's window (CONTRACT §4's controls).
function comparableUntrained(panel: Panel, fc: Int32Array, window: [number, number], T: number): number {
  const cohorts = [...new Set(Array.from(fc).filter((g) => g >= 1 && g + window[0] <= T - 1))];
  let n = 0;
  for (let e = 0; e < fc.length; e++) {
    if (fc[e] === COMPLETED_BEFORE_DATA) continue;
    const ok = cohorts.some((g) => (fc[e] === NEVER_COMPLETED || fc[e] > g + window[1]) && panel.hirePeriod[e] <= g - 1 && panel.termPeriod[e] >= g + window[0]);
    if (ok) n++;
  }
  return n;
}

/**
 * The courses a study can estimate, in order: those with at least
 * `minGroupSize` employees whose first completion has a month before it and
 * a month of the window after it in the data, and as many employees left
 * untrained to compare them with. The others are left out with a warning
 * that says why (nobody completed it, too few did, none can be followed
 * yet, or everyone took it), so that one unusable course in the catalogue
 * does not stop the study and no result describes a handful of people.
 * Throws a DataError when no course is left.
 *
 * @example
 * estimableCourses(panel, panel.courses, [1, 12], 5, warnings); // => ['C01', 'C02', …]
 */
export function estimableCourses(panel: Panel, courses: string[], window: [number, number], minGroupSize: number, warnings: string[]): string[] {
  const T = panel.periods.length;
  const said: string[] = [];
  const kept = courses.filter((c) => {
    const fc = panel.firstCompletion[panel.courses.indexOf(c)];
    let completed = 0;
    let followed = 0;
    for (let e = 0; e < fc.length; e++) {
      if (fc[e] < 0) continue;
      completed++;
      if (fc[e] >= 1 && fc[e] + window[0] <= T - 1) followed++;
    }
    if (followed >= minGroupSize) {
      const controls = comparableUntrained(panel, fc, window, T);
      if (controls >= minGroupSize) return true;
      const why = 'so it is not estimated (a before/after change would mix the course with everything else that happened meanwhile)';
      said.push(
        controls === 0
          ? `${c}: nobody is left to compare with: every employee there when it was taken had completed it by the end of its window, ${why}`
          : `${c}: too few are left to compare with: only ${controls} employee${controls === 1 ? '' : 's'} there when it was taken had not completed it by the end of its window (at least ${minGroupSize} needed), ${why}`,
      );
      return false;
    }
    if (completed === 0) said.push(`${c}: nobody completed it within the data, so it is not estimated`);
    else if (completed < minGroupSize) {
      said.push(`${c}: only ${completed} employee${completed === 1 ? '' : 's'} completed it within the data, fewer than the minimum group size of ${minGroupSize}, so it is not estimated (no result may describe so few people)`);
    } else {
      said.push(
        `${c}: ${completed} employees completed it, but only ${followed} have a month before completion and a month ${window[0]} after it in the data (at least ${minGroupSize} needed): too early to judge, so it is not estimated yet`,
      );
    }
    return false;
  });
  warnings.push(...said);
  if (kept.length === 0) {
    throw new DataError(`no course can be estimated: ${said.join('; ')}`, { file: 'training.csv', column: 'course_id' });
  }
  return kept;
}

/** The study's control sampling from its options (null: every control). */
function controlSampling(opts: StudyOptions, seed: number): ControlSampling | null {
  const per = opts.controlsPerTrained ?? DEFAULT_CONTROL_SAMPLING.perTrained;
  const min = opts.minControls ?? DEFAULT_CONTROL_SAMPLING.min;
  if (per === 'all') return null;
  if (!(per > 0) || !Number.isFinite(per)) throw new RangeError(`runStudy: \`controlsPerTrained\` must be a positive number or 'all', got ${per}`);
  if (!Number.isInteger(min) || min < 1) throw new RangeError(`runStudy: \`minControls\` must be an integer ≥ 1, got ${min}`);
  return { perTrained: per, min, seed };
}

/**
 * The whole study on a folder (CONTRACT §2 `study`): validate → clean → panel
 * → every estimator per course → verdicts → event studies → attribution →
 * ROI → comparison with the truth when a truth file is given. Bad input is a
 * DataError naming file, row and column. Same data and seed, same numbers.
 * Free text that would name an employee (data problems, cleaning notes) has
 * the id withheld. Pass a {@link PreparedStudy} instead of a folder to study several outcomes
 * of one folder without loading it again.
 *
 * @example
 * const { result } = await runStudy('data/sample', { outcome: 'revenue' });
 * result.verdicts?.map((v) => `${v.course}: ${v.verdict}`); // => ['C01: effective', ..., 'C06: too early to judge']
 */
export async function runStudy(source: string | PreparedStudy, opts: StudyOptions): Promise<StudyRun> {
  const prepared = typeof source === 'string' ? await prepareStudy(source, { progress: opts.progress }) : source;
  const { dir, panel } = prepared;
  const window = opts.window ?? [1, 12];
  const seed = opts.seed ?? 1;
  const minGroupSize = opts.minGroupSize ?? 5;
  const say = (msg: string) => {
    if (opts.progress) process.stderr.write(`${msg}\n`);
  };
  if (!panel.metricNames.includes(opts.outcome)) {
    throw new DataError(`outcomes.csv: no metric column \`${opts.outcome}\`; the metrics are ${panel.metricNames.join(', ')}`, {
      file: 'outcomes.csv',
      column: opts.outcome,
    });
  }
  const requested = opts.courses && opts.courses.length > 0 ? opts.courses : panel.courses;
  for (const c of requested) {
    if (!panel.courses.includes(c)) throw new DataError(`no course \`${c}\` in the study; the courses are ${panel.courses.join(', ')}`, { column: 'course_id' });
  }
  const truth = opts.truthFile ? readTruth(opts.truthFile, opts.outcome) : null;
  const warnings: string[] = [];
  const courses = estimableCourses(panel, requested, window, minGroupSize, warnings);

  const perCourse: CourseEstimation[] = [];
  const estimates: Estimate[] = [];
  const eventStudy: EventStudyEntry[] = [];
  const verdicts: CourseVerdict[] = [];
  const roi: RoiEntry[] = [];
  const robustness: CourseRobustness[] = [];
  const comparisonRows: unknown[] = [];
  const readings: Record<string, string[]> = {};
  const estimation = { window, methods: opts.methods, seed, bootstrapDraws: opts.bootstrapDraws ?? 999, controls: controlSampling(opts, seed) };
  const unit = `${opts.outcome} per employee-month`;
  const wantsRobustness = (verdict: CourseVerdict) => (opts.robustness ?? true) && verdict.verdict !== 'too early to judge';
  const parallel = !opts.keepStacked && (opts.parallel ?? parallelWorth(panel, courses.length)) && workersAvailable();
  const done = parallel
    ? await coursesInWorkers(
        panel,
        courses,
        opts.outcome,
        estimation,
        (ce) => wantsRobustness(courseVerdict(ce.course, ce.estimates, ce.panelVerdict, { unit })),
        seed,
        (c) => say(`estimating ${c}…`),
        opts.robustness ?? true,
      )
    : null;
  for (const [k, course] of courses.entries()) {
    if (!done) say(`estimating ${course}…`);
    const ce = done ? done[k].ce : estimateCourse(panel, course, opts.outcome, estimation);
    perCourse.push(ce);
    estimates.push(...ce.estimates);
    warnings.push(...ce.warnings);
    const verdict = courseVerdict(course, ce.estimates, ce.panelVerdict, { unit });
    verdicts.push(verdict);
    if (ce.staggered) {
      const st = ce.staggered;
      eventStudy.push({
        course,
        method: 'did_staggered',
        path: st.eventStudy.map((p) => ({ e: p.e, estimate: p.estimate, se: p.se, lower: p.lower, upper: p.upper })),
        criticalValue: st.criticalValue,
        preTrend: st.preTrend ?? undefined,
      });
    }
    if (verdict.recommended && opts.roi !== false) {
      const roiInput = courseRoiInput(panel, course, verdict.recommended, { hourlyCost: opts.hourlyCost, fixedCost: opts.fixedCost });
      if (fullyLoadedCost(roiInput).total > 0) {
        const entry = computeRoi(roiInput, { months: opts.benefitMonths, margin: opts.margin, seed });
        if (verdict.verdict === 'too early to judge') entry.notes.push('too early to judge: the benefit rests on the first months only');
        roi.push(entry);
      } else {
        warnings.push(`${course}: ROI not computed: no costs are known (courses.csv has no cost_per_learner or hours for it, and no --hourly-cost or --fixed-cost was given)`);
      }
    }
    if (wantsRobustness(verdict)) {
      const r = done ? done[k].robustness : courseRobustness(panel, ce, { seed });
      if (r) robustness.push(r);
    }
    if (truth && truth.att[course] !== undefined) {
      const cmp = compareModels(ce.estimates, { truth: truth.att[course] });
      for (const row of cmp.rows) comparisonRows.push({ ...row, course });
      readings[course] = cmp.reading;
    }
    if (!opts.keepStacked) ce.stacked = null;
  }

  let attribution: AttributionEntry[] = [];
  if (opts.attribution ?? true) {
    say('attributing journeys…');
    const att = studyAttribution(panel, { metric: opts.outcome, window, seed, minGroupSize, progress: opts.progress });
    attribution = att.entries;
    warnings.push(...att.warnings);
  }

  const [first, last] = [panel.periods[0], panel.periods[panel.periods.length - 1]];
  let completions = 0;
  for (const fc of panel.firstCompletion) for (let i = 0; i < fc.length; i++) if (fc[i] >= 0) completions++;
  const result: StudyResult = {
    outcome: opts.outcome,
    window,
    data: { employees: panel.employees.length, courses: panel.courses.length, completions, periods: [first, last], warnings },
    estimates,
    eventStudy,
    attribution,
    roi,
    verdicts,
    courseTitles: Object.fromEntries(panel.courseInfo.map((c) => [c.id, c.title || c.id])),
    problems: prepared.problems.map((p) => ({ severity: p.severity, file: p.file, row: p.row, column: p.column, message: p.message })),
    cleaning: prepared.cleaning,
    notes: [
      'Courses are judged by the selection-robust estimates (staggered DiD, doubly robust AIPW, regression adjustment); the naive difference and before-after comparison are shown as the baselines today\'s reports use.',
      'The staggered DiD is set aside for a course when its pre-period test fails; TWFE is shown for comparison only.',
      'ROI follows the Phillips methodology: no data, no improvement — a course whose effect is not detectable is credited no benefit.',
    ],
    reproducibility: { version: VERSION, seed, generatedBy: `trainlift study ${dir} --outcome ${opts.outcome}`, fingerprints: fingerprints(dir) },
  };
  if (truth) result.comparison = { truth: truth.att, rows: comparisonRows, reading: readings };
  if (robustness.length > 0) result.robustness = robustness;
  result.kirkpatrick = kirkpatrickLevels(
    kirkpatrickInputFromPanel(panel, { hasEffectEstimate: estimates.length > 0, hasCosts: roi.length > 0, studied: opts.reportOutcomes ?? [opts.outcome] }),
  );
  for (const c of courses) if (trainedCount(panel, c) < minGroupSize) warnings.push(`${c}: fewer than ${minGroupSize} trained employees; its results are withheld from reports`);
  const safe = redactStudyResult(result, prepared.identifiers);
  const charts = studyCharts(safe, perCourse, truth?.path);
  return { result: safe, charts, courses: perCourse, panel };
}
