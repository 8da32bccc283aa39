// The words of the inzage PDF (src/inzage/pdf.ts) in Dutch and English: fixed texts, the names of
// API field names as a family would say them, and the names of the domain's codes (categories,
// organisation kinds, statuses, actions), which come from the hub's one vocabulary
// (src/vocabulary/labels.ts) so the family reads what the officers read. A code without a
// translation is printed as it is.
import { VOCABULARY } from '../vocabulary/labels.ts';
import type { InzageLanguage } from './types.ts';

type Words = Readonly<Record<InzageLanguage, string>>;
export type Vocabulary = Readonly<Record<string, Words>>;

/** The translation of `code` in `map`, or the code itself when there is none. */
export function wordFor(map: Vocabulary, code: string, language: InzageLanguage): string {
  return Object.hasOwn(map, code) ? map[code]![language] : code;
}

export const CATEGORY_LABELS: Vocabulary = VOCABULARY.DataCategory;
export const ORGANISATION_KIND_LABELS: Vocabulary = VOCABULARY.OrganisationKind;
export const ROLE_LABELS: Vocabulary = VOCABULARY.Role;
/** FHIR Task states of a referral. */
export const REFERRAL_STATUS_LABELS: Vocabulary = VOCABULARY.ReferralStatus;
/** What happened to a referral (src/referrals/lifecycle.ts). */
export const REFERRAL_ACTION_LABELS: Vocabulary = VOCABULARY.ReferralEvent;
export const URGENCY_LABELS: Vocabulary = VOCABULARY.Urgency;
export const LEGAL_BASIS_LABELS: Vocabulary = VOCABULARY.LegalBasis;
/** Actions of the access log. */
export const ACCESS_ACTION_LABELS: Vocabulary = VOCABULARY.AccessAction;

/** Added to the action, in lower case, when not everything asked for was given. GRANTED adds nothing. */
export const ACCESS_OUTCOME_LABELS: Vocabulary = Object.fromEntries(
  Object.entries(VOCABULARY.AccessOutcome)
    .filter(([code]) => code !== 'GRANTED')
    .map(([code, label]) => [code, { nl: label.nl.toLowerCase(), en: label.en.toLowerCase() }]),
);

/** API field names, as used for the labels of held values and items (src/inzage/export.ts). */
export const FIELD_LABELS: Vocabulary = {
  givenName: { nl: 'Voornaam', en: 'Given name' },
  givenNames: { nl: 'Voornamen', en: 'Given names' },
  familyNamePrefix: { nl: 'Tussenvoegsel', en: 'Name prefix' },
  familyName: { nl: 'Achternaam', en: 'Family name' },
  displayName: { nl: 'Naam', en: 'Name' },
  name: { nl: 'Naam', en: 'Name' },
  dateOfBirth: { nl: 'Geboortedatum', en: 'Date of birth' },
  gender: { nl: 'Geslacht', en: 'Gender' },
  municipality: { nl: 'Gemeente', en: 'Municipality' },
  bsn: { nl: 'Burgerservicenummer (BSN)', en: 'Citizen service number (BSN)' },
  address: { nl: 'Adres', en: 'Address' },
  street: { nl: 'Straat', en: 'Street' },
  houseNumber: { nl: 'Huisnummer', en: 'House number' },
  postalCode: { nl: 'Postcode', en: 'Postcode' },
  city: { nl: 'Woonplaats', en: 'Town' },
  phone: { nl: 'Telefoon', en: 'Phone' },
  email: { nl: 'E-mail', en: 'Email' },
  letterLanguage: { nl: 'Taal van brieven', en: 'Language of letters' },
  guardian: { nl: 'Ouder of verzorger', en: 'Parent or guardian' },
  guardians: { nl: 'Ouders of verzorgers', en: 'Parents or guardians' },
  guardianName: { nl: 'Naam ouder of verzorger', en: 'Name of parent or guardian' },
  relation: { nl: 'Relatie', en: 'Relationship' },
  school: { nl: 'School', en: 'School' },
  grade: { nl: 'Leerjaar of klas', en: 'Year or class' },
  absentSince: { nl: 'Afwezig sinds', en: 'Absent since' },
  reportedMissingAt: { nl: 'Gemeld als uit beeld op', en: 'Reported out of view on' },
  kind: { nl: 'Soort', en: 'Kind' },
  outcome: { nl: 'Uitkomst', en: 'Outcome' },
  remark: { nl: 'Opmerking', en: 'Remark' },
  body: { nl: 'Tekst', en: 'Text' },
  note: { nl: 'Notitie', en: 'Note' },
  category: { nl: 'Soort gegevens', en: 'Kind of data' },
  organisation: { nl: 'Organisatie', en: 'Organisation' },
  role: { nl: 'Functie', en: 'Role' },
  occurredAt: { nl: 'Datum', en: 'Date' },
  createdAt: { nl: 'Vastgelegd op', en: 'Recorded on' },
  updatedAt: { nl: 'Gewijzigd op', en: 'Changed on' },
  closedAt: { nl: 'Afgesloten op', en: 'Closed on' },
  reason: { nl: 'Reden', en: 'Reason' },
  status: { nl: 'Status', en: 'Status' },
  urgency: { nl: 'Urgentie', en: 'Urgency' },
  legalBasis: { nl: 'Grondslag', en: 'Legal basis' },
  referral: { nl: 'Verwijzing', en: 'Referral' },
  from: { nl: 'Van', en: 'From' },
  to: { nl: 'Naar', en: 'To' },
  sender: { nl: 'Van', en: 'From' },
  receiver: { nl: 'Naar', en: 'To' },
  outOfViewCase: { nl: 'Melding uit beeld, geopend op', en: 'Out-of-view case, opened on' },
  reportingSchool: { nl: 'Gemeld door', en: 'Reported by' },
  assignedTo: { nl: 'Behandeld door', en: 'Handled by' },
  reports: { nl: 'Aantal meldingen', en: 'Number of reports' },
  consent: { nl: 'Toestemming', en: 'Consent' },
  caseStatus: { nl: 'Status melding', en: 'Case status' },
  caseOutcome: { nl: 'Afloop melding', en: 'Case outcome' },
};

