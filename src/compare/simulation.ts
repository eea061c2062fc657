import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { METHODS } from '../core/estimate';
import { workerEntry } from '../core/worker-entry';
import { progressBar } from '../stats/bootstrap';
import { runSimulationTask, type ReplicationRecord, type SimulationTask } from './simulation-task';

/** Options of {@link simulationStudy}. */
export interface SimulationOptions {
  /** Synthetic companies per scenario. */
  replications: number;
  /** Scenario names understood by the synthesiser (e.g. `baseline`, `selection`). */
  scenarios: string[];
  /** Study seed: replication r of every scenario uses seed + r. */
  seed: number;
  employees: number;
  months: number;
  /** Methods to score (default: all that the study runs). */
  methods?: string[];
  /** Worker threads (default: available cores − 0, at most the task count); 0 runs in this thread. */
  workers?: number;
  /** Show a progress bar on stderr (default: only when stderr is a TTY). */
  progress?: boolean;
  course?: string;
  /** Outcome metric (default `revenue`). */
  metric?: string;
  window?: [number, number];
  /**
   * Sample each cohort's controls in the stacked data as a large study does
   * (see `ControlSampling`), to check its intervals on companies small enough
   * to simulate; default every control.
   */
  controls?: { perTrained: number; min: number };
  /** `probe` checks the plumbing without running the pipeline. */
  kind?: 'replication' | 'probe';
}

/** Bias, RMSE and coverage of one method in one scenario. */
export interface SimulationRow {
  scenario: string;
  /** Course, when the records carry one. */
  course?: string;
  method: string;
  /** Replications where the method gave a usable estimate. */
  replications: number;
  failures: number;
  meanTruth: number;
  meanEstimate: number;
  /** Mean of estimate − truth. */
  bias: number;
  /** √ mean (estimate − truth)². */
  rmse: number;
  /** Share of 95 % intervals that contain the truth. */
  coverage: number;
  /** Monte Carlo standard error of the coverage: √(c (1 − c) / R). */
  coverageMcse: number;
  /** Mean reported SE and the SD of the estimates across replications (they should match; coverage follows `sdError`). */
  meanSe: number;
  sdEstimate: number;
  /**
   * SD of estimate − truth across replications: the spread coverage is judged
   * on. When the effect differs from trainee to trainee, each company's own
   * ATT moves with its estimate and this is smaller than `sdEstimate`; an SE
   * sized for the estimate's spread around the average effect (the usual
   * analytic one) then covers the company's own ATT more than 95 % of the time.
   */
  sdError: number;
}

/** The simulation study: per-replication records and the summary table. */
export interface SimulationResult {
  rows: SimulationRow[];
  records: ReplicationRecord[];
  seconds: number;
  workers: number;
}

/**
 * Bias, RMSE and 95 % interval coverage per scenario and method from
 * replication records. The truth varies by replication (each synthetic
 * company has its own sample ATT), so errors are taken per replication:
 * bias = mean(estimate − truth), RMSE = √mean((estimate − truth)²), and
 * coverage counts intervals that contain their own company's truth.
 *
 * @example
 * summariseSimulation([{ scenario: 's', replication: 0, seed: 1, failures: [],
 *   estimates: [{ method: 'aipw', estimate: 12, se: 1, lower: 10, upper: 14, truth: 10 }] }])[0].bias; // => 2
 */
