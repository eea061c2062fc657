import { isUserError } from '../core/errors';

/**
 * Wraps a command's action so that bad input ends in one clear line and exit
 * code 1, never a stack trace; an unexpected failure says it is a bug (exit 2).
 * Set `TRAINLIFT_DEBUG=1` to see stacks.
 *
 * @example
 * program.command('validate').action(runAction('validate', async (dir) => { ... return 0; }));
 */
export function runAction<A extends unknown[]>(
  command: string,
  fn: (...args: A) => Promise<number | void> | number | void,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      process.exitCode = typeof code === 'number' ? code : 0;
    } catch (e) {
      if (process.env.TRAINLIFT_DEBUG) console.error(e);
      if (isUserError(e)) {
        console.error(`trainlift ${command}: ${e.message}`);
        process.exitCode = 1;
      } else {
        const msg = e instanceof Error ? e.message : String(e);
        console.error(`trainlift ${command}: internal error: ${msg}\n(this is a bug in trainlift; rerun with TRAINLIFT_DEBUG=1 for details)`);
        process.exitCode = 2;
      }
    }
  };
}

/** Parses a comma-separated option into trimmed, non-empty names. */
export function listOption(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Parses an integer option, with a clear RangeError naming the option. */
export function intOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new RangeError(`\`--${name}\` must be an integer, got "${value}"`);
  return n;
}

/** The largest seed the commands take: every random step seeds its generator from it plus a small offset. */
export const MAX_SEED = 2147483647;

/** Parses `--seed`: an integer from 0 to MAX_SEED. */
export function seedOption(value: string | undefined, fallback: number): number {
  const n = intOption('seed', value, fallback);
  if (n < 0 || n > MAX_SEED) throw new RangeError(`\`--seed\` must be an integer from 0 to ${MAX_SEED}, got "${value}"`);
  return n;
}

/** Parses `--window a:b` into [a, b] with a ≤ b. */
export function windowOption(value: string | undefined, fallback: [number, number] = [1, 12]): [number, number] {
  if (value === undefined) return fallback;
  const m = /^\s*(-?\d+)\s*:\s*(-?\d+)\s*$/.exec(value);
  if (!m) throw new RangeError(`\`--window\` must look like 1:12, got "${value}"`);
  const a = Number(m[1]);
  const b = Number(m[2]);
  if (a > b) throw new RangeError(`\`--window\` start must not exceed its end, got "${value}"`);
  return [a, b];
}
