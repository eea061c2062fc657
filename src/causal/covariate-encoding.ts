import { checkNoMissing, designMatrix, factorLevels, knownLevelCodes, type Design, type NamedColumn } from '../stats/design';
import { markReadOnly } from '../stats/linalg';

// The estimators of one course (and the refuters, which refit one estimator
// many times on the same covariates or on row subsets of them) encode the
// same text columns again and again. Finding each row's level (a look-up of
// its text) is then repeated work: each text column's levels and row codes
// are kept per values array, and a row subset made by `subsetInput` takes its
// parent's codes' rows instead of looking the texts up again. The indicator
// columns themselves are never kept: they are written straight into each
// design from the codes, so no copy of them sits in memory between designs.
// Every design is exactly the one `designMatrix` builds, which encodes each
// column on its own and places the blocks side by side.
const CODED = new WeakMap<(string | null)[], { levels: string[]; codes: Int32Array }>();
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

// Each row's indicator column (−1 for the first level, the reference) and the sorted levels, with
// designMatrix's checks: no missing value, at least two levels (it says so, in its words).
function levelCodes(name: string, values: (string | null)[]): { levels: string[]; codes: Int32Array } {
  checkNoMissing('designMatrix', { name, values });
  const levels = factorLevels(values);
  if (levels.length < 2) designMatrix([{ name, values }], { intercept: false });
  const column = new Map(levels.map((level, j) => [level, j - 1]));
  return { levels, codes: codesOf(values, column) };
}

// Each row's indicator column by its level (the loop apart from levelCodes' checks, so V8 compiles it alone).
function codesOf(values: (string | null)[], column: Map<string, number>): Int32Array {
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) codes[i] = column.get(values[i] as string) as number;
  return codes;
}

// Level indices less one: the indicator column of each row from its builder's 1-based level index.
function lessOne(index: Int32Array, n: number): Int32Array {
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) codes[i] = index[i] - 1;
  return codes;
}

// The parent's codes on a subset's rows, when the subset still has every level (then its levels,
// reference included, are the parent's); null when a level is gone.
function subsetCodes(parent: { levels: string[]; codes: Int32Array }, rows: Int32Array): Int32Array | null {
  const codes = new Int32Array(rows.length);
  const seen = new Uint8Array(parent.levels.length);
  let count = 0;
  for (let r = 0; r < rows.length; r++) {
    const c = parent.codes[rows[r]];
    codes[r] = c;
    if (seen[c + 1] === 0) {
      seen[c + 1] = 1;
      count++;
    }
  }
  return count === parent.levels.length ? codes : null;
}

function textCodes(name: string, values: (string | null)[]): { levels: string[]; codes: Int32Array } {
  const hit = CODED.get(values);
  if (hit) return hit;
  // Levels its builder noted (two or more; one level is refused below, in designMatrix's words).
  const known = knownLevelCodes(values);
  if (known && known.levels.length >= 2) {
    const codes = lessOne(known.index, values.length);
    const coded = { levels: known.levels, codes };
    CODED.set(values, coded);
    return coded;
  }
  const from = SUBSET_OF.get(values);
  const parent = from ? CODED.get(from.parent) : undefined;
  const codes = from && parent ? subsetCodes(parent, from.rows) : null;
  const coded = codes ? { levels: parent!.levels, codes } : levelCodes(name, values);
  CODED.set(values, coded);
  return coded;
}

/** A covariate as {@link covariateCodes} gives it: numbers as they are, or a text column's levels and each row's indicator. */
export type CodedCovariate = { name: string; values: Float64Array } | { name: string; levels: string[]; codes: Int32Array };

/**
 * The covariates as `encodeCovariates` reads them, without building the
 * indicator columns: numeric columns as they are, and for a text column its
 * sorted levels and, per row, the index of its indicator among the
 * `levels.length − 1` that `designMatrix` would make (−1 for the first
 * level, the reference), for callers that work on the design's non-zero
 * entries only. The same checks and errors as `encodeCovariates`. Text
 * columns' codes are shared with later calls: read them, never write.
 *
 * @example
 * covariateCodes([{ name: 'race', values: ['white', 'black', 'hispan'] }]);
 * // => [{ name: 'race', levels: ['black', 'hispan', 'white'], codes: Int32Array [1, -1, 0] }]
 */
