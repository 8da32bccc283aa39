// Console sessions (inlogsessies): after an officer signed in through the organisation's OpenID
// provider, the browser holds only an opaque random id in an HttpOnly, SameSite=Strict cookie (and
// Secure, except on http://localhost in development); the database holds its SHA-256 with who it is,
// for which organisation and role, and when it ends: after SESSION_IDLE_MINUTES without a request,
// and SESSION_MAX_HOURS after sign-in however busy. An ended session is refused at its next request.
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Actor } from '../auth/actor.ts';
import type { Tables } from '../db/tables.ts';
import type { OrganisationDirectory } from '../organisations/directory.ts';
import type { OrganisationKind, Role } from '../policy/vocabulary.ts';

export const hashSessionId = (id: string) => createHash('sha256').update(id).digest('hex');

/** last_seen_at is written at most this often: a busy console does not write on every request. */
const TOUCH_EVERY_MS = 60_000;

export interface SessionTimeouts {
  idleMs: number;
  absoluteMs: number;
}

export interface NewSession {
  organisationId: string;
  subject: string;
  issuer: string;
  role: Role;
  idToken: string | null;
}

export type SessionCheck =
  | { ok: true; actor: Actor; row: { id_hash: string; id_token: string | null; organisation_id: string; issuer: string } }
  | { ok: false; reason: 'unknown_session' | 'session_ended' | 'session_idle' | 'session_expired' | 'organisation_disabled'; ended?: { organisationId: string; subject: string; role: string; issuer: string } };

export class SessionStore {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly directory: OrganisationDirectory,
    private readonly timeouts: SessionTimeouts,
    private readonly clock: () => Date,
  ) {}

  /** Stores a new session (in the caller's transaction) and returns the id for the cookie. */
  async create(db: Kysely<Tables>, session: NewSession): Promise<{ id: string; expiresAt: Date }> {
    const id = randomBytes(32).toString('base64url');
    const now = this.clock();
    const expiresAt = new Date(now.getTime() + this.timeouts.absoluteMs);
    await db
      .insertInto('console_sessions')
      .values({
        id_hash: hashSessionId(id),
        organisation_id: session.organisationId,
        subject: session.subject,
        issuer: session.issuer,
        role: session.role,
        id_token: session.idToken,
        created_at: now,
        last_seen_at: now,
        expires_at: expiresAt,
      })
      .execute();
    return { id, expiresAt };
  }

  /** The actor of a live session; an expired or idle one is ended here (its reason kept). */
  async check(id: string): Promise<SessionCheck> {
    const row = await this.db.selectFrom('console_sessions').selectAll().where('id_hash', '=', hashSessionId(id)).executeTakeFirst();
    if (!row) return { ok: false, reason: 'unknown_session' };
    const who = { organisationId: row.organisation_id, subject: row.subject, role: row.role, issuer: row.issuer };
    if (row.ended_at) return { ok: false, reason: 'session_ended' };
    const now = this.clock();
    const lastSeen = new Date(row.last_seen_at).getTime();
    const expiresAt = new Date(row.expires_at).getTime();
    const ending = now.getTime() >= expiresAt ? 'EXPIRED' : now.getTime() - lastSeen >= this.timeouts.idleMs ? 'IDLE' : null;
    const organisation = await this.directory.get(row.organisation_id);
    const end = ending ?? (!organisation || organisation.disabled_at ? 'DISABLED' : null);
    if (end) {
      await this.end(row.id_hash, end);
      return { ok: false, reason: end === 'EXPIRED' ? 'session_expired' : end === 'IDLE' ? 'session_idle' : 'organisation_disabled', ended: who };
    }
    if (now.getTime() - lastSeen >= TOUCH_EVERY_MS)
      await this.db.updateTable('console_sessions').set({ last_seen_at: now }).where('id_hash', '=', row.id_hash).where('ended_at', 'is', null).execute();
    return {
      ok: true,
      row,
      actor: {
        subject: row.subject,
        issuer: row.issuer,
        organisationId: organisation!.id,
        organisationKind: organisation!.kind as OrganisationKind,
        municipalityCode: organisation!.municipality_code,
        role: row.role as Role,
        purpose: null,
        onBehalfOf: null,
        // A subscription of this session ends when the session would at the latest.
        expiresAt: new Date(Math.min(expiresAt, now.getTime() + this.timeouts.idleMs)),
      },
    };
  }

  async end(idHash: string, reason: 'SIGNED_OUT' | 'IDLE' | 'EXPIRED' | 'DISABLED'): Promise<void> {
    await this.db
      .updateTable('console_sessions')
      .set({ ended_at: this.clock(), end_reason: reason, id_token: null })
      .where('id_hash', '=', idHash)
      .where('ended_at', 'is', null)
      .execute();
  }
}
