import type { OrganisationKind, Role } from '../policy/vocabulary.ts';

/** Who is calling, as established from a verified token and the organisation registry. */
export interface Actor {
  /** `sub`: the person or system at the partner, as its identity provider names it. */
  subject: string;
  issuer: string;
  organisationId: string;
  organisationKind: OrganisationKind;
  /** Municipality of the caller's organisation (Leerlingzaken's lawful link). */
  municipalityCode: string;
  role: Role;
  /** `purpose`: why the caller asks (doelbinding), carried into the access log. */
  purpose: string | null;
  /** `on_behalf_of`: the person a system or colleague acts for, when the token says so. */
  onBehalfOf: string | null;
  /** When the token expires (`exp`): a subscription outliving it ends then. */
  expiresAt?: Date;
}