export function covariateCodes(covariates: NamedColumn[]): CodedCovariate[] {
  if (covariates.length === 0) throw new RangeError('covariateCodes: `covariates` is empty');
  const n = covariates[0].values.length;
  const out: CodedCovariate[] = [];
  for (const c of covariates) {
    if (c.values.length !== n) throw new RangeError(`designMatrix: column \`${c.name}\` has ${c.values.length} rows, expected ${n}`);
    if (c.values instanceof Float64Array) {
      checkNoMissing('designMatrix', c);
      out.push({ name: c.name, values: c.values });
    } else if (Array.isArray(c.values)) out.push({ name: c.name, ...textCodes(c.name, c.values) });
    // Neither numbers nor text: designMatrix says what is wrong.
    else designMatrix(covariates, { intercept: false });
  }
  return out;
}

function columnsOf(c: CodedCovariate): number {
  return 'codes' in c ? c.levels.length - 1 : 1;
}

function namesOf(c: CodedCovariate): string[] {
  return 'codes' in c ? c.levels.slice(1).map((level) => c.name + level) : [c.name];
}

// Writes a covariate's columns at x[off ..): numbers as they are, a text column's indicators from its
// codes (x must be zero there: a fresh array).
function writeCovariate(c: CodedCovariate, x: Float64Array, off: number, n: number): void {
  if (!('codes' in c)) {
    x.set(c.values, off);
    return;
  }
  const codes = c.codes;
  for (let i = 0; i < n; i++) if (codes[i] >= 0) x[off + codes[i] * n + i] = 1;
}

/**
 * `[leading | covariates]` in one matrix: the columns of the designs
 * `leading` (say an intercept and a treatment), then the covariates' design
 * exactly as `encodeCovariates(covariates)` builds it, written in place, so
 * that the whole design is built once with no intermediate blocks.
 *
 * @example
 * bindCovariates([columnDesign('treat', treat)], [{ name: 'age', values: age }]).names; // => ['treat', 'age']
 */
export function bindCovariates(leading: Design[], covariates: NamedColumn[]): Design {
  const coded = covariateCodes(covariates);
  const n = covariates[0].values.length;
  for (const d of leading) if (d.n !== n) throw new RangeError(`bindColumns: designs have ${d.n} and ${n} rows`);
  const p = leading.reduce((s, d) => s + d.p, 0) + coded.reduce((s, c) => s + columnsOf(c), 0);
  const x = new Float64Array(n * p);
  let off = 0;
  for (const d of leading) {
    x.set(d.x, off);
    off += d.x.length;
  }
  for (const c of coded) {
    writeCovariate(c, x, off, n);
    off += columnsOf(c) * n;
  }
  return { n, p, names: [...leading.flatMap((d) => d.names), ...coded.flatMap(namesOf)], x };
}

/**
 * The covariates' design, exactly as `designMatrix(covariates, { intercept })`
 * builds it (no intercept unless asked), but reusing the level codes of text
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
  const n = covariates[0].values.length;
  const leading = opts.intercept ? [{ n, p: 1, names: ['(Intercept)'], x: new Float64Array(n).fill(1) }] : [];
  return bindCovariates(leading, covariates);
}

// Designs [intercept, covariates] by the covariate list they encode, with the columns they had then: the
// propensity score and regression adjustment on one input share one (the largest array a study holds).
const WITH_INTERCEPT = new WeakMap<NamedColumn[], { columns: NamedColumn['values'][]; design: Design }>();

/**
 * `encodeCovariates(covariates, { intercept: true })`, shared: the same
 * covariate list with the same column arrays gives the same design object,
 * which callers must treat as read-only.
 *
 * @example
 * sharedInterceptDesign(input.covariates) === sharedInterceptDesign(input.covariates); // => true
 */
export function sharedInterceptDesign(covariates: NamedColumn[]): Design {
  const known = WITH_INTERCEPT.get(covariates);
  if (known !== undefined && sameColumns(known.columns, covariates)) return known.design;
  const design = encodeCovariates(covariates, { intercept: true });
  markReadOnly(design);
  WITH_INTERCEPT.set(covariates, { columns: covariates.map((c) => c.values), design });
  return design;
}

/**
 * Whether a covariate list still holds exactly the column arrays recorded
 * from it (the caches keyed on a list check this before reuse).
 *
 * @example
 * sameColumns(covariates.map((c) => c.values), covariates); // => true
 */
export function sameColumns(columns: NamedColumn['values'][], covariates: NamedColumn[]): boolean {
  return columns.length === covariates.length && covariates.every((c, j) => c.values === columns[j]);
}
