import { describe, expect, it } from 'vitest';
import { runSimulationTasks, simulationStudy, summariseSimulation } from '../../src/compare/simulation';
import type { ReplicationRecord, SimulationTask } from '../../src/compare/simulation-task';

function rec(scenario: string, replication: number, estimates: [string, number, number, number, number][]): ReplicationRecord {
  return {
    scenario,
    replication,
    seed: replication,
    failures: [],
    estimates: estimates.map(([method, estimate, lower, upper, truth]) => ({ method, estimate, se: (upper - lower) / 3.92, lower, upper, truth })),
  };
}

describe('summariseSimulation', () => {
  it('computes bias, RMSE and coverage by hand', () => {
    // method a, truths 10, 20, 30; estimates 12, 17, 30 → errors 2, −3, 0: bias −1/3, RMSE √(13/3) = 2.0817.
    // intervals [11, 13] (misses 10), [15, 21] (covers 20), [29, 31] (covers 30) → coverage 2/3.
    const rows = summariseSimulation([
      rec('s', 0, [['a', 12, 11, 13, 10]]),
      rec('s', 1, [['a', 17, 15, 21, 20]]),
      rec('s', 2, [['a', 30, 29, 31, 30], ['b', NaN, NaN, NaN, 30]]),
    ]);
    const a = rows.find((r) => r.method === 'a')!;
    expect(a.replications).toBe(3);
    expect(a.bias).toBeCloseTo(-1 / 3, 12);
    expect(a.rmse).toBeCloseTo(Math.sqrt(13 / 3), 12);
    expect(a.coverage).toBeCloseTo(2 / 3, 12);
    expect(a.meanTruth).toBe(20);
    // SD of 12, 17, 30: mean 19.667, squares 58.78 + 7.11 + 106.78 = 172.67 / 2 = 86.33 → 9.2916.
    expect(a.sdEstimate).toBeCloseTo(9.2916, 3);
    // SD of the errors 2, −3, 0: mean −1/3, squares 5.444 + 7.111 + 0.111 = 12.667 / 2 = 6.333 → 2.5166.
    expect(a.sdError).toBeCloseTo(2.5166, 4);
    const b = rows.find((r) => r.method === 'b')!;
    expect(b.failures).toBe(1);
    expect(b.replications).toBe(0);
  });
  it('keeps scenarios apart', () => {
    const rows = summariseSimulation([rec('x', 0, [['a', 1, 0, 2, 1]]), rec('y', 0, [['a', 5, 4, 6, 1]])]);
    expect(rows.map((r) => [r.scenario, r.bias])).toEqual([['x', 0], ['y', 4]]);
  });
});

describe('simulation plumbing', () => {
  const probe = (r: number): SimulationTask => ({ kind: 'probe', scenario: 'p', replication: r, seed: 100 + r, employees: 1, months: 1, methods: ['m1', 'm2'], metric: 'y', window: [1, 12] });

  it('gives the same records across worker threads as in-process, in task order', async () => {
    const tasks = Array.from({ length: 12 }, (_, r) => probe(r));
    const inProcess = await runSimulationTasks(tasks, { workers: 0 });
    const threaded = await runSimulationTasks(tasks, { workers: 2 });
    expect(threaded.workers).toBe(2);
    expect(inProcess.workers).toBe(0);
    expect(JSON.stringify(threaded.records)).toBe(JSON.stringify(inProcess.records));
    expect(threaded.records.map((r) => r.replication)).toEqual(tasks.map((t) => t.replication));
  });

  it('a probe study has bias near 0 and coverage near 95 %, reproducibly', async () => {
    const opts = { replications: 400, scenarios: ['p'], seed: 9, employees: 1, months: 1, methods: ['m'], workers: 0, kind: 'probe' as const, progress: false };
    const a = await simulationStudy(opts);
    const b = await simulationStudy(opts);
    expect(JSON.stringify(a.rows)).toBe(JSON.stringify(b.rows));
    const row = a.rows[0];
    expect(row.replications).toBe(400);
    // SE of the mean of 400 N(0,1) draws is 0.05: |bias| < 0.2 is a 4-SD band; coverage SD is 1.1 points.
    expect(Math.abs(row.bias)).toBeLessThan(0.2);
    expect(row.coverage).toBeGreaterThan(0.91);
    expect(row.coverage).toBeLessThan(0.99);
    expect(row.sdEstimate).toBeGreaterThan(0.85);
    expect(row.sdEstimate).toBeLessThan(1.15);
  });

  it('rejects bad options with the argument named', async () => {
    await expect(simulationStudy({ replications: 0, scenarios: ['a'], seed: 1, employees: 10, months: 10 })).rejects.toThrow('simulationStudy: `replications` must be an integer ≥ 1, got 0');
  });
});
