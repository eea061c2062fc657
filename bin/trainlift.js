#!/usr/bin/env node
// The `trainlift` command: runs the TypeScript sources through tsx, so the
// package needs no build step after `npm install`.
import { relaunchWithMallocTuning } from './malloc-tuning.js';

const relaunched = relaunchWithMallocTuning();
if (relaunched !== null) {
  process.exitCode = relaunched;
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/cli/main.ts');
  process.exitCode = await main(process.argv);
}
