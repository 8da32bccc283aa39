// An operator's change through `npm run admin` (organisations, issuers, sign-in registrations) as
// an access-log record of the organisation it concerns: register entry beheer-toegang, made by the
// operator as SYSTEM, about no pupil. The organisation's privacy officer reads it in her log.
import { randomBytes, randomUUID } from 'node:crypto';
import type { LogRecordInput } from './chain.ts';
import { activity } from './processing-activities.ts';

export interface AdministrationChange {
  at: Date;
  /** Who made the change, e.g. `cli:<os user>`. */
  actorSubject: string;
  /** The organisation the change concerns (the record lands in its log). */
  organisation: string;
  action: 'CREATE' | 'UPDATE';
  fields: string[];
  /** The operator's reason, and what was changed where the privacy officer needs it. */
  purpose: string | null;
  /** The command as an operator typed it, e.g. `npm run admin -- issuer add`. */
  command: string;
  /** One trace for the records of one change that concerns several organisations. */
  traceId?: string;
}

export function administrationRecord(change: AdministrationChange): LogRecordInput {
  const register = activity('beheer-toegang', change.at);
  return {
    occurredAt: change.at,
    traceId: change.traceId ?? randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    requestId: `admin-${randomUUID()}`,
    action: change.action,
    outcome: 'GRANTED',
    actorSubject: change.actorSubject,
    actorOrgId: change.organisation,
    actorRole: 'SYSTEM',
    onBehalfOf: null,
    purpose: change.purpose,
    activityId: register.id,
    activityVersion: register.version,
    pupilId: null,
    categories: [],
    fields: change.fields,
    operationName: change.command,
    clientAddress: null,
    emergency: false,
  };
}
