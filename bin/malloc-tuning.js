// glibc's malloc, tuned for a study's large typed arrays, by relaunching this process once with the
// settings in its environment (glibc reads them only at start-up).
//
// A study allocates and frees many arrays of megabytes (a column of the panel, a stacked outcome, a
// residual vector). glibc maps each block above its mmap threshold afresh and unmaps it when freed, so
// every new array faults its pages in again: at 100,000 employees about 1.2 million page faults, some
// 10 s of system CPU on this project's 2-core virtual machines. Serving blocks up to 32 MB from the
// heap, keeping freed memory instead of trimming it, and one arena for all threads lets the process
// reuse its pages: the study at 100,000 employees took 29.2–29.5 s instead of 30.6–31.3 s, the same
// results byte for byte (bench/README.md). A variable the user has set is left as it is; on systems
// without glibc the variables do nothing.
import { spawnSync } from 'node:child_process';

const SETTINGS = {
  MALLOC_ARENA_MAX: '1',
  MALLOC_MMAP_THRESHOLD_: String(32 * 1024 * 1024),
  MALLOC_TRIM_THRESHOLD_: String(4 * 1024 * 1024 * 1024),
  MALLOC_TOP_PAD_: String(256 * 1024 * 1024),
};

/**
 * Runs `main` (which returns an exit code) in a process with the settings: this one when it already has
 * them (or TRAINLIFT_MALLOC=off, or not Linux), else this same script relaunched with them, whose exit
 * code is passed through. Sets process.exitCode either way.
 */
export async function runWithMallocTuning(main) {
  const relaunched = relaunchWithMallocTuning();
  process.exitCode = relaunched ?? (await main());
}

/**
 * On Linux, unless this process already runs with the settings (or TRAINLIFT_MALLOC=off), runs this same
 * script again with them, waits for it and returns its exit code; otherwise returns null and the caller
 * goes on.
 */
export function relaunchWithMallocTuning() {
  if (process.platform !== 'linux' || process.env.TRAINLIFT_MALLOC === 'off' || process.env.TRAINLIFT_MALLOC === 'on') return null;
  const env = { ...process.env, TRAINLIFT_MALLOC: 'on' };
  for (const [k, v] of Object.entries(SETTINGS)) if (env[k] === undefined) env[k] = v;
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env });
  if (r.error) return null;
  if (r.signal) process.kill(process.pid, r.signal);
  return r.status ?? 1;
}
