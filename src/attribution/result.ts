import type { AttributionModelName } from '../core/estimate';
import { EncodedPaths, PathCounts, encodePaths } from './paths';

/** An attribution model by its CONTRACT §3 name (the list lives in core/estimate). */
export type AttributionModel = AttributionModelName;

/**
 * What every attribution model returns.
 *
 * - `credit`: each course's share of the attributed conversions; the shares
 *   sum to 1 (for `causal`: share of the total incremental outcome).
 * - `conversions`: conversions attributed to each course (sums to the
 *   conversions of journeys with at least one course).
 * - `value`: conversion value attributed to each course, the same way.
 * - `notes`: plain-words caveats (pooling, how time was measured, solver...).
 */
export interface AttributionResult {
  model: AttributionModel;
  credit: Record<string, number>;
  conversions: Record<string, number>;
  value: Record<string, number>;
  notes: string[];
}

/** Course order for outputs: the catalogue when given, else sorted ids (stable JSON). */
export function encodeForAttribution(counts: PathCounts, courses?: string[]): EncodedPaths {
  if (courses) return encodePaths(counts.paths, courses);
  const seen = new Set<string>();
  for (const p of counts.paths) for (const c of p) seen.add(c);
  return encodePaths(counts.paths, [...seen].sort());
}

/**
 * Turns per-course conversion and value credit into an AttributionResult:
 * shares from the conversion credit, and a note for courses that never
 * appear (they keep zero credit rather than vanishing from the table).
 *
 * @example
 * buildResult('linear', ['A', 'B'], Float64Array.of(3, 1), Float64Array.of(30, 10), []).credit; // => { A: 0.75, B: 0.25 }
 */
export function buildResult(
  model: AttributionModel,
  courses: string[],
  conversionCredit: Float64Array,
  valueCredit: Float64Array,
  notes: string[],
  appears?: Uint8Array,
): AttributionResult {
  let total = 0;
  for (let j = 0; j < courses.length; j++) total += conversionCredit[j];
  const credit: Record<string, number> = {};
  const conversions: Record<string, number> = {};
  const value: Record<string, number> = {};
  const missing: string[] = [];
  for (let j = 0; j < courses.length; j++) {
    credit[courses[j]] = total !== 0 ? conversionCredit[j] / total : 0;
    conversions[courses[j]] = conversionCredit[j];
    value[courses[j]] = valueCredit[j];
    if (appears && !appears[j]) missing.push(courses[j]);
  }
  const allNotes = [...notes];
  if (missing.length > 0) allNotes.push(`never taken, so no credit: ${missing.join(', ')}`);
  return { model, credit, conversions, value, notes: allNotes };
}

/** Which courses appear in at least one path. */
export function appearing(enc: EncodedPaths): Uint8Array {
  const seen = new Uint8Array(enc.courses.length);
  for (let k = 0; k < enc.touches.length; k++) seen[enc.touches[k]] = 1;
  return seen;
}
