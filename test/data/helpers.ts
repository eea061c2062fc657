import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh copy of a study folder in a temp dir, to break one thing in. */
export function copyStudy(dir: string): string {
  const to = mkdtempSync(join(tmpdir(), 'tl-study-'));
  cpSync(dir, to, { recursive: true });
  return to;
}

/** Rewrites one file of a study folder. */
export function rewrite(dir: string, file: string, edit: (text: string) => string): void {
  const path = join(dir, file);
  writeFileSync(path, edit(readFileSync(path, 'utf8')));
}
