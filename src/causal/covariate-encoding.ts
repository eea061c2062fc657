import { bindColumns, checkNoMissing, designMatrix, factorLevels, subsetRows, type Design, type NamedColumn } from '../stats/design';

// The refuters refit one estimator many times on the same covariates (with a
// random column added) or on row subsets of them. Encoding a text column
// (one pass over every row per level) is then repeated work: each text
// column's indicators are kept per values array, and a row subset made by
// `subsetInput` takes its parent's indicators' rows instead of re-encoding.
// Both give exactly the numbers `designMatrix` gives, which encodes each
// column on its own and places the blocks side by side.
const ENCODED = new WeakMap<(string | null)[], { name: string; design: Design }>();
const SUBSET_OF = new WeakMap<(string | null)[], { parent: (string | null)[]; rows: Int32Array }>();

/**
 * Records that `subset` holds the rows `rows` of `parent`, so that its
 * encoding can be taken from the parent's. Called by `subsetInput`.
 *
 * @example
 * noteRowSubset(column, Array.from(rows, (i) => column[i]), rows);
 */
export function noteRowSubset(parent: (string | null)[], subset: (string | null)[], rows: Int32Array): void {
  // A copy: a caller may reuse its row buffer.
  SUBSET_OF.set(subset, { parent, rows: rows.slice() });
}

// Every level of the parent is still there: each indicator has a 1 and some row has none (the reference level).
function keepsEveryLevel(d: Design): boolean {
  const { n, p, x } = d;
  for (let j = 0; j < p; j++) {
    let any = false;
    for (let i = j * n; i < (j + 1) * n; i++) if (x[i] !== 0) { any = true; break; }
    if (!any) return false;
  }
  for (let i = 0; i < n; i++) {
    let zero = true;
    for (let j = 0; j < p; j++) if (x[j * n + i] !== 0) { zero = false; break; }
    if (zero) return true;
  }
  return false;
}

function encodeText(name: string, values: (string | null)[]): Design {
  const hit = ENCODED.get(values);
  if (hit && hit.name === name) return hit.design;
  const from = SUBSET_OF.get(values);
  if (from) {
    const parent = ENCODED.get(from.parent);
    if (parent && parent.name === name) {
      const design = subsetRows(parent.design, from.rows);
      if (keepsEveryLevel(design)) {
        ENCODED.set(values, { name, design });
        return design;
      }
    }
  }
  const design = encodeLevels(name, values);
  ENCODED.set(values, { name, design });
  return design;
}

// designMatrix's indicators for one text column in a single pass over the rows (it makes
// one pass per level, which a cohort column with dozens of levels feels).
function encodeLevels(name: string, values: (string | null)[]): Design {
  checkNoMissing('designMatrix', { name, values });
  const levels = factorLevels(values);
  // One level: designMatrix says so, in its words.
  if (levels.length < 2) return designMatrix([{ name, values }], { intercept: false });
  const n = values.length;
  const column = new Map(levels.map((level, j) => [level, j - 1]));
  const x = new Float64Array(n * (levels.length - 1));
  for (let i = 0; i < n; i++) {
    const j = column.get(values[i] as string) as number;
    if (j >= 0) x[j * n + i] = 1;
  }
  return { n, p: levels.length - 1, names: levels.slice(1).map((level) => name + level), x };
}

/**
 * The covariates' design, exactly as `designMatrix(covariates, { intercept })`
 * builds it (no intercept unless asked), but reusing the encoding of text
 * columns seen before (the same array, or a row subset of one made by
 * `subsetInput`).
 *
 * @example
 * encodeCovariates([{ name: 'age', values: age }, { name: 'race', values: race }]).names;
 * // => ['age', 'racehispan', 'racewhite']
 * encodeCovariates([{ name: 'age', values: age }], { intercept: true }).names; // => ['(Intercept)', 'age']
 */
export function encodeCovariates(covariates: NamedColumn[], opts: { intercept?: boolean } = {}): Design {
  if (covariates.length === 0) throw new RangeError('encodeCovariates: `covariates` is empty');
  const blocks = covariateBlocks(covariates);
  if (opts.intercept) blocks.unshift({ n: blocks[0].n, p: 1, names: ['(Intercept)'], x: new Float64Array(blocks[0].n).fill(1) });
  return bindColumns(...blocks);
}

/**
 * The blocks `encodeCovariates` binds side by side, one per covariate, not
 * yet copied into one matrix: a caller that adds columns of its own (or
 * reads the columns one by one) binds or walks them itself and saves a copy
 * of the whole design. Numeric blocks are the input arrays themselves, and
 * text blocks are shared with later calls: read them, never write.
 *
 * @example
 * covariateBlocks([{ name: 'age', values: age }, { name: 'race', values: race }]).map((b) => b.p); // => [1, 2]
 */
export function covariateBlocks(covariates: NamedColumn[]): Design[] {
  if (covariates.length === 0) throw new RangeError('covariateBlocks: `covariates` is empty');
  const n = covariates[0].values.length;
  const blocks: Design[] = [];
  for (const c of covariates) {
    if (c.values.length !== n) throw new RangeError(`designMatrix: column \`${c.name}\` has ${c.values.length} rows, expected ${n}`);
    if (c.values instanceof Float64Array) {
      checkNoMissing('designMatrix', c);
      blocks.push({ n, p: 1, names: [c.name], x: c.values });
    } else if (Array.isArray(c.values)) blocks.push(encodeText(c.name, c.values));
    // Neither numbers nor text: designMatrix says what is wrong.
    else return [designMatrix(covariates, { intercept: false })];
  }
  return blocks;
}
