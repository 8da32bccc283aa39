// Finding a pupil of one's own municipality for the municipality's privacy officer (functionaris
// gegevensbescherming): by family name and date of birth, or by BSN, instead of pasting a UUID from
// elsewhere. She reads no case data, so the answer is ids only, through the gateway's tenantPupils
// (her municipality's pupils, whatever their links); every lookup lands in the access log.
import { z } from 'zod';
import type { RequestContext } from '../graphql/context.ts';
import { forbidden } from '../errors.ts';
import { parseFilter } from '../graphql/input.ts';
import { requireOperation } from '../policy/operations.ts';
import { REVIEWS_WHOLE_REGION } from '../policy/policy.ts';

/** At most this many ids in one answer: a lookup names a person, it does not list a population. */
export const LOOKUP_LIMIT = 10;

const name = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

const TenantPupilSearch = z
  .object({
    familyName: name,
    givenName: name,
    dateOfBirth: z.string(), // already checked by the Date scalar
    bsn: z.string().regex(/^[0-9]{9}$/, 'must be 9 digits'),
  })
  .partial()
  .refine((search) => (search.bsn !== undefined) !== (search.familyName !== undefined || search.dateOfBirth !== undefined || search.givenName !== undefined), {
    message: 'give familyName with dateOfBirth, or bsn (not both)',
    path: ['bsn'],
  })
  .refine((search) => search.bsn !== undefined || (search.familyName !== undefined && search.dateOfBirth !== undefined), {
    message: 'needs both familyName and dateOfBirth',
    path: ['dateOfBirth'],
  });

const FIELD = 'Query.tenantPupilIds';

export async function tenantPupilIds(ctx: RequestContext, raw: unknown): Promise<string[]> {
  requireOperation(ctx, 'readAccessLog');
  if (!REVIEWS_WHOLE_REGION.includes(ctx.actor.organisationKind)) {
    ctx.audit.record({ pupilId: null, action: 'SEARCH', outcome: 'REFUSED', field: FIELD });
    throw forbidden(`${ctx.actor.organisationKind} ${ctx.actor.role} may not look up the municipality's pupils: only the Leerlingzaken's privacy officer does`, {
      operation: 'tenantPupilIds',
    });
  }
  const search = parseFilter(TenantPupilSearch, raw);
  let query = ctx.data.tenantPupils().select('pupils.id');
  if (search.bsn !== undefined) query = query.where('pupils.bsn', '=', search.bsn);
  if (search.familyName !== undefined)
    query = query.where((eb) => eb(eb.fn('lower', ['pupils.family_name']), '=', search.familyName!.toLowerCase()));
  if (search.givenName !== undefined) query = query.where((eb) => eb(eb.fn('lower', ['pupils.given_name']), '=', search.givenName!.toLowerCase()));
  if (search.dateOfBirth !== undefined) query = query.where('pupils.date_of_birth', '=', search.dateOfBirth);
  const rows = await query.orderBy('pupils.id').limit(LOOKUP_LIMIT).execute();
  // What was searched on, not what was typed: the log names fields, never values.
  const field = `${FIELD}(${search.bsn !== undefined ? 'bsn' : ['familyName', 'givenName', 'dateOfBirth'].filter((key) => search[key as keyof typeof search] !== undefined).join(',')})`;
  if (rows.length === 0) ctx.audit.record({ pupilId: null, action: 'SEARCH', outcome: 'GRANTED', field });
  for (const row of rows) ctx.audit.record({ pupilId: row.id, action: 'SEARCH', outcome: 'GRANTED', field });
  return rows.map((row) => row.id);
}
