// Privacy officers check the access log's chain from the API (the console's "verify now"), as
// `npm run audit:verify` does: the check runs in the background and its outcome is kept.
import type { Resolvers } from '../generated/resolvers-types.ts';
import { newId } from '../db/ids.ts';
import { badInput } from '../errors.ts';
import { requireOperation } from '../policy/operations.ts';
import { verifyAccessLog } from './chain.ts';
import { z } from 'zod';
import { parseInput, text } from '../graphql/input.ts';

const VerifyInput = z.object({ reason: text(500) });

export const verificationResolvers: Resolvers = {
  Query: {
    accessLogVerifications: async (_parent, args, ctx) => {
      requireOperation(ctx, 'readAccessLog');
      const first = args.first ?? 10;
      if (!Number.isInteger(first) || first < 1 || first > 100) throw badInput('first must be from 1 to 100', { argument: 'first' });
      return ctx.data.accessLogVerifications().selectAll().orderBy('started_at', 'desc').orderBy('id', 'desc').limit(first).execute();
    },
  },
  Mutation: {
    verifyAccessLog: async (_parent, args, ctx) => {
      requireOperation(ctx, 'readAccessLog');
      const input = parseInput(VerifyInput, args.input);
      const row = await ctx.db
        .insertInto('access_log_verifications')
        .values({ id: newId(), org_id: ctx.actor.organisationId, actor_subject: ctx.actor.subject, reason: input.reason, started_at: ctx.now, status: 'RUNNING' })
        .returningAll()
        .executeTakeFirstOrThrow();
      ctx.audit.record({ pupilId: null, action: 'READ', outcome: 'GRANTED', field: 'Mutation.verifyAccessLog' });
      const { db, accessLog, clock, logger } = ctx.services;
      // In the background: the answer says it started; accessLogVerifications tells how it ended.
      void verifyAccessLog(db, accessLog.publicKeys)
        .then((result) =>
          db
            .updateTable('access_log_verifications')
            .set({
              status: result.problems.length === 0 ? 'INTACT' : 'BROKEN',
              finished_at: clock(),
              records: result.records,
              checkpoints: result.checkpoints,
              last_seq: result.lastSeq,
              problems: JSON.stringify(result.problems.slice(0, 1000)),
              chains: JSON.stringify(result.chains.map(({ chain, records, lastSeq, checkpoints, unsigned }) => ({ chain, records, lastSeq, checkpoints, unsigned }))),
            })
            .where('id', '=', row.id)
            .execute(),
        )
        .catch(async (error: Error) => {
          logger.error({ err: { message: error.message } }, 'access log verification failed');
          await db.updateTable('access_log_verifications').set({ status: 'FAILED', finished_at: clock() }).where('id', '=', row.id).execute().catch(() => undefined);
        });
      return row;
    },
  },
  AccessLogVerification: {
    organisation: (row, _args, ctx) => ctx.services.directory.require(row.org_id),
    startedAt: (row) => row.started_at,
    finishedAt: (row) => row.finished_at,
    records: (row) => (row.records === null ? null : Number(row.records)),
    lastSeq: (row) => (row.last_seq === null ? null : String(row.last_seq)),
    problems: (row) =>
      (JSON.parse(row.problems) as { kind: string; chain?: number; seq?: number; checkpoint?: number; message: string }[]).map((problem) => ({
        kind: problem.kind,
        chain: problem.chain ?? null,
        seq: problem.seq === undefined ? null : String(problem.seq),
        checkpoint: problem.checkpoint ?? null,
        message: problem.message,
      })),
    chains: (row) =>
      (JSON.parse(row.chains ?? '[]') as { chain: number; records: number; lastSeq: number; checkpoints: number; unsigned: number }[]).map((chain) => ({
        chain: chain.chain,
        records: chain.records,
        lastSeq: String(chain.lastSeq),
        checkpoints: chain.checkpoints,
        afterLastCheckpoint: chain.unsigned,
      })),
  },
};
