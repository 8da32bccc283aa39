// npm run policy:sql            checks that src/policy/sql/ holds the SQL the policy compiles to
// npm run policy:sql -- --write  writes it (one file per organisation kind × role)
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allPolicySql } from '../policy/sql-snapshots.ts';
import type { Command } from './command.ts';

const dir = new URL('../policy/sql/', import.meta.url).pathname;

export const run: Command = async (io) => {
  const files = allPolicySql();
  if (io.args.includes('--write')) {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) if (name.endsWith('.sql') && !files.has(name)) rmSync(join(dir, name));
    for (const [name, text] of files) writeFileSync(join(dir, name), text);
    io.err(`wrote ${files.size} files to src/policy/sql/\n`);
  } else {
    const stale = [...files].filter(([name, text]) => {
      try {
        return readFileSync(join(dir, name), 'utf8') !== text;
      } catch {
        return true;
      }
    });
    for (const [name] of stale) io.err(`stale: src/policy/sql/${name}\n`);
    if (stale.length > 0) {
      io.err('run `npm run policy:sql -- --write` and review the change\n');
      return 1;
    }
    io.err(`src/policy/sql/ is current (${files.size} files)\n`);
  }
};
