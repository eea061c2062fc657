import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Peak resident set size of this process so far, in MB (Linux `VmHWM`). */
export function peakRssMb(): number {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(status);
    if (m) return Number(m[1]) / 1024;
  } catch {
    /* not Linux */
  }
  return process.memoryUsage().rss / 1048576;
}

/**
 * Times one step and prints a line `label  1.234 s  (peak RSS 812 MB)`.
 *
 * @example
 * const panel = await timeStep('build panel', () => buildPanel(study));
 */
export async function timeStep<T>(label: string, fn: () => T | Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now();
  const value = await fn();
  const seconds = (performance.now() - t0) / 1000;
  console.log(`${label.padEnd(48)} ${seconds.toFixed(3).padStart(8)} s   (peak RSS ${peakRssMb().toFixed(0)} MB)`);
  return { value, seconds };
}