export function summariseSimulation(records: ReplicationRecord[]): SimulationRow[] {
  type Acc = { n: number; fail: number; sumT: number; sumE: number; sumB: number; sumB2: number; cover: number; sumSe: number; sumE2: number };
  const acc = new Map<string, Acc>();
  const order: { key: string; scenario: string; course?: string; method: string }[] = [];
  const get = (scenario: string, course: string | undefined, method: string): Acc => {
    const key = `${scenario}\u0000${course ?? ''}\u0000${method}`;
    let a = acc.get(key);
    if (!a) {
      a = { n: 0, fail: 0, sumT: 0, sumE: 0, sumB: 0, sumB2: 0, cover: 0, sumSe: 0, sumE2: 0 };
      acc.set(key, a);
      order.push({ key, scenario, course, method });
    }
    return a;
  };
  for (const r of records) {
    for (const e of r.estimates) {
      const a = get(r.scenario, e.course, e.method);
      if (![e.estimate, e.truth, e.lower, e.upper].every(Number.isFinite)) {
        a.fail++;
        continue;
      }
      const b = e.estimate - e.truth;
      a.n++;
      a.sumT += e.truth;
      a.sumE += e.estimate;
      a.sumE2 += e.estimate * e.estimate;
      a.sumB += b;
      a.sumB2 += b * b;
      a.sumSe += e.se;
      if (e.lower <= e.truth && e.truth <= e.upper) a.cover++;
    }
    for (const f of r.failures) get(r.scenario, f.course, f.method).fail++;
  }
  // Scenarios in the order given, then courses, then methods in the table order of METHODS.
  const scenarioRank = new Map<string, number>();
  for (const o of order) if (!scenarioRank.has(o.scenario)) scenarioRank.set(o.scenario, scenarioRank.size);
  const methodRank = (m: string) => {
    const i = (METHODS as readonly string[]).indexOf(m);
    return i < 0 ? METHODS.length : i;
  };
  order.sort(
    (a, b) =>
      (scenarioRank.get(a.scenario) ?? 0) - (scenarioRank.get(b.scenario) ?? 0) ||
      (a.course ?? '').localeCompare(b.course ?? '') ||
      methodRank(a.method) - methodRank(b.method) ||
      a.method.localeCompare(b.method),
  );
  return order.map(({ key, scenario, course, method }) => {
    const a = acc.get(key) as Acc;
    const n = a.n;
    const meanE = a.sumE / n;
    const coverage = a.cover / n;
    return {
      scenario,
      ...(course !== undefined ? { course } : {}),
      method,
      replications: n,
      failures: a.fail,
      meanTruth: a.sumT / n,
      meanEstimate: meanE,
      bias: a.sumB / n,
      rmse: Math.sqrt(a.sumB2 / n),
      coverage,
      coverageMcse: Math.sqrt((coverage * (1 - coverage)) / n),
      meanSe: a.sumSe / n,
      sdEstimate: n > 1 ? Math.sqrt(Math.max(0, (a.sumE2 - n * meanE * meanE) / (n - 1))) : NaN,
      sdError: n > 1 ? Math.sqrt(Math.max(0, (a.sumB2 - (a.sumB * a.sumB) / n) / (n - 1))) : NaN,
    };
  });
}

/**
 * Runs tasks over `workers` worker threads (each started through tsx's
 * loader) and returns the records in task order, whatever order the workers
 * finish in, so the result does not depend on scheduling. Runs in the
 * current thread when `workers` is 0, under the notebook kernel (its
 * CommonJS build has no tsx loader to hand to a thread), or when the worker
 * entry file is not found. A task that fails rejects the whole run, naming
 * the replication.
 *
 * @example
 * await runSimulationTasks(tasks, { workers: 2, onRecord: () => bar.increment() });
 */
