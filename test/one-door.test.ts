// The guarded tables have one door (src/policy/gateway.ts, with the row filters of access.ts): no
// domain module selects from or joins one of them itself. System jobs that read past the policy are
// listed here by file, each for a reason, or name their handle in the statement itself
// (`systemData(db, 'expiry').selectFrom(…)`); anything else reaching a guarded table fails this test.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GUARDED_TABLES } from '../src/policy/gateway.ts';

const ROOT = join(import.meta.dirname, '..');

/** Files that may reach the guarded tables directly, and why. */
const DOOR_AND_SYSTEM: Record<string, string> = {
  'src/policy/gateway.ts': 'the door itself',
  'src/policy/access.ts': "the door's row filters",
  'src/audit/chain.ts': 'appends to and verifies the access log (system)',
  'src/audit/kept-checkpoints.ts': 'compares the log with checkpoints kept outside the database (system)',
  'src/retention/engine.ts': 'the retention run (system)',
  'src/inzage/export.ts': "the subject-access export: the family's right covers the whole file, whoever wrote it (system)",
  'src/events/events.ts': 'writes hub events and the webhook outbox with each change (system)',
  'src/events/bus.ts': 'reads hub events for delivery; each is checked as the subscriber (system)',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'console' || name === 'generated' ? [] : sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const tables = GUARDED_TABLES.join('|');
// kysely: selectFrom / innerJoin / leftJoin … ('table' or 'table as alias'); raw SQL: from / join table.
const builderUse = new RegExp(`\\b(selectFrom|innerJoin|leftJoin|rightJoin|fullJoin)\\(\\s*['"\`](${tables})(\\s+as\\s+\\w+)?['"\`]`, 'g');
const rawUse = new RegExp(`\\b(from|join)\\s+(${tables})\\b(?!['"\`])`, 'gi');

/** The guarded tables a file reaches, statement by statement, leaving out statements through systemData. */
function reaches(file: string, { namedSystemHandles = false } = {}): string[] {
  const text = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line))
    .join('\n');
  const found: string[] = [];
  for (const statement of text.split(/;\s*\n/)) {
    if (namedSystemHandles && /\bsystemData\(/.test(statement)) continue;
    for (const match of statement.matchAll(builderUse)) found.push(`${match[1]}('${match[2]}')`);
    // Raw SQL only inside template literals (sql`…`): prose in strings and comments is not a query.
    for (const template of statement.matchAll(/sql(<[^`]*>)?`([^`]*)`/g))
      for (const match of template[2]!.matchAll(rawUse)) found.push(`${match[1]} ${match[2]}`);
  }
  return found;
}

describe('one door to the guarded tables', () => {
  const files = sourceFiles(join(ROOT, 'src')).map((file) => relative(ROOT, file));

  it('no domain module selects from or joins a guarded table itself', () => {
    const offenders = files
      .filter((file) => !(file in DOOR_AND_SYSTEM))
      .flatMap((file) => reaches(join(ROOT, file), { namedSystemHandles: true }).map((use) => `${file}: ${use}`));
    expect(offenders).toEqual([]);
  });

  it('notices a module that does (the check itself can fail)', () => {
    expect(reaches(join(ROOT, 'src/policy/access.ts')).length).toBeGreaterThan(0);
    expect(reaches(join(ROOT, 'src/retention/engine.ts')).length).toBeGreaterThan(0);
  });

  it('lists as door or system only files that exist and do reach a guarded table', () => {
    for (const file of Object.keys(DOOR_AND_SYSTEM)) {
      if (!files.includes(file)) continue; // a job that moved; listing it does no harm
      expect(reaches(join(ROOT, file)), `${file} is listed but reaches no guarded table`).not.toEqual([]);
    }
  });

  it('a statement through systemData is the only way past the door outside those files', () => {
    const named = files.filter((file) => !(file in DOOR_AND_SYSTEM) && /systemData\(/.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(named.length).toBeGreaterThan(0);
    // Counted without the exemption, those files do reach guarded tables: the exemption is what lets them.
    expect(named.some((file) => reaches(join(ROOT, file)).length > 0)).toBe(true);
  });
});
