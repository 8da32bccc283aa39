// Where the schema meets the policy. The SDL tags fields with @category; this module enforces the
// tags at two layers, both asking policy.ts:
//   1. before execution, an operation selecting a field of a category the caller's kind and role
//      may never read is refused whole, naming the fields (in the manner of
//      @envelop/operation-field-permissions), so integrators learn at once what they may not ask;
//   2. during execution, every tagged field of a pupil's data resolves only when the caller's
//      lawful links to that pupil cover the category; each read or refusal goes to the access log.
import type { Plugin } from '@envelop/core';
import {
  defaultFieldResolver,
  getArgumentValues,
  getNamedType,
  isInputObjectType,
  isObjectType,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLInputField,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import type { RequestContext } from '../graphql/context.ts';
import { forbidden } from '../errors.ts';
import { toGraphQLError } from '../graphql/errors.ts';
import type { PupilRow, ReferralRow } from '../db/tables.ts';
import type { CaseModel } from '../outreach/cases.ts';
import { mayEverRead, referralLinks } from './policy.ts';
import { DATA_CATEGORIES, type DataCategory } from './vocabulary.ts';

/** The category a field or input field is tagged with, if any. */
export function categoryOf(field: GraphQLField<unknown, unknown> | GraphQLInputField): DataCategory | null {
  const directive = field.astNode?.directives?.find((d) => d.name.value === 'category');
  const argument = directive?.arguments?.find((a) => a.name.value === 'name');
  if (!argument || argument.value.kind !== 'EnumValue') return null;
  const value = argument.value.value as DataCategory;
  return DATA_CATEGORIES.includes(value) ? value : null;
}

interface DocumentCategories {
  /** Tagged fields, `Type.field` → category: the same for every execution of the document. */
  fields: Map<string, DataCategory>;
  /** Whether any field takes a DataCategory argument, whose values may come from variables. */
  categoryArguments: boolean;
}

// Per parsed document (yoga caches documents, so a repeated operation is walked once). Keyed by the
// document object itself: nothing about a caller is stored.
const documentCategories = new WeakMap<DocumentNode, DocumentCategories>();

/**
 * Tagged fields selected anywhere in the document (fragments, aliases, inline fragments included),
 * and categories named in arguments of type DataCategory (asking for notes of a category is reading
 * it), as `Type.field` or `Type.field(argument: CATEGORY)` → category.
 */
export function selectedCategoryFields(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> = {}) {
  const cached = documentCategories.get(document);
  if (cached && !cached.categoryArguments) return cached.fields;
  const typeInfo = new TypeInfo(schema);
  const found = new Map<string, DataCategory>();
  const fields = new Map<string, DataCategory>();
  let categoryArguments = false;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const field = typeInfo.getFieldDef();
        const parent = typeInfo.getParentType();
        if (!field || !parent) return;
        const category = categoryOf(field);
        if (category) {
          found.set(`${parent.name}.${field.name}`, category);
          fields.set(`${parent.name}.${field.name}`, category);
        }
        for (const argument of field.args) {
          if (getNamedType(argument.type).name !== 'DataCategory') continue;
          categoryArguments = true;
          let values: Record<string, unknown>;
          try {
            values = getArgumentValues(field, node, variables);
          } catch {
            continue; // invalid values are reported by validation and execution
          }
          const named = ([] as unknown[]).concat(values[argument.name] ?? []);
          for (const value of named)
            if (typeof value === 'string' && (DATA_CATEGORIES as readonly string[]).includes(value))
              found.set(`${parent.name}.${field.name}(${argument.name}: ${value})`, value as DataCategory);
        }
      },
    }),
  );
  documentCategories.set(document, { fields, categoryArguments });
  return found;
}

/** Layer 1: refuse, before execution, operations that ask for categories never readable. */
export function useOperationCategoryGuard(): Plugin<RequestContext> {
  return {
    // The same for subscriptions: refused before the stream starts.
    async onSubscribe({ args, setResultAndStopExecution }) {
      const refusal = await refuseNeverReadable(args);
      if (refusal) setResultAndStopExecution(refusal);
    },
    async onExecute({ args, setResultAndStopExecution }) {
      const refusal = await refuseNeverReadable(args);
      if (refusal) setResultAndStopExecution(refusal);
    },
  };
}

