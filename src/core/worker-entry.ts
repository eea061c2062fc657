import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The path of a worker thread's entry file (a `.js` file that registers tsx,
 * then loads the TypeScript worker module) kept next to the module `source`
 * of the repository folder `folder` (e.g. `simulation.ts` in `src/compare`),
 * or null when worker threads cannot load it (under the notebook kernel,
 * whose CommonJS build has no tsx loader, or when the file is missing): the
 * caller then does its work in the current thread. `source` must be on the
 * call stack (call this from that module).
 *
 * @example
 * workerEntry('simulation.ts', 'src/compare', 'simulation-worker-entry.js'); // => '/…/src/compare/simulation-worker-entry.js'
 */
export function workerEntry(source: string, folder: string, entry: string): string | null {
  if (process.argv.some((a) => /tslab/.test(a))) return null;
  // ESM without import.meta (banned so that the kernel's CommonJS build works): read the caller's stack frame.
  const escaped = source.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const frame = (new Error().stack ?? '').split('\n').find((l) => new RegExp(escaped).test(l));
  const m = frame ? new RegExp(`((?:file://)?/[^():]+${escaped})`).exec(frame) : null;
  const dir = m ? dirname(m[1].startsWith('file:') ? fileURLToPath(m[1]) : m[1]) : join(process.cwd(), folder);
  const file = join(dir, entry);
  return existsSync(file) ? file : null;
}
