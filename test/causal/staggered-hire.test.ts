import { describe, expect, it } from 'vitest';
import { didStaggered, type PanelInput, type StaggeredOptions } from '../../src/causal/staggered';
import { DataError } from '../../src/core/errors';
import { createRng } from '../../src/stats/rng';
import { peopleInput } from './panel-people';

// CONTRACT §4's rule in the staggered DiD (`hiredBefore`): a cohort is compared only among people hired before its
// baseline began. Tested against its definition (the same cells from inputs filtered by hand, one cohort at a time)
// and on a company with a learning curve, where the rule is what removes the bias.

interface Unit {
  group: number;
  hire: number;
  y: number[]; // NaN before hire
  x: number;
}

/** A company with a learning curve: output climbs for the first 6 months after hire, then is flat. */
function company(seed: number, nUnits: number, nPeriods: number, effect: number, opts: { tenureToTrain: number; cohorts: number[]; hiresTrain?: boolean; trainShare?: number }): Unit[] {
  const rng = createRng(seed);
  const units: Unit[] = [];
  for (let i = 0; i < nUnits; i++) {
    // A quarter hired during the data, the rest before it.
    const hire = rng.uniform() < 0.25 ? 1 + Math.floor(rng.uniform() * nPeriods) : -Math.floor(rng.uniform() * 60);
    const level = 100 + 10 * rng.normal();
    let group = 0;
    const draw = rng.uniform();
    if (draw < (opts.trainShare ?? 0.4) || (opts.hiresTrain && hire > 0)) {
      const g = opts.cohorts[Math.floor(rng.uniform() * opts.cohorts.length)];
      if (g - hire >= opts.tenureToTrain) group = g;
    }
    const y: number[] = [];
    for (let t = 1; t <= nPeriods; t++) {
      if (t < hire) {
        y.push(NaN);
        continue;
      }
      const ramp = Math.min(1, 0.4 + 0.1 * (t - hire));
      y.push(level * ramp + 2 * t + (group > 0 && t > group ? effect : 0) + rng.normal());
    }
    units.push({ group, hire, y, x: rng.uniform() < 0.5 ? 1 : 0 });
  }
  return units;
}

const toInput = (units: Unit[], keep?: (u: Unit) => boolean): PanelInput => peopleInput(units, { keep });

describe('didStaggered hiredBefore (CONTRACT §4: controls hired before the baseline)', () => {
  it('removes the learning-curve bias of comparing a tenure-gated course with recent hires', () => {
    const units = company(11, 3000, 30, 5, { tenureToTrain: 12, cohorts: [14, 18, 22] });
    const input = toInput(units);
    const plain = didStaggered(input, { window: [1, 6] }).aggregates.window;
    const ruled = didStaggered(input, { window: [1, 6], hiredBefore: 6 }).aggregates.window;
    // Recent hires among the controls climb by up to 6 × 10 % of ~100 a month over the window: the plain DiD is far below 5.
    expect(plain.estimate).toBeLessThan(5 - 4 * plain.se);
    expect(Math.abs(ruled.estimate - 5)).toBeLessThan(3 * ruled.se);
    expect(ruled.se).toBeLessThan(0.5);
  });

  it('leaves out trainees hired within the baseline, and says how many', () => {
    // A course for new hires past their second month (and some others): trainees still on the curve look effective.
    const units = company(12, 2000, 30, 0, { tenureToTrain: 2, cohorts: [10, 16], hiresTrain: true, trainShare: 0.05 });
    const input = toInput(units);
    const late = units.filter((u) => u.group > 0 && u.hire >= u.group - 6 && u.hire < u.group).length;
    expect(late).toBeGreaterThan(10);
    const r = didStaggered(input, { control: 'never', window: [1, 6], hiredBefore: 6 });
    expect(r.warnings).toContain(`${late} treated units were hired less than 6 periods before their cohort (after its baseline began): left out, as are such controls (CONTRACT §4)`);
    const plain = didStaggered(input, { control: 'never', window: [1, 6] }).aggregates.window;
    expect(plain.estimate).toBeGreaterThan(4 * plain.se);
    expect(Math.abs(r.aggregates.window.estimate)).toBeLessThan(3 * r.aggregates.window.se);
  });

  const variants: [string, StaggeredOptions][] = [
    ['plain', {}],
    ['covariates', { covariates: true }],
    ['lagged outcomes (regression)', { laggedOutcomes: [2, 3], covariates: true }],
  ];
  for (const [label, opts] of variants) {
    it(`gives each cohort's cells of the inputs filtered by hand (${label}, never and not-yet-treated controls)`, () => {
      const cohorts = [9, 13, 17];
      const units = company(13, 900, 26, 3, { tenureToTrain: 1, cohorts });
      for (const control of ['never', 'notyet'] as const) {
        const all = didStaggered(toInput(units), { ...opts, control, window: [0, 4], hiredBefore: 6 });
        for (const g of cohorts) {
          // Cohort g alone, with its eligible controls: never treated (and, not yet treated, later cohorts, whose cells
          // before their own g are untreated) hired before g − 6, and its own units hired before it too.
          const keep = (u: Unit) => u.hire < g - 6 && (u.group === g || u.group === 0 || (control === 'notyet' && u.group > g));
          const alone = didStaggered(toInput(units, keep), { ...opts, control, window: [0, 4] });
          const mine = all.attgt.filter((c) => c.group === g && c.time >= g && c.time - g <= 4 && c.nTreated > 0);
          expect(mine.length, `${label} ${control} g=${g}`).toBeGreaterThan(0);
          for (const c of mine) {
            // In the filtered input, later cohorts count as controls only up to their own g (controlAfter), as in the full run.
            const same = alone.attgt.find((d) => d.group === g && d.time === c.time)!;
            expect(same, `${label} ${control} (${g}, ${c.time})`).toBeDefined();
            expect(same.nControl).toBeCloseTo(c.nControl, 9);
            expect(same.nTreated).toBeCloseTo(c.nTreated, 9);
            expect(same.estimate).toBeCloseTo(c.estimate, 8);
          }
        }
      }
    });
  }

  it('is off without the option: the same bits as an input without hire dates', () => {
    const units = company(14, 600, 20, 2, { tenureToTrain: 3, cohorts: [8, 12] });
    const withHire = toInput(units);
    const { hire: _ignored, ...without } = withHire;
    for (const opts of [{}, { laggedOutcomes: [3], covariates: true }]) {
      const a = didStaggered(withHire, opts);
      const b = didStaggered(without, opts);
      expect(a.attgt.map((c) => c.estimate)).toEqual(b.attgt.map((c) => c.estimate));
      expect(Object.is(a.aggregates.window.se, b.aggregates.window.se)).toBe(true);
    }
  });

  it('says what is wrong with the option or the hire dates', () => {
    const units = company(15, 200, 16, 1, { tenureToTrain: 1, cohorts: [8] });
    const input = toInput(units);
    const { hire: _ignored, ...without } = input;
    expect(() => didStaggered(without, { hiredBefore: 6 })).toThrow(/`hiredBefore` needs the input's `hire`/);
    expect(() => didStaggered(input, { hiredBefore: -1 })).toThrow(/`hiredBefore` must be an integer >= 0, got -1/);
    const bad = { ...input, hire: input.hire!.slice(), source: 'panel.csv' };
    bad.hire[1] += 1; // the first unit's second row
    expect(() => didStaggered(bad, { hiredBefore: 6 })).toThrow(DataError);
    expect(() => didStaggered(bad, { hiredBefore: 6 })).toThrow(/panel\.csv row 3: the hire period changes within a unit/);
  });
});
