import { describe, expect, it } from 'vitest';
import { wordsHash } from '../../src/stats/hash';

describe('wordsHash', () => {
  it('hashes a range by its contents, not by where it sits', () => {
    const bits = new Uint32Array(Float64Array.of(1, 2, 9, 1, 2).buffer);
    // Rows [1, 2] at doubles 0..1 and 3..4 (words 0..3 and 6..9): the same pair.
    expect(wordsHash(bits, 0, 4, 7)).toEqual(wordsHash(bits, 6, 10, 7));
    expect(wordsHash(bits, 0, 4, 7)).not.toEqual(wordsHash(bits, 2, 6, 7));
    // The second hash takes the seed; the first does not.
    const [a1, a2] = wordsHash(bits, 0, 4, 7);
    const [b1, b2] = wordsHash(bits, 0, 4, 8);
    expect(a1).toBe(b1);
    expect(a2).not.toBe(b2);
  });
  it('mixes each word’s position in, so swapped words differ', () => {
    const u = Uint32Array.of(5, 6, 6, 5);
    expect(wordsHash(u, 0, 2, 0)[1]).not.toBe(wordsHash(u, 2, 4, 0)[1]);
  });
});
