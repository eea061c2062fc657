import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

// A script that relaunches itself as bin/trainlift.js does, then reports the malloc settings it runs with.
function runProbe(env: Record<string, string | undefined>): { status: number | null; stdout: string } {
  const dir = mkdtempSync(join(tmpdir(), 'trainlift-malloc-'));
  const script = join(dir, 'probe.mjs');
  const module = pathToFileURL(resolve('bin/malloc-tuning.js')).href;
  writeFileSync(
    script,
    `import { relaunchWithMallocTuning } from ${JSON.stringify(module)};\n` +
      `const code = relaunchWithMallocTuning();\n` +
      `if (code !== null) process.exitCode = code;\n` +
      `else { console.log(JSON.stringify({ arena: process.env.MALLOC_ARENA_MAX ?? null, mmap: process.env.MALLOC_MMAP_THRESHOLD_ ?? null })); process.exitCode = 3; }\n`,
  );
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { ...process.env, TRAINLIFT_MALLOC: undefined, MALLOC_ARENA_MAX: undefined, MALLOC_MMAP_THRESHOLD_: undefined, ...env } });
  return { status: r.status, stdout: r.stdout };
}

describe.runIf(process.platform === 'linux')('the command relaunches itself with glibc malloc tuned for large arrays', () => {
  it('runs once more with the settings, passing the exit code through', () => {
    const r = runProbe({});
    expect(r.status).toBe(3);
    expect(JSON.parse(r.stdout)).toEqual({ arena: '1', mmap: String(32 * 1024 * 1024) });
  });
  it("keeps a user's own setting, and TRAINLIFT_MALLOC=off runs without any", () => {
    expect(JSON.parse(runProbe({ MALLOC_ARENA_MAX: '4' }).stdout).arena).toBe('4');
    expect(JSON.parse(runProbe({ TRAINLIFT_MALLOC: 'off' }).stdout)).toEqual({ arena: null, mmap: null });
  });
});
