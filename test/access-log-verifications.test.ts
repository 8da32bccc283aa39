// A privacy officer checks the access log's chain through the API (the console's "verify now"):
// the check runs in the background and its outcome is kept with who started it.
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tables } from '../src/db/tables.ts';
import { startTestHub, type TestHub } from './helpers/hub.ts';
import { gqlBody, gqlOk, NO_RATE_LIMITS } from './helpers/referrals.ts';

let t: TestHub;
const PO = { org: 'lz-den-haag', role: 'PRIVACY_OFFICER' as const, subject: 'fg@lz-den-haag' };
const START = 'mutation { verifyAccessLog(input: { reason: "kwartaalcontrole" }) { id status reason startedAt organisation { id } } }';
const LIST = '{ accessLogVerifications(first: 5) { id status records lastSeq finishedAt problems { kind seq message } } }';

beforeAll(async () => {
  t = await startTestHub({ env: NO_RATE_LIMITS });
  // Something in the log to check.
  for (let i = 0; i < 3; i++) await gqlOk(t, { org: 'lz-den-haag', role: 'PROFESSIONAL' }, '{ pupils(first: 5) { edges { node { displayName phone } } } }');
});
afterAll(async () => {
  await t.close();
});

async function finished(id: string) {
  for (let i = 0; i < 100; i++) {
    const found = (await gqlOk(t, PO, LIST)).accessLogVerifications.find((v: any) => v.id === id);
    if (found && found.status !== 'RUNNING') return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the verification did not finish');
}

describe('verifyAccessLog', () => {
  it('starts a check that finds an intact chain, kept with who started it', async () => {
    const started = (await gqlOk(t, PO, START)).verifyAccessLog;
    expect(started).toMatchObject({ status: 'RUNNING', reason: 'kwartaalcontrole', organisation: { id: 'lz-den-haag' } });
    const done = await finished(started.id);
    expect(done.status).toBe('INTACT');
    expect(done.records).toBeGreaterThan(2);
    expect(Number(done.lastSeq)).toBe(done.records);
    expect(done.problems).toEqual([]);
    expect(done.finishedAt).not.toBeNull();
  });

  it('reports a record changed behind the hub\'s back as BROKEN, naming the record', async () => {
    const tamper = (fn: (db: Kysely<Tables>) => Promise<unknown>) =>
      t.asOwner((db) =>
        db.transaction().execute(async (trx) => {
          await sql`SET LOCAL session_replication_role = replica`.execute(trx);
          await fn(trx);
        }),
      );
    const original = await t.database.db.selectFrom('access_log_records').select(['outcome']).where('seq', '=', 2).executeTakeFirstOrThrow();
    await tamper((db) => db.updateTable('access_log_records').set({ outcome: 'REFUSED' }).where('seq', '=', 2).execute());
    try {
      const done = await finished((await gqlOk(t, PO, START)).verifyAccessLog.id);
      expect(done.status).toBe('BROKEN');
      expect(done.problems.map((p: any) => `${p.kind}@${p.seq}`)).toContain('hash_mismatch@2');
    } finally {
      await tamper((db) => db.updateTable('access_log_records').set({ outcome: original.outcome }).where('seq', '=', 2).execute());
    }
  });

  it('is for privacy officers only', async () => {
    for (const who of [{ org: 'lz-den-haag', role: 'COORDINATOR' as const }, { org: 'smw-den-haag', role: 'PROFESSIONAL' as const }]) {
      expect((await gqlBody(t, who, START)).errors?.[0]?.extensions?.code, who.org).toBe('FORBIDDEN');
      expect((await gqlBody(t, who, LIST)).errors?.[0]?.extensions?.code, who.org).toBe('FORBIDDEN');
    }
  });
});
