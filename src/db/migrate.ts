// Versioned SQL migrations: src/db/migrations/NNNN_name.sql, applied in order, each in its own
// transaction, recorded with a checksum in schema_migrations. An applied migration that was edited
// afterwards stops the start: the database and the code would disagree about the schema. The one
// exception is a comment reworded after the migration shipped (never its SQL): REWORDED names the
// checksums of the earlier texts, and a database that recorded one of them takes the text on disk's.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
// Any constant works: it serialises concurrent starts of several hub instances on PostgreSQL.
const MIGRATION_LOCK_KEY = 4_242_001;

export interface Migration {
  version: string;
  name: string;
  sql: string;
  checksum: string;
  /** Checksums of earlier texts of this migration that differed only in comments. */
  formerChecksums: readonly string[];
}

/** Per version: the checksums of earlier texts that differ from the file on disk in comments only. */
const REWORDED: Readonly<Record<string, readonly string[]>> = {
  '0006': ['2d8278864c58fdb8f9b5bc2816aea4e23a21212bfbc04dc529244421b94e100e'],
  '0007': ['e2ac71038a627939a013b2e08d2a6a83d6806e2ad81179665f3d67844065b523'],
  '0008': ['fbf2b8d56fbfc1d21995d659ca23da12df32ddcb8e759764e598867e4c8e6b7e'],
};

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const sql = readFileSync(dir + file, 'utf8');
      const version = file.slice(0, 4);
      return {
        version,
        name: file.slice(5, -4),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
        formerChecksums: REWORDED[version] ?? [],
      };
    });
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

export async function migrate(database: Database, migrations = loadMigrations()): Promise<MigrationResult> {
  await database.execScript(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    );`);
  const applied: string[] = [];
  let alreadyApplied = 0;
  for (const migration of migrations) {
    const quotedChecksum = migration.checksum.replace(/[^0-9a-f]/g, '');
    // One script per migration: lock, check, apply, record, commit. If the version was recorded
    // by a concurrent instance meanwhile, the INSERT conflicts and the whole script rolls back.
    const existing = await database.db
      .selectFrom('schema_migrations')
      .select(['checksum'])
      .where('version', '=', migration.version)
      .executeTakeFirst();
    if (existing) {
      if (migration.formerChecksums.includes(existing.checksum)) {
        await database.db
          .updateTable('schema_migrations')
          .set({ checksum: migration.checksum })
          .where('version', '=', migration.version)
          .where('checksum', '=', existing.checksum)
          .execute();
      } else if (existing.checksum !== migration.checksum) {
        throw new Error(
          `migration ${migration.version}_${migration.name} was changed after it was applied ` +
            `(checksum ${existing.checksum.slice(0, 12)} in the database, ${migration.checksum.slice(0, 12)} on disk); ` +
            'add a new migration instead of editing an applied one',
        );
      }
      alreadyApplied++;
      continue;
    }
    const lock = database.engine === 'postgres' ? `SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY});` : '';
    const outcome = await database
      .execScript(
        `BEGIN;\n${lock}\n${migration.sql}\n;\nINSERT INTO schema_migrations (version, name, checksum)\n` +
          `  VALUES ('${migration.version}', '${migration.name}', '${quotedChecksum}');\nCOMMIT;`,
      )
      .then(
        () => 'applied' as const,
        async (error: unknown) => {
          // Another instance may have applied it while we waited for the lock.
          const recorded = await database.db
            .selectFrom('schema_migrations')
            .select(['checksum'])
            .where('version', '=', migration.version)
            .executeTakeFirst();
          if (recorded?.checksum === migration.checksum) return 'concurrent' as const;
          throw new Error(`migration ${migration.version}_${migration.name} failed: ${(error as Error).message}`);
        },
      );
    if (outcome === 'applied') applied.push(`${migration.version}_${migration.name}`);
    else alreadyApplied++;
  }
  return { applied, alreadyApplied };
}