/** The refusal of an operation selecting categories the caller's kind and role may never read, or null. */
async function refuseNeverReadable(args: { contextValue: unknown; schema: GraphQLSchema; document: DocumentNode; variableValues?: unknown }) {
  const ctx = args.contextValue as RequestContext;
  const refused = [...selectedCategoryFields(args.schema, args.document, (args.variableValues ?? {}) as Record<string, unknown>)].filter(
    ([, category]) => !mayEverRead(ctx.actor.organisationKind, ctx.actor.role, category),
  );
  if (refused.length === 0) return null;
  const fields = refused.map(([field]) => field).sort();
  const categories = [...new Set(refused.map(([, category]) => category))].sort() as DataCategory[];
  for (const category of categories) ctx.audit.record({ pupilId: null, action: 'READ', outcome: 'REFUSED', category });
  for (const field of fields) ctx.audit.record({ pupilId: null, action: 'READ', outcome: 'REFUSED', field });
  await ctx.audit.flush(ctx.db);
  ctx.log.warn({ fields, categories, role: ctx.actor.role, kind: ctx.actor.organisationKind }, 'operation refused by category policy');
  return {
    errors: [
      toGraphQLError(
        forbidden(
          `${ctx.actor.organisationKind} ${ctx.actor.role} may not read ${fields.join(', ')} ` +
            `(category ${categories.join(', ')}); remove ${fields.length === 1 ? 'this field' : 'these fields'} from the operation`,
          { fields, categories, http: { status: 403 } },
        ),
      ),
    ],
  };
}

interface Subject {
  pupilId: string;
  categories: ReadonlySet<DataCategory>;
  emergency: boolean;
  /**
   * The caller knows only that the row exists (a case seen EXISTENCE_ONLY) and the API says so:
   * its tagged fields are null without an error, and nothing was read, so nothing is logged.
   */
  existenceOnly?: boolean;
  /**
   * A referral whose link to the caller's organisation has ended (consent revoked, cancelled,
   * rejected, past retention): the party reads what it wrote itself and the lifecycle facts that
   * tell it so; the rest is null without an error, and nothing of it is read, so nothing is logged.
   */
  endedFor?: 'SENDER' | 'RECEIVER';
}

/** What every party still reads of a referral whose link ended: that it ended, and between whom. */
const LIFECYCLE_FIELDS = new Set(['Referral.status', 'Referral.sender', 'Referral.receiver', 'Referral.createdAt', 'Referral.updatedAt', 'Referral.closedAt', 'Referral.version', 'Referral.allowedActions', 'Referral.overdue', 'Referral.events', 'Referral.latestEvent']);
/** What the sender wrote: still its own to read after the link ended. */
const SENDER_WRITTEN = new Set(['Referral.urgency', 'Referral.reason', 'Referral.sharedCategories', 'Referral.legalBasis', 'Referral.consent', 'Referral.handedOverFrom']);

/** For each type carrying tagged fields: whose data it is and which categories the caller may read. */
const SUBJECTS: Record<string, (parent: never, ctx: RequestContext) => Subject | Promise<Subject>> = {
  Pupil: async (pupil: PupilRow, ctx) => ({ pupilId: pupil.id, ...(await ctx.loaders.pupilAccess.load(pupil)) }),
  // A case of a pupil out of view: the categories of its pupil (none for EXISTENCE_ONLY cases).
  OutOfViewCase: async (found: CaseModel, ctx) => ({
    pupilId: found.pupil_id,
    existenceOnly: !found.full,
    ...(await ctx.loaders.pupilAccess.load({ id: found.pupil_id, municipality_code: found.pupil_municipality_code, school_id: found.pupil_school_id, restricted_at: found.pupil_restricted_at } as PupilRow)),
  }),
  // A referral reaches a resolver only through the party filter (visibleReferrals), so its own
  // fields are readable wherever the caller's role reads REFERRAL at all.
  Referral: (referral: ReferralRow, ctx) => ({
    pupilId: referral.pupil_id,
    categories: new Set(mayEverRead(ctx.actor.organisationKind, ctx.actor.role, 'REFERRAL') ? (['REFERRAL'] as const) : []),
    emergency: false,
    ...(referralLinks(referral, ctx.now) ? {} : { endedFor: referral.sender_org_id === ctx.actor.organisationId ? 'SENDER' : 'RECEIVER' }),
  }),
};

/** What the policy says of one tagged field, worked out once when the schema is built. */
interface GuardedField {
  fieldName: string;
  category: DataCategory;
  resolve: GraphQLFieldResolver<unknown, RequestContext>;
  /** Still read after the link ended (lifecycle facts; events are filtered by the gateway). */
  lifecycle: boolean;
  /** What the sender wrote: still the sender's after the link ended. */
  senderWritten: boolean;
}

