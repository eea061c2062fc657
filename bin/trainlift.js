#!/usr/bin/env node
// The `trainlift` command: runs the TypeScript sources through tsx, so the
// package needs no build step after `npm install`.
import { runWithMallocTuning } from './malloc-tuning.js';

await runWithMallocTuning(async () => {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/cli/main.ts');
  return main(process.argv);
});
