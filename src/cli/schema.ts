// npm run schema:check    what changed since the published schema (schema/published.graphql);
//                         exit 1 on a breaking change (CI runs it)
// npm run schema:publish  at a release: write the current SDL to schema/published.graphql
import { writeFileSync } from 'node:fs';
import { currentSdl, PUBLISHED_PATH, publishedSdl } from '../graphql/published.ts';
import { schemaChanges } from '../graphql/schema-changes.ts';
import { fail, type Command } from './command.ts';

export const run: Command = async (io) => {
  const command = io.args[0];
  if (command === 'publish') {
    writeFileSync(PUBLISHED_PATH, currentSdl());
    io.out(`wrote ${PUBLISHED_PATH}; add a CHANGELOG.md entry for the release\n`);
  } else if (command === 'check') {
    let before: string;
    try {
      before = publishedSdl();
    } catch {
      fail(io, `no published schema at ${PUBLISHED_PATH}: run npm run schema:publish at a release`);
    }
    const changes = await schemaChanges(before, currentSdl());
    for (const change of changes) io.out(`${change.level.padEnd(12)} ${change.message}\n`);
    const breaking = changes.filter((change) => change.level === 'BREAKING').length;
    io.out(
      changes.length === 0
        ? 'the schema is as published\n'
        : `${changes.length} change(s) since the published schema, ${breaking} breaking\n`,
    );
    if (breaking > 0) {
      fail(io, 'breaking changes: deprecate first (docs/integrators.md#versioning), or release them with a CHANGELOG.md entry and npm run schema:publish');
    }
  } else {
    fail(io, 'usage: npm run schema:check | npm run schema:publish');
  }
};
