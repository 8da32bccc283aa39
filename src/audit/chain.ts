// The access log's hash chain and signed checkpoints.
//
// Each record's hash is SHA-256 over its canonical content, which includes its sequence number and
// the previous record's hash; appends take the lock on the single access_log_head row, so
// concurrent writers queue and the chain never forks. Every N records or T minutes a checkpoint
// (sequence, head hash, time, previous checkpoint's signature) is signed with Ed25519: rewriting
// the log, even with every hash recomputed, no longer matches a checkpoint kept elsewhere.
import { createHash, createHmac, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { AccessLogRecordRow, Tables } from '../db/tables.ts';

export const GENESIS_HASH = '0'.repeat(64);

export interface LogRecordInput {
  occurredAt: Date;
  traceId: string;
  spanId: string;
  requestId: string;
  action: string;
  outcome: string;
  actorSubject: string;
  actorOrgId: string;
  actorRole: string;
  onBehalfOf: string | null;
  purpose: string | null;
  activityId: string;
  activityVersion: number;
  pupilId: string | null;
  categories: string[];
  fields: string[];
  operationName: string | null;
  clientAddress: string | null;
  emergency: boolean;
}

/** A stored record as read back (column names of access_log_records). */
export type StoredRecord = AccessLogRecordRow;

/**
 * The canonical content of a record: a JSON array in fixed order. The pupil id is left out on
 * purpose: retention removes it when the pupil's data goes, and the chain must still verify; the
 * keyed pseudonym stands for the pupil in the hash.
 */
export function canonicalRecord(record: Omit<StoredRecord, 'hash' | 'pupil_id'>): string {
  return JSON.stringify([
    'ketenhub-access-log/1',
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
    record.pupil_pseudonym,
    [...record.categories],
    [...record.fields],
    record.operation_name,
    record.client_address,
    record.emergency,
    record.prev_hash,
  ]);
}

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export interface Checkpoint {
  id: number;
  seq: number;
  head_hash: string;
  created_at: Date;
  prev_signature: string;
  key_id: string;
  signature: string;
}

export function canonicalCheckpoint(checkpoint: Omit<Checkpoint, 'signature'>): string {
  return JSON.stringify([
    'ketenhub-access-log-checkpoint/1',
    Number(checkpoint.id),
    Number(checkpoint.seq),
    checkpoint.head_hash,
    new Date(checkpoint.created_at).toISOString(),
    checkpoint.prev_signature,
    checkpoint.key_id,
  ]);
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

export interface AccessLogOptions {
  pseudonymKey: string;
  signingKey: SigningKey;
  checkpointEvery: number;
  checkpointMinutes: number;
  /** Thresholds of the privacy officers' signals (see audit/queries.ts). */
  signals: { pupilsPerHour: number; refusalsPerHour: number };
}

/** Appends records to the chain; owns the pseudonym key and the checkpoint signing key. */
const APPEND_SLICE = 1_000;

interface Waiting {
  records: LogRecordInput[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** A record the log can never hold (a text column with NUL or a lone surrogate). */
export class UnwritableRecordError extends Error {}

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

export class AccessLog {
  #months = new Set<string>();

  constructor(private readonly options: AccessLogOptions) {}

  get signals(): AccessLogOptions['signals'] {
    return this.options.signals;
  }

  get publicKeys(): Map<string, KeyObject> {
    return new Map([[this.options.signingKey.keyId, this.options.signingKey.publicKey]]);
  }

  /** The keyed pseudonym of a pupil: stable, and useless without the key. */
  pseudonym(pupilId: string): string {
    return createHmac('sha256', this.options.pseudonymKey).update(pupilId.toLowerCase()).digest('hex');
  }

  /** Makes sure the monthly partitions for these moments exist (cached per process). */
  async ensurePartitions(db: Kysely<Tables>, moments: Date[]): Promise<void> {
    for (const moment of moments) {
      const month = moment.toISOString().slice(0, 7);
      if (this.#months.has(month)) continue;
      try {
        await sql`SELECT ensure_access_log_partition(${`${month}-01`}::date)`.execute(db);
      } catch (error) {
        // Another instance made it at the same moment: it exists, which is all we need.
        if (!/already exists/.test((error as Error).message)) throw error;
      }
      this.#months.add(month);
    }
  }

  /**
   * Appends records in order. Inside the caller's transaction when given one (writes: the change and
   * its record commit together); otherwise in a transaction of its own.
   */
  /** Told every append's duration (from the wait for the head to the write) and record count: the metrics. */
  observe?: (seconds: number, records: number) => void;

  async append(db: Kysely<Tables> | Transaction<Tables>, records: LogRecordInput[]): Promise<void> {
    if (records.length === 0) return;
    await this.ensurePartitions(db as Kysely<Tables>, records.map((record) => record.occurredAt));
    if (db.isTransaction) return this.#appendIn(db as Transaction<Tables>, records);
    // Group commit: reads of concurrent requests are appended together, one transaction (and one
    // wait for the head's lock) per batch instead of per request. Each caller still waits for the
    // commit of its own records before its response leaves. A record the database refuses for its
    // content fails only its own request (see #commit); a log that cannot be written fails them all.
    const problem = records.map(unwritable).find((found) => found !== null);
    if (problem) return Promise.reject(new UnwritableRecordError(problem));
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ records, resolve, reject });
      if (!this.#draining) void this.#drain(db as Kysely<Tables>);
    });
  }

  #waiting: Waiting[] = [];
  #draining = false;

  async #drain(db: Kysely<Tables>): Promise<void> {
    this.#draining = true;
    try {
      while (this.#waiting.length > 0) await this.#commit(db, this.#waiting.splice(0, 200));
    } finally {
      this.#draining = false;
    }
  }

  /**
   * One transaction for the batch. When the database refuses it for the content of a record (a data
   * exception or a constraint, SQLSTATE classes 22 and 23), each request's records are tried on
   * their own, so only the offending request fails. Any other failure (the connection, a
   * permission, a lock timeout) would fail each retry as well: the whole batch fails at once.
   */
  async #commit(db: Kysely<Tables>, batch: Waiting[]): Promise<void> {
    try {
      await db.transaction().execute((trx) => this.#appendIn(trx, batch.flatMap((entry) => entry.records)));
      for (const entry of batch) entry.resolve();
    } catch (error) {
      if (batch.length === 1 || !isContentError(error)) {
        for (const entry of batch) entry.reject(error);
        return;
      }
      for (const entry of batch) await this.#commit(db, [entry]);
    }
  }

  async #appendIn(trx: Transaction<Tables>, records: LogRecordInput[]): Promise<void> {
    const started = process.hrtime.bigint();
    await this.#appendRecords(trx, records);
    this.observe?.(Number(process.hrtime.bigint() - started) / 1e9, records.length);
  }

  async #appendRecords(trx: Transaction<Tables>, records: LogRecordInput[]): Promise<void> {
    const head = await trx.selectFrom('access_log_head').selectAll().forUpdate().executeTakeFirstOrThrow();
    let seq = Number(head.seq);
    let prev = head.hash;
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
      };
      const hash = sha256(canonicalRecord(row));
      prev = hash;
      return { ...row, hash };
    });
    // In slices: PostgreSQL takes at most 65,535 parameters per statement (a batch of 5,000 reports
    // makes 5,000 records of 23 columns).
    for (let i = 0; i < rows.length; i += APPEND_SLICE) await trx.insertInto('access_log_records').values(rows.slice(i, i + APPEND_SLICE)).execute();
    const checkpoint = this.#checkpointIfDue(head, seq, prev, records.at(-1)!.occurredAt);
    if (checkpoint) await trx.insertInto('access_log_checkpoints').values(checkpoint).execute();
    await trx
      .updateTable('access_log_head')
      .set({
        seq,
        hash: prev,
        ...(checkpoint
          ? {
              checkpoint_id: checkpoint.id,
              checkpoint_seq: checkpoint.seq,
              checkpoint_at: checkpoint.created_at,
              checkpoint_signature: checkpoint.signature,
            }
          : {}),
      })
      .execute();
  }

  /** A signed checkpoint when N records or T minutes have passed since the last one, else null. */
  #checkpointIfDue(
    head: { checkpoint_id: number; checkpoint_seq: number; checkpoint_at: Date | null; checkpoint_signature: string },
    seq: number,
    headHash: string,
    now: Date,
  ): Checkpoint | null {
    const lastSeq = Number(head.checkpoint_seq);
    const every = this.options.checkpointEvery;
    const byCount = Math.floor(seq / every) > Math.floor(lastSeq / every);
    const byTime =
      this.options.checkpointMinutes > 0 &&
      seq > lastSeq &&
      (!head.checkpoint_at || now.getTime() - new Date(head.checkpoint_at).getTime() >= this.options.checkpointMinutes * 60_000);
    if (!byCount && !byTime) return null;
    const checkpoint: Omit<Checkpoint, 'signature'> = {
      id: Number(head.checkpoint_id) + 1,
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

// ---- Verification ---------------------------------------------------------------------------------

export type ProblemKind =
  | 'hash_mismatch'
  | 'broken_link'
  | 'gap'
  | 'duplicate'
  | 'checkpoint_mismatch'
  | 'checkpoint_beyond_log'
  | 'checkpoint_chain'
  | 'bad_signature'
  | 'unknown_key'
  | 'head_mismatch';

export interface Problem {
  kind: ProblemKind;
  seq?: number;
  checkpoint?: number;
  message: string;
}

export interface VerifyResult {
  records: number;
  checkpoints: number;
  lastSeq: number;
  problems: Problem[];
}

/**
 * Walks the whole chain in sequence order, in batches, recomputing every hash, then checks every
 * checkpoint's signature, its link to the previous one, and that the chain still has the head hash
 * it recorded; finally the head row against the chain's end.
 */
export async function verifyAccessLog(db: Kysely<Tables>, publicKeys: Map<string, KeyObject>, batchSize = 5000): Promise<VerifyResult> {
  const problems: Problem[] = [];
  const hashAt = new Map<number, string>();
  let expected = 1;
  let prevHash = GENESIS_HASH;
  let records = 0;
  let lastSeq = 0;
  let after = 0;
  let previousSeq: number | null = null;
  // The head first: the log is checked up to it, so records appended while the check runs (a live
  // hub) are not mistaken for a mismatch. Appends move the head and add records in one commit.
  const head = await db.selectFrom('access_log_head').select(['seq', 'hash']).executeTakeFirst();
  const upTo = head ? Number(head.seq) : Number.MAX_SAFE_INTEGER;
  for (;;) {
    const batch = (await db
      .selectFrom('access_log_records')
      .selectAll()
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
      if (seq === previousSeq) {
        problems.push({ kind: 'duplicate', seq, message: `record ${seq} appears more than once` });
        continue;
      }
      if (seq !== expected)
        problems.push({ kind: 'gap', seq: expected, message: `records ${expected}${seq - 1 > expected ? `-${seq - 1}` : ''} are missing` });
      if (record.prev_hash !== prevHash)
        problems.push({ kind: 'broken_link', seq, message: `record ${seq} does not link to the record before it` });
      const recomputed = sha256(canonicalRecord(record));
      if (recomputed !== record.hash) problems.push({ kind: 'hash_mismatch', seq, message: `record ${seq} was altered: its content does not match its hash` });
      hashAt.set(seq, record.hash);
      prevHash = record.hash;
      previousSeq = seq;
      expected = seq + 1;
      lastSeq = seq;
    }
    after = Number(batch.at(-1)!.seq);
    // Keep only what checkpoints can still ask for: bounded memory on a long log.
    if (hashAt.size > 200_000) {
      const cut = after - 100_000;
      for (const key of hashAt.keys()) if (key < cut) hashAt.delete(key);
    }
  }

  const checkpoints = (await db.selectFrom('access_log_checkpoints').selectAll().where('seq', '<=', upTo).orderBy('id').execute()) as unknown as Checkpoint[];
  let previousSignature = '';
  let previousId = 0;
  const checkpointHashes = new Map<number, Checkpoint>();
  for (const checkpoint of checkpoints) {
    const id = Number(checkpoint.id);
    const key = publicKeys.get(checkpoint.key_id);
    if (!key) problems.push({ kind: 'unknown_key', checkpoint: id, message: `checkpoint ${id} is signed with unknown key ${checkpoint.key_id}` });
    else if (!verify(null, Buffer.from(canonicalCheckpoint(checkpoint)), key, Buffer.from(checkpoint.signature, 'base64')))
      problems.push({ kind: 'bad_signature', checkpoint: id, seq: Number(checkpoint.seq), message: `checkpoint ${id} has a bad signature` });
    if (id !== previousId + 1 || checkpoint.prev_signature !== previousSignature)
      problems.push({ kind: 'checkpoint_chain', checkpoint: id, message: `checkpoint ${id} does not follow checkpoint ${previousId}` });
    previousSignature = checkpoint.signature;
    previousId = id;
    checkpointHashes.set(Number(checkpoint.seq), checkpoint);
  }
  // Compare checkpoint head hashes with the chain (a second, cheap pass over just those records).
  for (const [seq, checkpoint] of checkpointHashes) {
    if (seq > lastSeq) {
      problems.push({
        kind: 'checkpoint_beyond_log',
        checkpoint: Number(checkpoint.id),
        seq,
        message: `checkpoint ${checkpoint.id} covers records up to ${seq}, but the log ends at ${lastSeq}: records were removed`,
      });
      continue;
    }
    const hash =
      hashAt.get(seq) ??
      (await db.selectFrom('access_log_records').select('hash').where('seq', '=', seq).executeTakeFirst())?.hash;
    if (hash !== checkpoint.head_hash)
      problems.push({
        kind: 'checkpoint_mismatch',
        checkpoint: Number(checkpoint.id),
        seq,
        message: `record ${seq} no longer has the hash checkpoint ${checkpoint.id} signed: the log was rewritten`,
      });
  }
  if (head && (Number(head.seq) !== lastSeq || (lastSeq > 0 && head.hash !== prevHash)))
    problems.push({ kind: 'head_mismatch', seq: Number(head.seq), message: `the head says record ${head.seq}, the log ends at ${lastSeq}` });
  // Records or checkpoints beyond the head as it is now were not appended through it. Head and rows
  // in one statement (one snapshot): an append committing in between must not look like one.
  const currentHead = db.selectFrom('access_log_head').select('seq');
  const [beyondRecord, beyondCheckpoint] = await Promise.all([
    db.selectFrom('access_log_records').select('seq').where('seq', '>', currentHead).orderBy('seq').limit(1).executeTakeFirst(),
    db.selectFrom('access_log_checkpoints').select(['id', 'seq']).where('seq', '>', currentHead).orderBy('seq').limit(1).executeTakeFirst(),
  ]);
  if (beyondRecord) problems.push({ kind: 'head_mismatch', seq: Number(beyondRecord.seq), message: `record ${beyondRecord.seq} lies beyond the head` });
  if (beyondCheckpoint)
    problems.push({ kind: 'checkpoint_beyond_log', checkpoint: Number(beyondCheckpoint.id), seq: Number(beyondCheckpoint.seq), message: `checkpoint ${beyondCheckpoint.id} lies beyond the head` });
  problems.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  return { records, checkpoints: checkpoints.length, lastSeq, problems };
}
