// Migrations are versioned SQL files, applied once each, recorded with a checksum.
import { mkdtempSync, readdirSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../src/db/migrate.ts';
import { openTestDatabase } from './helpers/hub.ts';
import type { Database } from '../src/db/database.ts';

let database: Database;
let drop: () => Promise<void>;
beforeAll(async () => {
  ({ database, drop } = await openTestDatabase({ asOwner: true }));
});
afterAll(async () => {
  await drop();
});

describe('migrations', () => {
  it('records every migration with its checksum', async () => {
    const rows = await database.db.selectFrom('schema_migrations').selectAll().orderBy('version').execute();
    const files = loadMigrations();
    expect(rows.map((row) => [row.version, row.name, row.checksum])).toEqual(files.map((m) => [m.version, m.name, m.checksum]));
  });

  it('applies nothing the second time', async () => {
    const result = await migrate(database);
    expect(result.applied).toEqual([]);
    expect(result.alreadyApplied).toBe(loadMigrations().length);
  });

  it('refuses to start when an applied migration was edited', async () => {
    const edited = loadMigrations().map((m, i) => (i === 0 ? { ...m, checksum: 'f'.repeat(64) } : m));
    await expect(migrate(database, edited)).rejects.toThrow(/was changed after it was applied/);
  });

  it("takes a comment reworded after a migration shipped: a database with the earlier text's checksum records the new one", async () => {
    const reworded = loadMigrations().find((m) => m.formerChecksums.length > 0)!;
    const earlier = reworded.formerChecksums[0]!;
    await database.db.updateTable('schema_migrations').set({ checksum: earlier }).where('version', '=', reworded.version).execute();
    const result = await migrate(database);
    expect(result.applied).toEqual([]);
    const row = await database.db.selectFrom('schema_migrations').select('checksum').where('version', '=', reworded.version).executeTakeFirstOrThrow();
    expect(row.checksum).toBe(reworded.checksum);
    // Only the listed earlier texts: any other checksum still stops the start.
    await database.db.updateTable('schema_migrations').set({ checksum: 'e'.repeat(64) }).where('version', '=', reworded.version).execute();
    await expect(migrate(database)).rejects.toThrow(/was changed after it was applied/);
    await database.db.updateTable('schema_migrations').set({ checksum: reworded.checksum }).where('version', '=', reworded.version).execute();
  });

  it('applies a new migration in a transaction, and a failing one leaves nothing behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ketenhub-migrations-'));
    const source = new URL('../src/db/migrations/', import.meta.url).pathname;
    for (const file of readdirSync(source)) copyFileSync(join(source, file), join(dir, file));
    writeFileSync(join(dir, '9998_good.sql'), 'CREATE TABLE migration_probe (id int);');
    writeFileSync(join(dir, '9999_bad.sql'), 'CREATE TABLE migration_half (id int);\nSELECT no_such_function();');
    await expect(migrate(database, loadMigrations(dir + '/'))).rejects.toThrow(/migration 9999_bad failed/);
    const tables = await database.db
      .selectFrom('information_schema.tables' as never)
      .select('table_name' as never)
      .where('table_name' as never, 'in', ['migration_probe', 'migration_half'] as never)
      .execute();
    expect(tables).toEqual([{ table_name: 'migration_probe' }]);
    const versions = await database.db.selectFrom('schema_migrations').select('version').execute();
    expect(versions.map((v) => v.version)).toContain('9998');
    expect(versions.map((v) => v.version)).not.toContain('9999');
  });
});
