import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runStudy, type StudyRun } from '../../src/study/run-study';
import { warmCourseWorkers, warmWorkersWaiting } from '../../src/study/parallel-courses';
import { spawnSync } from 'node:child_process';
import { writeSynth } from '../../src/data/synth';
import { DataError } from '../../src/core/errors';
import { main } from '../../src/cli/main';
import { createRng } from '../../src/stats/rng';
import { renderReport } from '../../src/report/render-report';

// The sample company's traps (data/sample/README.md) and what a careful
// analyst should conclude about each course from data whose truth is known.
const EXPECTED: Record<string, string> = {
  C01: 'effective', // self-selected by the highly rated and recently successful, real effect
  C02: 'effective', // remedial: a 1% effect (203 a month) that regression to the mean dresses up as 3,000
  C03: 'no detectable effect', // popular, zero effect, bunched before Q4
  C04: 'effective', // regional waves, learning curve
  C05: 'effective', // fading effect
  C06: 'too early to judge', // launched recently
};

describe('runStudy on the sample company', () => {
  let run: StudyRun;
  let truth: { effects: Record<string, { revenue: { att: number } }> };
  beforeAll(async () => {
    truth = JSON.parse(readFileSync('data/sample/truth.json', 'utf8'));
    run = await runStudy('data/sample', { outcome: 'revenue', truthFile: 'data/sample/truth.json', bootstrapDraws: 199, seed: 3 });
  }, 300_000);

  it('gives every course the verdict its truth calls for', () => {
    const got = Object.fromEntries((run.result.verdicts ?? []).map((v) => [v.course, v.verdict]));
    expect(got).toEqual(EXPECTED);
    // the verdicts agree with the truth itself, not only with the table above
    for (const [course, verdict] of Object.entries(got)) {
      const att = truth.effects[course].revenue.att;
      if (verdict === 'effective') expect(att).toBeGreaterThan(0);
    }
    expect(truth.effects.C03.revenue.att).toBe(0);
  });

  it('reports a did_staggered whose interval covers the truth for every course: conditional on the pre-period, within region', () => {
    for (const course of ['C01', 'C02', 'C03', 'C04', 'C05', 'C06']) {
      const att = truth.effects[course].revenue.att;
      const st = run.result.estimates.find((e) => e.course === course && e.method === 'did_staggered')!;
      expect(st.ci[0], course).toBeLessThanOrEqual(att);
      expect(st.ci[1], course).toBeGreaterThanOrEqual(att);
      expect(st.diagnostics.laggedOutcomes, course).toEqual([3, 9]);
      expect(st.diagnostics.covariates, course).toEqual(expect.arrayContaining(['role=SDR', 'level', 'region=South', 'manager_rating']));
    }
    // the verdict says why that DiD does not vote: the pre-period cannot test a comparison made on it
    const c01 = (run.result.verdicts ?? []).find((v) => v.course === 'C01')!;
    expect(c01.reason).toMatch(/plain staggered DiD failed its pre-period test: .*The DiD shown compares employees with the same pre-period results instead/);
    // where AIPW's weights are extreme (the remedial course, chosen by a threshold on recent results), the regression
    // extrapolates too: the verdict stands on an estimate spanning it and the conditioned DiD, whose interval covers the
    // truth where the regression's alone did not; where the weights are fine, it says nothing of the kind
    const verdictOf = (course: string) => (run.result.verdicts ?? []).find((v) => v.course === course)!;
    const c02 = verdictOf('C02');
    expect(c02.reason).toMatch(/set aside: its weighted controls are worth only \d+ employees.*the regression leans on its model.*midpoint between regression adjustment/);
    expect(c02.recommended!.method).toBe('regression_adjustment+did_staggered');
    const ra02 = run.result.estimates.find((e) => e.course === 'C02' && e.method === 'regression_adjustment')!;
    const did02 = run.result.estimates.find((e) => e.course === 'C02' && e.method === 'did_staggered')!;
    expect(c02.recommended!.ci).toEqual([Math.min(ra02.ci[0], did02.ci[0]), Math.max(ra02.ci[1], did02.ci[1])]);
    expect(ra02.ci[0]).toBeGreaterThan(truth.effects.C02.revenue.att);
    expect(c02.recommended!.ci[0]).toBeLessThan(truth.effects.C02.revenue.att);
    expect(run.result.roi.find((r) => r.course === 'C02')!.method).toBe('regression_adjustment+did_staggered');
    expect(c01.reason).not.toMatch(/extrapolated/);
    // the event study stays the plain comparison, whose pre-period shows C02's dip before the course
    const path02 = run.result.eventStudy.find((e) => e.course === 'C02')!;
    expect(path02.preTrend!.pValue).toBeLessThan(0.001);
  });

  it('covers the truth with the staggered DiD on the wave-rolled course, where TWFE misses it', () => {
    const att = truth.effects.C04.revenue.att;
    const est = (m: string) => run.result.estimates.find((e) => e.course === 'C04' && e.method === m)!;
    const st = est('did_staggered');
    expect(st.ci[0]).toBeLessThanOrEqual(att);
    expect(st.ci[1]).toBeGreaterThanOrEqual(att);
    const tw = est('did_twfe');
    expect(tw.ci[1]).toBeLessThan(att);
  });

  it('shows the naive baselines fooled by the traps', () => {
    const est = (c: string, m: string) => run.result.estimates.find((e) => e.course === c && e.method === m)!;
    // the zero-effect course "worked" in a before-after comparison (completions before the Q4 peak)
    expect(est('C03', 'before_after').ci[0]).toBeGreaterThan(0);
    // the self-selected course looks several times better than it is in the naive difference
    expect(est('C01', 'naive_difference').estimate).toBeGreaterThan(2 * truth.effects.C01.revenue.att);
  });

  it('writes the JSON of CONTRACT §3', () => {
    const r = run.result;
    expect(Object.keys(r)).toEqual(expect.arrayContaining(['outcome', 'window', 'data', 'estimates', 'eventStudy', 'attribution', 'roi']));
    expect(r.window).toEqual([1, 12]);
    expect(r.data.employees).toBe(2000);
    for (const e of r.estimates) {
      expect(e).toEqual(expect.objectContaining({ course: expect.any(String), method: expect.any(String) }));
      expect(e.estimand).toMatch(/^ATT/);
      expect(e.ci).toHaveLength(2);
    }
    expect(new Set(r.estimates.map((e) => e.method))).toEqual(
      new Set(['naive_difference', 'before_after', 'regression_adjustment', 'psm_nearest', 'ipw', 'aipw', 'did_twfe', 'did_staggered']),
    );
    const path = r.eventStudy.find((p) => p.course === 'C04')!.path;
    expect(path.map((p) => p.e)).toEqual(Array.from({ length: 19 }, (_, i) => i - 6));
    for (const a of r.attribution.filter((a) => a.model !== 'causal')) {
      const total = Object.values(a.credit).reduce((s, v) => s + v, 0);
      expect(total).toBeCloseTo(1, 9);
    }
    expect(r.roi.map((x) => x.course)).toEqual(['C01', 'C02', 'C03', 'C04', 'C05', 'C06']);
  });

  it('runs the refuters: the placebos catch the self-selected course and clear the wave-rolled one', () => {
    const rob = (c: string) => run.result.robustness!.find((r) => r.course === c)!;
    const passed = (c: string, refuter: string) => rob(c).refutations.find((r) => r.refuter === refuter)!.passed;
    expect(passed('C01', 'placebo_dates')).toBe(false);
    expect(passed('C04', 'placebo_dates')).toBe(true);
    expect(passed('C04', 'placebo_outcome')).toBe(true);
    expect(rob('C04').sensitivity!.eValue).toBeGreaterThan(1);
    expect(run.result.robustness!.map((r) => r.course)).not.toContain('C06'); // too early: nothing to refute yet
    expect(run.result.kirkpatrick!.map((k) => k.supported)).toEqual([true, true, false, true, true]);
    // Level 4 names the outcome the study isolated, and the other result metrics as not studied.
    expect(run.result.kirkpatrick![3].evidence).toBe('result metrics: revenue, isolated by the causal estimates; also in outcomes.csv, not studied here: deals_won, close_rate');
  });

  it('renders a report with every section, the robustness checks and the Kirkpatrick levels', () => {
    const html = renderReport(run.result, { charts: run.charts });
    for (const id of ['verdicts', 'estimates', 'robustness', 'kirkpatrick', 'data-quality', 'method-notes']) expect(html).toContain(`id="${id}"`);
    expect(run.charts.map((c) => c.section)).toEqual(expect.arrayContaining(['forest plot', 'event study', 'balance', 'attribution', 'roi']));
  });

  it('never names an employee in the JSON', () => {
    const text = JSON.stringify(run.result);
    expect(text).not.toMatch(/\bE\d{5}\b/i);
  });
});

