import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { synthesizeCompany, writeSynth, SCENARIOS, type SynthCompany } from '../../src/data/synth';
import { loadStudy } from '../../src/data/load';
import { buildPanel, type Panel } from '../../src/data/panel';
import { stackCourse } from '../../src/data/stack';
import { validateStudy } from '../../src/data/validate';
import { cleanStudy } from '../../src/data/clean';

function rows(csv: string): string[][] {
  return csv
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
}

function monthIndex(period: string): number {
  return Number(period.slice(0, 4)) * 12 + Number(period.slice(5, 7)) - 1;
}

describe('synthesizeCompany', () => {
  let company: SynthCompany;
  let panel: Panel;
  beforeAll(async () => {
    company = synthesizeCompany({ seed: 7, recordPotentialOutcomes: true });
    const dir = mkdtempSync(join(tmpdir(), 'tl-synth-'));
    await writeSynth(dir, { seed: 7 });
    panel = buildPanel(await loadStudy(dir));
  });

  it('gives the same bytes for the same seed, and different ones for another seed', async () => {
    const a = mkdtempSync(join(tmpdir(), 'tl-a-'));
    const b = mkdtempSync(join(tmpdir(), 'tl-b-'));
    await writeSynth(a, { employees: 300, seed: 11, messy: true });
    await writeSynth(b, { employees: 300, seed: 11, messy: true });
    const hash = (dir: string) =>
      ['employees', 'courses', 'training', 'outcomes', 'context']
        .map((f) => createHash('sha256').update(readFileSync(join(dir, `${f}.csv`))).digest('hex'))
        .concat(createHash('sha256').update(readFileSync(join(dir, 'truth.json'))).digest('hex'));
    expect(hash(a)).toEqual(hash(b));
    const c = synthesizeCompany({ employees: 300, seed: 12 });
    expect(c.files.outcomes).not.toEqual(synthesizeCompany({ employees: 300, seed: 11 }).files.outcomes);
  });

  it('matches the bundled sample byte for byte (seed 7, 2000 x 30)', () => {
    for (const f of ['employees', 'training', 'outcomes', 'context'] as const) {
      expect(company.files[f]).toEqual(readFileSync(join('data/sample', `${f}.csv`), 'utf8'));
    }
    expect(JSON.parse(readFileSync('data/sample/truth.json', 'utf8'))).toEqual(JSON.parse(JSON.stringify(company.truth)));
  });

  it('writes truth equal to the mean of Y(1) - Y(0) recomputed from the files and the potential outcomes', () => {
    // Y(1): outcomes.csv; first completion month: training.csv; Y(0): the recorded draw without the course.
    const observed = new Map<string, string[]>();
    for (const r of rows(company.files.outcomes)) observed.set(`${r[0]}|${r[1]}`, r);
    const firstMonth = new Map<string, number>();
    for (const r of rows(company.files.training)) {
      if (r[2] !== 'completed') continue;
      const key = `${r[0]}|${r[1]}`;
      const m = monthIndex(r[3]);
      if (!firstMonth.has(key) || m < firstMonth.get(key)!) firstMonth.set(key, m);
    }
    const pot = company.potential!;
    const metrics = ['revenue', 'deals_won', 'close_rate'] as const;
    const sums = new Map<string, { s: number[]; n: number; people: Set<string> }>();
    for (let j = 0; j < pot.course.length; j++) {
      const g = firstMonth.get(`${pot.employee[j]}|${pot.course[j]}`)!;
      const e = monthIndex(pot.period[j]) - g;
      if (e < 1 || e > 12) continue;
      const y1 = observed.get(`${pot.employee[j]}|${pot.period[j]}`)!;
      const acc = sums.get(pot.course[j]) ?? { s: [0, 0, 0], n: 0, people: new Set<string>() };
      metrics.forEach((m, i) => (acc.s[i] += Number(y1[2 + i]) - pot[m][j]));
      acc.n++;
      acc.people.add(pot.employee[j]);
      sums.set(pot.course[j], acc);
    }
    for (const [course, acc] of sums) {
      metrics.forEach((m, i) => {
        const t = company.truth.effects[course][m];
        expect(t.treatedMonths).toBe(acc.n);
        expect(t.nTreated).toBe(acc.people.size);
        expect(Math.abs(t.att - acc.s[i] / acc.n)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(t.att)));
      });
    }
    expect([...sums.keys()].sort()).toEqual(['C01', 'C02', 'C03', 'C04', 'C05', 'C06']);
  });

  it('states each course effect: positive, small, zero, growing, fading, too early', () => {
    const rev = (c: string) => company.truth.effects[c].revenue;
    expect(rev('C01').att).toBeGreaterThan(1000);
    expect(rev('C02').att).toBeGreaterThan(0);
    expect(rev('C02').att).toBeLessThan(0.2 * rev('C01').att);
    expect(rev('C03').att).toBe(0);
    const c04 = rev('C04').path;
    for (let e = 1; e < 6; e++) expect(c04[String(e + 1)]).toBeGreaterThan(c04[String(e)]);
    const c05 = rev('C05').path;
    for (let e = 1; e < 8; e++) expect(c05[String(e + 1)]).toBeLessThan(c05[String(e)]);
    expect(rev('C06').treatedMonths / rev('C06').nTreated).toBeLessThan(6);
    for (const c of Object.keys(company.truth.effects)) expect(company.truth.effects[c].revenue.path['0']).toBe(0);
  });

  it('sets every effect to zero in the null scenario', () => {
    const nul = synthesizeCompany({ employees: 400, scenario: 'null' });
    for (const byMetric of Object.values(nul.truth.effects)) for (const t of Object.values(byMetric)) expect(t.att).toBe(0);
    expect(Object.keys(SCENARIOS)).toEqual(['default', 'null', 'randomized']);
    expect(() => synthesizeCompany({ scenario: 'nope' })).toThrow(/unknown `scenario` "nope"; the scenarios are default, null, randomized/);
    expect(() => synthesizeCompany({ employees: 3 })).toThrow(RangeError);
  });

  /** Weighted mean of yPre (or yPost - yPre) for treated and controls of a course's stack. */
  function groupMeans(course: string, what: (s: ReturnType<typeof stackCourse>, r: number) => number): [number, number] {
    const s = stackCourse(panel, course, 'revenue');
    const acc = [0, 0, 0, 0];
    for (let r = 0; r < s.n; r++) {
      const i = s.treated[r] === 1 ? 0 : 2;
      acc[i] += what(s, r) * s.weight[r];
      acc[i + 1] += s.weight[r];
    }
    return [acc[0] / acc[1], acc[2] / acc[3]];
  }

  it('trap C01: high performers select themselves (higher prior revenue and manager rating)', () => {
    const [t, c] = groupMeans('C01', (s, r) => s.yPre[r] / levelOf(s, r));
    expect(t).toBeGreaterThan(1.1 * c);
    const [rt, rc] = groupMeans('C01', (s, r) => (s.covariates.columns.manager_rating as Float64Array)[r]);
    expect(rt).toBeGreaterThan(rc + 0.3);
  });

  function levelOf(s: ReturnType<typeof stackCourse>, r: number): number {
    const base: Record<string, number> = { AE: 40000, SDR: 12000, AM: 30000, Support: 6000 };
    return base[(s.covariates.columns.role as string[])[r]];
  }

  it('trap C02: the remedial course goes to recent low performers, and their before-after gain dwarfs the truth', () => {
    const [t, c] = groupMeans('C02', (s, r) => s.yPre[r] / levelOf(s, r));
    expect(t).toBeLessThan(0.9 * c);
    const [gain] = groupMeans('C02', (s, r) => s.yPost[r] - s.yPre[r]);
    const [, controlGain] = groupMeans('C02', (s, r) => s.yPost[r] - s.yPre[r]);
    expect(gain - controlGain).toBeGreaterThan(2 * company.truth.effects.C02.revenue.att);
  });

  it('trap C03: completions of the zero-effect course bunch in September-October, before the Q4 peak', () => {
    const k = panel.courses.indexOf('C03');
    let autumn = 0;
    let all = 0;
    for (const g of panel.firstCompletion[k]) {
      if (g < 0) continue;
      all++;
      const month = panel.periods[g].slice(5);
      if (month === '09' || month === '10') autumn++;
    }
    expect(autumn / all).toBeGreaterThan(0.6);
    // The Q4 peak: December revenue well above June's.
    const byMonth = (mm: string) => {
      let s = 0;
      let n = 0;
      for (let j = 0; j < panel.nRows; j++) if (panel.periods[panel.rowPeriod[j]].endsWith(mm)) (s += panel.metrics.revenue[j]), n++;
      return s / n;
    };
    expect(byMonth('-12')).toBeGreaterThan(1.2 * byMonth('-06'));
  });

  it('trap C04: first completions follow the regional waves', () => {
    const k = panel.courses.indexOf('C04');
    const wave: Record<string, number> = { North: 6, South: 10, East: 14, West: 18, Central: 22 };
    for (const [region, start] of Object.entries(wave)) {
      const code = panel.regionLevels.indexOf(region);
      let inWave = 0;
      let all = 0;
      for (let e = 0; e < panel.employees.length; e++) {
        const g = panel.firstCompletion[k][e];
        if (panel.region[e] !== code || g < 0) continue;
        expect(g).toBeGreaterThanOrEqual(start);
        all++;
        if (g <= start + 2) inWave++;
      }
      expect(inWave / all).toBeGreaterThan(0.75);
    }
  });

  it('trap C06: launched five months before the data end', () => {
    const k = panel.courses.indexOf('C06');
    for (const g of panel.firstCompletion[k]) if (g >= 0) expect(g).toBeGreaterThanOrEqual(25);
  });

  it('has overlapping journeys in varying orders, drop-outs, in-progress records, repeats, hires and leavers', () => {
    const courses = new Map<number, number[]>();
    for (let k = 0; k < panel.courses.length; k++) {
      panel.firstCompletion[k].forEach((g, e) => {
        if (g >= 0) courses.set(e, [...(courses.get(e) ?? []), k]);
      });
    }
    const several = [...courses.values()].filter((ks) => ks.length >= 2).length;
    expect(several / courses.size).toBeGreaterThan(0.3);
    const order = (a: number, b: number) =>
      panel.employees.filter((_, e) => panel.firstCompletion[a][e] >= 0 && panel.firstCompletion[b][e] > panel.firstCompletion[a][e]).length;
    expect(order(0, 4)).toBeGreaterThan(10); // C01 then C05
    expect(order(4, 0)).toBeGreaterThan(10); // C05 then C01
    expect(panel.dropouts.employee.length).toBeGreaterThan(100);
    expect(company.files.training).toMatch(/,in_progress,,/);
    expect(panel.completions.employee.length - [...courses.values()].reduce((s, ks) => s + ks.length, 0)).toBeGreaterThan(20);
    const hiredInWindow = Array.from(panel.hirePeriod).filter((h) => h >= 0).length;
    const left = Array.from(panel.termPeriod).filter((t) => t < 30).length;
    expect(hiredInWindow).toBeGreaterThan(200);
    expect(left).toBeGreaterThan(150);
  });

  it('moves the South market index down in the regional downturn', () => {
    const south = rows(company.files.context).filter((r) => r[1] === 'South').map((r) => Number(r[2]));
    expect(Math.min(...south.slice(12, 21))).toBeLessThan(0.97);
  });

  it('makes scores carry signal: high scorers gain more', () => {
    const pot = company.potential!;
    const observed = new Map<string, number>();
    for (const r of rows(company.files.outcomes)) observed.set(`${r[0]}|${r[1]}`, Number(r[2]));
    const score = new Map<string, number>();
    for (const r of rows(company.files.training)) if (r[1] === 'C01' && r[2] === 'completed' && !score.has(r[0])) score.set(r[0], Number(r[4]));
    const acc = { hi: [0, 0], lo: [0, 0] };
    for (let j = 0; j < pot.course.length; j++) {
      if (pot.course[j] !== 'C01') continue;
      const d = observed.get(`${pot.employee[j]}|${pot.period[j]}`)! - pot.revenue[j];
      const g = score.get(pot.employee[j])! >= 85 ? acc.hi : acc.lo;
      g[0] += d;
      g[1]++;
    }
    expect(acc.hi[0] / acc.hi[1]).toBeGreaterThan(1.3 * (acc.lo[0] / acc.lo[1]));
  });

  it('messes up an export so that cleaning restores it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-messy-'));
    await writeSynth(dir, { employees: 500, seed: 3, messy: true });
    const raw = await loadStudy(dir);
    expect(raw.tables.employees!.header).not.toContain('department');
    expect(validateStudy(raw).some((p) => p.severity === 'error')).toBe(true);
    const { study, steps } = cleanStudy(raw, { parseDates: true });
    expect(validateStudy(study).filter((p) => p.severity === 'error')).toEqual([]);
    for (const s of steps) if (s.step !== 'trim text') expect(s.changed, s.step).toBeGreaterThan(0);
    const cleanDir = mkdtempSync(join(tmpdir(), 'tl-clean-'));
    await writeSynth(cleanDir, { employees: 500, seed: 3 });
    const messyPanel = buildPanel(study);
    const cleanPanel = buildPanel(await loadStudy(cleanDir));
    // Same people and completions; only the ~2% of months missing from the CRM extract differ.
    expect(messyPanel.employees).toEqual(cleanPanel.employees);
    expect(messyPanel.firstCompletion.map((a) => Array.from(a))).toEqual(cleanPanel.firstCompletion.map((a) => Array.from(a)));
    expect(messyPanel.nRows / cleanPanel.nRows).toBeGreaterThan(0.97);
    expect(messyPanel.nRows).toBeLessThan(cleanPanel.nRows);
  });
});

