// Persisted operations: with PERSISTED_OPERATIONS_FILE set, the hub runs only operations
// registered there, named by the SHA-256 of their text (`extensions.persistedQuery.sha256Hash`,
// the Apollo convention). The file is a JSON object { "<sha256 hex>": "<operation text>" }, as the
// persisted-documents output of graphql-codegen's client preset; each hash is checked at start.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Plugin } from 'graphql-yoga';
import { ConfigError } from '../config.ts';

/** A ConfigError: `npm start` stops with its one line. */
export class PersistedOperationsError extends ConfigError {}

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export function loadPersistedOperations(file: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PersistedOperationsError(`invalid configuration: PERSISTED_OPERATIONS_FILE: cannot read ${file} as JSON (${(error as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new PersistedOperationsError('invalid configuration: PERSISTED_OPERATIONS_FILE: must be a JSON object of sha256 hash to operation text');
  const operations = new Map<string, string>();
  for (const [hash, text] of Object.entries(parsed)) {
    if (typeof text !== 'string' || !/^[0-9a-f]{64}$/.test(hash) || sha256(text) !== hash)
      throw new PersistedOperationsError(`invalid configuration: PERSISTED_OPERATIONS_FILE: entry ${hash.slice(0, 80)} is not the sha256 of its operation text`);
    operations.set(hash, text);
  }
  return operations;
}

export function usePersistedOperationsOnly(operations: ReadonlyMap<string, string>): Plugin {
  return usePersistedOperations({
    allowArbitraryOperations: false,
    getPersistedOperation: (hash) => operations.get(hash) ?? null,
    customErrors: {
      notFound: {
        message: 'This hub runs only registered operations, and this hash is not registered',
        extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST', http: { status: 400 } },
      },
      persistedQueryOnly: {
        message: 'This hub runs only registered operations: send extensions.persistedQuery { version: 1, sha256Hash } instead of a query',
        extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 400 } },
      },
      keyNotFound: {
        message: 'This hub runs only registered operations: send extensions.persistedQuery { version: 1, sha256Hash } instead of a query',
        extensions: { code: 'PERSISTED_QUERY_ID_REQUIRED', http: { status: 400 } },
      },
    },
  }) as Plugin;
}
