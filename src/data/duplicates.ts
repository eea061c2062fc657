import type { RawColumn, RawTable } from './load';

/**
 * For each row of a table, the index of the first earlier row with exactly
 * the same cells, or -1. Two rows can only be equal when their text codes
 * are, so the rows are first counted by a dense key made of the codes of the
 * text columns (`rowsSharingKey`): a row whose key no other row has is unique
 * (in an outcomes file keyed by employee and month, nearly every row), and
 * only the others are hashed column by column from their typed cells
 * (dictionary codes, the bits of numbers) into an open-addressing table,
 * where rows whose hashes collide are compared cell by cell. Millions of
 * rows cost a few linear passes and no string per row.
 *
 * @example
 * const firstCopy = exactDuplicateOf(raw.tables.outcomes!);
 * firstCopy.filter((j) => j >= 0).length; // => number of rows that repeat an earlier row
 */
export function exactDuplicateOf(t: RawTable): Int32Array {
  const firstOf = new Int32Array(t.nRows).fill(-1);
  const cols = Object.values(t.columns);
  const rows = rowsSharingKey(t.nRows, cols);
  if (rows.length < 2) return firstOf;
  const m = rows.length;
  const { h1, h2 } = hashRows(rows, cols);
  const same = (i: number, j: number) =>
    cols.every((c) => (c.kind === 'text' ? c.codes[i] === c.codes[j] : Object.is(c.values[i], c.values[j])));
  // Open addressing on h1 holding the first row of each distinct content; h2 and a
  // cell-by-cell comparison settle collisions.
  let cap = 1024;
  while (cap < 2 * m) cap *= 2;
  const mask = cap - 1;
  const slots = new Int32Array(cap).fill(-1);
  for (let r = 0; r < m; r++) {
    let at = h1[r] & mask;
    for (;;) {
      const s = slots[at];
      if (s < 0) {
        slots[at] = r;
        break;
      }
      if (h1[s] === h1[r] && h2[s] === h2[r] && same(rows[s], rows[r])) {
        firstOf[rows[r]] = rows[s];
        break;
      }
      at = (at + 1) & mask;
    }
  }
  return firstOf;
}

/** Largest dense key space counted, as a multiple of the rows (and at least this many keys). */
const KEY_SPACE_PER_ROW = 4;
const MIN_KEY_SPACE = 1 << 16;

/**
 * The rows (ascending) whose dense key of text codes another row shares: the
 * only rows that can repeat one another. The key combines the text columns
 * with the most levels first, as many as fit a key space of a few times the
 * rows; with no text column every row is returned.
 */
function rowsSharingKey(n: number, cols: RawColumn[]): Int32Array {
  const text = cols.flatMap((c) => (c.kind === 'text' ? [c] : [])).sort((a, b) => b.levels.length - a.levels.length);
  const limit = Math.max(MIN_KEY_SPACE, KEY_SPACE_PER_ROW * n);
  const keyCols: { codes: Int32Array; radix: number }[] = [];
  let space = 1;
  for (const c of text) {
    const radix = c.levels.length + 1; // code + 1: -1 (empty) is a value too
    if (space * radix > limit) continue;
    keyCols.push({ codes: c.codes, radix });
    space *= radix;
  }
  const key = new Int32Array(n);
  for (const { codes, radix } of keyCols) addToKey(key, codes, radix);
  const count = new Int32Array(space);
  for (let i = 0; i < n; i++) count[key[i]]++;
  const rows = new Int32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) if (count[key[i]] > 1) rows[m++] = i;
  return rows.subarray(0, m);
}

/** key = key × radix + (code + 1), row by row. */
function addToKey(key: Int32Array, codes: Int32Array, radix: number): void {
  for (let i = 0; i < key.length; i++) key[i] = key[i] * radix + codes[i] + 1;
}

/** Two independent 32-bit hashes of the cells of each listed row. */
function hashRows(rows: Int32Array, cols: RawColumn[]): { h1: Int32Array; h2: Int32Array } {
  const m = rows.length;
  const h1 = new Int32Array(m).fill(0x9e3779b9 | 0);
  const h2 = new Int32Array(m).fill(0x85ebca6b | 0);
  for (const c of cols) {
    if (c.kind === 'text') {
      const codes = c.codes;
      for (let r = 0; r < m; r++) {
        const a = codes[rows[r]];
        h1[r] = Math.imul(h1[r] ^ a, 0x5bd1e995) ^ (h1[r] >>> 15);
        h2[r] = Math.imul(h2[r] ^ ~a, 0x27d4eb2d) ^ (h2[r] >>> 13);
      }
    } else {
      // Normalise NaN payloads so every missing value hashes alike.
      const words = new Uint32Array(c.values.buffer, c.values.byteOffset, c.values.length * 2);
      const values = c.values;
      for (let r = 0; r < m; r++) {
        const i = rows[r];
        const lo = values[i] !== values[i] ? 1 : words[2 * i];
        const hi = values[i] !== values[i] ? 0x7ff80000 : words[2 * i + 1];
        h1[r] = Math.imul(h1[r] ^ lo, 0x5bd1e995) ^ (h1[r] >>> 15);
        h2[r] = Math.imul(h2[r] ^ hi, 0x27d4eb2d) ^ (h2[r] >>> 13);
        h1[r] = Math.imul(h1[r] ^ hi, 0x1b873593);
        h2[r] = Math.imul(h2[r] ^ lo, 0xcc9e2d51);
      }
    }
  }
  return { h1, h2 };
}