/** One tagged field of one row, for a subject already known: no closure per field and call. */
function resolveGuarded(guard: GuardedField, subject: Subject, parent: unknown, args: unknown, ctx: RequestContext, info: GraphQLResolveInfo) {
  if (subject.existenceOnly) return null;
  const { category, fieldName } = guard;
  if (subject.endedFor && subject.categories.has(category)) {
    if (guard.lifecycle) return guard.resolve(parent, args, ctx, info);
    if (subject.endedFor === 'SENDER' && guard.senderWritten) {
      ctx.audit.record({ pupilId: subject.pupilId, action: 'READ', outcome: 'GRANTED', category, field: fieldName, emergency: subject.emergency });
      return guard.resolve(parent, args, ctx, info);
    }
    return fieldName === 'Referral.handedOverTo' ? [] : null;
  }
  if (!subject.categories.has(category)) {
    ctx.audit.record({ pupilId: subject.pupilId, action: 'READ', outcome: 'REFUSED', category, field: fieldName, emergency: subject.emergency });
    throw forbidden(`${fieldName}: category ${category} is not shared with your organisation for this pupil`, {
      category,
    });
  }
  ctx.audit.record({ pupilId: subject.pupilId, action: 'READ', outcome: 'GRANTED', category, field: fieldName, emergency: subject.emergency });
  return guard.resolve(parent, args, ctx, info);
}

/**
 * Layer 2: wraps every tagged output field so it resolves only within the caller's links. The
 * subject of a parent row is worked out once and kept with that row object (rows come from the
 * request's own loaders, so nothing is shared between callers); later fields of the same row are
 * checked synchronously, and what the policy says of each field (its category, whether it is a
 * lifecycle fact) is decided once when the schema is built, which keeps a page of hundreds of
 * guarded fields cheap.
 */
export function guardCategoryFields(schema: GraphQLSchema): GraphQLSchema {
  const subjects = new WeakMap<object, Subject>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const category = categoryOf(field);
      if (!category) continue;
      const subjectOf = SUBJECTS[type.name];
      if (!subjectOf) throw new Error(`${type.name}.${field.name} has @category but ${type.name} has no subject in category-guard.ts`);
      const fieldName = `${type.name}.${field.name}`;
      const guard: GuardedField = {
        fieldName,
        category,
        resolve: (field.resolve ?? defaultFieldResolver) as GraphQLFieldResolver<unknown, RequestContext>,
        lifecycle: LIFECYCLE_FIELDS.has(fieldName),
        senderWritten: SENDER_WRITTEN.has(fieldName),
      };
      field.resolve = (parent, args, ctx: RequestContext, info) => {
        const known = subjects.get(parent as object);
        if (known) return resolveGuarded(guard, known, parent, args, ctx, info);
        // Each subject function declares the row type of its own object type (hence `parent: never`).
        const subject = subjectOf(parent as never, ctx);
        if (subject instanceof Promise)
          return subject.then((found) => {
            subjects.set(parent as object, found);
            return resolveGuarded(guard, found, parent, args, ctx, info);
          });
        subjects.set(parent as object, subject);
        return resolveGuarded(guard, subject, parent, args, ctx, info);
      };
    }
  }
  return schema;
}

/** Refuses (FORBIDDEN) categories the caller's kind and role may never read, named in an argument. */
export function assertMayEverRead(ctx: RequestContext, categories: readonly DataCategory[], where: string): void {
  const refused = categories.filter((category) => !mayEverRead(ctx.actor.organisationKind, ctx.actor.role, category));
  if (refused.length === 0) return;
  for (const category of refused) ctx.audit.record({ pupilId: null, action: 'READ', outcome: 'REFUSED', category, field: where });
  throw forbidden(`${ctx.actor.organisationKind} ${ctx.actor.role} may not read category ${refused.join(', ')} (${where})`, {
    categories: refused,
  });
}

/**
 * Filters are a way of reading: filtering on a field needs its category. Throws FORBIDDEN naming
 * the filter fields the caller's kind and role may never read.
 */
export function assertInputCategories(
  ctx: RequestContext,
  info: GraphQLResolveInfo,
  inputTypeName: string,
  values: Record<string, unknown>,
): DataCategory[] {
  const type = info.schema.getType(inputTypeName);
  if (!type || !isInputObjectType(type)) throw new Error(`unknown input type ${inputTypeName}`);
  const fields = type.getFields();
  const refused: string[] = [];
  const used = new Set<DataCategory>();
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || value === null) continue;
    const field = fields[name];
    const category = field ? categoryOf(field) : null;
    if (!category) continue;
    used.add(category);
    if (!mayEverRead(ctx.actor.organisationKind, ctx.actor.role, category)) refused.push(`${name} (${category})`);
  }
  if (refused.length > 0) {
    for (const name of refused) ctx.audit.record({ pupilId: null, action: 'SEARCH', outcome: 'REFUSED', field: `${inputTypeName}.${name.split(' ')[0]}` });
    throw forbidden(`${ctx.actor.organisationKind} ${ctx.actor.role} may not filter on ${refused.join(', ')}`, {
      fields: refused,
    });
  }
  // The caller filters on these: only pupils whose links cover them may match (visiblePupils).
  return [...used];
}
