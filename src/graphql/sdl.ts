// The schema-first source of truth: every .graphql file in schema/, in name order (but
// published.graphql, the SDL as last released, which the breaking-change check compares against).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PUBLISHED_FILE = 'published.graphql';
export const SCHEMA_DIR = fileURLToPath(new URL('../../schema/', import.meta.url));

export function readSchemaSource(dir = SCHEMA_DIR): string {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.graphql') && file !== PUBLISHED_FILE)
    .sort()
    .map((file) => readFileSync(join(dir, file), 'utf8'))
    .join('\n');
}
