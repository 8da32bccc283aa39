// npm run audit:verify [-- --public-key FILE ...] [--export-checkpoints FILE] [--checkpoints FILE]
// Walks every chain of the access log (one per writer) and its signed checkpoints and reports every
// inconsistency with its chain and sequence numbers (a missing or forked chain too), one line per
// chain, then one summary line. Exit status 0 only when all is intact.
// --export-checkpoints writes the checkpoints as JSON lines, to keep outside the database.
// --checkpoints compares the database with checkpoints kept outside it (such an export): a
// database restored from an older backup ends before them, which is reported as a rollback.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { keyIdOf, verifyAccessLog } from '../audit/chain.ts';
import { checkKeptCheckpoints, parseKeptCheckpoints } from '../audit/kept-checkpoints.ts';
import { createAccessLog, openDatabase } from '../hub.ts';
import { configOrStop, fail, type Command } from './command.ts';

export const run: Command = async (io) => {
  let values;
  try {
    ({ values } = parseArgs({
      args: io.args,
      options: { 'public-key': { type: 'string', multiple: true }, 'export-checkpoints': { type: 'string' }, checkpoints: { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    fail(io, `${(error as Error).message}\nusage: npm run audit:verify [-- --public-key FILE] [--export-checkpoints FILE] [--checkpoints FILE]`, 2);
  }

  const config = configOrStop(io, 2);
  // Keys that may have signed checkpoints: the configured signing key's, plus older ones given here.
  const keys = new Map<string, KeyObject>(createAccessLog(config).publicKeys);
  for (const file of values['public-key'] ?? []) {
    const key = createPublicKey(readFileSync(file, 'utf8'));
    keys.set(keyIdOf(key), key);
  }

  let kept;
  try {
    kept = values.checkpoints ? parseKeptCheckpoints(readFileSync(values.checkpoints, 'utf8')) : [];
  } catch (error) {
    fail(io, `--checkpoints ${values.checkpoints}: ${(error as Error).message}`, 2);
  }

  const database = await openDatabase(config);
  try {
    const result = await verifyAccessLog(database.db, keys);
    const problems = [...result.problems, ...(await checkKeptCheckpoints(database.db, kept, keys))];
    for (const problem of problems) {
      // Chain 1 (the log of before there were chains) is not named: its lines read as they always did.
      const chain = problem.chain !== undefined && problem.chain !== 1 ? `chain ${problem.chain}` : null;
      const where = [chain, problem.seq !== undefined ? `seq ${problem.seq}` : null, problem.checkpoint !== undefined ? `checkpoint ${problem.checkpoint}` : null]
        .filter(Boolean)
        .join(', ');
      io.out(`${where || '-'}\t${problem.kind}\t${problem.message}\n`);
    }
    for (const chain of result.chains)
      io.out(
        `chain ${chain.chain}: ${chain.records} records, last seq ${chain.lastSeq}, ${chain.checkpoints} checkpoints, ${chain.unsigned} after the last checkpoint` +
          `${chain.writer ? `, held by ${chain.writer}` : ''}\n`,
      );
    if (values['export-checkpoints']) {
      const checkpoints = await database.db.selectFrom('access_log_checkpoints').selectAll().orderBy('chain_id').orderBy('id').execute();
      writeFileSync(values['export-checkpoints'], checkpoints.map((c) => JSON.stringify(c)).join('\n') + (checkpoints.length ? '\n' : ''));
    }
    const summary = `access log: ${result.records} records, ${result.checkpoints} checkpoints, last seq ${result.lastSeq}: `;
    const against = values.checkpoints ? ` (and ${kept.length} checkpoints kept outside)` : '';
    io.out(problems.length === 0 ? `${summary}intact${against}\n` : `${summary}${problems.length} problems${against}\n`);
    return problems.length === 0 ? 0 : 1;
  } finally {
    await database.close();
  }
};
