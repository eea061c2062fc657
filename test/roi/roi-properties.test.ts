import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { computeRoi } from '../../src/roi/roi';
import type { Estimate } from '../../src/core/estimate';

describe('computeRoi properties', () => {
  it('is the linear map of the effect it claims to be, with the point inside its interval', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -5000, max: 5000, noNaN: true }),
        fc.double({ min: 1, max: 2000, noNaN: true }),
        fc.integer({ min: 1, max: 5000 }),
        fc.double({ min: 1, max: 5000, noNaN: true }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        (effect, se, trained, perLearner, margin) => {
          const estimate: Estimate = { method: 'aipw', estimand: 'ATT', estimate: effect, se, ci: [effect - 1.96 * se, effect + 1.96 * se], nTreated: trained, nControl: 10, diagnostics: {} };
          const r = computeRoi({ course: 'C', estimate, trained, costPerLearner: perLearner }, { margin, countUndetected: true, draws: 500, seed: 3 });
          const cost = trained * perLearner;
          const benefit = effect * trained * 12 * margin;
          expect(r.roi).toBeCloseTo((benefit - cost) / cost, 6);
          expect(r.bcr).toBeCloseTo(benefit / cost, 6);
          expect(r.ci[0]).toBeLessThanOrEqual(r.roi);
          expect(r.ci[1]).toBeGreaterThanOrEqual(r.roi);
          // The interval's half-widths are about 1.96 SE of the effect in ROI units (500 draws: within 25 %).
          const half = (1.96 * se * trained * 12 * margin) / cost;
          expect((r.ci[1] - r.ci[0]) / 2).toBeGreaterThan(0.75 * half);
          expect((r.ci[1] - r.ci[0]) / 2).toBeLessThan(1.25 * half);
        },
      ),
      { numRuns: 60, seed: 42 },
    );
  });
});