/** Codes inside values, per field whose values are codes. */
export const VALUE_LABELS: Readonly<Record<string, Vocabulary>> = {
  letterLanguage: VOCABULARY.LetterLanguage,
  language: VOCABULARY.LetterLanguage,
  relation: VOCABULARY.GuardianRelation,
  // A contact attempt's kind, or an organisation's.
  kind: { ...VOCABULARY.ContactAttemptKind, ...ORGANISATION_KIND_LABELS },
  // A contact attempt's outcome, or an out-of-view case's.
  outcome: { ...VOCABULARY.ContactAttemptOutcome, ...VOCABULARY.OutOfViewCaseOutcome },
  category: CATEGORY_LABELS,
  role: ROLE_LABELS,
  // A referral's status, or an out-of-view case's (OPEN, CLOSED).
  status: { ...REFERRAL_STATUS_LABELS, ...VOCABULARY.OutOfViewCaseStatus },
  caseStatus: VOCABULARY.OutOfViewCaseStatus,
  caseOutcome: VOCABULARY.OutOfViewCaseOutcome,
  urgency: URGENCY_LABELS,
  legalBasis: LEGAL_BASIS_LABELS,
};

/** Texts of the document; functions take values that are already isolated for bidi. */
export interface InzageTexts {
  title: string;
  reference: string;
  date: string;
  subtitle: string;
  intro: (name: string, dateOfBirth: string) => string[];
  pupil: string;
  dateOfBirth: string;
  exceptionsTitle: string;
  exceptionsIntro: string;
  exceptionBasis: string;
  held: string;
  heldIntro: string;
  nothingHeld: string;
  organisations: string;
  organisationsIntro: string;
  organisationKind: string;
  contact: string;
  none: string;
  referrals: string;
  referralsIntro: string;
  referralTitle: (from: string, to: string) => string;
  status: string;
  urgency: string;
  createdAt: string;
  closedAt: string;
  stillOpen: string;
  legalBasis: string;
  sharedCategories: string;
  events: string;
  eventDate: string;
  eventAction: string;
  eventStatus: string;
  eventReason: string;
  accessHistory: string;
  accessIntro: (count: number) => string;
  employeesWithheld: string;
  employeesShown: string;
  accessColumns: { at: string; organisation: string; role: string; employee: string; action: string; purpose: string; categories: string };
  notStated: string;
  nobody: string;
  corrections: string;
  correctionsIntro: string;
  correctionColumns: { at: string; field: string; previous: string; next: string; reason: string; organisation: string };
  empty: string;
  restriction: string;
  restrictionText: (since: string) => string;
  restrictionReason: string;
  closing: string;
  closingParagraphs: (organisation: string, contact: string | null, reference: string) => string[];
  employeesClosing: (included: boolean) => string;
  page: (n: number, total: number) => string;
}

