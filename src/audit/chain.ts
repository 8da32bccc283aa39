// The access log's hash chains and signed checkpoints.
//
// Each record's hash is SHA-256 over its canonical content, which includes its chain, its sequence
// number in that chain and the previous record's hash. Every writer (hub process, CLI run) appends
// to a chain of its own (access_log_chains: one head row per chain), so instances never wait on
// one another's head. Within a process, concurrent requests' records are appended as a group with
// one statement (access_log_append), which checks under the head's lock that they follow the head
// the writer hashed them onto. Every N records or T minutes a checkpoint of the chain (sequence,
// head hash, time, previous checkpoint's signature) is signed with Ed25519: rewriting the log, even
// with every hash recomputed, no longer matches a checkpoint kept elsewhere.
import { createHash, createHmac, createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { AccessLogRecordRow, Tables } from '../db/tables.ts';

export const GENESIS_HASH = '0'.repeat(64);
/** The chain written before there was one per writer: records and checkpoints in their first form. */
export const FIRST_CHAIN = 1;

export interface LogRecordInput {
  occurredAt: Date;
  traceId: string;
  spanId: string;
  requestId: string;
  action: StoredRecord['action'];
  outcome: StoredRecord['outcome'];
  actorSubject: string;
  actorOrgId: string;
  actorRole: string;
  onBehalfOf: string | null;
  purpose: string | null;
  activityId: string;
  activityVersion: number;
  pupilId: string | null;
  categories: StoredRecord['categories'];
  fields: string[];
  operationName: string | null;
  clientAddress: string | null;
  emergency: boolean;
}

/** A stored record as read back (column names of access_log_records). */
export type StoredRecord = AccessLogRecordRow;

/** Chain 1 holds the records of before (format 1); every chain a writer claims is format 2. */
export const formatOfChain = (chain: number | undefined | null): 1 | 2 => (chain === undefined || chain === null || Number(chain) === FIRST_CHAIN ? 1 : 2);

/**
 * The canonical content of a record: a JSON array in fixed order. The pupil id is left out on
 * purpose: retention removes it when the pupil's data goes, and the chain must still verify; the
 * keyed pseudonym stands for the pupil in the hash. Format 2 (every chain but the first) also
 * holds the chain and the version of the pseudonym key.
 */
export function canonicalRecord(record: Omit<StoredRecord, 'hash' | 'pupil_id'>, format = formatOfChain(record.chain_id)): string {
  const common = (head: unknown[], pseudonym: unknown[]) => [
    ...head,
    Number(record.seq),
    new Date(record.occurred_at).toISOString(),
    record.trace_id,
    record.span_id,
    record.request_id,
    record.action,
    record.outcome,
    record.actor_subject,
    record.actor_org_id,
    record.actor_role,
    record.on_behalf_of,
    record.purpose,
    record.activity_id,
    Number(record.activity_version),
    ...pseudonym,
    [...record.categories],
    [...record.fields],
    record.operation_name,
    record.client_address,
    record.emergency,
    record.prev_hash,
  ];
  if (format === 1) return JSON.stringify(common(['ketenhub-access-log/1'], [record.pupil_pseudonym]));
  const version = record.pseudonym_key_version === null || record.pseudonym_key_version === undefined ? null : Number(record.pseudonym_key_version);
  return JSON.stringify(common(['ketenhub-access-log/2', Number(record.chain_id)], [record.pupil_pseudonym, version]));
}

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export interface Checkpoint {
  /** Absent in checkpoints exported before there were chains: chain 1. */
  chain_id?: number;
  id: number;
  seq: number;
  head_hash: string;
  created_at: Date;
  prev_signature: string;
  key_id: string;
  signature: string;
}

export function canonicalCheckpoint(checkpoint: Omit<Checkpoint, 'signature'>): string {
  const tail = [
    Number(checkpoint.id),
    Number(checkpoint.seq),
    checkpoint.head_hash,
    new Date(checkpoint.created_at).toISOString(),
    checkpoint.prev_signature,
    checkpoint.key_id,
  ];
  if (formatOfChain(checkpoint.chain_id) === 1) return JSON.stringify(['ketenhub-access-log-checkpoint/1', ...tail]);
  return JSON.stringify(['ketenhub-access-log-checkpoint/2', Number(checkpoint.chain_id), ...tail]);
}

export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export const DEV_SIGNING_KEY_FILE = new URL('./dev-keys/checkpoint-ed25519.private.pem', import.meta.url);
export const DEV_PSEUDONYM_KEY = 'ketenhub-development-pseudonym-key: not a secret, never use in production';

/** Key id: the first 16 hex characters of SHA-256 over the public key (SPKI DER). */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

export function loadSigningKey(file: string | URL): SigningKey {
  const privateKey = createPrivateKey(readFileSync(file, 'utf8'));
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the checkpoint signing key must be an Ed25519 private key');
  const publicKey = createPublicKey(privateKey);
  return { keyId: keyIdOf(publicKey), privateKey, publicKey };
}

/** A version of the pseudonym key (AUDIT_PSEUDONYM_KEY and its predecessors). */
export interface PseudonymKey {
  version: number;
  key: string;
}

export interface AccessLogOptions {
  /** The key new pseudonyms are made with... */
  pseudonymKey: string;
  /** ...and its version, named in every record (default 1). */
  pseudonymKeyVersion?: number;
  /** Earlier versions: queries by pupil also look for the pseudonyms they made. */
  previousPseudonymKeys?: PseudonymKey[];
  signingKey: SigningKey;
  checkpointEvery: number;
  checkpointMinutes: number;
  /** Thresholds of the privacy officers' signals (see audit/queries.ts). */
  signals: { pupilsPerHour: number; refusalsPerHour: number };
  /** How long a chain stays this writer's without an append before another may claim it. */
  leaseSeconds?: number;
}

interface Waiting {
  records: LogRecordInput[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** The head of the writer's chain as it last saw it (a guess: the database has the truth). */
interface ChainHead {
  id: number;
  seq: number;
  hash: string;
  checkpoint_id: number;
  checkpoint_seq: number;
  checkpoint_at: Date | null;
  checkpoint_signature: string;
}

/** A record the log can never hold (a text column with NUL or a lone surrogate). */
export class UnwritableRecordError extends Error {}

/** The chain's head kept moving under this writer: it could not append. */
export class AppendConflictError extends Error {}

// eslint-disable-next-line no-control-regex
const NOT_STORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why PostgreSQL would refuse (or silently alter) this record's text, or null. */
function unwritable(record: LogRecordInput): string | null {
  for (const [name, value] of Object.entries(record)) {
    const texts = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
    if (texts.some((text) => typeof text === 'string' && NOT_STORABLE.test(text)))
      return `access-log record field ${name} holds text the database cannot store (NUL or a lone surrogate)`;
  }
  return null;
}

/** SQLSTATE 22xxx (data exception) or 23xxx (integrity constraint): the content, not the log, is at fault. */
function isContentError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23]/.test(code);
}

/** Records per group-commit statement at most: a long queue is written in several. */
const GROUP_LIMIT = 500;
/** Tries of one append when the head moved in between (another transaction of this writer). */
const APPEND_TRIES = 8;
/** Pseudonyms kept in memory (HMAC per pupil once, not per record). */
const PSEUDONYM_CACHE = 100_000;

interface AppendResult {
  appended: boolean;
  seq: string | number;
  hash: string;
  checkpoint_id: string | number;
  checkpoint_seq: string | number;
  checkpoint_at: Date | string | null;
  checkpoint_signature: string;
  writer: string | null;
}

export class AccessLog {
  #months = new Set<string>();
  #pseudonyms = new Map<string, string>();
  /** Who this writer is, in the chain's `writer` column: host, process, and a random part. */
  readonly writer = `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
  #chain: ChainHead | null = null;
  #claiming: Promise<ChainHead> | null = null;

  constructor(private readonly options: AccessLogOptions) {}

  get signals(): AccessLogOptions['signals'] {
    return this.options.signals;
  }

  get publicKeys(): Map<string, KeyObject> {
    return new Map([[this.options.signingKey.keyId, this.options.signingKey.publicKey]]);
  }

  /** The version of the pseudonym key new records are made with. */
  get pseudonymKeyVersion(): number {
    return this.options.pseudonymKeyVersion ?? 1;
  }

  /** The chain this writer appends to, once it has claimed one. */
  get chainId(): number | null {
    return this.#chain?.id ?? null;
  }

  /** The keyed pseudonym of a pupil under the current key: stable, and useless without the key. */
  pseudonym(pupilId: string): string {
    const id = pupilId.toLowerCase();
    let value = this.#pseudonyms.get(id);
    if (value === undefined) {
      value = createHmac('sha256', this.options.pseudonymKey).update(id).digest('hex');
      if (this.#pseudonyms.size >= PSEUDONYM_CACHE) this.#pseudonyms.clear();
      this.#pseudonyms.set(id, value);
    }
    return value;
  }

  /** The pupil's pseudonyms under every key version known (current first): what a query by pupil looks for. */
  pseudonymsOf(pupilId: string): string[] {
    const id = pupilId.toLowerCase();
    return [this.pseudonym(id), ...(this.options.previousPseudonymKeys ?? []).map(({ key }) => createHmac('sha256', key).update(id).digest('hex'))];
  }

  /** Makes sure the monthly partitions for these moments exist (cached per process). */
  async ensurePartitions(db: Kysely<Tables>, moments: Date[]): Promise<void> {
    for (const moment of moments) {
      const month = moment.toISOString().slice(0, 7);
      if (this.#months.has(month)) continue;
      // Concurrent first appends of a month ask once.
      let making = this.#making.get(month);
      if (!making) {
        making = sql`SELECT ensure_access_log_partition(${`${month}-01`}::date)`
          .execute(db)
          .then(
            () => undefined,
            (error: Error) => {
              // Another instance made it at the same moment: it exists, which is all we need.
              if (!/already exists/.test(error.message)) throw error;
            },
          )
          .finally(() => this.#making.delete(month));
        this.#making.set(month, making);
      }
      await making;
      this.#months.add(month);
    }
  }
  #making = new Map<string, Promise<void>>();

  /** Told every append's duration (the statement, including any wait for the head) and record count: the metrics. */
  observe?: (seconds: number, records: number) => void;

  /**
   * Appends records in order. Inside the caller's transaction when given one (writes: the change and
   * its records commit together); otherwise with the records of concurrent requests (group commit).
   */
  async append(db: Kysely<Tables> | Transaction<Tables>, records: LogRecordInput[]): Promise<void> {
    if (records.length === 0) return;
    await this.ensurePartitions(db as Kysely<Tables>, records.map((record) => record.occurredAt));
    if (db.isTransaction) return this.#appendChained(db, records);
    // Group commit: reads of concurrent requests are appended together, one statement (one round
    // trip, one wait for the head's lock) per group instead of per request. Each caller still waits
    // for the commit of its own records before its response leaves. A record the database refuses
    // for its content fails only its own request (see #commit); a log that cannot be written fails
    // them all.
    const problem = records.map(unwritable).find((found) => found !== null);
    if (problem) return Promise.reject(new UnwritableRecordError(problem));
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ records, resolve, reject });
      if (!this.#draining) void this.#drain(db as Kysely<Tables>);
    });
  }

  /** Lets go of this writer's chain (at shutdown), so the next process can take it over at once. */
  async release(db: Kysely<Tables>): Promise<void> {
    const chain = this.#chain;
    if (!chain) return;
    this.#chain = null;
    await sql`SELECT access_log_release_chain(${chain.id}::integer, ${this.writer})`.execute(db);
  }

  #waiting: Waiting[] = [];
  #draining = false;

  async #drain(db: Kysely<Tables>): Promise<void> {
    this.#draining = true;
    try {
      while (this.#waiting.length > 0) {
        let count = 0;
        let take = 0;
        while (take < this.#waiting.length && (take === 0 || count + this.#waiting[take]!.records.length <= GROUP_LIMIT)) count += this.#waiting[take++]!.records.length;
        await this.#commit(db, this.#waiting.splice(0, take));
      }
    } finally {
      this.#draining = false;
    }
  }

  /**
   * One statement for the group. When the database refuses it for the content of a record (a data
   * exception or a constraint, SQLSTATE classes 22 and 23), each request's records are tried on
   * their own, so only the offending request fails. Any other failure (the connection, a
   * permission, a lock timeout) would fail each retry as well: the whole group fails at once.
   */
  async #commit(db: Kysely<Tables>, batch: Waiting[]): Promise<void> {
    try {
      await this.#appendChained(db, batch.length === 1 ? batch[0]!.records : batch.flatMap((entry) => entry.records));
      for (const entry of batch) entry.resolve();
    } catch (error) {
      if (batch.length === 1 || !isContentError(error)) {
        for (const entry of batch) entry.reject(error);
        return;
      }
      for (const entry of batch) await this.#commit(db, [entry]);
    }
  }

  /** Claims a chain for this writer (one at a time per process). */
  async #claim(db: Kysely<Tables> | Transaction<Tables>): Promise<ChainHead> {
    if (db.isTransaction) return (this.#chain = await this.#claimIn(db));
    this.#claiming ??= this.#claimIn(db).finally(() => (this.#claiming = null));
    return (this.#chain = await this.#claiming);
  }

  async #claimIn(db: Kysely<Tables> | Transaction<Tables>): Promise<ChainHead> {
    const lease = this.options.leaseSeconds ?? 300;
    const { rows } = await sql<AppendResult & { id: number }>`SELECT * FROM access_log_claim_chain(${this.writer}, ${lease}::integer)`.execute(db);
    const row = rows[0];
    if (!row) throw new Error('no access log chain could be claimed');
    return headOf(Number(row.id), row);
  }

  /**
   * Hashes the records onto the head this writer expects and appends them in one statement. When
   * the head has moved (a transaction of this writer committed records meanwhile, or the chain went
   * to another writer), hashes again onto the head the database returned, or claims another chain.
   * Outside a transaction the head's lock lasts one statement, so a retry there could lose the head
   * again to writes that keep committing (each holds the lock until its change commits); the retries
   * run inside one transaction instead, where the first call keeps the lock and the next one lands.
   * Each retry uses the head its own call returned, never one another request left behind.
   */
  async #appendChained(db: Kysely<Tables> | Transaction<Tables>, records: LogRecordInput[]): Promise<void> {
    const started = process.hrtime.bigint();
    let head = await this.#appendOnto(db, this.#chain ?? (await this.#claim(db)), records, started);
    if (head === true) return;
    const retry = async (conn: Kysely<Tables> | Transaction<Tables>) => {
      for (let attempt = 1; attempt < APPEND_TRIES; attempt++) {
        head = await this.#appendOnto(conn, head === true || head === null ? await this.#claim(conn) : head, records, started);
        if (head === true) return;
      }
      throw new AppendConflictError(`the access log's chain kept moving: ${records.length} records not appended after ${APPEND_TRIES} tries`);
    };
    if (db.isTransaction) return retry(db);
    await (db as Kysely<Tables>).transaction().execute(retry);
  }

  /** One append statement: true when the records are in; else the head to hash onto next (null: the chain is not ours, claim another). */
  async #appendOnto(db: Kysely<Tables> | Transaction<Tables>, head: ChainHead, records: LogRecordInput[], started: bigint): Promise<true | ChainHead | null> {
    const { rows, checkpoint } = this.chainOnto(head, records);
    const result = await sql<AppendResult>`SELECT * FROM access_log_append(${head.id}::integer, ${this.writer}, ${head.seq}::bigint, ${head.hash}, ${JSON.stringify(rows)}::jsonb, ${checkpoint ? JSON.stringify(checkpoint) : null}::jsonb)`.execute(db);
    const row = result.rows[0]!;
    const next = row.writer === this.writer || row.appended ? headOf(head.id, row) : null;
    // Where the next request starts. Concurrent results may arrive out of order (or a transaction
    // that appended may roll back): a stale guess costs that request one retry, nothing more.
    this.#chain = next;
    if (!row.appended) return next;
    this.observe?.(Number(process.hrtime.bigint() - started) / 1e9, records.length);
    return true;
  }

  /**
   * The rows of these records chained onto a head, and the checkpoint due after them (or null).
   * Pure but for the clock-free signing: exported for the tests and the benchmark.
   */
  chainOnto(head: ChainHead, records: LogRecordInput[]): { rows: StoredRecord[]; checkpoint: Checkpoint | null } {
    let seq = head.seq;
    let prev = head.hash;
    const version = this.pseudonymKeyVersion;
    const rows: StoredRecord[] = records.map((record) => {
      seq += 1;
      const row: Omit<StoredRecord, 'hash'> = {
        seq,
        occurred_at: record.occurredAt,
        trace_id: record.traceId,
        span_id: record.spanId,
        request_id: record.requestId,
        action: record.action,
        outcome: record.outcome,
        actor_subject: record.actorSubject,
        actor_org_id: record.actorOrgId,
        actor_role: record.actorRole,
        on_behalf_of: record.onBehalfOf,
        purpose: record.purpose,
        activity_id: record.activityId,
        activity_version: record.activityVersion,
        pupil_pseudonym: record.pupilId ? this.pseudonym(record.pupilId) : null,
        pupil_id: record.pupilId,
        categories: record.categories,
        fields: record.fields,
        operation_name: record.operationName,
        client_address: record.clientAddress,
        emergency: record.emergency,
        prev_hash: prev,
        chain_id: head.id,
        pseudonym_key_version: record.pupilId ? version : null,
      };
      const hash = sha256(canonicalRecord(row, formatOfChain(head.id)));
      prev = hash;
      return { ...row, hash };
    });
    return { rows, checkpoint: this.#checkpointIfDue(head, seq, prev, records.at(-1)!.occurredAt) };
  }

  /** A signed checkpoint when N records or T minutes have passed since the chain's last one, else null. */
  #checkpointIfDue(head: ChainHead, seq: number, headHash: string, now: Date): Checkpoint | null {
    const lastSeq = head.checkpoint_seq;
    const every = this.options.checkpointEvery;
    const byCount = Math.floor(seq / every) > Math.floor(lastSeq / every);
    const byTime =
      this.options.checkpointMinutes > 0 &&
      seq > lastSeq &&
      (!head.checkpoint_at || now.getTime() - new Date(head.checkpoint_at).getTime() >= this.options.checkpointMinutes * 60_000);
    if (!byCount && !byTime) return null;
    const checkpoint: Omit<Checkpoint, 'signature'> = {
      chain_id: head.id,
      id: head.checkpoint_id + 1,
      seq,
      head_hash: headHash,
      created_at: now,
      prev_signature: head.checkpoint_signature,
      key_id: this.options.signingKey.keyId,
    };
    const signature = sign(null, Buffer.from(canonicalCheckpoint(checkpoint)), this.options.signingKey.privateKey).toString('base64');
    return { ...checkpoint, signature };
  }
}