describe('runStudy: determinism and bad input', () => {
  it('gives the same bytes for the same data and seed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-study-'));
    await writeSynth(dir, { employees: 400, months: 24, seed: 11 });
    const opts = { outcome: 'revenue', bootstrapDraws: 99, seed: 5, attribution: false };
    const a = await runStudy(dir, opts);
    const b = await runStudy(dir, opts);
    expect(JSON.stringify(b.result)).toBe(JSON.stringify(a.result));
  }, 300_000);

  it('gives the same estimates whatever the employee ids (renamed in reverse order, so the panel runs the other way)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-ids-'));
    await writeSynth(dir, { employees: 400, months: 24, seed: 11 });
    const renamed = mkdtempSync(join(tmpdir(), 'tl-ids-renamed-'));
    for (const f of ['employees.csv', 'training.csv', 'outcomes.csv', 'context.csv', 'courses.csv']) {
      const text = readFileSync(join(dir, f), 'utf8');
      writeFileSync(join(renamed, f), text.replace(/\bE(\d{5})\b/g, (_, d: string) => `E${String(99999 - Number(d)).padStart(5, '0')}`));
    }
    const opts = { outcome: 'revenue', bootstrapDraws: 0, attribution: false, robustness: false };
    const a = (await runStudy(dir, opts)).result;
    const b = (await runStudy(renamed, opts)).result;
    expect(b.estimates.length).toBe(a.estimates.length);
    for (const ea of a.estimates) {
      const eb = b.estimates.find((x) => x.course === ea.course && x.method === ea.method);
      expect(eb, `${ea.course} ${ea.method}`).toBeDefined();
      if (!eb || !Number.isFinite(ea.estimate)) continue;
      expect(Math.abs(eb.estimate - ea.estimate), `${ea.course} ${ea.method}`).toBeLessThan(1e-8 * ea.se);
      expect(Math.abs(eb.se - ea.se), `${ea.course} ${ea.method} SE`).toBeLessThan(1e-8 * ea.se);
    }
    const words = (r: typeof a) => (r.verdicts ?? []).map((v) => [v.course, v.verdict, v.reason]);
    expect(words(b)).toEqual(words(a));
  }, 300_000);

  it('gives the same study, attribution and bootstrap included, when every file has its rows shuffled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-rows-'));
    await writeSynth(dir, { employees: 400, months: 24, seed: 12 });
    const shuffled = mkdtempSync(join(tmpdir(), 'tl-rows-shuffled-'));
    const rng = createRng(9);
    for (const f of ['employees.csv', 'training.csv', 'outcomes.csv', 'context.csv', 'courses.csv']) {
      const [head, ...rows] = readFileSync(join(dir, f), 'utf8').trim().split('\n');
      for (let i = rows.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [rows[i], rows[j]] = [rows[j], rows[i]];
      }
      writeFileSync(join(shuffled, f), [head, ...rows].join('\n') + '\n');
    }
    const opts = { outcome: 'revenue', bootstrapDraws: 99, seed: 4 };
    const a = (await runStudy(dir, opts)).result;
    const b = (await runStudy(shuffled, opts)).result;
    const differ: string[] = [];
    const walk = (x: unknown, y: unknown, path: string): void => {
      if (typeof x === 'number' && typeof y === 'number') {
        if (!(Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x))) && !(Number.isNaN(x) && Number.isNaN(y))) differ.push(`${path}: ${x} vs ${y}`);
      } else if (x !== null && y !== null && typeof x === 'object' && typeof y === 'object') {
        const xr = x as Record<string, unknown>;
        const yr = y as Record<string, unknown>;
        for (const k of new Set([...Object.keys(xr), ...Object.keys(yr)])) walk(xr[k], yr[k], `${path}/${k}`);
      } else if (x !== y) differ.push(`${path}: ${String(x)} vs ${String(y)}`);
    };
    walk({ ...a, reproducibility: null }, { ...b, reproducibility: null }, '');
    expect(a.attribution?.length).toBeGreaterThan(0);
    expect(differ).toEqual([]);
  }, 300_000);

  it('leaves out, with a warning, a catalogue course nobody took, one too few took and one everyone took, and estimates the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-few-'));
    await writeSynth(dir, { employees: 400, months: 24, seed: 11 });
    writeFileSync(join(dir, 'courses.csv'), readFileSync(join(dir, 'courses.csv'), 'utf8') + 'C09,Nobody Took This,100,1\nC10,Tiny Pilot,100,1\nC11,Mandatory for All,100,1\n');
    // C11: everyone employed on 2024-09-02 completed it that day, so nobody is left to compare with.
    const everyone = readFileSync(join(dir, 'employees.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(','))
      .filter(([, hire, left]) => hire <= '2024-09-02' && (left === '' || left >= '2024-09-02'))
      .map(([id]) => `${id},C11,completed,2024-09-02,\n`);
    const training = readFileSync(join(dir, 'training.csv'), 'utf8');
    writeFileSync(join(dir, 'training.csv'), training + ['E00011', 'E00012', 'E00013'].map((e) => `${e},C10,completed,2025-03-10,\n`).join('') + everyone.join(''));
    const { result } = await runStudy(dir, { outcome: 'revenue', bootstrapDraws: 0, robustness: false, seed: 2 });
    const warnings = result.data.warnings ?? [];
    expect(warnings).toContain('C09: nobody completed it within the data, so it is not estimated');
    expect(warnings.some((w) => w.startsWith('C10: only 3 employees completed it within the data, fewer than the minimum group size of 5'))).toBe(true);
    expect(warnings).toContain(
      'C11: nobody is left to compare with: every employee there when it was taken had completed it by the end of its window, so it is not estimated (a before/after change would mix the course with everything else that happened meanwhile)',
    );
    expect(result.estimates.some((e) => ['C09', 'C10', 'C11'].includes(e.course ?? ''))).toBe(false);
    expect(result.verdicts?.map((v) => v.course)).toEqual(['C01', 'C02', 'C03', 'C04', 'C05', 'C06']);
    // No attribution model reports the three people's course.
    for (const entry of result.attribution) expect(Object.keys(entry.credit)).not.toContain('C10');
    expect(warnings.some((w) => w.startsWith('attribution: C10 was completed by fewer than 5 employees'))).toBe(true);
    await expect(runStudy(dir, { outcome: 'revenue', courses: ['C09'], bootstrapDraws: 0 })).rejects.toThrow(/no course can be estimated: C09: nobody completed it/);
  }, 300_000);

  it('gives the same bytes whether the courses run in this thread or over two worker threads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-par-'));
    await writeSynth(dir, { employees: 400, months: 24, seed: 11 });
    const opts = { outcome: 'revenue', bootstrapDraws: 99, seed: 5, attribution: false };
    const serial = await runStudy(dir, { ...opts, parallel: false });
    const parallel = await runStudy(dir, { ...opts, parallel: true });
    expect(serial.result.robustness?.length).toBeGreaterThan(0);
    // a course too early to judge has no robustness step, though the workers may have run one ahead of its verdict
    const early = serial.result.verdicts?.filter((v) => v.verdict === 'too early to judge').map((v) => v.course) ?? [];
    expect(early.length).toBeGreaterThan(0);
    expect(serial.result.robustness?.some((r) => early.includes(r.course))).toBe(false);
    expect(JSON.stringify(parallel.result)).toBe(JSON.stringify(serial.result));
    expect(JSON.stringify(parallel.charts)).toBe(JSON.stringify(serial.charts));
    // workers started ahead (as prepareStudy does for a large panel) are the ones the study takes, with the same numbers
    warmCourseWorkers();
    expect(warmWorkersWaiting()).toBe(2);
    const warmed = await runStudy(dir, { ...opts, parallel: true });
    expect(warmWorkersWaiting()).toBe(0);
    expect(JSON.stringify(warmed.result)).toBe(JSON.stringify(serial.result));
    // an error in a worker thread reaches the caller as the serial run gives it
    await expect(runStudy(dir, { ...opts, methods: ['psm'], parallel: false })).rejects.toThrow(RangeError);
    await expect(runStudy(dir, { ...opts, methods: ['psm'], parallel: true })).rejects.toThrow(/estimateCourse: unknown method `psm`/);
    await expect(runStudy(dir, { ...opts, methods: ['psm'], parallel: true })).rejects.toThrow(RangeError);
  }, 300_000);

  it('does not keep a process alive with warm workers it never took', () => {
    const script = "const m = await import('./src/study/parallel-courses.ts'); m.warmCourseWorkers(); console.log(m.warmWorkersWaiting());";
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('2');
  }, 90_000);

  it('withholds employee ids from the free text of a messy study (problems, cleaning notes)', async () => {
    const run = await runStudy('data/sample-messy', { outcome: 'revenue', bootstrapDraws: 0, attribution: false, methods: ['naive_difference'] });
    const text = JSON.stringify(run.result);
    expect(run.result.problems!.length).toBeGreaterThan(0);
    expect(text).not.toMatch(/\bE\d{5}\b/i);
    expect(text).toMatch(/\[id withheld\]/);
  }, 300_000);

  it('names the file and column of an unknown outcome', async () => {
    await expect(runStudy('data/sample', { outcome: 'profit', attribution: false })).rejects.toThrow(/outcomes\.csv: no metric column `profit`; the metrics are revenue, deals_won, close_rate/);
  });

  it('lists problems that cleaning cannot fix, with file, row and column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-bad-'));
    mkdirSync(dir, { recursive: true });
    cpSync('data/sample', dir, { recursive: true });
    const training = readFileSync(join(dir, 'training.csv'), 'utf8').split('\n');
    const cols = training[0].split(',');
    const score = cols.indexOf('score');
    const row = training[1].split(',');
    row[score] = '140';
    training[1] = row.join(',');
    writeFileSync(join(dir, 'training.csv'), training.join('\n'));
    await expect(runStudy(dir, { outcome: 'revenue', attribution: false })).rejects.toThrow(DataError);
    await expect(runStudy(dir, { outcome: 'revenue', attribution: false })).rejects.toThrow(/training\.csv, row 2, column `score`/);
  });

  it('computes ROI for a second outcome only with its money per unit (--value), and says so otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-value-'));
    await writeSynth(dir, { employees: 400, months: 24, seed: 11 });
    const json = join(dir, 'out.json');
    const run = async (...extra: string[]) => {
      const code = await main(['node', 'trainlift', 'study', dir, '--outcome', 'revenue,deals_won', '--bootstrap', '0', '--no-attribution', '--quiet', '--json', json, ...extra]);
      expect(code).toBe(0);
      return JSON.parse(readFileSync(json, 'utf8')).outcomes as { outcome: string; roi: unknown[]; data: { warnings: string[] } }[];
    };
    const [revenue, deals] = await run();
    expect(revenue.roi.length).toBeGreaterThan(0);
    expect(deals.roi).toEqual([]);
    expect(deals.data.warnings).toContain(
      'ROI not computed for deals_won: its units are not known to be money; give --value deals_won=<money per unit> (the first outcome, revenue, is taken to be money)',
    );
    const valued = (await run('--value', 'deals_won=4500'))[1];
    expect(valued.roi.length).toBe(revenue.roi.length);
  }, 300_000);

  it('exits 1 with one line and no stack trace from the command line', async () => {
    const errors: string[] = [];
    const orig = console.error;
    console.error = (...a: unknown[]) => void errors.push(a.join(' '));
    try {
      const code = await main(['node', 'trainlift', 'study', 'data/sample', '--outcome', 'profit', '--quiet']);
      expect(code).toBe(1);
    } finally {
      console.error = orig;
      process.exitCode = 0;
    }
    expect(errors.join('\n')).toMatch(/^trainlift study: outcomes\.csv: no metric column `profit`/);
    expect(errors.join('\n')).not.toMatch(/\n\s+at /);
  });
});
