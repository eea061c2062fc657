/**
 * Errors for bad data: the message names the file, row and column when known.
 *
 * @example
 * throw new DataError('training.csv row 12, column `score`: expected a number in [0, 100], got "abc"',
 *   { file: 'training.csv', row: 12, column: 'score' });
 */
export class DataError extends Error {
  readonly file?: string;
  readonly row?: number;
  readonly column?: string;
  constructor(message: string, where: { file?: string; row?: number; column?: string } = {}) {
    super(message);
    this.name = 'DataError';
    this.file = where.file;
    this.row = where.row;
    this.column = where.column;
  }
}

/**
 * Estimation that cannot proceed: no overlap, singular design, separation,
 * too few controls. The message says so in plain words.
 *
 * @example
 * throw new EstimationError('fitLogit: perfect separation on covariate `re74`');
 */
export class EstimationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EstimationError';
  }
}

/** True for the errors a user caused (bad input), which the CLI prints without a stack. */
export function isUserError(e: unknown): e is Error {
  return e instanceof DataError || e instanceof EstimationError || e instanceof TypeError || e instanceof RangeError;
}
