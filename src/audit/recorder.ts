// Collects, during one request, every access to a pupil's data, and writes it to the access log in
// one INSERT before the response leaves (fail closed: if the write fails, no data is returned).
// One record per pupil per action and outcome, with the categories and fields touched.
import type { Kysely } from 'kysely';
import type { Actor } from '../auth/actor.ts';
import type { Tables } from '../db/tables.ts';
import { sortCategories } from '../policy/policy.ts';
import type { DataCategory } from '../policy/vocabulary.ts';

export type AccessAction = 'READ' | 'SEARCH' | 'CREATE' | 'UPDATE' | 'EXPORT' | 'PRINT' | 'EMERGENCY';
export type AccessOutcome = 'GRANTED' | 'REFUSED';

interface PendingRecord {
  pupilId: string | null;
  action: AccessAction;
  outcome: AccessOutcome;
  categories: Set<DataCategory>;
  fields: Set<string>;
  emergency: boolean;
}

export interface RequestMeta {
  requestId: string;
  operationName: string | null;
  clientAddress: string | null;
}

export class AccessRecorder {
  #pending = new Map<string, PendingRecord>();

  constructor(
    private readonly actor: Actor,
    private readonly meta: RequestMeta,
  ) {}

  setOperationName(name: string | null): void {
    this.meta.operationName = name;
  }

  /** `emergency`: the access rests on a break-the-glass link only; such records are marked. */
  record(
    pupilId: string | null,
    action: AccessAction,
    outcome: AccessOutcome,
    category?: DataCategory,
    field?: string,
    emergency = false,
  ): void {
    const key = `${pupilId ?? '-'}|${action}|${outcome}|${emergency}`;
    let entry = this.#pending.get(key);
    if (!entry) {
      entry = { pupilId, action, outcome, categories: new Set(), fields: new Set(), emergency };
      this.#pending.set(key, entry);
    }
    if (category) entry.categories.add(category);
    if (field) entry.fields.add(field);
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Writes what was collected; throws when the log cannot be written. */
  async flush(db: Kysely<Tables>): Promise<void> {
    if (this.#pending.size === 0) return;
    const records = [...this.#pending.values()];
    this.#pending.clear();
    await db
      .insertInto('access_log')
      .values(
        records.map((record) => ({
          request_id: this.meta.requestId,
          actor_subject: this.actor.subject,
          actor_org_id: this.actor.organisationId,
          actor_role: this.actor.role,
          purpose: this.actor.purpose,
          action: record.action,
          outcome: record.outcome,
          pupil_id: record.pupilId,
          categories: sortCategories(record.categories),
          fields: [...record.fields].sort(),
          operation_name: this.meta.operationName,
          client_address: this.meta.clientAddress,
          emergency: record.emergency,
        })),
      )
      .execute();
  }
}
