// The access log: complete, append-only, tamper-evident, answerable for privacy officers.
// Tampering is done as the database owner with triggers bypassed, as an attacker with superuser
// rights would; each tamper test puts the log back exactly, so the next one starts intact.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalRecord, sha256, verifyAccessLog, type ProblemKind, type StoredRecord } from '../src/audit/chain.ts';
import { openPGlite } from '../src/db/database.ts';
import type { Tables } from '../src/db/tables.ts';
import { runCli, type CliResult } from './helpers/cli.ts';
import { startTestHub, type TestHub } from './helpers/hub.ts';

let t: TestHub;
const LZ = { org: 'lz-den-haag', role: 'PROFESSIONAL' } as const;
const LZ_PO = { org: 'lz-den-haag', role: 'PRIVACY_OFFICER' } as const;
const SMW_PO = { org: 'smw-den-haag', role: 'PRIVACY_OFFICER' } as const;
const POLICE_PO = { org: 'politie-den-haag', role: 'PRIVACY_OFFICER' } as const;
let pupilId: string;

beforeAll(async () => {
  t = await startTestHub({
    env: {
      AUDIT_CHECKPOINT_EVERY: '5',
      AUDIT_SIGNAL_PUPILS_PER_HOUR: '3',
      AUDIT_SIGNAL_REFUSALS_PER_HOUR: '2',
      // 200 concurrent requests below: not a test of load shedding or rate limits.
      HTTP_MAX_IN_FLIGHT: '1000',
      RATE_LIMIT_PER_SUBJECT: '100000',
      RATE_LIMIT_PER_ORGANISATION: '100000',
    },
  });
  const pupil = await t.database.db.selectFrom('pupils').select('id').where('municipality_code', '=', 'GM0518').orderBy('id').executeTakeFirstOrThrow();
  pupilId = pupil.id;
  // Some history: reads of several pupils, one refused attempt.
  await t.gql(LZ, '{ pupils(first: 6) { edges { node { familyName bsn } } } }');
  await t.gql(LZ, 'query($id: ID!) { pupil(id: $id) { familyName phone } }', { id: pupilId });
  await t.gql({ org: 'politie-den-haag', role: 'PROFESSIONAL' }, 'query($id: ID!) { pupil(id: $id) { bsn } }', { id: pupilId });
});
afterAll(async () => {
  await t.close();
});

const verify = () => verifyAccessLog(t.database.db, t.hub.services.accessLog.publicKeys);
const kinds = async () => (await verify()).problems.map((p) => `${p.kind}@${p.seq ?? p.checkpoint}`);

/** As the owner, with triggers off for this transaction: what an attacker with superuser rights can do. */
function tamper(fn: (db: Kysely<Tables>) => Promise<unknown>) {
  return t.asOwner((db) =>
    db.transaction().execute(async (trx) => {
      await sql`SET LOCAL session_replication_role = replica`.execute(trx);
      await fn(trx);
    }),
  );
}

/** The chain this test's hub appends to (one per writer). */
const chain = () => t.hub.services.accessLog.chainId!;

const recordAt = async (seq: number) =>
  (await t.database.db.selectFrom('access_log_records').selectAll().where('chain_id', '=', chain()).where('seq', '=', seq).executeTakeFirstOrThrow()) as unknown as StoredRecord;

async function restore(record: StoredRecord) {
  await tamper(async (db) => {
    await db.deleteFrom('access_log_records').where('chain_id', '=', record.chain_id).where('seq', '=', record.seq).execute();
    await db.insertInto('access_log_records').values(record).execute();
  });
}

