import { createRng } from '../stats/rng';
import { runReplication } from './replication';

/** One unit of simulation work: a synthetic company and its estimates, or a plumbing probe. */
export interface SimulationTask {
  /** `replication` runs the study pipeline; `probe` only draws seeded numbers (checks the worker plumbing). */
  kind: 'replication' | 'probe';
  scenario: string;
  replication: number;
  /** Seed of this replication: the study seed + replication index. */
  seed: number;
  employees: number;
  months: number;
  methods: string[];
  /** Course to estimate; default: the first course of the synthetic catalogue. */
  course?: string;
  metric: string;
  window: [number, number];
  /** Control sampling of the stacked data (see `ControlSampling`; its seed is the replication's); default every control, as the study at this size. */
  controls?: { perTrained: number; min: number };
}

/** One method's answer in one replication, against that company's truth. */
export interface ReplicationEstimate {
  method: string;
  /** Course estimated (several courses can be scored in one replication). */
  course?: string;
  estimate: number;
  se: number;
  lower: number;
  upper: number;
  truth: number;
}

/** What one replication returns (plain data: it crosses the worker boundary). */
export interface ReplicationRecord {
  scenario: string;
  replication: number;
  seed: number;
  estimates: ReplicationEstimate[];
  /** Methods that failed in this replication, with the reason. */
  failures: { method: string; course?: string; message: string }[];
}

/**
 * Runs one task in the current thread. A `probe` returns, for each method,
 * an "estimate" truth + N(0, 1) draw with SE 1 from the task's seed, so a
 * probe study has known bias 0 and coverage 95 %.
 *
 * @example
 * (await runSimulationTask({ kind: 'probe', scenario: 'a', replication: 0, seed: 7, employees: 0, months: 0,
 *   methods: ['m'], metric: 'y', window: [1, 12] })).estimates[0].truth; // => 10
 */
export async function runSimulationTask(task: SimulationTask): Promise<ReplicationRecord> {
  if (task.kind === 'probe') {
    const rng = createRng(task.seed);
    return {
      scenario: task.scenario,
      replication: task.replication,
      seed: task.seed,
      estimates: task.methods.map((method) => {
        const estimate = 10 + rng.normal();
        return { method, estimate, se: 1, lower: estimate - 1.959964, upper: estimate + 1.959964, truth: 10 };
      }),
      failures: [],
    };
  }
  return runReplication(task);
}
