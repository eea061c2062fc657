import type { RawTable } from './load';

/**
 * For each row of a table, the index of the first earlier row with exactly
 * the same cells, or -1. Rows are hashed column by column from their typed
 * cells (dictionary codes, the bits of numbers) into an open-addressing
 * table, and only rows whose hashes collide are compared cell by cell, so millions of rows cost well under a
 * second and no string per row.
 *
 * @example
 * const firstCopy = exactDuplicateOf(raw.tables.outcomes!);
 * firstCopy.filter((j) => j >= 0).length; // => number of rows that repeat an earlier row
 */
export function exactDuplicateOf(t: RawTable): Int32Array {
  const n = t.nRows;
  const h1 = new Int32Array(n).fill(0x9e3779b9 | 0);
  const h2 = new Int32Array(n).fill(0x85ebca6b | 0);
  const cols = Object.values(t.columns);
  for (const c of cols) {
    if (c.kind === 'text') {
      const codes = c.codes;
      for (let i = 0; i < n; i++) {
        const a = codes[i];
        h1[i] = Math.imul(h1[i] ^ a, 0x5bd1e995) ^ (h1[i] >>> 15);
        h2[i] = Math.imul(h2[i] ^ ~a, 0x27d4eb2d) ^ (h2[i] >>> 13);
      }
    } else {
      // Normalise NaN payloads so every missing value hashes alike.
      const words = new Uint32Array(c.values.buffer, c.values.byteOffset, n * 2);
      const values = c.values;
      for (let i = 0; i < n; i++) {
        const lo = values[i] !== values[i] ? 1 : words[2 * i];
        const hi = values[i] !== values[i] ? 0x7ff80000 : words[2 * i + 1];
        h1[i] = Math.imul(h1[i] ^ lo, 0x5bd1e995) ^ (h1[i] >>> 15);
        h2[i] = Math.imul(h2[i] ^ hi, 0x27d4eb2d) ^ (h2[i] >>> 13);
        h1[i] = Math.imul(h1[i] ^ hi, 0x1b873593);
        h2[i] = Math.imul(h2[i] ^ lo, 0xcc9e2d51);
      }
    }
  }
  const firstOf = new Int32Array(n).fill(-1);
  const same = (i: number, j: number) =>
    cols.every((c) => (c.kind === 'text' ? c.codes[i] === c.codes[j] : Object.is(c.values[i], c.values[j])));
  // Open addressing on h1 holding the first row of each distinct content; h2 and a
  // cell-by-cell comparison settle collisions.
  let cap = 1024;
  while (cap < 2 * n) cap *= 2;
  const mask = cap - 1;
  const slots = new Int32Array(cap).fill(-1);
  for (let i = 0; i < n; i++) {
    let at = h1[i] & mask;
    for (;;) {
      const j = slots[at];
      if (j < 0) {
        slots[at] = i;
        break;
      }
      if (h1[j] === h1[i] && h2[j] === h2[i] && same(j, i)) {
        firstOf[i] = j;
        break;
      }
      at = (at + 1) & mask;
    }
  }
  return firstOf;
}
