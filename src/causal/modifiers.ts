import type { NamedColumn } from '../stats/design';
import { factorLevels } from '../stats/design';

/**
 * Effect modifiers turned into the columns a regression adds: treatment ×
 * (modifier − its mean over the treated rows), weighted. Centred at the
 * treated mean, the treatment coefficient stays the treated rows' average
 * effect, now with the part of the effect that varies with the modifiers
 * fitted instead of left in the residuals.
 */
export interface ModifierColumns {
  /** One numeric column per modifier (per level but the first, for text), `treat:<name>`; zero on control rows. */
  columns: { name: string; values: Float64Array }[];
  /** The modifiers' names as given, those that vary among the treated rows. */
  used: string[];
}

/**
 * The centred treatment interactions of effect modifiers (see
 * {@link ModifierColumns}). Only treated rows with a positive weight are
 * read, and the columns are zero on every other row: a modifier's values on
 * control rows (an assessment score, which controls never have) are
 * ignored. A missing value on a treated row takes
 * the treated mean, beside an indicator `treat:<name>_missing`; a text
 * modifier gives one column per level the treated rows have, but the first
 * (sorted); a column that is constant over the treated rows is left out.
 *
 * @example
 * modifierInteractions(treat, weights, [{ name: 'score', values: score }]).columns[0].name; // => 'treat:score'
 */
export function modifierInteractions(treat: Float64Array, weights: Float64Array | undefined, modifiers: readonly NamedColumn[]): ModifierColumns {
  const columns: { name: string; values: Float64Array }[] = [];
  const used: string[] = [];
  const n = treat.length;
  // Every step reads the treated rows with a positive weight only: the columns are zero elsewhere.
  const rows = treatedRows(treat, weights);
  const w = weights ?? null;
  for (const m of modifiers) {
    const before = columns.length;
    if (m.values instanceof Float64Array) {
      const z = m.values;
      pushCentred(columns, `treat:${m.name}`, n, rows, w, (i) => (Number.isFinite(z[i]) ? z[i] : NaN));
      if (rows.some((i) => !Number.isFinite(z[i]))) pushCentred(columns, `treat:${m.name}_missing`, n, rows, w, (i) => (Number.isFinite(z[i]) ? 0 : 1));
    } else {
      const text = m.values;
      const seen: (string | null)[] = [];
      for (const i of rows) seen.push(text[i]);
      const levels = factorLevels(seen);
      for (let l = 1; l < levels.length; l++) pushCentred(columns, `treat:${m.name}${levels[l]}`, n, rows, w, (i) => (text[i] === levels[l] ? 1 : 0));
      if (levels.length > 0 && seen.includes(null)) pushCentred(columns, `treat:${m.name}_missing`, n, rows, w, (i) => (text[i] === null ? 1 : 0));
    }
    if (columns.length > before) used.push(m.name);
  }
  return { columns, used };
}

/**
 * The treated rows with a positive weight (every treated row without
 * weights), in order: the rows effect modifiers are read on.
 *
 * @example
 * treatedRows(Float64Array.from([1, 0, 1, 1]), Float64Array.from([1, 1, 0, 2])); // => Int32Array [0, 3]
 */
export function treatedRows(treat: Float64Array, weights?: Float64Array): Int32Array {
  const read = (i: number) => treat[i] === 1 && (weights ? weights[i] > 0 : true);
  let m = 0;
  for (let i = 0; i < treat.length; i++) if (read(i)) m++;
  const rows = new Int32Array(m);
  for (let i = 0, r = 0; i < treat.length; i++) if (read(i)) rows[r++] = i;
  return rows;
}

// Appends treat × (z − the treated weighted mean of z) over the read rows, a missing z (NaN) as the mean (0),
// unless it is zero on every row. The other rows are 0, as are treated rows with weight zero.
function pushCentred(columns: { name: string; values: Float64Array }[], name: string, n: number, rows: Int32Array, w: Float64Array | null, z: (i: number) => number): void {
  const v = new Float64Array(rows.length);
  let s = 0;
  let sw = 0;
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    v[r] = z(i);
    if (Number.isNaN(v[r])) continue;
    const wi = w ? w[i] : 1;
    s += wi * v[r];
    sw += wi;
  }
  if (!(sw > 0)) return;
  const mean = s / sw;
  const out = new Float64Array(n);
  let varies = false;
  for (let r = 0; r < rows.length; r++) {
    if (Number.isNaN(v[r])) continue;
    const d = v[r] - mean;
    out[rows[r]] = d;
    // Rounding leaves tiny values where every treated row has the mean: a real difference is far larger.
    if (Math.abs(d) > 1e-12 * Math.max(1, Math.abs(mean))) varies = true;
  }
  if (varies) columns.push({ name, values: out });
}

/**
 * The fewest trained units per modifier column for a regression to let the
 * effect vary with its modifiers (the rule of thumb of 10–20 observations
 * per fitted slope): the slopes are fitted on the trainees alone, and with
 * fewer of them they fit the trainees' noise as well as their effects, which
 * makes the interval too narrow (over simulated companies of 150 employees,
 * 5 per column left the self-selected course's SE 10 % under the errors'
 * spread). The effect is then left common: a population interval, wider
 * when effects differ.
 */
export const TRAINED_PER_MODIFIER = 15;

/**
 * The variance factor and interval degrees of freedom the modifiers cost:
 * the k interactions are fitted on the `trained` treated units alone, so
 * their residuals have k fewer degrees of freedom than the trained count
 * less one. The interval's t takes k fewer degrees of freedom (m = trained
 * units), and a variance whose small-sample factor counts rows rather than
 * each unit's leverage (HC1, CR1) is scaled by (m − 1)/(m − 1 − k). CR2
 * (`leverageCorrected`) already divides each residual by its own leverage,
 * the modifiers' included, and is not scaled again.
 *
 * @example
 * modifierCost(101, 5, false); // => { scale: 100 / 95, dfLoss: 5 }
 * modifierCost(101, 5, true); // => { scale: 1, dfLoss: 5 }
 */
export function modifierCost(trained: number, k: number, leverageCorrected: boolean): { scale: number; dfLoss: number } {
  if (k === 0) return { scale: 1, dfLoss: 0 };
  return { scale: leverageCorrected ? 1 : (trained - 1) / (trained - 1 - k), dfLoss: k };
}

/**
 * Whether `trained` units can carry k modifier columns (see {@link TRAINED_PER_MODIFIER}).
 *
 * @example
 * modifiersFit(31, 2); // => true
 * modifiersFit(30, 2); // => false
 */
export function modifiersFit(trained: number, k: number): boolean {
  return trained - 1 >= TRAINED_PER_MODIFIER * k;
}
