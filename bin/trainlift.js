#!/usr/bin/env node
// The `trainlift` command: runs the TypeScript sources through tsx, so the
// package needs no build step after `npm install`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
