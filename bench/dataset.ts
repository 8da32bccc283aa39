// The benchmark's data set: the demo region, a region-scale set on top (src/demo/scale.ts), notes
// on the referrals, and a long access log of synthetic records. Generated once and reused: a PGlite
// data directory under bench/data/ (git-ignored), or a PostgreSQL database of its own.
//
// The synthetic access-log records form a valid hash chain with signed checkpoints (the development
// key, as the bench hub uses), so `npm run audit:verify` against the bench database stays meaningful.
// They are spread over the twelve months before the demo date, so the monthly partitions are used.
import { createHmac, sign } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { Actor } from '../src/auth/actor.ts';
import { canonicalCheckpoint, canonicalRecord, DEV_PSEUDONYM_KEY, DEV_SIGNING_KEY_FILE, GENESIS_HASH, loadSigningKey, sha256, type StoredRecord } from '../src/audit/chain.ts';
import { activityFor } from '../src/audit/processing-activities.ts';
import { connectPostgres, openPGlite, type Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import type { Tables } from '../src/db/tables.ts';
import { DEMO_BASE_TIME, isSeeded, seedDemoRegion } from '../src/demo/region.ts';
import { seedScaleRegion } from '../src/demo/scale.ts';
import type { DataCategory, OrganisationKind, Role } from '../src/policy/vocabulary.ts';

export interface DatasetSpec {
  pupils: number;
  schools: number;
  /** Access-log records at least (the benchmark itself adds more at every run). */
  logRecords: number;
}

export type Engine = 'pglite' | 'postgres';

export interface BenchDatabase {
  engine: Engine;
  /** Where the data lives (a directory or a database URL without credentials). */
  location: string;
  /** Opens a connection to it (as the owner: the hub switches to the application role itself). */
  open(role?: string): Promise<Database>;
  /** Removes a throwaway database (smoke runs); a no-op for the reused data set. */
  dispose(): Promise<void>;
}

const BENCH_DIR = new URL('.', import.meta.url).pathname;

/** A data set's name from its size, so a smaller or larger one never reuses the wrong data. */
export function datasetName(spec: DatasetSpec): string {
  return `p${spec.pupils}-s${spec.schools}`;
}

export function databaseUrlFor(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

const redact = (url: string) => {
  const parsed = new URL(url);
  parsed.password = '';
  return parsed.toString();
};

async function admin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * The place of the data set. `throwaway`: a fresh one, removed by dispose() (the smoke). Otherwise
 * PGlite in bench/data/<name>, or the PostgreSQL database `ketenhub_bench` (with a suffix for sizes
 * other than the region's, or BENCH_DATABASE) on the server of `databaseUrl`, created when missing.
 */
export async function benchDatabase(spec: DatasetSpec, options: { databaseUrl?: string; throwaway?: boolean }): Promise<BenchDatabase> {
  if (options.databaseUrl) {
    const base = options.databaseUrl;
    // BENCH_DATABASE names another database for the reused data set (several checkouts benching
    // on one server each keep their own, as their migrations may differ).
    const name = options.throwaway
      ? `ketenhub_bench_smoke_${process.pid}_${Date.now().toString(36)}`
      : process.env.BENCH_DATABASE && /^[a-z_][a-z0-9_]*$/.test(process.env.BENCH_DATABASE)
        ? process.env.BENCH_DATABASE
        : spec.pupils === 84_000 && spec.schools === 309
        ? 'ketenhub_bench'
        : `ketenhub_bench_${datasetName(spec).replace(/-/g, '_')}`;
    await admin(base, async (client) => {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
    });
    const url = databaseUrlFor(base, name);
    return {
      engine: 'postgres',
      location: redact(url),
      open: async (role) => connectPostgres({ connectionString: url, maxConnections: 10, statementTimeoutMs: 60_000, ...(role ? { role } : {}) }),
      dispose: async () => {
        if (options.throwaway) await admin(base, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      },
    };
  }
  if (options.throwaway) {
    // In memory: one PGlite instance shared by seeding and the hubs (PGlite has a single session).
    let shared: Database | undefined;
    return {
      engine: 'pglite',
      location: 'memory',
      open: async () => (shared ??= await openPGlite()),
      dispose: async () => {
        await shared?.close();
        shared = undefined;
      },
    };
  }
  const dir = resolve(BENCH_DIR, 'data', `pglite-${datasetName(spec)}`);
  mkdirSync(dir, { recursive: true });
  let shared: Database | undefined;
  return {
    engine: 'pglite',
    location: dir,
    open: async () => (shared ??= await openPGlite({ dataDir: dir })),
    dispose: async () => {
      await shared?.close();
      shared = undefined;
    },
  };
}

export interface DatasetSummary {
  pupils: number;
  schools: number;
  organisations: Record<string, number>;
  referrals: number;
  referralEvents: number;
  notes: number;
  contactAttempts: number;
  accessLogRecords: number;
  accessLogCheckpoints: number;
  accessLogPartitions: number;
  generatedSeconds: number;
  reused: boolean;
}

const count = async (db: Kysely<Tables>, table: keyof Tables) =>
  Number((await db.selectFrom(table).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);

/** Migrates, and adds whatever part of the data set is missing. */
export async function ensureDataset(database: Database, spec: DatasetSpec, progress: (message: string) => void): Promise<DatasetSummary> {
  const started = Date.now();
  let reused = true;
  const { db } = database;
  await migrate(database);
  if (!(await isSeeded(database))) {
    reused = false;
    const demo = await seedDemoRegion(database);
    progress(`demo region: ${demo.pupils} pupils`);
  }
  const scaleSchools = Number(
    (await db.selectFrom('organisations').select(sql<number>`count(*)`.as('n')).where('id', 'like', 'scale-school-%').executeTakeFirstOrThrow()).n,
  );
  if (scaleSchools === 0) {
    reused = false;
    progress(`generating ${spec.pupils} pupils in ${spec.schools} schools…`);
    await seedScaleRegion(database, { pupils: spec.pupils, schools: spec.schools, onProgress: progress });
  } else if (scaleSchools !== spec.schools) {
    throw new Error(`the bench database holds another data set (${scaleSchools} scale schools, not ${spec.schools}); remove it and run again`);
  }
  const notes = Number(
    (await db.selectFrom('notes').select(sql<number>`count(*)`.as('n')).where('author_subject', 'like', 'bench-%').executeTakeFirstOrThrow()).n,
  );
  if (notes === 0) {
    reused = false;
    const added = await addNotes(db);
    progress(`notes: ${added}`);
  }
  const head = await db.selectFrom('access_log_head').select(['seq']).executeTakeFirstOrThrow();
  if (Number(head.seq) < spec.logRecords) {
    reused = false;
    await appendSyntheticLog(db, spec.logRecords - Number(head.seq), progress);
  }
  const organisations = Object.fromEntries(
    (await db.selectFrom('organisations').select(['kind', sql<number>`count(*)`.as('n')]).groupBy('kind').orderBy('kind').execute()).map((row) => [
      row.kind,
      Number(row.n),
    ]),
  );
  const partitions = await sql<{ n: number }>`SELECT count(*) AS n FROM pg_inherits WHERE inhparent = 'access_log_records'::regclass`.execute(db);
  return {
    pupils: await count(db, 'pupils'),
    schools: organisations.SCHOOL ?? 0,
    organisations,
    referrals: await count(db, 'referrals'),
    referralEvents: await count(db, 'referral_events'),
    notes: await count(db, 'notes'),
    contactAttempts: await count(db, 'contact_attempts'),
    accessLogRecords: Number((await db.selectFrom('access_log_head').select('seq').executeTakeFirstOrThrow()).seq),
    accessLogCheckpoints: await count(db, 'access_log_checkpoints'),
    accessLogPartitions: Number(partitions.rows[0]?.n ?? 0),
    generatedSeconds: Math.round((Date.now() - started) / 100) / 10,
    reused,
  };
}

// ---- Notes ------------------------------------------------------------------------------------------

const CARE_KINDS = new Set(['SCHOOL_SOCIAL_WORK', 'CJG', 'VEILIG_THUIS', 'CRISIS_TEAM']);
const SAFETY_KINDS = new Set(['POLICE', 'VEILIG_THUIS', 'CRISIS_TEAM']);

/** One or two notes on every referral, by its receiver, in a category the receiver keeps. */
async function addNotes(db: Kysely<Tables>): Promise<number> {
  const rows = await sql<{ id: string; pupil_id: string; receiver_org_id: string; kind: string; created_at: Date }>`
    SELECT r.id, r.pupil_id, r.receiver_org_id, o.kind, r.created_at
    FROM referrals r JOIN organisations o ON o.id = r.receiver_org_id ORDER BY r.id`.execute(db);
  const notes: Array<Record<string, unknown>> = [];
  let i = 0;
  for (const referral of rows.rows) {
    const n = 1 + (i++ % 2);
    for (let k = 0; k < n; k++) {
      const category = SAFETY_KINDS.has(referral.kind) && k === 1 ? 'SAFETY' : CARE_KINDS.has(referral.kind) ? 'CARE' : 'SCHOOLING';
      const at = new Date(new Date(referral.created_at).getTime() + (k + 1) * 3600_000 * 26);
      notes.push({
        id: uuidFrom(`note:${referral.id}:${k}`),
        pupil_id: referral.pupil_id,
        referral_id: referral.id,
        category,
        body: `Benchmark note ${k + 1}: contact with the family, next step agreed.`,
        author_org_id: referral.receiver_org_id,
        author_subject: `bench-1@${referral.receiver_org_id}`,
        author_role: 'PROFESSIONAL',
        created_at: (at.getTime() > Date.parse(DEMO_BASE_TIME) ? new Date(Date.parse(DEMO_BASE_TIME) - 60_000) : at).toISOString(),
      });
    }
  }
  const columns: Array<[string, string]> = [
    ['id', 'uuid'], ['pupil_id', 'uuid'], ['referral_id', 'uuid'], ['category', 'text'], ['body', 'text'],
    ['author_org_id', 'text'], ['author_subject', 'text'], ['author_role', 'text'], ['created_at', 'timestamptz'],
  ];
  await db.transaction().execute(async (trx) => {
    for (let start = 0; start < notes.length; start += 2000) await unnestInsert(trx, 'notes', columns, notes.slice(start, start + 2000));
  });
  return notes.length;
}

/** A deterministic UUID (v4 layout) from a string: re-running gives the same ids. */
function uuidFrom(text: string): string {
  const h = sha256(text);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** INSERT … SELECT FROM unnest(one array per column): one parameter per column, on both engines. */
async function unnestInsert(db: Kysely<Tables>, table: string, columns: Array<[string, string]>, rows: Array<Record<string, unknown>>) {
  if (rows.length === 0) return;
  const parameters = columns.map(([column, type]) => {
    const values = rows.map((row) => {
      const value = row[column];
      if (value === null || value === undefined) return null;
      if (Array.isArray(value)) return `{${value.join(',')}}`;
      if (value instanceof Date) return value.toISOString();
      return value as string | number | boolean;
    });
    return sql`${values}::${sql.raw(type.endsWith('[]') ? 'text' : type)}[]`;
  });
  const names = columns.map(([column]) => sql.ref(column));
  const selected = columns.map(([column, type]) => (type.endsWith('[]') ? sql`${sql.ref(column)}::${sql.raw(type)}` : sql.ref(column)));
  await sql`INSERT INTO ${sql.table(table)} (${sql.join(names)}) SELECT ${sql.join(selected)} FROM unnest(${sql.join(parameters)}) AS t(${sql.join(names)})`.execute(db);
}

// ---- The synthetic access log -----------------------------------------------------------------------

export const LOG_MONTHS = 12;
const CHECKPOINT_EVERY = 1000; // the hub's default AUDIT_CHECKPOINT_EVERY
const ROWS_PER_INSERT = 5000;
const ROWS_PER_TRANSACTION = 50_000;
/** Staff per organisation in the synthetic log: `bench-<n>@<org>`. */
export const STAFF_PER_ORGANISATION = 6;

const LOG_COLUMNS: Array<[string, string]> = [
  ['seq', 'int8'], ['occurred_at', 'timestamptz'], ['trace_id', 'text'], ['span_id', 'text'], ['request_id', 'text'],
  ['action', 'text'], ['outcome', 'text'], ['actor_subject', 'text'], ['actor_org_id', 'text'], ['actor_role', 'text'],
  ['on_behalf_of', 'text'], ['purpose', 'text'], ['activity_id', 'text'], ['activity_version', 'int4'],
  ['pupil_pseudonym', 'text'], ['pupil_id', 'uuid'], ['categories', 'text[]'], ['fields', 'text[]'],
  ['operation_name', 'text'], ['client_address', 'text'], ['emergency', 'bool'], ['prev_hash', 'text'], ['hash', 'text'],
];

const READS: ReadonlyArray<{ categories: DataCategory[]; fields: string[]; operation: string }> = [
  { categories: ['IDENTITY', 'REFERRAL'], fields: ['Pupil.displayName', 'Referral.status'], operation: 'OpenReferrals' },
  { categories: ['CONTACT', 'IDENTITY'], fields: ['Pupil.address', 'Pupil.displayName', 'Pupil.phone'], operation: 'Pupil' },
  { categories: ['IDENTITY', 'SCHOOLING'], fields: ['Pupil.absentSince', 'Pupil.displayName', 'Pupil.grade'], operation: 'MissingPupils' },
  { categories: ['CARE', 'REFERRAL'], fields: ['Pupil.timeline'], operation: 'PupilTimeline' },
];

/** A small deterministic PRNG (mulberry32): the same log at every generation. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Appends `n` synthetic records after the chain's head, hashing each onto the previous one, with a
 * signed checkpoint every 1000 records, and moves the head. The records are spread evenly over the
 * twelve months before the demo date (each append spreads its own records over the same period).
 */
export async function appendSyntheticLog(db: Kysely<Tables>, n: number, progress: (message: string) => void): Promise<void> {
  const started = Date.now();
  const end = Date.parse(DEMO_BASE_TIME) - 3600_000;
  const begin = new Date(Date.UTC(2025, 2, 1)).getTime(); // 1 March 2025: 13 partitions up to March 2026
  for (let m = 0; m <= LOG_MONTHS; m++) {
    const month = new Date(Date.UTC(2025, 2 + m, 1)).toISOString().slice(0, 10);
    await sql`SELECT ensure_access_log_partition(${month}::date)`.execute(db);
  }
  const pupils = (await db.selectFrom('pupils').select('id').orderBy('id').execute()).map((row) => row.id);
  const organisations = await db.selectFrom('organisations').select(['id', 'kind', 'municipality_code']).orderBy('id').execute();
  // Leerlingzaken and the partners read far more than one school: weight them up.
  const weighted: Array<{ id: string; kind: string; municipality: string }> = [];
  for (const org of organisations) {
    const weight = org.kind === 'LEERLINGZAKEN' ? 40 : org.kind === 'SCHOOL' ? 1 : 15;
    for (let w = 0; w < weight; w++) weighted.push({ id: org.id, kind: org.kind, municipality: org.municipality_code ?? '' });
  }
  const pseudonyms = new Map<string, string>();
  const pseudonym = (id: string) => {
    let value = pseudonyms.get(id);
    if (!value) {
      value = createHmac('sha256', DEV_PSEUDONYM_KEY).update(id.toLowerCase()).digest('hex');
      pseudonyms.set(id, value);
    }
    return value;
  };
  const signingKey = loadSigningKey(DEV_SIGNING_KEY_FILE);
  // The synthetic log is chain 1's: the log as it was before there was a chain per writer.
  const head = await db.selectFrom('access_log_chains').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
  let seq = Number(head.seq);
  let prev = head.hash || GENESIS_HASH;
  let checkpoint = { id: Number(head.checkpoint_id), seq: Number(head.checkpoint_seq), signature: head.checkpoint_signature, at: head.checkpoint_at };
  const random = prng(seq + 1);
  const firstSeq = seq;
  let lastReported = 0;

  while (seq - firstSeq < n) {
    const batch = Math.min(ROWS_PER_TRANSACTION, n - (seq - firstSeq));
    const rows: Array<Record<string, unknown>> = [];
    const checkpoints: Array<Record<string, unknown>> = [];
    for (let i = 0; i < batch; i++) {
      seq += 1;
      const position = (seq - firstSeq - 0.5) / n;
      const occurredAt = new Date(begin + Math.floor(position * (end - begin)));
      const org = weighted[Math.floor(random() * weighted.length)]!;
      const staff = 1 + Math.floor(random() * STAFF_PER_ORGANISATION);
      const privacy = random() < 0.01 && org.kind !== 'SCHOOL';
      const role: Role = privacy ? 'PRIVACY_OFFICER' : staff === 1 ? 'COORDINATOR' : 'PROFESSIONAL';
      const pupilId = privacy ? null : pupils[Math.floor(random() * pupils.length)]!;
      const read = READS[Math.floor(random() * READS.length)]!;
      const refused = random() < 0.02;
      const actor = { organisationKind: org.kind as OrganisationKind, role, purpose: null } as Actor;
      const activity = activityFor(actor, 'READ', false, occurredAt);
      const traceId = `be4c${seq.toString(16).padStart(28, '0')}`;
      const row: Omit<StoredRecord, 'hash'> = {
        seq,
        occurred_at: occurredAt,
        trace_id: traceId,
        span_id: traceId.slice(0, 16),
        request_id: `bench-${seq}`,
        action: pupilId ? 'READ' : 'SEARCH',
        outcome: refused ? 'REFUSED' : 'GRANTED',
        actor_subject: `bench-${staff}@${org.id}`,
        actor_org_id: org.id,
        actor_role: role,
        on_behalf_of: null,
        purpose: null,
        activity_id: activity.id,
        activity_version: activity.version,
        pupil_pseudonym: pupilId ? pseudonym(pupilId) : null,
        pupil_id: pupilId,
        categories: privacy ? [] : read.categories,
        fields: privacy ? ['Query.accessLog'] : refused ? read.fields.map((field) => `!${field}`) : read.fields,
        operation_name: privacy ? 'AccessLog' : read.operation,
        client_address: '10.0.0.1',
        emergency: false,
        prev_hash: prev,
        chain_id: 1,
        pseudonym_key_version: null,
      };
      const hash = sha256(canonicalRecord(row));
      prev = hash;
      rows.push({ ...row, hash });
      if (Math.floor(seq / CHECKPOINT_EVERY) > Math.floor(checkpoint.seq / CHECKPOINT_EVERY)) {
        const unsigned = {
          id: checkpoint.id + 1,
          seq,
          head_hash: hash,
          created_at: occurredAt,
          prev_signature: checkpoint.signature,
          key_id: signingKey.keyId,
        };
        const signature = sign(null, Buffer.from(canonicalCheckpoint(unsigned)), signingKey.privateKey).toString('base64');
        checkpoints.push({ ...unsigned, signature });
        checkpoint = { id: unsigned.id, seq, signature, at: occurredAt };
      }
    }
    await db.transaction().execute(async (trx) => {
      await trx.selectFrom('access_log_chains').select('seq').where('id', '=', 1).forUpdate().executeTakeFirstOrThrow();
      for (let start = 0; start < rows.length; start += ROWS_PER_INSERT)
        await unnestInsert(trx, 'access_log_records', LOG_COLUMNS, rows.slice(start, start + ROWS_PER_INSERT));
      if (checkpoints.length > 0) await trx.insertInto('access_log_checkpoints').values(checkpoints as never).execute();
      await trx
        .updateTable('access_log_chains')
        .where('id', '=', 1)
        .set({
          seq,
          hash: prev,
          checkpoint_id: checkpoint.id,
          checkpoint_seq: checkpoint.seq,
          checkpoint_at: checkpoint.at,
          checkpoint_signature: checkpoint.signature,
        })
        .execute();
    });
    const done = seq - firstSeq;
    if (done - lastReported >= 250_000 || done === n) {
      lastReported = done;
      const seconds = (Date.now() - started) / 1000;
      progress(`access log: ${done.toLocaleString('en')}/${n.toLocaleString('en')} records (${Math.round(done / seconds).toLocaleString('en')}/s)`);
    }
  }
}

export const benchDataExists = (spec: DatasetSpec) => existsSync(resolve(BENCH_DIR, 'data', `pglite-${datasetName(spec)}`, 'PG_VERSION'));
