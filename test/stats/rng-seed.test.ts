import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/stats/rng';

describe('createRng seeds', () => {
  it('takes every seed from 0 to 4294967294 (the generator is seeded with seed + 1) and says so past it', () => {
    expect(createRng(0).uniform()).toBe(createRng(0).uniform());
    const top = createRng(4294967294);
    expect(top.uniform()).toBeGreaterThanOrEqual(0);
    expect(top.seed).toBe(4294967294);
    expect(() => createRng(4294967295)).toThrow(/`seed` must be an integer in \[0, 4294967294\], got 4294967295/);
    expect(() => createRng(-1)).toThrow(RangeError);
    expect(() => createRng(1.5)).toThrow(RangeError);
  });
});
