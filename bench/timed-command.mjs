// Runs one `trainlift` command in this fresh process, as bin/trainlift.js does, then prints its CPU
// seconds (every thread: the course workers', DuckDB's and V8's compiler threads) and its peak RSS on
// stderr as `RESOURCES {...}`: what a user's run of the command costs, start-up and report included.
// Usage: node bench/timed-command.mjs study DIR --outcome revenue ...
// As bin/trainlift.js does, the command runs in a process relaunched with glibc's malloc tuned
// (bin/malloc-tuning.js); that process prints the line.
import { runWithMallocTuning } from '../bin/malloc-tuning.js';

await runWithMallocTuning(async () => {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/cli/main.ts');
  const code = await main(['node', 'trainlift', ...process.argv.slice(2)]);
  const cpu = process.cpuUsage();
  process.stderr.write(`RESOURCES ${JSON.stringify({ code, cpu: (cpu.user + cpu.system) / 1e6, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
  return code;
});
