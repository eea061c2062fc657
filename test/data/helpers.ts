import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
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

/** Replaces some CSV files of a study folder by Parquet files with the same contents. */
export async function toParquet(dir: string, files: string[]): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  for (const f of files) {
    await conn.run(`COPY (SELECT * FROM read_csv('${join(dir, `${f}.csv`)}')) TO '${join(dir, `${f}.parquet`)}' (FORMAT parquet)`);
    rmSync(join(dir, `${f}.csv`));
  }
  conn.closeSync();
  instance.closeSync();
}
