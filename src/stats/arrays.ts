// Small kernels over typed arrays that several estimators share, each one loop (see stackCourse's
// cohortCandidates for why hot loops are functions of their own).

/** values[index[i]] for each i: a column taken in another row order, or at some rows only (a typed array's `from` with a mapping function calls it per element, many times slower). */
export function gather(values: Float64Array, index: Int32Array): Float64Array {
  const out = new Float64Array(index.length);
  for (let i = 0; i < index.length; i++) out[i] = values[index[i]];
  return out;
}

/** {@link gather} for integer codes. */
export function gatherInt(values: Int32Array, index: Int32Array): Int32Array {
  const out = new Int32Array(index.length);
  for (let i = 0; i < index.length; i++) out[i] = values[index[i]];
  return out;
}

/** How many entries are > 0 (e.g. rows with a positive weight). */
export function countPositive(values: Float64Array): number {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > 0) count++;
  return count;
}

/** Σ v², in order. */
export function sumOfSquares(values: Float64Array): number {
  let ss = 0;
  for (let i = 0; i < values.length; i++) ss += values[i] * values[i];
  return ss;
}