describe('the randomized scenario', () => {
  it('removes selection and seasonal timing but keeps the effects', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-rand-'));
    const truth = await writeSynth(dir, { scenario: 'randomized', seed: 7 });
    const panel = buildPanel(await loadStudy(dir));
    const s = stackCourse(panel, 'C01', 'revenue');
    const base: Record<string, number> = { AE: 40000, SDR: 12000, AM: 30000, Support: 6000 };
    const acc = [0, 0, 0, 0];
    for (let r = 0; r < s.n; r++) {
      const i = s.treated[r] === 1 ? 0 : 2;
      acc[i] += (s.yPre[r] / base[(s.covariates.columns.role as string[])[r]]) * s.weight[r];
      acc[i + 1] += s.weight[r];
    }
    expect(Math.abs(acc[0] / acc[1] / (acc[2] / acc[3]) - 1)).toBeLessThan(0.05);
    const k = panel.courses.indexOf('C03');
    const autumn = Array.from(panel.firstCompletion[k]).filter((g) => g >= 0 && ['09', '10'].includes(panel.periods[g].slice(5))).length;
    const all = Array.from(panel.firstCompletion[k]).filter((g) => g >= 0).length;
    expect(autumn / all).toBeLessThan(0.3);
    expect(truth.effects.C01.revenue.att).toBeGreaterThan(1000);
    expect(truth.effects.C03.revenue.att).toBe(0);
  });
});