function headOf(id: number, row: Omit<AppendResult, 'appended' | 'writer'>): ChainHead {
  return {
    id,
    seq: Number(row.seq),
    hash: row.hash,
    checkpoint_id: Number(row.checkpoint_id),
    checkpoint_seq: Number(row.checkpoint_seq),
    checkpoint_at: row.checkpoint_at ? new Date(row.checkpoint_at) : null,
    checkpoint_signature: row.checkpoint_signature,
  };
}

// ---- Verification ---------------------------------------------------------------------------------

export type ProblemKind =
  | 'hash_mismatch'
  | 'broken_link'
  | 'gap'
  | 'duplicate'
  | 'fork'
  | 'missing_chain'
  | 'checkpoint_mismatch'
  | 'checkpoint_beyond_log'
  | 'checkpoint_chain'
  | 'bad_signature'
  | 'unknown_key'
  | 'head_mismatch';

export interface Problem {
  kind: ProblemKind;
  chain?: number;
  seq?: number;
  checkpoint?: number;
  message: string;
}

/** What the verifier found in one chain. */
export interface ChainSummary {
  chain: number;
  format: number;
  /** The writer holding it (host/pid/random), or null when released. */
  writer: string | null;
  records: number;
  checkpoints: number;
  lastSeq: number;
  /** Records after the chain's last signed checkpoint: chained, but not yet covered by a signature. */
  unsigned: number;
}