describe('completeness', () => {
  it('writes one record per pupil per action, with trace, activity, pseudonym and categories', async () => {
    const records = await t.database.db.selectFrom('access_log_records').selectAll().where('pupil_id', '=', pupilId).orderBy('seq').execute();
    const read = records.find((r) => r.actor_org_id === 'lz-den-haag' && r.fields.includes('Pupil.phone'))!;
    expect(read).toMatchObject({ action: 'READ', outcome: 'GRANTED', actor_role: 'PROFESSIONAL', activity_id: 'leerplicht-verzuim', emergency: false });
    expect(read.categories).toEqual(['IDENTITY', 'CONTACT']);
    expect(read.pupil_pseudonym).toBe(t.hub.services.accessLog.pseudonym(pupilId));
    expect(read.pupil_pseudonym).toMatch(/^[0-9a-f]{64}$/);
    expect(read.trace_id).toMatch(/^[0-9a-f]{32}$/);
    // The police may never read a BSN: refused before execution, logged as a refusal without a pupil.
    const refused = await t.database.db.selectFrom('access_log_records').selectAll().where('actor_org_id', '=', 'politie-den-haag').execute();
    expect(refused).toEqual([expect.objectContaining({ outcome: 'REFUSED', pupil_id: null, fields: ['!Pupil.bsn'], categories: ['BSN'] })]);
  });

  it('adopts the caller W3C traceparent and passes it on', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await t
      .gql(LZ, 'query Traced($id: ID!) { pupil(id: $id) { familyName } }', { id: pupilId })
      .set('traceparent', `00-${traceId}-00f067aa0ba902b7-01`);
    expect(response.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const record = await t.database.db.selectFrom('access_log_records').selectAll().where('operation_name', '=', 'Traced').executeTakeFirstOrThrow();
    expect(record.trace_id).toBe(traceId);
    expect(response.headers.traceparent).toContain(record.span_id);
  });

  it('fails closed: when the log cannot be written, the caller gets an error and no data', async () => {
    // The application role appends only through access_log_append.
    await t.asOwner((db) => sql`REVOKE EXECUTE ON FUNCTION access_log_append(integer, text, bigint, text, jsonb, jsonb) FROM ketenhub_app`.execute(db));
    try {
      const response = await t.gql(LZ, 'query($id: ID!) { pupil(id: $id) { familyName bsn } }', { id: pupilId });
      expect(response.status).toBe(503);
      expect(response.body.data).toBeUndefined();
      expect(response.body.errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
      expect(JSON.stringify(response.body)).not.toMatch(/permission|access_log_records|INSERT/i);
    } finally {
      await t.asOwner((db) => sql`GRANT EXECUTE ON FUNCTION access_log_append(integer, text, bigint, text, jsonb, jsonb) TO ketenhub_app`.execute(db));
    }
  });
});

describe('append-only', () => {
  it.each([
    ['UPDATE', sql`UPDATE access_log_records SET outcome = 'GRANTED'`],
    ['DELETE', sql`DELETE FROM access_log_records`],
    ['TRUNCATE', sql`TRUNCATE access_log_records`],
  ])('refuses %s as the application role', async (_name, statement) => {
    await expect(statement.execute(t.database.db)).rejects.toThrow(/permission denied|append-only/);
  });

  it.each([
    ['UPDATE', sql`UPDATE access_log_records SET outcome = 'GRANTED'`],
    ['DELETE', sql`DELETE FROM access_log_records`],
    ['TRUNCATE', sql`TRUNCATE access_log_records`],
    ['UPDATE a checkpoint', sql`UPDATE access_log_checkpoints SET signature = ''`],
  ])('refuses %s even to the owner, by trigger', async (_name, statement) => {
    await expect(t.asOwner((db) => statement.execute(db))).rejects.toThrow(/append-only/);
  });
});

describe('tamper evidence', () => {
  it('verifies a clean chain, with checkpoints', async () => {
    const result = await verify();
    expect(result.problems).toEqual([]);
    expect(result.records).toBeGreaterThan(5);
    expect(result.checkpoints).toBeGreaterThan(0);
  });

  it('reports an altered field at its record, and nothing before it', async () => {
    const record = await recordAt(3);
    await tamper((db) => db.updateTable('access_log_records').set({ outcome: 'REFUSED', actor_org_id: 'cjg-den-haag' }).where('chain_id', '=', chain()).where('seq', '=', 3).execute());
    const result = await verify();
    expect(result.problems.map((p) => `${p.kind}@${p.seq}`)).toEqual(['hash_mismatch@3']);
    expect(result.problems.every((p) => (p.seq ?? 0) >= 3)).toBe(true);
    await restore(record);
    expect(await kinds()).toEqual([]);
  });

  it('reports a deleted record as a gap', async () => {
    const record = await recordAt(4);
    await tamper((db) => db.deleteFrom('access_log_records').where('chain_id', '=', chain()).where('seq', '=', 4).execute());
    expect(await kinds()).toEqual(['gap@4', 'broken_link@5']);
    await restore(record);
    expect(await kinds()).toEqual([]);
  });

  it('reports two swapped records', async () => {
    const [a, b] = [await recordAt(2), await recordAt(6)];
    await tamper(async (db) => {
      await db.deleteFrom('access_log_records').where('chain_id', '=', chain()).where('seq', 'in', [2, 6]).execute();
      await db.insertInto('access_log_records').values([{ ...a, seq: 6 }, { ...b, seq: 2 }]).execute();
    });
    const found = await kinds();
    expect(found).toEqual(expect.arrayContaining(['hash_mismatch@2', 'hash_mismatch@6']));
    await tamper((db) => db.deleteFrom('access_log_records').where('chain_id', '=', chain()).where('seq', 'in', [2, 6]).execute());
    await tamper((db) => db.insertInto('access_log_records').values([a, b]).execute());
    expect(await kinds()).toEqual([]);
  });

  it('reports a forged record inserted into the chain as a fork', async () => {
    const original = await recordAt(5);
    const forged = { ...original, occurred_at: new Date(new Date(original.occurred_at).getTime() + 1), actor_subject: 'nobody' };
    forged.hash = sha256(canonicalRecord(forged));
    await tamper((db) => db.insertInto('access_log_records').values(forged).execute());
    expect(await kinds()).toEqual(expect.arrayContaining(['fork@5']));
    await tamper((db) => db.deleteFrom('access_log_records').where('chain_id', '=', chain()).where('seq', '=', 5).where('actor_subject', '=', 'nobody').execute());
    expect(await kinds()).toEqual([]);
  });

  it('catches a rewrite with every hash recomputed, through the signed checkpoint', async () => {
    const all = (await t.database.db.selectFrom('access_log_records').selectAll().where('chain_id', '=', chain()).orderBy('seq').execute()) as unknown as StoredRecord[];
    const rewrite = async (records: StoredRecord[]) => {
      let prev = '0'.repeat(64);
      const out = records.map((record) => {
        const next = { ...record, prev_hash: prev };
        next.hash = sha256(canonicalRecord(next));
        prev = next.hash;
        return next;
      });
      await tamper(async (db) => {
        await db.deleteFrom('access_log_records').where('chain_id', '=', chain()).execute();
        await db.insertInto('access_log_records').values(out).execute();
        await db.updateTable('access_log_chains').set({ hash: prev }).where('id', '=', chain()).execute();
      });
    };
    await rewrite(all.map((record) => (record.seq === 2 ? { ...record, purpose: 'rewritten' } : record)));
    const found = await verify();
    expect(found.problems.some((p) => p.kind === 'hash_mismatch' || p.kind === 'broken_link')).toBe(false);
    expect(found.problems.map((p) => p.kind)).toContain('checkpoint_mismatch' satisfies ProblemKind);
    await rewrite(all);
    expect(await kinds()).toEqual([]);
  });

  it('catches the newest records deleted, through the checkpoint and the head', async () => {
    const last = (await verify()).lastSeq;
    const checkpoint = await t.database.db.selectFrom('access_log_checkpoints').selectAll().where('chain_id', '=', chain()).orderBy('id', 'desc').executeTakeFirstOrThrow();
    const newest = (db: Kysely<Tables>) => db.selectFrom('access_log_records').where('chain_id', '=', chain()).where('seq', '>', Number(checkpoint.seq) - 2);
    const removed = (await newest(t.database.db).selectAll().execute()) as unknown as StoredRecord[];
    await tamper((db) => db.deleteFrom('access_log_records').where('chain_id', '=', chain()).where('seq', '>', Number(checkpoint.seq) - 2).execute());
    const found = await kinds();
    expect(found).toEqual(expect.arrayContaining([`checkpoint_beyond_log@${checkpoint.seq}`]));
    expect(found.some((k) => k.startsWith('head_mismatch'))).toBe(true);
    await tamper((db) => db.insertInto('access_log_records').values(removed).execute());
    expect((await verify()).lastSeq).toBe(last);
    expect(await kinds()).toEqual([]);
  });

  it('catches a forged checkpoint signature', async () => {
    const first = await t.database.db.selectFrom('access_log_checkpoints').selectAll().where('chain_id', '=', chain()).orderBy('id').executeTakeFirstOrThrow();
    await tamper((db) =>
      db
        .updateTable('access_log_checkpoints')
        .set({ signature: Buffer.alloc(64, 7).toString('base64') })
        .where('chain_id', '=', chain())
        .where('id', '=', first.id)
        .execute(),
    );
    expect(await kinds()).toEqual(expect.arrayContaining([`bad_signature@${first.seq}`]));
    await tamper((db) => db.updateTable('access_log_checkpoints').set({ signature: first.signature }).where('chain_id', '=', chain()).where('id', '=', first.id).execute());
    expect(await kinds()).toEqual([]);
  });

  it('keeps one unbroken chain under 200 concurrent requests', async () => {
    const before = (await verify()).lastSeq;
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        t.gql(i % 2 ? LZ : { org: 'school-dalton-laak', role: 'PROFESSIONAL' }, '{ pupils(first: 2) { edges { node { familyName } } } }'),
      ),
    );
    const failed = responses.filter((r) => r.status !== 200 || r.body.errors);
    expect(failed.map((r) => `${r.status} ${JSON.stringify(r.body.errors)}`).slice(0, 3)).toEqual([]);
    const result = await verify();
    expect(result.problems).toEqual([]);
    expect(result.lastSeq).toBeGreaterThanOrEqual(before + 400);
  }, 60_000);
});

