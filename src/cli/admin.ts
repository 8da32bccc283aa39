// npm run admin -- webhook-secrets reseal
//   Re-seals every webhook endpoint's signing secret under WEBHOOK_SECRET_KEY, opening it with the
//   key it was sealed with, WEBHOOK_SECRET_KEY_PREVIOUS (from the environment, never an argument:
//   arguments end up in shell histories and process lists). One transaction; running it again
//   changes nothing. See docs/operations.md, "Keys and their rotation".
// Uses DATABASE_URL, or the PGlite database in DATA_DIR (stop the hub first: PGlite has one user).
import { DEV_WEBHOOK_SECRET_KEY, openSecret, sealSecret } from '../events/webhooks.ts';
import { openDatabase } from '../hub.ts';
import { configOrExit, fail } from './exit.ts';

const USAGE = 'usage: npm run admin -- webhook-secrets reseal   (with WEBHOOK_SECRET_KEY_PREVIOUS and WEBHOOK_SECRET_KEY set)';
const [subject, verb, ...rest] = process.argv.slice(2);
if (subject !== 'webhook-secrets' || verb !== 'reseal' || rest.length > 0) fail(USAGE);

const config = configOrExit();
const previous = process.env.WEBHOOK_SECRET_KEY_PREVIOUS;
if (!previous) fail(`WEBHOOK_SECRET_KEY_PREVIOUS must name the key the secrets are sealed with now\n${USAGE}`);
const next = config.WEBHOOK_SECRET_KEY ?? (config.NODE_ENV === 'production' ? fail('WEBHOOK_SECRET_KEY must be set when NODE_ENV=production') : DEV_WEBHOOK_SECRET_KEY);
if (next === previous) fail('WEBHOOK_SECRET_KEY and WEBHOOK_SECRET_KEY_PREVIOUS are the same key');

const opens = (sealed: string, key: string) => {
  try {
    return openSecret(sealed, key);
  } catch {
    return null;
  }
};

const database = await openDatabase(config);
try {
  const result = await database.db.transaction().execute(async (trx) => {
    const endpoints = await trx.selectFrom('webhook_endpoints').select(['id', 'secret']).orderBy('id').forUpdate().execute();
    let resealed = 0;
    let already = 0;
    for (const endpoint of endpoints) {
      const secret = opens(endpoint.secret, previous);
      if (secret === null) {
        // Sealed under the new key already (a second run, or an endpoint registered since): leave it.
        if (opens(endpoint.secret, next) !== null) {
          already++;
          continue;
        }
        throw new Error(`the secret of webhook endpoint ${endpoint.id} opens with neither key: nothing was changed`);
      }
      await trx.updateTable('webhook_endpoints').set({ secret: sealSecret(secret, next) }).where('id', '=', endpoint.id).execute();
      resealed++;
    }
    return { resealed, already };
  });
  process.stdout.write(`webhook secrets: ${result.resealed} re-sealed under WEBHOOK_SECRET_KEY, ${result.already} already under it\n`);
} catch (error) {
  process.stderr.write(`reseal failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await database.close();
}
