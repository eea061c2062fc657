import type { Command } from 'commander';
import { runAction } from './action';

// Placeholder until the command lands; replaced by the owning work stream.
export function registerSynth(program: Command): void {
  program
    .command('synth')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(
      runAction('synth', () => {
        console.error('trainlift synth: not built yet');
        return 2;
      }),
    );
}
