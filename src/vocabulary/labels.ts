// The hub's one vocabulary: what each code of the domain is called, in Dutch (first) and English.
// The console (src/console/i18n), the subject-access PDF (src/inzage) and the letters read their
// names of roles, organisation kinds, data categories, statuses, reasons, actions and processing
// activities from here, so an officer and a family see one name for one thing. Groups are named
// after the GraphQL enum they label; a few name codes the schema carries as strings (the referral
// actions, the SYSTEM role, the processing activities). test/vocabulary.test.ts checks that every
// value of every enum in the schema has both names.
//
// Plain data without imports: the console bundles this file as it is.

export type VocabularyLanguage = 'nl' | 'en';
export type Label = Readonly<Record<VocabularyLanguage, string>>;
export type LabelGroup = Readonly<Record<string, Label>>;

const l = (nl: string, en: string): Label => ({ nl, en });

/** The rows of the register of processing activities (verwerkingsregister), by id; published to families. */
export const PROCESSING_ACTIVITY_NAMES = {
  'leerplicht-verzuim': l('Verzuim en leerplicht (leerplicht en RMC)', 'Absence follow-up (leerplicht en RMC)'),
  ketenverwijzing: l('Verwijzing tussen ketenpartners', 'Referral between chain partners'),
  'veiligheid-meldcode': l(
    'Zorgen over veiligheid (meldcode, politie, crisisinterventie)',
    'Safety concerns (Meldcode, police, crisis intervention)',
  ),
  noodtoegang: l('Noodtoegang (doorbreken)', 'Emergency access (doorbreken)'),
  'toezicht-fg': l(
    'Toezicht door de functionaris gegevensbescherming; inzage',
    'Supervision by the data protection officer; subject access',
  ),
  bewaartermijn: l('Bewaartermijn: verwijderen wat niet meer nodig is', 'Retention: deleting what is no longer needed'),
  'beheer-toegang': l('Beheer van toegang: welke organisaties mogen inloggen', 'Administering access: which organisations may sign in'),
} as const satisfies LabelGroup;
export type ProcessingActivityId = keyof typeof PROCESSING_ACTIVITY_NAMES;

