// npm run audit:verify [-- --public-key FILE ...] [--export-checkpoints FILE]
// Walks the access log's hash chain and its signed checkpoints and reports every inconsistency with
// its sequence numbers, then one summary line. Exit status 0 only when all is intact.
// --export-checkpoints writes the checkpoints as JSON lines, to keep outside the database.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { keyIdOf, verifyAccessLog } from '../audit/chain.ts';
import { createAccessLog, openDatabase } from '../hub.ts';
import { configOrExit, fail } from './exit.ts';

let values;
try {
  ({ values } = parseArgs({
    options: { 'public-key': { type: 'string', multiple: true }, 'export-checkpoints': { type: 'string' } },
    strict: true,
  }));
} catch (error) {
  fail(`${(error as Error).message}\nusage: npm run audit:verify [-- --public-key FILE] [--export-checkpoints FILE]`, 2);
}

const config = configOrExit(2);
// Keys that may have signed checkpoints: the configured signing key's, plus older ones given here.
const keys = new Map<string, KeyObject>(createAccessLog(config).publicKeys);
for (const file of values['public-key'] ?? []) {
  const key = createPublicKey(readFileSync(file, 'utf8'));
  keys.set(keyIdOf(key), key);
}

const database = await openDatabase(config);
try {
  const result = await verifyAccessLog(database.db, keys);
  for (const problem of result.problems) {
    const where = [problem.seq !== undefined ? `seq ${problem.seq}` : null, problem.checkpoint !== undefined ? `checkpoint ${problem.checkpoint}` : null]
      .filter(Boolean)
      .join(', ');
    process.stdout.write(`${where || '-'}\t${problem.kind}\t${problem.message}\n`);
  }
  if (values['export-checkpoints']) {
    const checkpoints = await database.db.selectFrom('access_log_checkpoints').selectAll().orderBy('id').execute();
    writeFileSync(values['export-checkpoints'], checkpoints.map((c) => JSON.stringify(c)).join('\n') + (checkpoints.length ? '\n' : ''));
  }
  const summary = `access log: ${result.records} records, ${result.checkpoints} checkpoints, last seq ${result.lastSeq}: `;
  process.stdout.write(result.problems.length === 0 ? `${summary}intact\n` : `${summary}${result.problems.length} problems\n`);
  process.exitCode = result.problems.length === 0 ? 0 : 1;
} finally {
  await database.close();
}