export async function runSimulationTasks(
  tasks: SimulationTask[],
  opts: { workers: number; onRecord?: (r: ReplicationRecord) => void },
): Promise<{ records: ReplicationRecord[]; workers: number }> {
  const wanted = Math.min(opts.workers, tasks.length);
  const entry = workerEntry('simulation.ts', 'src/compare', 'simulation-worker-entry.js');
  if (wanted < 1 || entry === null) {
    const records: ReplicationRecord[] = [];
    for (const t of tasks) {
      const r = await runSimulationTask(t);
      opts.onRecord?.(r);
      records.push(r);
    }
    return { records, workers: 0 };
  }
  const records: (ReplicationRecord | undefined)[] = new Array(tasks.length);
  let next = 0;
  const pool: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let done = 0;
      let failed = false;
      const fail = (e: Error) => {
        if (!failed) {
          failed = true;
          reject(e);
        }
      };
      const feed = (w: Worker) => {
        if (next < tasks.length) {
          const id = next++;
          w.postMessage({ id, task: tasks[id] });
        }
      };
      for (let k = 0; k < wanted; k++) {
        const w = new Worker(entry);
        pool.push(w);
        w.on('message', (msg: { id: number; ok: boolean; record?: ReplicationRecord; message?: string }) => {
          if (!msg.ok || !msg.record) {
            fail(new Error(`simulationStudy: replication ${tasks[msg.id].replication} of scenario ${tasks[msg.id].scenario} failed: ${msg.message}`));
            return;
          }
          records[msg.id] = msg.record;
          opts.onRecord?.(msg.record);
          done++;
          if (done === tasks.length) resolve();
          else feed(w);
        });
        w.on('error', (e) => fail(e instanceof Error ? e : new Error(String(e))));
        feed(w);
      }
    });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return { records: records as ReplicationRecord[], workers: wanted };
}

/**
 * A simulation study: `replications` synthetic companies per scenario, each
 * run through the study's estimators, scored against that company's known
 * effect — bias, RMSE and 95 % interval coverage per method and scenario.
 * Replication r uses seed + r (the same company in every scenario is not
 * implied: the scenario changes the company), so any single replication can
 * be rerun alone. Parallel across worker threads; a progress bar on stderr
 * when stderr is a TTY or `progress` is set.
 *
 * @example
 * const sim = await simulationStudy({ replications: 20, scenarios: ['baseline'], seed: 1,
 *   employees: 400, months: 24, methods: ['naive_difference', 'aipw'], workers: 2 });
 * sim.rows; // => [{ scenario: 'baseline', method: 'naive_difference', bias: …, rmse: …, coverage: … }, …]
 */
export async function simulationStudy(opts: SimulationOptions): Promise<SimulationResult> {
  const { replications, scenarios, seed } = opts;
  if (!Number.isInteger(replications) || replications < 1) throw new RangeError(`simulationStudy: \`replications\` must be an integer ≥ 1, got ${replications}`);
  if (!Array.isArray(scenarios) || scenarios.length === 0) throw new RangeError('simulationStudy: `scenarios` must name at least one scenario');
  if (!Number.isInteger(seed) || seed < 0 || seed + replications > 4294967295) throw new RangeError(`simulationStudy: \`seed\` must be an integer ≥ 0, got ${seed}`);
  if (!Number.isInteger(opts.employees) || opts.employees < 1) throw new RangeError(`simulationStudy: \`employees\` must be an integer ≥ 1, got ${opts.employees}`);
  if (!Number.isInteger(opts.months) || opts.months < 1) throw new RangeError(`simulationStudy: \`months\` must be an integer ≥ 1, got ${opts.months}`);
  const workers = opts.workers ?? Math.max(1, availableParallelism());
  if (!Number.isInteger(workers) || workers < 0) throw new RangeError(`simulationStudy: \`workers\` must be an integer ≥ 0, got ${workers}`);
  const methods = opts.methods ?? ['naive_difference', 'before_after', 'regression_adjustment', 'psm_nearest', 'ipw', 'aipw', 'did_staggered'];
  const tasks: SimulationTask[] = [];
  for (const scenario of scenarios) {
    for (let r = 0; r < replications; r++) {
      tasks.push({
        kind: opts.kind ?? 'replication',
        scenario,
        replication: r,
        seed: seed + r,
        employees: opts.employees,
        months: opts.months,
        methods,
        course: opts.course,
        metric: opts.metric ?? 'revenue',
        window: opts.window ?? [1, 12],
        ...(opts.controls ? { controls: opts.controls } : {}),
      });
    }
  }
  const bar = progressBar('simulation', tasks.length, opts.progress);
  const t0 = Date.now();
  try {
    const { records, workers: used } = await runSimulationTasks(tasks, { workers, onRecord: () => bar.tick() });
    return { rows: summariseSimulation(records), records, seconds: (Date.now() - t0) / 1000, workers: used };
  } finally {
    bar.stop();
  }
}
