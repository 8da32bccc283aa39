// Development tokens signed by the demo issuer, whose private key is in the repository.
import { readFileSync } from 'node:fs';
import jwt from 'jsonwebtoken';
import { DEMO_ISSUER, type Role } from '../policy/vocabulary.ts';

export const DEMO_KEY_ID = 'demo-2026';
export const DEMO_AUDIENCE = 'ketenhub';
const DEMO_PRIVATE_KEY_FILE = new URL('./demo-issuer/demo-es256.private.pem', import.meta.url);

export interface DevTokenRequest {
  organisationId: string;
  role: Role;
  subject?: string;
  purpose?: string;
  lifetimeSeconds?: number;
  /** Seconds since the epoch; defaults to now. */
  issuedAt?: number;
}

export function signDevToken(request: DevTokenRequest): string {
  const iat = request.issuedAt ?? Math.floor(Date.now() / 1000);
  return jwt.sign(
    {
      org: request.organisationId,
      role: request.role,
      ...(request.purpose ? { purpose: request.purpose } : {}),
      iat,
      exp: iat + (request.lifetimeSeconds ?? 8 * 3600),
    },
    readFileSync(DEMO_PRIVATE_KEY_FILE, 'utf8'),
    {
      algorithm: 'ES256',
      keyid: DEMO_KEY_ID,
      issuer: DEMO_ISSUER,
      audience: DEMO_AUDIENCE,
      subject: request.subject ?? `demo-${request.role.toLowerCase()}@${request.organisationId}`,
    },
  );
}
