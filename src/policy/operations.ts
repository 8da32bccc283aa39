import type { RequestContext } from '../graphql/context.ts';
import { forbidden } from '../errors.ts';
import { mayPerform, type Operation } from './policy.ts';

/** Refuses (FORBIDDEN) an operation the caller's kind and role may not perform, per OPERATIONS. */
export function requireOperation(ctx: RequestContext, operation: Operation): void {
  if (!mayPerform(ctx.actor.organisationKind, ctx.actor.role, operation)) {
    ctx.audit.record({ pupilId: null, action: 'UPDATE', outcome: 'REFUSED', field: `Mutation.${operation}` });
    throw forbidden(`${ctx.actor.organisationKind} ${ctx.actor.role} may not ${operation}`, { operation });
  }
}
