// The schema as partners see it: the SDL this hub serves (GET /graphql/schema.graphql, whatever the
// introspection setting) and the copy committed at the last release (schema/published.graphql);
// schema-changes.ts compares the two.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { PUBLISHED_FILE, readSchemaSource, SCHEMA_DIR } from './sdl.ts';

/** The SDL of a schema, types in alphabetical order (a stable text for diffs and caches). */
export function printSdl(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}

/** The SDL of schema/ as this checkout has it. */
export function currentSdl(): string {
  return printSdl(buildSchema(readSchemaSource()));
}

export const PUBLISHED_PATH = join(SCHEMA_DIR, PUBLISHED_FILE);

/** The committed SDL of the last release, without its header comment. */
export function publishedSdl(path = PUBLISHED_PATH): string {
  return readFileSync(path, 'utf8');
}
