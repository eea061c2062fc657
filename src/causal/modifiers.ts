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
 * read: a modifier's values on control rows (an assessment score, which
 * controls never have) are ignored. A missing value on a treated row takes
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
  for (const m of modifiers) {
    const before = columns.length;
    if (m.values instanceof Float64Array) {
      const missing = missingOnTreated(m.values, treat, weights);
      pushCentred(columns, `treat:${m.name}`, m.values, treat, weights);
      if (missing !== null) pushCentred(columns, `treat:${m.name}_missing`, missing, treat, weights);
    } else {
      const text = m.values;
      const levels = factorLevels(treatedText(text, treat, weights));
      const hasNull = text.some((v, i) => v === null && treat[i] === 1 && (weights ? weights[i] > 0 : true));
      for (let l = 1; l < levels.length; l++) pushCentred(columns, `treat:${m.name}${levels[l]}`, textIndicator(text, levels[l]), treat, weights);
      if (hasNull && levels.length > 0) pushCentred(columns, `treat:${m.name}_missing`, textIndicator(text, null), treat, weights);
    }
    if (columns.length > before) used.push(m.name);
  }
  return { columns, used };
}

// The text values of the treated rows with a positive weight.
function treatedText(values: (string | null)[], treat: Float64Array, weights: Float64Array | undefined): (string | null)[] {
  const out: (string | null)[] = [];
  for (let i = 0; i < values.length; i++) if (treat[i] === 1 && (weights ? weights[i] > 0 : true)) out.push(values[i]);
  return out;
}

// 1 where the text equals `level`, else 0.
function textIndicator(values: (string | null)[], level: string | null): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) if (values[i] === level) out[i] = 1;
  return out;
}

// 1 where a treated row's value is missing, or null when no treated row misses it.
function missingOnTreated(values: Float64Array, treat: Float64Array, weights: Float64Array | undefined): Float64Array | null {
  let out: Float64Array | null = null;
  for (let i = 0; i < values.length; i++) {
    if (treat[i] !== 1 || (weights ? !(weights[i] > 0) : false) || Number.isFinite(values[i])) continue;
    if (out === null) out = new Float64Array(values.length);
    out[i] = 1;
  }
  return out;
}

// Appends treat × (z − the treated weighted mean of z), missing values as the mean (0), unless it is zero on every row.
function pushCentred(columns: { name: string; values: Float64Array }[], name: string, z: Float64Array, treat: Float64Array, weights: Float64Array | undefined): void {
  let s = 0;
  let sw = 0;
  for (let i = 0; i < z.length; i++) {
    if (treat[i] !== 1 || !Number.isFinite(z[i])) continue;
    const w = weights ? weights[i] : 1;
    if (!(w > 0)) continue;
    s += w * z[i];
    sw += w;
  }
  if (!(sw > 0)) return;
  const mean = s / sw;
  const out = new Float64Array(z.length);
  let varies = false;
  for (let i = 0; i < z.length; i++) {
    if (treat[i] !== 1 || !Number.isFinite(z[i])) continue;
    const d = z[i] - mean;
    out[i] = d;
    // Rounding leaves tiny values where every treated row has the mean: a real difference is far larger.
    if (Math.abs(d) > 1e-12 * Math.max(1, Math.abs(mean)) && (weights ? weights[i] > 0 : true)) varies = true;
  }
  if (varies) columns.push({ name, values: out });
}

/**
 * The fewest trained units per modifier column (plus one for the mean) for
 * a regression to let the effect vary with its modifiers: with fewer, the
 * interactions would take too many of the few trainees' degrees of freedom
 * and the effect is left common (a population interval, wider when effects
 * differ).
 */
export const TRAINED_PER_MODIFIER = 5;

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
 * modifiersFit(31, 6); // => true
 * modifiersFit(30, 6); // => false
 */
export function modifiersFit(trained: number, k: number): boolean {
  return trained - 1 >= TRAINED_PER_MODIFIER * k;
}
