// Checkpoints kept outside the database (`npm run audit:verify -- --export-checkpoints FILE`, copied
// somewhere the database's administrators cannot write) against the database as it is now. A
// database restored from an older backup, or cut back by someone who could also re-sign, is
// internally consistent: only a checkpoint from outside shows that it once went further. This makes
// such a rollback visible (exit 1), never silent, for every chain: also a chain that is missing
// from the database altogether (restored from before it existed, or removed).
import { verify, type KeyObject } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Tables } from '../db/tables.ts';
import { canonicalCheckpoint, FIRST_CHAIN, type Checkpoint } from './chain.ts';

export interface KeptProblem {
  kind: 'rollback' | 'checkpoint_mismatch' | 'bad_signature' | 'unknown_key' | 'unreadable';
  chain?: number;
  checkpoint?: number;
  seq?: number;
  message: string;
}

/** Parses the JSON lines written by --export-checkpoints (lines without a chain are chain 1's). */
export function parseKeptCheckpoints(text: string): Checkpoint[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      const row = JSON.parse(line) as Checkpoint;
      if (row.id === undefined || row.seq === undefined || !row.head_hash || !row.signature || !row.key_id)
        throw new Error(`line ${index + 1} is not a checkpoint`);
      return { ...row, chain_id: Number(row.chain_id ?? FIRST_CHAIN), id: Number(row.id), seq: Number(row.seq), created_at: new Date(row.created_at) };
    });
}

export async function checkKeptCheckpoints(db: Kysely<Tables>, kept: Checkpoint[], publicKeys: Map<string, KeyObject>): Promise<KeptProblem[]> {
  const problems: KeptProblem[] = [];
  const heads = new Map((await db.selectFrom('access_log_chains').select(['id', 'seq']).execute()).map((row) => [Number(row.id), Number(row.seq)]));
  const genuine = new Map<number, Checkpoint[]>();
  for (const checkpoint of kept) {
    const chain = Number(checkpoint.chain_id ?? FIRST_CHAIN);
    const key = publicKeys.get(checkpoint.key_id);
    if (!key) {
      problems.push({ kind: 'unknown_key', chain, checkpoint: checkpoint.id, message: `kept checkpoint ${checkpoint.id} is signed with unknown key ${checkpoint.key_id} (add its public key with --public-key)` });
      continue;
    }
    if (!verify(null, Buffer.from(canonicalCheckpoint({ ...checkpoint, chain_id: chain })), key, Buffer.from(checkpoint.signature, 'base64'))) {
      problems.push({ kind: 'bad_signature', chain, checkpoint: checkpoint.id, message: `kept checkpoint ${checkpoint.id} has a bad signature: the file was altered` });
      continue;
    }
    genuine.set(chain, [...(genuine.get(chain) ?? []), checkpoint]);
  }
  for (const [chain, checkpoints] of [...genuine].sort(([a], [b]) => a - b)) {
    const headSeq = heads.get(chain) ?? 0;
    const ahead = checkpoints.filter((checkpoint) => checkpoint.seq > headSeq);
    if (ahead.length > 0) {
      const last = ahead.reduce((a, b) => (b.seq > a.seq ? b : a));
      problems.push({
        kind: 'rollback',
        chain,
        checkpoint: last.id,
        seq: last.seq,
        message:
          `the database's log ends at record ${headSeq}, but a checkpoint kept outside it (${last.id}, signed ${new Date(last.created_at).toISOString()}) covers records up to ${last.seq}: ` +
          `the database was restored from an older backup or cut back (${ahead.length} kept checkpoint(s) ahead of it` +
          `${heads.has(chain) ? '' : `; chain ${chain} is missing from the database altogether`})`,
      });
    }
    for (const checkpoint of checkpoints.filter((c) => c.seq <= headSeq)) {
      const [stored, record] = await Promise.all([
        db.selectFrom('access_log_checkpoints').select(['signature']).where('chain_id', '=', chain).where('id', '=', checkpoint.id).executeTakeFirst(),
        db.selectFrom('access_log_records').select(['hash']).where('chain_id', '=', chain).where('seq', '=', checkpoint.seq).executeTakeFirst(),
      ]);
      if (!stored || stored.signature !== checkpoint.signature || record?.hash !== checkpoint.head_hash)
        problems.push({
          kind: 'checkpoint_mismatch',
          chain,
          checkpoint: checkpoint.id,
          seq: checkpoint.seq,
          message: `the database no longer matches checkpoint ${checkpoint.id} of chain ${chain} kept outside it (record ${checkpoint.seq}): the log was rewritten`,
        });
    }
  }
  return problems;
}
