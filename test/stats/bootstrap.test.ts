import { describe, expect, it } from 'vitest';
import { bootstrapCases, multiplierBootstrap, quantileSorted } from '../../src/stats/bootstrap';
import { createRng } from '../../src/stats/rng';

const rng = createRng(11);
const y = Float64Array.from({ length: 400 }, () => 10 + 2 * rng.normal());
const mean = (rows: Int32Array) => rows.reduce((s, i) => s + y[i], 0) / rows.length;
const sd = Math.sqrt(y.reduce((s, v) => s + (v - y.reduce((a, b) => a + b) / y.length) ** 2, 0) / (y.length - 1));

describe('bootstrapCases', () => {
  it('the SE of a mean is close to sd/√n (within 10%) and repeats with the seed', () => {
    const a = bootstrapCases(y.length, mean, { draws: 1000, seed: 5 });
    expect(Math.abs(a.se / (sd / Math.sqrt(y.length)) - 1)).toBeLessThan(0.1);
    const b = bootstrapCases(y.length, mean, { draws: 1000, seed: 5 });
    expect(Array.from(b.replicates)).toEqual(Array.from(a.replicates));
    expect(a.ci[0]).toBeLessThan(10.3);
    expect(a.ci[1]).toBeGreaterThan(9.7);
  });
  it('cluster resampling keeps clusters whole: with identical rows within clusters it matches sd of cluster means', () => {
    const cluster = Int32Array.from({ length: 400 }, (_, i) => Math.floor(i / 4));
    const yc = Float64Array.from({ length: 400 }, (_, i) => y[Math.floor(i / 4)]);
    const r = bootstrapCases(400, (rows) => rows.reduce((s, i) => s + yc[i], 0) / rows.length, { draws: 1000, seed: 2, cluster });
    const cm = Float64Array.from({ length: 100 }, (_, g) => yc[4 * g]);
    const m = cm.reduce((a, b) => a + b) / 100;
    const sdc = Math.sqrt(cm.reduce((s, v) => s + (v - m) ** 2, 0) / 99);
    expect(Math.abs(r.se / (sdc / 10) - 1)).toBeLessThan(0.1);
  });
  it('rejects bad arguments', () => {
    expect(() => bootstrapCases(10, mean, { draws: 1, seed: 1 })).toThrow(RangeError);
  });
});

describe('multiplierBootstrap', () => {
  it('the SE approaches sqrt(Σψ²)/n', () => {
    const m = y.reduce((a, b) => a + b) / y.length;
    const psi = y.map((v) => v - m);
    const expected = Math.sqrt(psi.reduce((s, v) => s + v * v, 0)) / psi.length;
    for (const weights of ['rademacher', 'mammen'] as const) {
      const r = multiplierBootstrap(psi, { draws: 4000, seed: 9, weights });
      expect(Math.abs(r.se / expected - 1)).toBeLessThan(0.05);
    }
  });
});

describe('quantileSorted', () => {
  it('is R type 7', () => {
    expect(quantileSorted(Float64Array.from([1, 2, 3, 4]), 0.25)).toBeCloseTo(1.75, 12);
  });
});
