// The answer to a subject access request (inzageverzoek, AVG art. 15) about one pupil: what the hub
// holds, per data category; the referrals and partners involved; who accessed the data, when and
// why; and which statutory exceptions kept something out. Built by src/inzage/export.ts, rendered
// as JSON by the API and as a PDF (Dutch or English) by src/inzage/pdf.ts.

export type InzageLanguage = 'nl' | 'en';

/** One labelled value, e.g. { label: 'familyName', value: 'Jansen' }; labels are API field names. */
export interface HeldValue {
  label: string;
  value: string | null;
}

/** What is held in one data category: single values and/or a list of items (notes, attempts, …). */
export interface HeldCategory {
  category: 'IDENTITY' | 'BSN' | 'CONTACT' | 'SCHOOLING' | 'CONTACT_ATTEMPTS' | 'REFERRAL' | 'CARE' | 'SAFETY';
  values: HeldValue[];
  /** Items of the category (each a small record of label/value pairs), oldest first. */
  items: HeldValue[][];
}

export interface InvolvedOrganisation {
  id: string;
  name: string;
  kind: string;
  contactPhone: string | null;
  contactEmail: string | null;
}

export interface ExportedReferral {
  id: string;
  sender: string;
  receiver: string;
  status: string;
  urgency: string;
  legalBasis: string;
  sharedCategories: string[];
  createdAt: string;
  closedAt: string | null;
  events: { action: string; status: string; organisation: string; occurredAt: string; reason: string | null }[];
}

export interface AccessHistoryEntry {
  occurredAt: string;
  organisation: string;
  organisationKind: string;
  role: string;
  /** The person; null (withheld) unless the privacy officer allowed disclosure for this request. */
  employee: string | null;
  action: string;
  outcome: string;
  /** The register entry the access fell under (name, version). */
  purpose: string;
  categories: string[];
}

/**
 * An exception applied, as the family may read it: the statutory ground and general words, never
 * which register entry or organisation (that would say what was left out). The officer sees the
 * entry in the API's `exceptionsApplied`.
 */
export interface AppliedException {
  /** The statutory ground in neutral words, e.g. "Artikel 41 lid 1 UAVG". */
  legalBasis: string;
  /** What kind of thing was left out, in general words that do not reveal it. */
  description: string;
}

export interface SubjectAccessExport {
  /** Stable id of this export (also in the access log). */
  exportId: string;
  generatedAt: string;
  generatedBy: { organisation: string; role: string };
  language: InzageLanguage;
  pupil: { id: string; displayName: string; dateOfBirth: string };
  held: HeldCategory[];
  organisations: InvolvedOrganisation[];
  referrals: ExportedReferral[];
  accessHistory: AccessHistoryEntry[];
  /** Corrections (rectification) made to the pupil's data, with the earlier value. */
  corrections: { field: string; previousValue: string | null; newValue: string | null; reason: string; correctedAt: string; organisation: string }[];
  /** Whether processing is restricted (AVG art. 18), since when and why. */
  restriction: { since: string; reason: string } | null;
  /** Statutory exceptions applied: when not empty, something was left out, and this says on what ground. */
  exceptions: AppliedException[];
  /** Whether employee identities are included (only with the privacy officer's consent for this pupil). */
  employeesIncluded: boolean;
}
