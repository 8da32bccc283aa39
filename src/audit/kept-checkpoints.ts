// Checkpoints kept outside the database (`npm run audit:verify -- --export-checkpoints FILE`, copied
// somewhere the database's administrators cannot write) against the database as it is now. A
// database restored from an older backup, or cut back by someone who could also re-sign, is
// internally consistent: only a checkpoint from outside shows that it once went further. This makes
// such a rollback visible (exit 1), never silent.
import { verify, type KeyObject } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Tables } from '../db/tables.ts';
import { canonicalCheckpoint, type Checkpoint } from './chain.ts';

export interface KeptProblem {
  kind: 'rollback' | 'checkpoint_mismatch' | 'bad_signature' | 'unknown_key' | 'unreadable';
  checkpoint?: number;
  seq?: number;
  message: string;
}

/** Parses the JSON lines written by --export-checkpoints. */
export function parseKeptCheckpoints(text: string): Checkpoint[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      const row = JSON.parse(line) as Checkpoint;
      if (row.id === undefined || row.seq === undefined || !row.head_hash || !row.signature || !row.key_id)
        throw new Error(`line ${index + 1} is not a checkpoint`);
      return { ...row, id: Number(row.id), seq: Number(row.seq), created_at: new Date(row.created_at) };
    });
}

export async function checkKeptCheckpoints(db: Kysely<Tables>, kept: Checkpoint[], publicKeys: Map<string, KeyObject>): Promise<KeptProblem[]> {
  const problems: KeptProblem[] = [];
  const head = await db.selectFrom('access_log_head').select(['seq']).executeTakeFirst();
  const headSeq = head ? Number(head.seq) : 0;
  const genuine: Checkpoint[] = [];
  for (const checkpoint of kept) {
    const key = publicKeys.get(checkpoint.key_id);
    if (!key) {
      problems.push({ kind: 'unknown_key', checkpoint: checkpoint.id, message: `kept checkpoint ${checkpoint.id} is signed with unknown key ${checkpoint.key_id} (add its public key with --public-key)` });
      continue;
    }
    if (!verify(null, Buffer.from(canonicalCheckpoint(checkpoint)), key, Buffer.from(checkpoint.signature, 'base64'))) {
      problems.push({ kind: 'bad_signature', checkpoint: checkpoint.id, message: `kept checkpoint ${checkpoint.id} has a bad signature: the file was altered` });
      continue;
    }
    genuine.push(checkpoint);
  }
  const ahead = genuine.filter((checkpoint) => checkpoint.seq > headSeq);
  if (ahead.length > 0) {
    const last = ahead.reduce((a, b) => (b.seq > a.seq ? b : a));
    problems.push({
      kind: 'rollback',
      checkpoint: last.id,
      seq: last.seq,
      message:
        `the database's log ends at record ${headSeq}, but a checkpoint kept outside it (${last.id}, signed ${new Date(last.created_at).toISOString()}) covers records up to ${last.seq}: ` +
        `the database was restored from an older backup or cut back (${ahead.length} kept checkpoint(s) ahead of it)`,
    });
  }
  for (const checkpoint of genuine.filter((c) => c.seq <= headSeq)) {
    const [stored, record] = await Promise.all([
      db.selectFrom('access_log_checkpoints').select(['signature']).where('id', '=', checkpoint.id).executeTakeFirst(),
      db.selectFrom('access_log_records').select(['hash']).where('seq', '=', checkpoint.seq).executeTakeFirst(),
    ]);
    if (!stored || stored.signature !== checkpoint.signature || record?.hash !== checkpoint.head_hash)
      problems.push({
        kind: 'checkpoint_mismatch',
        checkpoint: checkpoint.id,
        seq: checkpoint.seq,
        message: `the database no longer matches checkpoint ${checkpoint.id} kept outside it (record ${checkpoint.seq}): the log was rewritten`,
      });
  }
  return problems;
}