describe('the eight-course catalogue', () => {
  it('adds a no-effect compliance course bunched in January-February and a randomly taken one, with truth recomputable from the potential outcomes', () => {
    const c = synthesizeCompany({ seed: 11, employees: 800, courses: 8, recordPotentialOutcomes: true });
    expect(rows(c.files.courses).map((r) => r[0])).toEqual(['C01', 'C02', 'C03', 'C04', 'C05', 'C06', 'C07', 'C08']);
    expect(Object.keys(c.truth.effects)).toEqual(['C01', 'C02', 'C03', 'C04', 'C05', 'C06', 'C07', 'C08']);
    expect(c.truth.effects.C07.revenue.att).toBe(0);
    expect(c.truth.effects.C07.revenue.nTreated).toBeGreaterThan(300);
    expect(c.truth.effects.C08.revenue.att).toBeGreaterThan(0);
    // C08's effect, from the potential outcomes, equals its truth
    const observed = new Map(rows(c.files.outcomes).map((r) => [`${r[0]}|${r[1]}`, Number(r[2])]));
    const pot = c.potential!;
    let s = 0;
    let n = 0;
    const first = new Map<string, number>();
    for (const r of rows(c.files.training)) if (r[1] === 'C08' && r[2] === 'completed' && !first.has(r[0])) first.set(r[0], monthIndex(r[3]));
    for (let j = 0; j < pot.course.length; j++) {
      if (pot.course[j] !== 'C08') continue;
      const e = monthIndex(pot.period[j]) - first.get(pot.employee[j])!;
      if (e < 1 || e > 12) continue;
      s += observed.get(`${pot.employee[j]}|${pot.period[j]}`)! - pot.revenue[j];
      n++;
    }
    expect(n).toBe(c.truth.effects.C08.revenue.treatedMonths);
    expect(s / n).toBeCloseTo(c.truth.effects.C08.revenue.att, 6);
    // the compliance course is taken in January and February
    const months = rows(c.files.training).filter((r) => r[1] === 'C07' && r[2] === 'completed').map((r) => r[3].slice(5, 7));
    expect(months.filter((m) => m === '01' || m === '02').length / months.length).toBeGreaterThan(0.8);
  });
  it('accepts only 6 or 8 courses', () => {
    expect(() => synthesizeCompany({ courses: 7 })).toThrow(/`courses` must be 6 or 8, got 7/);
  });
});
