import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runReplication } from '../../src/compare/replication';
import { simulationStudy, summariseSimulation } from '../../src/compare/simulation';
import { regressionAdjustment } from '../../src/causal/regression';
import { stackedInput } from '../../src/causal/placebo';
import { loadStudy } from '../../src/data/load';
import { buildPanel } from '../../src/data/panel';
import { stackCourse } from '../../src/data/stack';
import { writeSynth } from '../../src/data/synth';
import { estimateCourse, STUDY_REGRESSION_OPTIONS } from '../../src/study/estimate-course';
import { courseVerdict } from '../../src/study/verdict';

const base = { employees: 300, months: 24, metric: 'revenue', window: [1, 12] as [number, number] };

describe('runReplication', () => {
  it('scores the estimate of a synthetic company against that company’s own truth', async () => {
    const rec = await runReplication({ kind: 'replication', scenario: 'default', replication: 0, seed: 5, methods: ['regression_adjustment'], course: 'C01', ...base });
    // Independent recomputation: the same company, loaded and estimated directly.
    const dir = mkdtempSync(join(tmpdir(), 'tl-rep-'));
    try {
      const truth = await writeSynth(dir, { employees: 300, months: 24, seed: 5, scenario: 'default' });
      const panel = buildPanel(await loadStudy(dir));
      // as the study estimates it: clustered by employee with CR1p's factor, t with (trained − 1) df at most
      const direct = regressionAdjustment(stackedInput(stackCourse(panel, 'C01', 'revenue')), STUDY_REGRESSION_OPTIONS);
      expect(rec.estimates).toHaveLength(1);
      expect(rec.estimates[0].truth).toBe(truth.effects.C01.revenue.att);
      expect(rec.estimates[0].estimate).toBe(direct.estimate);
      expect([rec.estimates[0].lower, rec.estimates[0].upper]).toEqual(direct.ci);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('simulationStudy on synthetic companies', () => {
  it('computes bias, RMSE and coverage from its replications, the same on threads as in-process', async () => {
    const opts = { replications: 3, scenarios: ['null'], seed: 11, methods: ['naive_difference', 'regression_adjustment'], course: 'C01', progress: false, ...base };
    const threaded = await simulationStudy({ ...opts, workers: 2 });
    const inProcess = await simulationStudy({ ...opts, workers: 0 });
    expect(JSON.stringify(threaded.records)).toBe(JSON.stringify(inProcess.records));
    expect(threaded.records.map((r) => r.seed)).toEqual([11, 12, 13]);
    const ra = threaded.rows.find((r) => r.method === 'regression_adjustment')!;
    const est = threaded.records.map((r) => r.estimates.find((e) => e.method === 'regression_adjustment')!);
    // Null scenario: every truth is 0, so bias = mean estimate and RMSE = √mean(estimate²).
    expect(est.every((e) => e.truth === 0)).toBe(true);
    expect(ra.bias).toBeCloseTo(est.reduce((a, e) => a + e.estimate, 0) / 3, 9);
    expect(ra.rmse).toBeCloseTo(Math.sqrt(est.reduce((a, e) => a + e.estimate ** 2, 0) / 3), 9);
    expect(ra.coverage).toBe(est.filter((e) => e.lower <= 0 && 0 <= e.upper).length / 3);
    expect(threaded.rows).toEqual(summariseSimulation(threaded.records));
    expect(threaded.rows.map((r) => r.method)).toEqual(['naive_difference', 'regression_adjustment']);
  });
});

describe('the recommended estimate', () => {
  it('is scored as its own row, equal to the estimate the study’s verdict picks', async () => {
    const rec = await runReplication({ kind: 'replication', scenario: 'default', replication: 0, seed: 5, methods: ['aipw', 'did_staggered', 'recommended'], course: 'C04', ...base });
    const dir = mkdtempSync(join(tmpdir(), 'tl-rep-'));
    try {
      await writeSynth(dir, { employees: 300, months: 24, seed: 5, scenario: 'default' });
      const panel = buildPanel(await loadStudy(dir));
      const run = estimateCourse(panel, 'C04', 'revenue', { methods: ['regression_adjustment', 'aipw', 'did_staggered'], seed: 5 });
      const picked = courseVerdict('C04', run.estimates, run.panelVerdict).recommended!;
      const r = rec.estimates.find((e) => e.method === 'recommended')!;
      expect(r.estimate).toBe(picked.estimate);
      expect([r.lower, r.upper]).toEqual(picked.ci);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // regression_adjustment ran for the verdict but was not asked for, so it is not reported (aipw may fail on 300 people).
    const reported = rec.estimates.map((e) => e.method);
    expect(reported).toContain('recommended');
    expect(reported).toContain('did_staggered');
    expect(reported).not.toContain('regression_adjustment');
    expect(reported.every((m) => ['aipw', 'did_staggered', 'recommended'].includes(m))).toBe(true);
  });
});
