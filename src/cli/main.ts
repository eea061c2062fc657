import { Command, CommanderError } from 'commander';
import { registerSynth } from './synth';
import { registerValidate } from './validate';
import { registerStudy } from './study';
import { registerEstimate } from './estimate';
import { registerDid } from './did';
import { registerAttribute } from './attribute';

/** Builds the `trainlift` program with every command registered. */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('trainlift')
    .description('Which training caused which change in business results, and what was it worth?')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerSynth(program);
  registerValidate(program);
  registerStudy(program);
  registerEstimate(program);
  registerDid(program);
  registerAttribute(program);
  return program;
}

/**
 * Runs the command line and resolves to the exit code.
 *
 * @example
 * await main(['node', 'trainlift', 'validate', 'data/sample']); // => 0
 */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 1;
    throw e;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