describe('npm run audit:verify', () => {
  /** Runs the command (in-process) against a copy of this test's database; returns its exit status and output. */
  async function runVerify(): Promise<CliResult> {
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test' };
    let dir: string | undefined;
    if (t.databaseUrl) env.DATABASE_URL = t.databaseUrl;
    else {
      delete env.DATABASE_URL;
      dir = mkdtempSync(join(tmpdir(), 'ketenhub-verify-'));
      const copy = await openPGlite({ dataDir: dir, loadDataDir: await t.database.pglite!.dumpDataDir('none') });
      await copy.close();
      env.DATA_DIR = dir;
    }
    try {
      return await runCli('audit-verify', [], env);
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  }

  it('says intact and exits 0 on a clean log; lists the problem and exits 1 on a tampered one', async () => {
    const clean = await runVerify();
    expect(clean.stdout, clean.stderr).toMatch(/^access log: \d+ records, \d+ checkpoints, last seq \d+: intact$/m);
    expect(clean.status).toBe(0);

    const record = await recordAt(3);
    await tamper((db) => db.updateTable('access_log_records').set({ purpose: 'edited' }).where('chain_id', '=', chain()).where('seq', '=', 3).execute());
    try {
      const tampered = await runVerify();
      expect(tampered.stdout).toMatch(new RegExp(`^chain ${chain()}, seq 3\thash_mismatch\t`, 'm'));
      expect(tampered.stdout).toMatch(/: 1 problems$/m);
      expect(tampered.status).toBe(1);
    } finally {
      await restore(record);
    }
  }, 600_000);
});

describe('privacy officers', () => {
  const LOG = `query($filter: AccessLogFilter, $employees: Boolean) {
    accessLog(filter: $filter, first: 100, includeEmployees: $employees) {
      totalCount
      edges { node { seq action outcome organisation { id } actorSubject purpose processingActivity { id legalBasis } pupilPseudonym categories fields emergency } }
    }
  }`;

  it('answer an inzageverzoek by pupil without employee names, unless the municipality asks', async () => {
    const answer = await t.gql(LZ_PO, LOG, { filter: { pupilId } });
    expect(answer.body.errors).toBeUndefined();
    const nodes = answer.body.data.accessLog.edges.map((e: { node: Record<string, unknown> }) => e.node);
    expect(nodes.length).toBeGreaterThan(0);
    for (const node of nodes) {
      expect(node.actorSubject).toBeNull();
      expect(node.pupilPseudonym).toBe(t.hub.services.accessLog.pseudonym(pupilId));
    }
    expect(nodes[0].processingActivity.legalBasis).toMatch(/Leerplichtwet/);
    const named = await t.gql(LZ_PO, LOG, { filter: { pupilId }, employees: true });
    expect(named.body.data.accessLog.edges[0].node.actorSubject).toBe('demo-professional@lz-den-haag');
    // A partner's privacy officer may not lift the names, and sees her own organisation's people only.
    const partner = await t.gql(SMW_PO, LOG, { filter: { pupilId }, employees: true });
    expect(partner.body.data.accessLog.edges.every((e: { node: { actorSubject: unknown; organisation: { id: string } } }) => e.node.organisation.id === 'smw-den-haag')).toBe(true);
  });

  it('query by actor, organisation, period and outcome; reading the log is logged', async () => {
    // The police's refused attempt names no pupil: it is the police's privacy officer's to read (her
    // own organisation's people), not the municipality's (neither her people nor her pupils).
    const byActor = await t.gql(POLICE_PO, LOG, { filter: { actorSubject: 'demo-professional@politie-den-haag', outcome: 'REFUSED' } });
    expect(byActor.body.errors).toBeUndefined();
    expect(byActor.body.data.accessLog.totalCount).toBe(1);
    expect(byActor.body.data.accessLog.edges[0].node.actorSubject).toBe('demo-professional@politie-den-haag');
    expect(byActor.body.data.accessLog.edges[0].node.organisation).toEqual({ id: 'politie-den-haag' });
    const notHers = await t.gql(LZ_PO, LOG, { filter: { actorSubject: 'demo-professional@politie-den-haag', outcome: 'REFUSED' } });
    expect(notHers.body.errors).toBeUndefined();
    expect(notHers.body.data.accessLog.totalCount).toBe(0);
    // Her own people, by actor and outcome.
    const own = await t.gql(LZ_PO, LOG, { filter: { actorSubject: 'demo-professional@lz-den-haag', outcome: 'GRANTED' } });
    expect(own.body.data.accessLog.totalCount).toBeGreaterThanOrEqual(1);
    for (const edge of own.body.data.accessLog.edges) expect(edge.node.organisation).toEqual({ id: 'lz-den-haag' });
    const empty = await t.gql(LZ_PO, LOG, { filter: { from: '2030-01-01T00:00:00Z' } });
    expect(empty.body.data.accessLog.totalCount).toBe(0);
    const reads = await t.database.db.selectFrom('access_log_records').selectAll().where('actor_role', '=', 'PRIVACY_OFFICER').execute();
    expect(reads.some((r) => r.fields.includes('Query.accessLog') && r.activity_id === 'toezicht-fg' && r.pupil_id === pupilId)).toBe(true);
  });

  it('are the only ones who read it', async () => {
    const professional = await t.gql(LZ, LOG, {});
    expect(professional.body.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('export CSV, with the export itself logged', async () => {
    const answer = await t.gql(LZ_PO, 'query($f: AccessLogFilter) { accessLogExport(filter: $f) { csv rows truncated } }', { f: { pupilId } });
    const exported = answer.body.data.accessLogExport;
    const lines = exported.csv.trim().split('\r\n');
    expect(lines[0]).toBe('seq,occurred_at,action,outcome,organisation,role,actor_subject,on_behalf_of,purpose,processing_activity,pupil_pseudonym,categories,fields,emergency,trace_id,hash');
    expect(lines.length - 1).toBe(exported.rows);
    expect(exported.truncated).toBe(false);
    expect(lines[1]).not.toContain('demo-professional');
    const exports = await t.database.db.selectFrom('access_log_records').select('action').where('action', '=', 'EXPORT').execute();
    expect(exports.length).toBe(1);
  });

  it('see signals: many pupils in an hour, repeated refusals, emergency access', async () => {
    for (let i = 0; i < 3; i++) await t.gql({ org: 'politie-den-haag', role: 'PROFESSIONAL' }, '{ pupils { edges { node { bsn } } } }');
    const rijswijk = await t.database.db.selectFrom('pupils').select('id').where('municipality_code', '=', 'GM0603').executeTakeFirstOrThrow();
    await t.gql(LZ, 'mutation($i: OpenEmergencyAccessInput!) { openEmergencyAccess(input: $i) { id } }', {
      i: { pupilId: rijswijk.id, reason: 'Melding: kind mogelijk in gevaar, geen link' },
    });
    const from = new Date(t.clock.now.getTime() - 3600_000).toISOString();
    const to = new Date(t.clock.now.getTime() + 3600_000).toISOString();
    const answer = await t.gql(LZ_PO, 'query($from: DateTime!, $to: DateTime!) { accessLogSignals(from: $from, to: $to) { kind actorSubject count organisation { id } } }', { from, to });
    const signals = answer.body.data.accessLogSignals as Array<{ kind: string; actorSubject: string; count: number }>;
    expect(signals).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'MANY_PUPILS', actorSubject: 'demo-professional@lz-den-haag' }),
        expect.objectContaining({ kind: 'EMERGENCY_ACCESS', actorSubject: 'demo-professional@lz-den-haag', count: 1 }),
      ]),
    );
    // Signals follow the log's tenancy: the police's refusals (about no pupil of hers) are not the
    // municipality's privacy officer's to see, but the police's own.
    expect(signals.filter((signal) => signal.actorSubject === 'demo-professional@politie-den-haag')).toEqual([]);
    const police = await t.gql(POLICE_PO, 'query($from: DateTime!, $to: DateTime!) { accessLogSignals(from: $from, to: $to) { kind actorSubject count organisation { id } } }', { from, to });
    expect(police.body.errors).toBeUndefined();
    const policeSignals = police.body.data.accessLogSignals as Array<{ kind: string; actorSubject: string; organisation: { id: string } }>;
    expect(policeSignals).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'REPEATED_REFUSALS', actorSubject: 'demo-professional@politie-den-haag' })]));
    for (const signal of policeSignals) expect(signal.organisation).toEqual({ id: 'politie-den-haag' });
  });
});