export interface VerifyResult {
  records: number;
  checkpoints: number;
  /** The sum of the chains' last sequence numbers: the records the chains say they hold. */
  lastSeq: number;
  chains: ChainSummary[];
  problems: Problem[];
}

interface ChainRow {
  id: number;
  format: number;
  seq: number;
  hash: string;
  writer: string | null;
}

/**
 * Checks every chain: walks each in sequence order, in batches, recomputing every hash, then checks
 * every checkpoint's signature, its link to the chain's previous one, and that the chain still has
 * the head hash it recorded; the head row against the chain's end. Across chains: chain ids run
 * from 1 without a gap, and no record or checkpoint names a chain that has no head (a missing
 * chain).
 */
export async function verifyAccessLog(db: Kysely<Tables>, publicKeys: Map<string, KeyObject>, batchSize = 5000): Promise<VerifyResult> {
  // The heads first: each chain is checked up to its head, so records appended while the check runs
  // (a live hub) are not mistaken for a mismatch. Appends move the head and add records in one commit.
  const chains = (await db.selectFrom('access_log_chains').select(['id', 'format', 'seq', 'hash', 'writer']).orderBy('id').execute()).map((row) => ({
    ...row,
    id: Number(row.id),
    seq: Number(row.seq),
  })) as ChainRow[];
  const problems: Problem[] = [];
  const summaries: ChainSummary[] = [];
  let expectedId = 1;
  for (const chain of chains) {
    for (; expectedId < chain.id; expectedId++)
      problems.push({ kind: 'missing_chain', chain: expectedId, message: `chain ${expectedId} is missing: its head is gone (chains ${chain.id - 1 > expectedId ? `${expectedId}-${chain.id - 1}` : expectedId} between existing ones)` });
    expectedId = chain.id + 1;
    const found = await verifyChain(db, chain, publicKeys, batchSize);
    summaries.push(found.summary);
    problems.push(...found.problems);
  }
  // Records or checkpoints of a chain without a head (a loose index scan over the primary keys).
  const known = new Set(chains.map((chain) => chain.id));
  const [recordChains, checkpointChains] = await Promise.all([distinctChains(db, 'access_log_records'), distinctChains(db, 'access_log_checkpoints')]);
  for (const id of new Set([...recordChains, ...checkpointChains])) {
    if (known.has(id) || id < expectedId) continue;
    problems.push({ kind: 'missing_chain', chain: id, message: `chain ${id} has records or checkpoints but no head: its head row was removed` });
  }
  problems.sort((a, b) => (a.chain ?? 0) - (b.chain ?? 0) || (a.seq ?? 0) - (b.seq ?? 0));
  return {
    records: summaries.reduce((sum, chain) => sum + chain.records, 0),
    checkpoints: summaries.reduce((sum, chain) => sum + chain.checkpoints, 0),
    lastSeq: summaries.reduce((sum, chain) => sum + chain.lastSeq, 0),
    chains: summaries,
    problems,
  };
}