export const VOCABULARY = {
  // Who acts. SYSTEM is the hub itself (expiry, retention): not a role a token carries.
  Role: {
    PROFESSIONAL: l('Professional', 'Professional'),
    COORDINATOR: l('Coördinator', 'Coordinator'),
    PRIVACY_OFFICER: l('Functionaris gegevensbescherming', 'Data protection officer'),
    SYSTEM: l('Ketenhub (automatisch)', 'Ketenhub (automatic)'),
  },
  OrganisationKind: {
    LEERLINGZAKEN: l('Leerlingzaken van de gemeente', 'Municipal pupil affairs'),
    SCHOOL: l('School', 'School'),
    SCHOOL_SOCIAL_WORK: l('Schoolmaatschappelijk werk', 'School social work'),
    POLICE: l('Politie', 'Police'),
    CRISIS_TEAM: l('Crisisinterventieteam', 'Crisis intervention team'),
    VEILIG_THUIS: l('Veilig Thuis', 'Veilig Thuis (domestic violence and child abuse advice centre)'),
    CJG: l('Centrum voor Jeugd en Gezin', 'Centre for Youth and Family (CJG)'),
  },
  DataCategory: {
    IDENTITY: l('Identiteit', 'Identity'),
    BSN: l('Burgerservicenummer', 'Citizen service number'),
    CONTACT: l('Contactgegevens', 'Contact details'),
    SCHOOLING: l('Onderwijs', 'Schooling'),
    CONTACT_ATTEMPTS: l('Contactpogingen', 'Contact attempts'),
    REFERRAL: l('Verwijzingen', 'Referrals'),
    CARE: l('Zorg en welzijn', 'Care and welfare'),
    SAFETY: l('Veiligheid', 'Safety'),
  },
  LegalBasis: {
    CONSENT: l('Toestemming', 'Consent'),
    LEERPLICHTWET: l('Leerplichtwet', 'Compulsory Education Act (Leerplichtwet)'),
    JEUGDWET: l('Jeugdwet', 'Youth Act (Jeugdwet)'),
    MELDCODE: l(
      'Wet verplichte meldcode huiselijk geweld en kindermishandeling',
      'Mandatory Reporting Code Act on domestic violence and child abuse (Meldcode)',
    ),
    WET_PUBLIEKE_GEZONDHEID: l('Wet publieke gezondheid', 'Public Health Act (Wet publieke gezondheid)'),
    POLITIEWET: l('Politiewet', 'Police Act (Politiewet)'),
  },
  LetterLanguage: {
    nl: l('Nederlands', 'Dutch'),
    en: l('Engels', 'English'),
    pl: l('Pools', 'Polish'),
    tr: l('Turks', 'Turkish'),
    ar: l('Arabisch', 'Arabic'),
    bg: l('Bulgaars', 'Bulgarian'),
  },
  SubjectAccessLanguage: {
    nl: l('Nederlands', 'Dutch'),
    en: l('Engels', 'English'),
  },
  SubjectAccessFormat: {
    JSON: l('JSON (voor systemen)', 'JSON (for systems)'),
    PDF: l('PDF (voor het gezin)', 'PDF (for the family)'),
  },
  GuardianRelation: {
    PARENT: l('Ouder', 'Parent'),
    GUARDIAN: l('Voogd', 'Guardian'),
    FOSTER_PARENT: l('Pleegouder', 'Foster parent'),
    OTHER: l('Anders', 'Other'),
  },

  // Referrals.
  ReferralStatus: {
    REQUESTED: l('Aangevraagd', 'Requested'),
    RECEIVED: l('Geopend', 'Opened'),
    ACCEPTED: l('Geaccepteerd', 'Accepted'),
    REJECTED: l('Afgewezen', 'Rejected'),
    IN_PROGRESS: l('In behandeling', 'In progress'),
    ON_HOLD: l('Aangehouden', 'On hold'),
    COMPLETED: l('Afgerond', 'Completed'),
    FAILED: l('Mislukt', 'Failed'),
    CANCELLED: l('Ingetrokken', 'Cancelled'),
    ENTERED_IN_ERROR: l('Per vergissing aangemaakt', 'Entered in error'),
  },
  /** What an officer does to a referral (a button): the actions of src/referrals/lifecycle.ts. */
  ReferralAction: {
    CREATE: l('Versturen', 'Send'),
    RECEIVE: l('Als geopend markeren', 'Mark as opened'),
    ACCEPT: l('Accepteren', 'Accept'),
    REJECT: l('Afwijzen', 'Reject'),
    START: l('Starten', 'Start'),
    PUT_ON_HOLD: l('Aanhouden', 'Put on hold'),
    RESUME: l('Hervatten', 'Resume'),
    COMPLETE: l('Afronden', 'Complete'),
    FAIL: l('Als mislukt afsluiten', 'Close as failed'),
    CANCEL: l('Intrekken', 'Withdraw referral'),
    HAND_OVER: l('Overdragen', 'Hand over'),
    EXPIRE: l('Laten verlopen', 'Let expire'),
    REVOKE_CONSENT: l('Intrekking van toestemming vastleggen', 'Record withdrawal of consent'),
    ENTER_IN_ERROR: l('Als vergissing intrekken', 'Withdraw as a mistake'),
  },
  /** What happened to a referral (its history, and the subject-access PDF): the same actions, done. */
  ReferralEvent: {
    CREATE: l('Verstuurd', 'Sent'),
    RECEIVE: l('Geopend', 'Opened'),
    ACCEPT: l('Geaccepteerd', 'Accepted'),
    REJECT: l('Afgewezen', 'Rejected'),
    START: l('Gestart', 'Started'),
    PUT_ON_HOLD: l('Aangehouden', 'Put on hold'),
    RESUME: l('Hervat', 'Resumed'),
    COMPLETE: l('Afgerond', 'Completed'),
    FAIL: l('Mislukt', 'Failed'),
    CANCEL: l('Ingetrokken', 'Cancelled'),
    HAND_OVER: l('Overgedragen', 'Handed over'),
    EXPIRE: l('Verlopen (niet geopend)', 'Expired (not opened)'),
    REVOKE_CONSENT: l('Toestemming ingetrokken', 'Consent withdrawn'),
    ENTER_IN_ERROR: l('Per vergissing aangemaakt', 'Entered in error'),
  },
  Urgency: {
    NORMAL: l('Normaal', 'Normal'),
    URGENT: l('Spoed', 'Urgent'),
  },
  ReferralOrder: {
    ID: l('Vaste volgorde', 'Fixed order'),
    DEADLINE: l('Eerst de termijn', 'Deadline first'),
    NEWEST: l('Nieuwste eerst', 'Newest first'),
  },
  ReferralDirection: {
    SENT: l('Verstuurd', 'Sent'),
    RECEIVED: l('Ontvangen', 'Received'),
  },
  RejectionReason: {
    NOT_OUR_TASK: l('Niet onze taak', 'Not our task'),
    NO_CAPACITY: l('Geen capaciteit', 'No capacity'),
    INSUFFICIENT_INFORMATION: l('Onvoldoende informatie', 'Insufficient information'),
    ALREADY_INVOLVED: l('Wij zijn al betrokken', 'We are already involved'),
    NO_CONSENT: l('Geen toestemming', 'No consent'),
    OTHER: l('Anders', 'Other'),
  },
  StatusReasonCode: {
    NOT_OUR_TASK: l('Niet onze taak', 'Not our task'),
    NO_CAPACITY: l('Geen capaciteit', 'No capacity'),
    INSUFFICIENT_INFORMATION: l('Onvoldoende informatie', 'Insufficient information'),
    ALREADY_INVOLVED: l('Wij zijn al betrokken', 'We are already involved'),
    NO_CONSENT: l('Geen toestemming', 'No consent'),
    OTHER: l('Anders', 'Other'),
    WAITING_FOR_FAMILY: l('Wachten op het gezin', 'Waiting for the family'),
    WAITING_FOR_PARTNER: l('Wachten op een ketenpartner', 'Waiting for a partner'),
    PUPIL_UNREACHABLE: l('Leerling onbereikbaar', 'Pupil unreachable'),
    FAMILY_DECLINED: l('Gezin wil niet meewerken', 'Family declined'),
    NO_LONGER_NEEDED: l('Niet meer nodig', 'No longer needed'),
    FAMILY_MOVED: l('Gezin verhuisd', 'Family moved'),
    CONSENT_WITHDRAWN: l('Toestemming ingetrokken', 'Consent withdrawn'),
    BETTER_SUITED_PARTNER: l('Een andere partner past beter', 'Another partner suits better'),
    SAFETY_CONCERN: l('Zorgen over de veiligheid', 'Safety concern'),
    WRONG_PUPIL: l('Verkeerde leerling', 'Wrong pupil'),
    WRONG_PARTNER: l('Verkeerde ontvanger', 'Wrong receiver'),
    DUPLICATE: l('Dubbel aangemaakt', 'Duplicate'),
    NOT_RECEIVED_IN_TIME: l('Niet op tijd geopend', 'Not opened in time'),
  },
  CoordinationTransferStatus: {
    PROPOSED: l('Voorgesteld', 'Proposed'),
    ACCEPTED: l('Aangenomen', 'Accepted'),
    DECLINED: l('Afgewezen', 'Declined'),
    WITHDRAWN: l('Ingetrokken', 'Withdrawn'),
  },

  // Pupils out of view (leerlingen uit beeld).
  ContactAttemptKind: {
    PHONE: l('Telefoon', 'Phone call'),
    LETTER: l('Brief', 'Letter'),
    DOOR_VISIT: l('Huisbezoek', 'Home visit'),
    NOTE_LEFT: l('Briefje achtergelaten', 'Note left'),
  },
  ContactAttemptOutcome: {
    REACHED: l('Bereikt', 'Reached'),
    NO_ANSWER: l('Niet opgenomen', 'No answer'),
    WRONG_NUMBER: l('Verkeerd nummer', 'Wrong number'),
    NO_NUMBER: l('Geen nummer bekend', 'No number known'),
    SENT: l('Verstuurd', 'Sent'),
    CONTACT_MADE: l('Contact gehad', 'Contact made'),
    NOBODY_HOME: l('Niemand thuis', 'Nobody home'),
    LEFT: l('Achtergelaten', 'Left'),
  },
  NextStepAction: {
    PHONE: l('Bellen', 'Call'),
    LETTER: l('Brief sturen', 'Send the letter'),
    DOOR_VISIT: l('Huisbezoek', 'Home visit'),
    NOTE_LEFT: l('Briefje achterlaten', 'Leave a note'),
    CLOSE_CASE: l('Zaak afsluiten', 'Close the case'),
    REFER_TO_PARTNER: l('Verwijzen naar een ketenpartner', 'Refer to a chain partner'),
  },
  OutOfViewCaseStatus: {
    OPEN: l('Open', 'Open'),
    CLOSED: l('Afgesloten', 'Closed'),
  },
  OutOfViewCaseOutcome: {
    REACHED: l('Bereikt: weer in beeld', 'Reached: back in view'),
    MOVED: l('Verhuisd', 'Moved'),
    NEEDS_DEVICE: l('Bereikt, heeft een laptop of verbinding nodig', 'Reached, needs a laptop or connection'),
    REFERRED_TO_PARTNER: l('Verwezen naar een ketenpartner', 'Referred to a chain partner'),
    EMERGENCY_SHELTER: l('Noodopvang geregeld', 'Emergency shelter arranged'),
    OTHER: l('Anders', 'Other'),
  },
  OutOfViewCaseVisibility: {
    FULL: l('Volledig zichtbaar', 'Fully visible'),
    EXISTENCE_ONLY: l('Alleen het bestaan bekend', 'Existence only'),
  },
  OutreachDocument: {
    LETTER: l('Brief "We zijn je kwijt, neem contact op"', 'Letter "We zijn je kwijt, neem contact op" (we have lost you, get in touch)'),
    DOOR_NOTE: l('Briefje aan de deur "Wij zijn langs geweest"', 'Door note "Wij zijn langs geweest" (we came by)'),
  },
  OverviewGrouping: {
    SCHOOL: l('Meldende school', 'Reporting school'),
    MUNICIPALITY: l('Woongemeente van de leerling', 'Pupil’s home municipality'),
  },
  TimelineEntryKind: {
    REFERRAL_EVENT: l('Verwijzing', 'Referral'),
    NOTE: l('Notitie', 'Note'),
    CONTACT_ATTEMPT: l('Contactpoging', 'Contact attempt'),
    OUT_OF_VIEW: l('Uit beeld', 'Out of view'),
  },
  /** The pupil's fields a correction (AVG art. 16) may change. */
  CorrectableField: {
    givenName: l('Voornaam', 'Given name'),
    familyNamePrefix: l('Tussenvoegsel', 'Name prefix'),
    familyName: l('Achternaam', 'Family name'),
    dateOfBirth: l('Geboortedatum', 'Date of birth'),
    bsn: l('Burgerservicenummer', 'Citizen service number'),
    street: l('Straat', 'Street'),
    houseNumber: l('Huisnummer', 'House number'),
    postalCode: l('Postcode', 'Postcode'),
    city: l('Woonplaats', 'Town'),
    phone: l('Telefoon', 'Phone'),
    letterLanguage: l('Taal van brieven', 'Language of letters'),
    grade: l('Klas of leerjaar', 'Class or year'),
    absentSince: l('Afwezig sinds', 'Absent since'),
  },

  // The access log and its supervision.
  AccessAction: {
    READ: l('Inzien', 'Read'),
    SEARCH: l('Zoeken', 'Search'),
    CREATE: l('Vastleggen', 'Record'),
    UPDATE: l('Wijzigen', 'Change'),
    EXPORT: l('Exporteren (inzage)', 'Export (subject access)'),
    PRINT: l('Afdrukken', 'Print'),
    EMERGENCY: l('Noodtoegang', 'Emergency access'),
    DELETE: l('Verwijderen', 'Delete'),
  },
  AccessOutcome: {
    GRANTED: l('Toegestaan', 'Granted'),
    PARTLY_GRANTED: l('Deels geweigerd', 'Partly refused'),
    REFUSED: l('Geweigerd', 'Refused'),
  },
  AccessSignalKind: {
    MANY_PUPILS: l('Veel leerlingen in korte tijd', 'Many pupils in a short time'),
    REPEATED_REFUSALS: l('Herhaald geweigerd', 'Repeatedly refused'),
    EMERGENCY_ACCESS: l('Noodtoegang', 'Emergency access'),
  },
  AccessLogVerificationStatus: {
    RUNNING: l('Bezig met controleren…', 'Checking…'),
    INTACT: l('Intact', 'Intact'),
    BROKEN: l('Niet intact', 'Not intact'),
    FAILED: l('Controle mislukt', 'Check failed'),
  },
  EmergencyAccessVerdict: {
    JUSTIFIED: l('Terecht', 'Justified'),
    UNJUSTIFIED: l('Onterecht', 'Unjustified'),
  },
  RetentionEnd: {
    DELETE: l('Verwijderen', 'Delete'),
    ANONYMISE: l('Anonimiseren (tellen in statistiek), dan verwijderen', 'Anonymise (count into statistics), then delete'),
  },
  CsvSeparator: {
    COMMA: l('Komma', 'Comma'),
    SEMICOLON: l('Puntkomma', 'Semicolon'),
  },

  // Events and webhooks (for partners' systems; named for the console and the docs alike).
  HubEventKind: {
    REFERRAL_CREATED: l('Verwijzing verstuurd', 'Referral sent'),
    REFERRAL_CHANGED: l('Verwijzing gewijzigd', 'Referral changed'),
    NOTE_ADDED: l('Notitie toegevoegd', 'Note added'),
    CONTACT_ATTEMPT_RECORDED: l('Contactpoging vastgelegd', 'Contact attempt recorded'),
    PUPIL_REPORTED_OUT_OF_VIEW: l('Leerling uit beeld gemeld', 'Pupil reported out of view'),
    OUT_OF_VIEW_CASE_CLOSED: l('Zaak uit beeld afgesloten', 'Out-of-view case closed'),
  },
  WebhookDeliveryStatus: {
    PENDING: l('Wordt nog geprobeerd', 'Pending'),
    DELIVERED: l('Afgeleverd', 'Delivered'),
    DEAD: l('Opgegeven', 'Given up'),
  },
  WebhookDisabledReason: {
    GONE: l('Adres bestaat niet meer', 'Address gone'),
    FAILING: l('Faalt herhaaldelijk', 'Failing repeatedly'),
  },

  ProcessingActivity: PROCESSING_ACTIVITY_NAMES,
} as const satisfies Readonly<Record<string, LabelGroup>>;

export type VocabularyGroup = keyof typeof VOCABULARY;

/** The name of `code` in `group`, or the code itself when the vocabulary has none. */
export function labelOf(group: VocabularyGroup, code: string, language: VocabularyLanguage): string {
  const labels: LabelGroup = VOCABULARY[group];
  return Object.hasOwn(labels, code) ? labels[code]![language] : code;
}

/** One group's names in one language, as `prefix.CODE` keys: how the console's dictionaries hold them. */
export function keyedLabels(prefix: string, group: VocabularyGroup, language: VocabularyLanguage): Record<string, string> {
  return Object.fromEntries(Object.entries(VOCABULARY[group] as LabelGroup).map(([code, label]) => [`${prefix}.${code}`, label[language]]));
}
