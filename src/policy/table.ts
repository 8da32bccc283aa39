// Renders the policy as Markdown for privacy officers (docs/privacy-officers.md) (`npm run policy:table`).
// Everything in it is read from policy.ts, so the document cannot drift from what the hub enforces.
import {
  CATEGORIES_BY_KIND,
  EMERGENCY_ACCESS,
  LAWFUL_LINKS_BY_KIND,
  OPERATIONS,
  REFERRAL_LINK_RETENTION_DAYS,
  ROLE_READS_CASE_DATA,
  ROLES_BY_KIND,
  SECRET_INVOLVEMENT_KINDS,
  ATTEMPTS_BY_KIND,
  LETTER_CATEGORIES,
  SMALL_GROUP_THRESHOLD,
} from './policy.ts';
import { DATA_CATEGORIES, ORGANISATION_KINDS, ROLES } from './vocabulary.ts';
import { TRANSITIONS } from '../referrals/lifecycle.ts';

const LINK_WORDS: Record<string, string> = {
  HOME_MUNICIPALITY: 'pupils living in its municipality, or in one whose pupils it serves by a dated agreement',
  ENROLMENT: 'its enrolled pupils',
  REFERRAL_PARTY: `pupils of referrals it sent or received (open, or closed < ${REFERRAL_LINK_RETENTION_DAYS} days)`,
  EMERGENCY: `emergency access (≤ ${EMERGENCY_ACCESS.maxHours} h, reviewed)`,
};

export function renderPolicyTable(): string {
  const lines: string[] = [];
  lines.push(`| kind | ${DATA_CATEGORIES.join(' | ')} | lawful links | roles |`);
  lines.push(`|---|${DATA_CATEGORIES.map(() => ':-:').join('|')}|---|---|`);
  for (const kind of ORGANISATION_KINDS) {
    const cells = DATA_CATEGORIES.map((category) => (CATEGORIES_BY_KIND[kind].includes(category) ? '✔' : '–'));
    const links = LAWFUL_LINKS_BY_KIND[kind].map((link) => LINK_WORDS[link]).join('; ');
    lines.push(`| ${kind} | ${cells.join(' | ')} | ${links} | ${ROLES_BY_KIND[kind].join(', ')} |`);
  }
  lines.push('');
  const noCaseData = ROLES.filter((role) => !ROLE_READS_CASE_DATA[role]);
  lines.push(`- ${noCaseData.join(', ')} reads no case data in any organisation (only the access log and reviews).`);
  lines.push('- REFERRAL is further limited to the sending and receiving organisation of each referral; a referral shares with its receiver only the categories it names, while its legal basis holds (consent between its dates, until revoked).');
  lines.push(`- Involvement of ${SECRET_INVOLVEMENT_KINDS.join(', ')} is secret: it shows only to the parties of that referral.`);
  const attempts = Object.entries(ATTEMPTS_BY_KIND).map(([kind, kinds]) => `${kind}: ${kinds.join(', ')}`);
  lines.push(`- Contact attempts each kind records: ${attempts.join('; ')}.`);
  lines.push(`- Printing a letter or door note reads ${LETTER_CATEGORIES.join(', ')} of the pupil (logged as PRINT).`);
  lines.push(`- Aggregates hide a count that rests on 1 to ${SMALL_GROUP_THRESHOLD - 1} cases whose pupils the caller may not see.`);
  for (const [operation, rule] of Object.entries(OPERATIONS)) {
    const kinds = rule.kinds === 'ALL' ? 'any kind' : rule.kinds.join(', ');
    lines.push(`- \`${operation}\`: ${rule.roles.join(', ')} of ${kinds}.`);
  }
  return lines.join('\n');
}

/** The referral state machine as a Markdown table, from src/referrals/lifecycle.ts. */
export function renderLifecycleTable(): string {
  const lines = ['| action | by | from | to | requires |', '|---|---|---|---|---|'];
  for (const t of TRANSITIONS) {
    lines.push(`| ${t.action} | ${t.by.toLowerCase()} | ${t.from.join(', ')} | ${t.to ?? '(unchanged)'} | ${t.requires === 'nothing' ? '' : t.requires} |`);
  }
  return lines.join('\n');
}
