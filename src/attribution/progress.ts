import { SingleBar } from 'cli-progress';

/** A progress reporter for long attribution work (sampling, bootstrap). */
export interface Progress {
  tick(by?: number): void;
  stop(): void;
}

/**
 * A cli-progress bar on stderr, shown only when asked (`true`) or, by default,
 * when stderr is a terminal, so tests and piped output stay clean.
 *
 * @example
 * const bar = attributionProgress('bootstrap', 500, undefined);
 * for (let b = 0; b < 500; b++) { ...; bar.tick(); }
 * bar.stop();
 */
export function attributionProgress(label: string, total: number, show: boolean | undefined): Progress {
  const enabled = show ?? Boolean(process.stderr.isTTY);
  if (!enabled || total <= 0) return { tick: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total}`, stream: process.stderr, hideCursor: true, clearOnComplete: false },
  );
  bar.start(total, 0);
  return { tick: (by = 1) => bar.increment(by), stop: () => bar.stop() };
}
