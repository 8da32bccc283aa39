// Runs once per `npm test`: migrates and seeds one database, which every test file then copies.
// PGlite: a data-directory dump in a temp file (loading it takes ~1 s, a fresh initdb ~5 s).
// PostgreSQL (DATABASE_URL set): a template database; each file gets CREATE DATABASE ... TEMPLATE.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openPGlite, connectPostgres } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { seedDemoRegion } from '../../src/demo/region.ts';
import { databaseUrlFor } from './pg-admin.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteDump: string;
    pgTemplate: string;
  }
}

export default async function setup(project: TestProject) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const dir = mkdtempSync(join(tmpdir(), 'ketenhub-test-'));
    const database = await openPGlite();
    await migrate(database);
    await seedDemoRegion(database);
    const dump = await database.pglite!.dumpDataDir('none');
    await database.close();
    const file = join(dir, 'seeded.tar');
    writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    project.provide('pgliteDump', file);
    project.provide('pgTemplate', '');
    return () => rmSync(dir, { recursive: true, force: true });
  }

  const template = `ketenhub_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${template}`);
  await admin.query(`CREATE DATABASE ${template}`);
  const database = connectPostgres({ connectionString: databaseUrlFor(url, template), maxConnections: 2 });
  await migrate(database);
  await seedDemoRegion(database);
  await database.close();
  project.provide('pgliteDump', '');
  project.provide('pgTemplate', template);
  return async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    await admin.end();
  };
}
