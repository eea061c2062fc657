import { describe, expect, it } from 'vitest';
import { didStaggered, type PanelInput, type StaggeredOptions } from '../../src/causal/staggered';
import { createRng } from '../../src/stats/rng';
import { peopleInput } from './panel-people';

// The plain cells of didStaggered are summed for all cells at once, a block of a few hundred units at a time, and
// their influence added the same way (ranges cut at block edges, running sums carried between blocks, a cell's
// first observed unit possibly several blocks into its range). Checked here against each cell's definition,
// computed unit by unit: ATT(g, t) = weighted mean change of the cohort − that of its controls, and its
// influence-function standard error, on a company of a few thousand units with hires, leavers, gaps and weights.

interface Person {
  group: number;
  hire: number;
  weight: number;
  y: number[]; // NaN where not observed
}

function company(seed: number, nUnits: number, nPeriods: number, cohorts: number[]): Person[] {
  const rng = createRng(seed);
  const people: Person[] = [];
  for (let i = 0; i < nUnits; i++) {
    const hire = rng.uniform() < 0.3 ? 1 + Math.floor(rng.uniform() * nPeriods) : -Math.floor(rng.uniform() * 40);
    const leave = rng.uniform() < 0.2 ? 1 + Math.floor(rng.uniform() * nPeriods) : nPeriods + 1;
    let group = 0;
    if (rng.uniform() < 0.5) {
      const g = cohorts[Math.floor(rng.uniform() * cohorts.length)];
      if (g - hire >= 2 && g < leave) group = g;
    }
    const level = 50 + 10 * rng.normal();
    const y: number[] = [];
    for (let t = 1; t <= nPeriods; t++) {
      const gap = rng.uniform() < 0.03;
      y.push(t < hire || t >= leave || gap ? NaN : level + 0.5 * t + (group > 0 && t >= group ? 3 : 0) + rng.normal());
    }
    people.push({ group, hire, weight: 0.5 + rng.uniform(), y });
  }
  return people;
}

const toInput = (people: Person[], weighted: boolean): PanelInput => peopleInput(people, { weighted });

/** ATT(g, t) and its standard error from the definition, for the cell's base period b (periods are 1..T). */
function reference(people: Person[], weighted: boolean, g: number, t: number, b: number, control: 'notyet' | 'never', hiredBefore?: number): { att: number; se: number } {
  // Units in the estimation: treated ones observed before g (and hired in time under the rule), all controls.
  const firstObs = (p: Person) => p.y.findIndex((v) => !Number.isNaN(v)) + 1;
  const active = people.filter((p) => p.y.some((v) => !Number.isNaN(v)) && (p.group === 0 || (firstObs(p) < p.group && (hiredBefore === undefined || p.hire < p.group - hiredBefore))));
  const n = active.length;
  const wMean = weighted ? active.reduce((s, p) => s + p.weight, 0) / n : 1;
  const w = (p: Person) => (weighted ? p.weight / wMean : 1);
  const dy = (p: Person) => p.y[t - 1] - p.y[b - 1];
  const controlAfter = Math.max(t, b);
  const eligible = (p: Person) => hiredBefore === undefined || p.hire < g - hiredBefore;
  const treated = active.filter((p) => p.group === g && !Number.isNaN(dy(p)));
  const controls = active.filter((p) => (p.group === 0 || (control === 'notyet' && p.group > controlAfter && p.group !== g)) && eligible(p) && !Number.isNaN(dy(p)));
  const s1 = treated.reduce((s, p) => s + w(p), 0);
  const s0 = controls.reduce((s, p) => s + w(p), 0);
  const mu1 = treated.reduce((s, p) => s + w(p) * dy(p), 0) / s1;
  const mu0 = controls.reduce((s, p) => s + w(p) * dy(p), 0) / s0;
  let ss = 0;
  for (const p of treated) ss += ((n * w(p) * (dy(p) - mu1)) / s1) ** 2;
  for (const p of controls) ss += ((n * w(p) * (dy(p) - mu0)) / s0) ** 2;
  return { att: mu1 - mu0, se: Math.sqrt(ss) / n };
}

describe('didStaggered plain cells, summed a block of units at a time', () => {
  const people = company(5, 2600, 16, [5, 8, 9, 12, 15]);
  const cases: [string, boolean, StaggeredOptions][] = [
    ['not yet treated', false, { window: [0, 3] }],
    ['never treated, weighted', true, { control: 'never', window: [0, 3], cells: 'path' }],
    ['hired before the baseline', false, { window: [1, 3], hiredBefore: 3, cells: 'window' }],
    ['universal base period', true, { window: [0, 2], basePeriod: 'universal' }],
  ];
  for (const [name, weighted, opts] of cases) {
    it(`matches each ATT(g, t) and its standard error computed from the definition: ${name}`, () => {
      const r = didStaggered(toInput(people, weighted), opts);
      const cells = r.attgt.filter((c) => c.time !== c.basePeriod);
      expect(cells.length).toBeGreaterThan(10);
      for (const c of cells) {
        const ref = reference(people, weighted, c.group, c.time, c.basePeriod, opts.control ?? 'notyet', opts.hiredBefore);
        expect(c.estimate).toBeCloseTo(ref.att, 9);
        expect(c.se).toBeCloseTo(ref.se, 9);
      }
      // The window ATT weights its cells by treated units observed.
      const inWindow = cells.filter((c) => c.e >= opts.window![0] && c.e <= opts.window![1]);
      const wSum = inWindow.reduce((s, c) => s + c.nTreated, 0);
      expect(r.aggregates.window.estimate).toBeCloseTo(inWindow.reduce((s, c) => s + c.nTreated * c.estimate, 0) / wSum, 9);
      expect(r.aggregates.window.se).toBeGreaterThan(0);
    });
  }

  it('gives the path cells the same event study and window as all cells (their influence added in the same order)', () => {
    const input = toInput(people, true);
    const all = didStaggered(input, { window: [1, 3], eventRange: [-3, 3] });
    const path = didStaggered(input, { window: [1, 3], eventRange: [-3, 3], cells: 'path' });
    expect(path.aggregates.window.estimate).toBe(all.aggregates.window.estimate);
    expect(path.aggregates.window.se).toBe(all.aggregates.window.se);
    expect(path.eventStudy).toEqual(all.eventStudy);
    expect(path.preTrend).toEqual(all.preTrend);
  });
});
