// Printing the letter "We zijn je kwijt, neem contact op" or the door note "Wij zijn langs geweest
// en we maken ons zorgen" for a family. A print shows the pupil's name (IDENTITY), school
// (SCHOOLING) and goes to the address (CONTACT): the caller's link must cover LETTER_CATEGORIES,
// and the print is recorded in the access log as PRINT.
import { z } from 'zod';
import type { RequestContext } from '../graphql/context.ts';
import { badInput, forbidden } from '../errors.ts';
import { parseInput, text, uuid } from '../graphql/input.ts';
import { requireOperation } from '../policy/operations.ts';
import { LETTER_CATEGORIES } from '../policy/policy.ts';
import type { PostalAddress } from '../letters/render.ts';
import { LETTER_LANGUAGES, type LetterLanguage } from '../policy/vocabulary.ts';

const PrintInput = z.object({
  caseId: uuid,
  document: z.enum(['LETTER', 'DOOR_NOTE']),
  language: z.enum(LETTER_LANGUAGES).nullish(),
  officerName: text(100).nullish(),
});

export async function printOutreachLetter(ctx: RequestContext, rawInput: unknown) {
  requireOperation(ctx, 'printOutreachLetter');
  const input = parseInput(PrintInput, rawInput);
  const found = await ctx.loaders.caseById.load(input.caseId.toLowerCase());
  const pupil = found?.full ? await ctx.loaders.pupilById.load(found.pupil_id) : null;
  if (!found || !pupil) {
    ctx.audit.record({ pupilId: found?.pupil_id ?? null, action: 'PRINT', outcome: 'REFUSED', field: 'Mutation.printOutreachLetter' });
    throw badInput('no case of a pupil out of view with this id that you may see in full', { argument: 'input.caseId' });
  }
  const access = await ctx.loaders.pupilAccess.load(pupil);
  const missing = LETTER_CATEGORIES.filter((category) => !access.categories.has(category));
  if (missing.length > 0) {
    ctx.audit.record({ pupilId: pupil.id, action: 'PRINT', outcome: 'REFUSED', field: 'Mutation.printOutreachLetter', emergency: access.emergency });
    throw forbidden(`printing needs ${missing.join(', ')} of this pupil, which your link does not cover`, { categories: missing });
  }

  // A letter goes by post, in a window envelope: without the family's full address it cannot be sent.
  // (A door note goes through the letterbox by hand and needs none.)
  const address = { street: pupil.street, houseNumber: pupil.house_number, postalCode: pupil.postal_code, city: pupil.city };
  const { isCompleteAddress } = await import('../letters/render.ts');
  if (input.document === 'LETTER' && !isCompleteAddress(address)) {
    throw badInput('this pupil has no complete postal address (street, house number, postcode, place) to send a letter to; print the door note, or have the address recorded first', {
      argument: 'input.document',
    });
  }

  const language = (input.language ?? pupil.letter_language) as LetterLanguage;
  // The school that reported the pupil: always there, also for an RMC pupil (18-23) without a school now.
  const [school, office, lastVisit] = await Promise.all([
    ctx.services.directory.require(found.reporting_school_id),
    ctx.services.directory.require(ctx.actor.organisationId),
    ctx.data
      .contactAttempts()
      .select('contact_attempts.occurred_at')
      .where('contact_attempts.case_id', '=', found.id)
      .where('contact_attempts.kind', '=', 'DOOR_VISIT')
      .orderBy('contact_attempts.occurred_at', 'desc')
      .limit(1)
      .executeTakeFirst(),
  ]);
  const municipality = await ctx.db.selectFrom('municipalities').select('name').where('code', '=', office.municipality_code).executeTakeFirst();
  // Loaded on the first print: the PDF stack and its fonts need not slow every start of the hub.
  const { renderLetter } = await import('../letters/render.ts');
  const pdf = await renderLetter({
    kind: input.document,
    language,
    pupilName: [pupil.given_name, pupil.family_name_prefix, pupil.family_name].filter(Boolean).join(' '),
    schoolName: school.name,
    officer: { name: input.officerName ?? office.name, organisation: office.name, phone: office.contact_phone, email: office.contact_email },
    date: ctx.now,
    visitDate: input.document === 'DOOR_NOTE' ? new Date(lastVisit?.occurred_at ?? ctx.now) : null,
    municipalityName: municipality?.name ?? office.municipality_code,
    reference: found.id.slice(-8).toUpperCase(),
    address: input.document === 'LETTER' ? (address as PostalAddress) : null,
  });
  for (const category of LETTER_CATEGORIES) ctx.audit.record({ pupilId: pupil.id, action: 'PRINT', outcome: 'GRANTED', category, field: `Mutation.printOutreachLetter(${input.document})`, emergency: access.emergency });
  const name = input.document === 'LETTER' ? 'brief-we-zijn-je-kwijt' : 'briefje-wij-zijn-langs-geweest';
  return {
    filename: `${name}-${found.id.slice(-8)}-${language}.pdf`,
    contentType: 'application/pdf',
    language,
    base64: pdf.toString('base64'),
    byteLength: pdf.length,
  };
}
