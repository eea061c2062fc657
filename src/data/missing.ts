/** The level of a text covariate (a region) for employees with no value. */
export const MISSING_LEVEL = '(missing)';

/**
 * The name of the no-value level beside a text covariate's `levels`:
 * {@link MISSING_LEVEL}, or, when the data has a level of that very name (a
 * region called "(missing)"), the first of `(missing 2)`, `(missing 3)`, …
 * that it does not have, so that employees with no value are never merged
 * with that level.
 *
 * @example
 * missingLevelBeside(['East', 'West']); // => '(missing)'
 * missingLevelBeside(['(missing)', 'East']); // => '(missing 2)'
 */
export function missingLevelBeside(levels: readonly string[]): string {
  if (!levels.includes(MISSING_LEVEL)) return MISSING_LEVEL;
  for (let k = 2; ; k++) {
    const name = `(missing ${k})`;
    if (!levels.includes(name)) return name;
  }
}

/**
 * A numeric pre-treatment covariate as the estimators take it when some of
 * its values are missing (a blank manager rating or level in the HR export):
 * the missing values filled with the mean of the others, beside an indicator
 * `<name>_missing` (1 where the value was missing). Every row is kept, and
 * whether a value was recorded becomes a covariate of its own, so the
 * employees without one are compared with others without one (the
 * missing-indicator method for covariates measured before treatment). A
 * column with no missing value comes back unchanged, one with no value at
 * all comes back empty (nothing to adjust for).
 *
 * @example
 * withMissingIndicator('rating', Float64Array.of(3, NaN, 5));
 * // => [{ name: 'rating', values: [3, 4, 5] }, { name: 'rating_missing', values: [0, 1, 0] }]
 */
export function withMissingIndicator(name: string, values: Float64Array): { name: string; values: Float64Array }[] {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) continue;
    sum += values[i];
    count++;
  }
  if (count === values.length) return [{ name, values }];
  if (count === 0) return [];
  const mean = sum / count;
  const filled = new Float64Array(values.length);
  const missing = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) {
      filled[i] = mean;
      missing[i] = 1;
    } else filled[i] = values[i];
  }
  return [
    { name, values: filled },
    { name: `${name}_missing`, values: missing },
  ];
}