async function distinctChains(db: Kysely<Tables>, table: 'access_log_records' | 'access_log_checkpoints'): Promise<number[]> {
  const { rows } = await sql<{ c: number | null }>`
    WITH RECURSIVE t(c) AS (
      SELECT min(chain_id) FROM ${sql.table(table)}
      UNION ALL
      SELECT (SELECT min(chain_id) FROM ${sql.table(table)} WHERE chain_id > t.c) FROM t WHERE t.c IS NOT NULL
    ) SELECT c FROM t WHERE c IS NOT NULL`.execute(db);
  return rows.map((row) => Number(row.c));
}

async function verifyChain(
  db: Kysely<Tables>,
  chain: ChainRow,
  publicKeys: Map<string, KeyObject>,
  batchSize: number,
): Promise<{ summary: ChainSummary; problems: Problem[] }> {
  const id = chain.id;
  const format = formatOfChain(id);
  const problems: Problem[] = [];
  const at = (problem: Omit<Problem, 'chain'>) => problems.push({ chain: id, ...problem });
  const hashAt = new Map<number, string>();
  let expected = 1;
  let prevHash = GENESIS_HASH;
  let previous: StoredRecord | null = null;
  let records = 0;
  let lastSeq = 0;
  let after = 0;
  const upTo = chain.seq;
  for (;;) {
    const batch = (await db
      .selectFrom('access_log_records')
      .selectAll()
      .where('chain_id', '=', id)
      .where('seq', '>', after)
      .where('seq', '<=', upTo)
      .orderBy('seq')
      .orderBy('occurred_at')
      .limit(batchSize)
      .execute()) as unknown as StoredRecord[];
    if (batch.length === 0) break;
    for (const record of batch) {
      const seq = Number(record.seq);
      records++;
      if (previous && seq === Number(previous.seq)) {
        if (record.hash === previous.hash) at({ kind: 'duplicate', seq, message: `record ${seq} appears more than once` });
        else at({ kind: 'fork', seq, message: `chain ${id} forks at record ${seq}: two different records claim that place` });
        continue;
      }
      if (seq !== expected)
        at({ kind: 'gap', seq: expected, message: `records ${expected}${seq - 1 > expected ? `-${seq - 1}` : ''} of chain ${id} are missing` });
      if (record.prev_hash !== prevHash) at({ kind: 'broken_link', seq, message: `record ${seq} does not link to the record before it` });
      if (sha256(canonicalRecord(record, format)) !== record.hash)
        at({ kind: 'hash_mismatch', seq, message: `record ${seq} was altered: its content does not match its hash` });
      hashAt.set(seq, record.hash);
      prevHash = record.hash;
      previous = record;
      expected = seq + 1;
      lastSeq = seq;
    }
    after = Number(batch.at(-1)!.seq);
    // Keep only what checkpoints can still ask for: bounded memory on a long chain.
    if (hashAt.size > 200_000) {
      const cut = after - 100_000;
      for (const key of hashAt.keys()) if (key < cut) hashAt.delete(key);
    }
  }

  const checkpoints = (
    await db.selectFrom('access_log_checkpoints').selectAll().where('chain_id', '=', id).where('seq', '<=', upTo).orderBy('id').execute()
  ).map((row) => ({ ...row, chain_id: id })) as unknown as Checkpoint[];
  let previousSignature = '';
  let previousId = 0;
  let lastCheckpointSeq = 0;
  for (const checkpoint of checkpoints) {
    const number = Number(checkpoint.id);
    const seq = Number(checkpoint.seq);
    const key = publicKeys.get(checkpoint.key_id);
    if (!key) at({ kind: 'unknown_key', checkpoint: number, message: `checkpoint ${number} is signed with unknown key ${checkpoint.key_id}` });
    else if (!verify(null, Buffer.from(canonicalCheckpoint(checkpoint)), key, Buffer.from(checkpoint.signature, 'base64')))
      at({ kind: 'bad_signature', checkpoint: number, seq, message: `checkpoint ${number} has a bad signature` });
    if (number !== previousId + 1 || checkpoint.prev_signature !== previousSignature)
      at({ kind: 'checkpoint_chain', checkpoint: number, message: `checkpoint ${number} does not follow checkpoint ${previousId}` });
    previousSignature = checkpoint.signature;
    previousId = number;
    lastCheckpointSeq = Math.max(lastCheckpointSeq, seq);
    // The checkpoint's head hash against the chain (kept in memory, or one more lookup).
    if (seq > lastSeq) {
      at({
        kind: 'checkpoint_beyond_log',
        checkpoint: number,
        seq,
        message: `checkpoint ${number} covers records up to ${seq}, but the chain ends at ${lastSeq}: records were removed`,
      });
      continue;
    }
    const hash =
      hashAt.get(seq) ??
      (await db.selectFrom('access_log_records').select('hash').where('chain_id', '=', id).where('seq', '=', seq).executeTakeFirst())?.hash;
    if (hash !== checkpoint.head_hash)
      at({ kind: 'checkpoint_mismatch', checkpoint: number, seq, message: `record ${seq} no longer has the hash checkpoint ${number} signed: the log was rewritten` });
  }
  if (chain.seq !== lastSeq || (lastSeq > 0 && chain.hash !== prevHash))
    at({ kind: 'head_mismatch', seq: chain.seq, message: `the head of chain ${id} says record ${chain.seq}, the chain ends at ${lastSeq}` });
  // Records or checkpoints beyond the head as it is now were not appended through it. Head and rows
  // in one statement (one snapshot): an append committing in between must not look like one.
  const currentHead = db.selectFrom('access_log_chains').select('seq').where('id', '=', id);
  const [beyondRecord, beyondCheckpoint] = await Promise.all([
    db.selectFrom('access_log_records').select('seq').where('chain_id', '=', id).where('seq', '>', currentHead).orderBy('seq').limit(1).executeTakeFirst(),
    db.selectFrom('access_log_checkpoints').select(['id', 'seq']).where('chain_id', '=', id).where('seq', '>', currentHead).orderBy('seq').limit(1).executeTakeFirst(),
  ]);
  if (beyondRecord) at({ kind: 'head_mismatch', seq: Number(beyondRecord.seq), message: `record ${beyondRecord.seq} lies beyond the head of chain ${id}` });
  if (beyondCheckpoint)
    at({ kind: 'checkpoint_beyond_log', checkpoint: Number(beyondCheckpoint.id), seq: Number(beyondCheckpoint.seq), message: `checkpoint ${beyondCheckpoint.id} lies beyond the head of chain ${id}` });
  return {
    summary: { chain: id, format, writer: chain.writer, records, checkpoints: checkpoints.length, lastSeq, unsigned: Math.max(0, lastSeq - lastCheckpointSeq) },
    problems,
  };
}
