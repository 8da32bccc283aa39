// Collects, during one request, every access to a pupil's data and every refused attempt, and
// writes them to the access log in one append before the response leaves (fail closed: if the
// write fails, no data is returned; see plugin.ts). One record per pupil per action: reads and
// refusals of the same pupil in one request merge into one record with outcome PARTLY_GRANTED,
// its refused fields marked with a leading "!".
import type { Kysely, Transaction } from 'kysely';
import type { Actor } from '../auth/actor.ts';
import type { Tables } from '../db/tables.ts';
import { sortCategories } from '../policy/policy.ts';
import type { DataCategory } from '../policy/vocabulary.ts';
import type { AccessLog } from './chain.ts';
import { activityFor } from './processing-activities.ts';

/** What was done: every value the log holds, and what its filters accept. */
export const ACCESS_ACTIONS = ['READ', 'SEARCH', 'CREATE', 'UPDATE', 'EXPORT', 'PRINT', 'EMERGENCY', 'DELETE'] as const;
export type AccessAction = (typeof ACCESS_ACTIONS)[number];
export type AccessOutcome = 'GRANTED' | 'REFUSED';

/** One access to note in the log, by what it is about. */
export interface Access {
  /** Whose data: the pupil's id, or null when no one pupil is concerned (a search, a list, a refusal before any pupil). */
  pupilId: string | null;
  action: AccessAction;
  outcome: AccessOutcome;
  /** The data category read, written or refused, when the access is to one. */
  category?: DataCategory;
  /** What was asked for: a field (`Pupil.bsn`), a mutation, an argument; a refused one is marked with `!`. */
  field?: string;
  /** The access rests on a break-the-glass link only; such records are marked. */
  emergency?: boolean;
}

interface PendingRecord {
  pupilId: string | null;
  action: AccessAction;
  granted: boolean;
  refused: boolean;
  categories: Set<DataCategory>;
  fields: Set<string>;
  emergency: boolean;
}

export interface RequestMeta {
  requestId: string;
  operationName: string | null;
  clientAddress: string | null;
  /** W3C trace context: the caller's trace (or a new one) and this request's own span. */
  traceId: string;
  spanId: string;
  /** On whose behalf the caller acts, when it says so (e.g. a partner system for its user). */
  onBehalfOf: string | null;
}

export class AccessRecorder {
  #pending = new Map<string, PendingRecord>();

  constructor(
    private readonly actor: Actor,
    private readonly meta: RequestMeta,
    private readonly log: AccessLog,
    private readonly now: Date,
  ) {}

  /** A recorder for the next event of a subscription: same caller and trace, its own moment. */
  forEvent(now: Date): AccessRecorder {
    return new (this.constructor as typeof AccessRecorder)(this.actor, { ...this.meta }, this.log, now);
  }

  setOperationName(name: string | null): void {
    this.meta.operationName = name;
  }

  /** Joins the caller's trace (W3C traceparent) when it sent one; our span stays our own. */
  adoptTrace(traceId: string | null): { traceId: string; spanId: string } {
    if (traceId) this.meta.traceId = traceId;
    return { traceId: this.meta.traceId, spanId: this.meta.spanId };
  }

  /** Notes one access (or refused attempt); accesses of one pupil, action and emergency merge into one record. */
  record({ pupilId, action, outcome, category, field, emergency = false }: Access): void {
    const key = `${pupilId ?? '-'}|${action}|${emergency}`;
    let entry = this.#pending.get(key);
    if (!entry) {
      entry = { pupilId, action, granted: false, refused: false, categories: new Set(), fields: new Set(), emergency };
      this.#pending.set(key, entry);
    }
    if (outcome === 'GRANTED') entry.granted = true;
    else entry.refused = true;
    if (category) entry.categories.add(category);
    if (field) entry.fields.add(outcome === 'REFUSED' ? `!${field}` : field);
  }

  /** The records so far, to go back to when a change they belong to fails (see inTransaction). */
  snapshot(): Map<string, PendingRecord> {
    return new Map([...this.#pending].map(([key, entry]) => [key, { ...entry, categories: new Set(entry.categories), fields: new Set(entry.fields) }]));
  }

  restore(snapshot: Map<string, PendingRecord>): void {
    this.#pending = snapshot;
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Appends what was collected (inside `db` when it is a transaction); throws when it cannot. */
  async flush(db: Kysely<Tables> | Transaction<Tables>): Promise<void> {
    if (this.#pending.size === 0) return;
    const records = [...this.#pending.values()];
    this.#pending.clear();
    // One request has one actor and one moment: the activity depends only on action and emergency
    // (a 25-pupil page asks once, not 25 times).
    const activities = new Map<string, ReturnType<typeof activityFor>>();
    const activityOf = (action: AccessAction, emergency: boolean) => {
      const key = `${action}|${emergency}`;
      let found = activities.get(key);
      if (!found) activities.set(key, (found = activityFor(this.actor, action, emergency, this.now)));
      return found;
    };
    await this.log.append(
      db,
      records.map((record) => {
        const activity = activityOf(record.action, record.emergency);
        return {
          occurredAt: this.now,
          traceId: this.meta.traceId,
          spanId: this.meta.spanId,
          requestId: this.meta.requestId,
          action: record.action,
          outcome: record.granted && record.refused ? 'PARTLY_GRANTED' : record.granted ? 'GRANTED' : 'REFUSED',
          actorSubject: this.actor.subject,
          actorOrgId: this.actor.organisationId,
          actorRole: this.actor.role,
          onBehalfOf: this.meta.onBehalfOf,
          purpose: this.actor.purpose,
          activityId: activity.id,
          activityVersion: activity.version,
          pupilId: record.pupilId,
          categories: sortCategories(record.categories),
          fields: [...record.fields].sort(),
          operationName: this.meta.operationName,
          clientAddress: this.meta.clientAddress,
          emergency: record.emergency,
        };
      }),
    );
  }
}
