// What changed between two SDLs, as @graphql-inspector classifies it (`npm run schema:check`, CI).
// A breaking change (a field removed, a type changed, an argument made required…) needs a release
// with a CHANGELOG.md entry; a field to be removed is first @deprecated with a date and kept at least
// six months. A development tool: @graphql-inspector is a devDependency, never loaded by the server.
import { diff, CriticalityLevel } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';

export interface SchemaChange {
  level: 'BREAKING' | 'DANGEROUS' | 'NON_BREAKING';
  path: string | undefined;
  message: string;
}

/** What changed from `before` to `after`, most severe first. */
export async function schemaChanges(before: string, after: string): Promise<SchemaChange[]> {
  const changes = await diff(buildSchema(before), buildSchema(after));
  const order = { BREAKING: 0, DANGEROUS: 1, NON_BREAKING: 2 } as const;
  return changes
    .map((change) => ({
      level:
        change.criticality.level === CriticalityLevel.Breaking
          ? ('BREAKING' as const)
          : change.criticality.level === CriticalityLevel.Dangerous
            ? ('DANGEROUS' as const)
            : ('NON_BREAKING' as const),
      path: change.path,
      message: change.message,
    }))
    .sort((a, b) => order[a.level] - order[b.level]);
}