export const TEXTS: Readonly<Record<InzageLanguage, InzageTexts>> = {
  nl: {
    title: 'Inzage in uw gegevens',
    reference: 'Kenmerk',
    date: 'Datum',
    subtitle: 'Antwoord op een inzageverzoek (AVG artikel 15)',
    intro: (name, dateOfBirth) => [
      `U heeft gevraagd welke gegevens wij hebben over ${name}, geboren op ${dateOfBirth}. Dit is ons antwoord.`,
      'De gemeente (Leerlingzaken) werkt samen met scholen en hulporganisaties in de Ketenhub. Dat is een systeem waarin zij ' +
        'gegevens over leerlingen met elkaar delen als dat nodig is, bijvoorbeeld als een leerling niet meer naar school gaat. ' +
        'Hieronder staat wat de Ketenhub over deze leerling vastlegt, welke organisaties erbij betrokken zijn, wie de gegevens ' +
        'heeft ingezien en waarom.',
    ],
    pupil: 'Leerling',
    dateOfBirth: 'Geboortedatum',
    exceptionsTitle: 'Wat wij soms niet mogen tonen',
    exceptionsIntro:
      'De wet staat ons soms toe of verplicht ons om sommige gegevens (nog) niet te laten zien. Hieronder staat op welke gronden dat kan. ' +
      'Of dat bij deze inzage zo is, en wat er dan is weggelaten, mogen wij niet vertellen.',
    exceptionBasis: 'Grond',
    held: 'Wat wij vastleggen',
    heldIntro: 'Dit zijn de gegevens over de leerling in de Ketenhub, per soort gegevens.',
    nothingHeld: 'Hierover is niets vastgelegd.',
    organisations: 'Betrokken organisaties',
    organisationsIntro: 'Deze organisaties werken of werkten met de gegevens van de leerling.',
    organisationKind: 'Soort organisatie',
    contact: 'Contact',
    none: 'Geen.',
    referrals: 'Verwijzingen',
    referralsIntro:
      'Een verwijzing is een overdracht van de ene organisatie naar de andere, bijvoorbeeld van de gemeente naar ' +
      'schoolmaatschappelijk werk. Per verwijzing ziet u welke gegevens zijn gedeeld en op welke grond.',
    referralTitle: (from, to) => `Van ${from} naar ${to}`,
    status: 'Status',
    urgency: 'Urgentie',
    createdAt: 'Verstuurd op',
    closedAt: 'Afgesloten op',
    stillOpen: 'Nog niet afgesloten',
    legalBasis: 'Grondslag',
    sharedCategories: 'Gedeelde gegevens',
    events: 'Wat er gebeurde',
    eventDate: 'Wanneer',
    eventAction: 'Gebeurtenis',
    eventStatus: 'Status daarna',
    eventReason: 'Toelichting',
    accessHistory: 'Wie heeft uw gegevens ingezien',
    accessIntro: (count) =>
      `Elke keer dat iemand de gegevens van de leerling bekijkt, zoekt, vastlegt, wijzigt of afdrukt, wordt dat bijgehouden. ` +
      `Hieronder staan ${count === 1 ? 'die ene keer' : `al die ${count} keren`}, met de organisatie, de functie, wat er gebeurde en met welk doel. ` +
      'Tijden zijn in Nederlandse tijd.',
    employeesWithheld: 'De namen van medewerkers staan er niet bij ("niet vermeld"); u ziet wel de organisatie en de functie.',
    employeesShown: 'De namen van medewerkers staan erbij, met toestemming van de functionaris gegevensbescherming.',
    accessColumns: {
      at: 'Wanneer',
      organisation: 'Organisatie',
      role: 'Functie',
      employee: 'Medewerker',
      action: 'Handeling',
      purpose: 'Doel',
      categories: 'Gegevens',
    },
    notStated: 'niet vermeld',
    nobody: 'Er is niets bijgehouden.',
    corrections: 'Correcties',
    correctionsIntro: 'Deze gegevens zijn verbeterd. U ziet wat er eerst stond en wat er nu staat.',
    correctionColumns: { at: 'Datum', field: 'Gegeven', previous: 'Eerst', next: 'Nu', reason: 'Reden', organisation: 'Door' },
    empty: '(leeg)',
    restriction: 'Beperking van de verwerking',
    restrictionText: (since) =>
      `Sinds ${since} is het gebruik van de gegevens beperkt (AVG artikel 18). Zolang de beperking geldt, bewaren wij de ` +
      'gegevens, maar gebruiken wij ze alleen als de wet dat toestaat.',
    restrictionReason: 'Reden',
    closing: 'Wat kunt u doen?',
    closingParagraphs: (organisation, contact, reference) => [
      `Klopt er iets niet, of wilt u dat wij gegevens verbeteren, minder gebruiken of verwijderen? Neem dan contact op met ` +
        `${organisation}${contact ? ` (${contact})` : ''} en noem het kenmerk ${reference}. Soms moeten wij gegevens volgens de wet ` +
        'bewaren; dan leggen wij u uit waarom.',
      'Bent u het niet eens met hoe wij met de gegevens omgaan? Dan kunt u een klacht indienen bij de Autoriteit ' +
        'Persoonsgegevens (autoriteitpersoonsgegevens.nl).',
    ],
    employeesClosing: (included) =>
      included
        ? 'In dit overzicht staan de namen van medewerkers, omdat de functionaris gegevensbescherming daarvoor toestemming heeft gegeven.'
        : 'Namen van medewerkers staan niet in dit overzicht, tenzij de functionaris gegevensbescherming daarvoor toestemming geeft. ' +
          'U kunt daar apart om vragen.',
    page: (n, total) => `pagina ${n} van ${total}`,
  },
  en: {
    title: 'Your data: subject access',
    reference: 'Reference',
    date: 'Date',
    subtitle: 'Answer to a subject access request (GDPR article 15)',
    intro: (name, dateOfBirth) => [
      `You asked what data we hold about ${name}, born on ${dateOfBirth}. This is our answer.`,
      'The municipality (Leerlingzaken, pupil affairs) works together with schools and support organisations in the Ketenhub. ' +
        'It is a system in which they share data about pupils when that is needed, for example when a pupil stops going to school. ' +
        'Below you find what the Ketenhub holds about this pupil, which organisations are involved, who looked at the data and why.',
    ],
    pupil: 'Pupil',
    dateOfBirth: 'Date of birth',
    exceptionsTitle: 'What we may not always show',
    exceptionsIntro:
      'The law sometimes allows or requires us not to show some data (yet). Below you find on what legal grounds that can happen. ' +
      'Whether it happened in this answer, and what was left out, we may not tell you.',
    exceptionBasis: 'Ground',
    held: 'What we hold',
    heldIntro: 'This is the data about the pupil in the Ketenhub, by kind of data.',
    nothingHeld: 'Nothing is recorded about this.',
    organisations: 'Organisations involved',
    organisationsIntro: 'These organisations work or worked with the pupil’s data.',
    organisationKind: 'Kind of organisation',
    contact: 'Contact',
    none: 'None.',
    referrals: 'Referrals',
    referralsIntro:
      'A referral hands work over from one organisation to another, for example from the municipality to school social work. ' +
      'For each referral you see which data was shared and on what legal basis.',
    referralTitle: (from, to) => `From ${from} to ${to}`,
    status: 'Status',
    urgency: 'Urgency',
    createdAt: 'Sent on',
    closedAt: 'Closed on',
    stillOpen: 'Not closed yet',
    legalBasis: 'Legal basis',
    sharedCategories: 'Data shared',
    events: 'What happened',
    eventDate: 'When',
    eventAction: 'Event',
    eventStatus: 'Status after',
    eventReason: 'Explanation',
    accessHistory: 'Who accessed your data',
    accessIntro: (count) =>
      'Every time someone views, searches, records, changes or prints the pupil’s data, this is logged. ' +
      `Below you find ${count === 1 ? 'that one time' : `all ${count} times`}, with the organisation, the role, what was done and for what purpose. ` +
      'Times are Dutch time.',
    employeesWithheld: 'The names of employees are not included ("not stated"); you do see the organisation and the role.',
    employeesShown: 'The names of employees are included, with the consent of the data protection officer.',
    accessColumns: {
      at: 'When',
      organisation: 'Organisation',
      role: 'Role',
      employee: 'Employee',
      action: 'Action',
      purpose: 'Purpose',
      categories: 'Data',
    },
    notStated: 'not stated',
    nobody: 'Nothing was logged.',
    corrections: 'Corrections',
    correctionsIntro: 'This data was corrected. You see what it said before and what it says now.',
    correctionColumns: { at: 'Date', field: 'Data', previous: 'Before', next: 'Now', reason: 'Reason', organisation: 'By' },
    empty: '(empty)',
    restriction: 'Restriction of processing',
    restrictionText: (since) =>
      `Since ${since} the use of the data has been restricted (GDPR article 18). While the restriction applies, we keep the ` +
      'data but only use it where the law allows.',
    restrictionReason: 'Reason',
    closing: 'What you can do',
    closingParagraphs: (organisation, contact, reference) => [
      `Is something wrong, or do you want us to correct data, use less of it or delete it? Please contact ${organisation}` +
        `${contact ? ` (${contact})` : ''} and mention reference ${reference}. Sometimes the law requires us to keep data; ` +
        'we will then explain why.',
      'Do you disagree with how we handle the data? You can file a complaint with the Dutch Data Protection Authority ' +
        '(Autoriteit Persoonsgegevens, autoriteitpersoonsgegevens.nl).',
    ],
    employeesClosing: (included) =>
      included
        ? 'This overview includes the names of employees, because the data protection officer consented to that.'
        : 'The names of employees are not in this overview, unless the data protection officer consents to that. ' +
          'You can ask for this separately.',
    page: (n, total) => `page ${n} of ${total}`,
  },
};
