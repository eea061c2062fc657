import mt19937 from '@stdlib/random-base-mt19937';

/**
 * A seeded random generator (Mersenne Twister from stdlib) with the draws the
 * project needs. Same seed, same sequence, on every machine.
 *
 * @example
 * const rng = createRng(7);
 * rng.uniform(); // => a number in [0, 1), the same for seed 7 every time
 */
export interface Rng {
  /** Uniform on [0, 1). */
  uniform(): number;
  /** Standard normal (Box–Muller; the spare draw is cached). */
  normal(): number;
  /** Integer uniform on 0..n-1. */
  int(n: number): number;
  /** Bernoulli(p) as 0 or 1. */
  bernoulli(p: number): number;
  /** The seed this generator started from. */
  readonly seed: number;
}

export function createRng(seed: number): Rng {
  // The generator is seeded with seed + 1 (below), which must fit in 32 bits.
  if (!Number.isInteger(seed) || seed < 0 || seed > 4294967294) {
    throw new RangeError(`createRng: \`seed\` must be an integer in [0, 4294967294], got ${seed}`);
  }
  // stdlib rejects seed 0; shift so that every documented seed works.
  const gen = mt19937.factory({ seed: seed + 1 });
  // 53-bit uniform from two 32-bit words (the genrand_res53 construction).
  const uniform = (): number => {
    const a = gen() >>> 5;
    const b = gen() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  };
  let spare = NaN;
  const normal = (): number => {
    if (!Number.isNaN(spare)) {
      const s = spare;
      spare = NaN;
      return s;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  return {
    seed,
    uniform,
    normal,
    int: (n: number) => Math.floor(uniform() * n),
    bernoulli: (p: number) => (uniform() < p ? 1 : 0),
  };
}
