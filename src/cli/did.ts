import type { Command } from 'commander';
import { runAction } from './action';

// Placeholder until the command lands; replaced by the owning work stream.
export function registerDid(program: Command): void {
  program
    .command('did')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(
      runAction('did', () => {
        console.error('trainlift did: not built yet');
        return 2;
      }),
    );
}
