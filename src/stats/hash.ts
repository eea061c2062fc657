/**
 * Two 32-bit hashes (FNV-1a and a multiplicative mix) of `words[from..to)`,
 * the second seeded with `seed` and mixing in each word's offset from
 * `from`. For fingerprints of a column's bits and for grouping equal rows;
 * equal hashes are then confirmed value by value where it matters.
 *
 * @example
 * const bits = new Uint32Array(Float64Array.of(1, 2).buffer);
 * wordsHash(bits, 0, 4, 2); // => the same pair for the same bits, every time
 */
export function wordsHash(words: Uint32Array, from: number, to: number, seed: number): [number, number] {
  let h1 = 0x811c9dc5 | 0;
  let h2 = seed | 0;
  for (let i = 0; i < to - from; i++) {
    const v = words[from + i];
    h1 = Math.imul(h1 ^ v, 0x01000193);
    h2 = Math.imul(h2 ^ (v + i), 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return [h1, h2];
}
