import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { renderSubjectAccessPdf } from '../src/inzage/pdf.ts';
import type { AccessHistoryEntry, InzageLanguage, SubjectAccessExport } from '../src/inzage/types.ts';

const LZ = 'Leerlingzaken Den Haag';
const SCHOOL = 'Het Erasmus College';
const SMW = 'Schoolmaatschappelijk Werk Haaglanden';
const CJG = 'CJG Den Haag Centrum';

// One row of the access history that the tests look for; the others are generated around it.
const MARKED_ROW: AccessHistoryEntry = {
  occurredAt: '2026-01-15T13:45:00Z', // 14:45 in Amsterdam (winter time)
  organisation: SCHOOL,
  organisationKind: 'SCHOOL',
  role: 'COORDINATOR',
  employee: null,
  action: 'PRINT',
  outcome: 'GRANTED',
  purpose: 'Verzuimmelding aan Leerlingzaken (versie 4)',
  categories: ['IDENTITY', 'SCHOOLING'],
};

const PURPOSES = [
  'Leerplicht en uit beeld (versie 3)',
  'Verwijzing en overdracht (versie 2)',
  'Begeleiding schoolmaatschappelijk werk (versie 1)',
  'Inzageverzoeken en toezicht (versie 1)',
];
const EMPLOYEES = ['Fatima El Amrani', 'Sem de Vries', 'Іван Петренко', 'Ayşe Yılmaz'];

function accessHistory(count: number, withEmployees: boolean): AccessHistoryEntry[] {
  const orgs = [
    [LZ, 'LEERLINGZAKEN'],
    [SCHOOL, 'SCHOOL'],
    [SMW, 'SCHOOL_SOCIAL_WORK'],
    [CJG, 'CJG'],
  ] as const;
  const actions = ['READ', 'READ', 'SEARCH', 'UPDATE', 'READ', 'CREATE', 'EXPORT', 'READ', 'EMERGENCY', 'PRINT'];
  const roles = ['PROFESSIONAL', 'PROFESSIONAL', 'COORDINATOR', 'PRIVACY_OFFICER'];
  const start = Date.parse('2025-09-01T07:30:00Z');
  const entries: AccessHistoryEntry[] = [];
  for (let i = 0; i < count - 1; i++) {
    const [organisation, organisationKind] = orgs[i % orgs.length]!;
    entries.push({
      occurredAt: new Date(start + i * 61 * 60_000 * 7).toISOString(),
      organisation,
      organisationKind,
      role: roles[(i * 7) % roles.length]!,
      employee: withEmployees ? EMPLOYEES[i % EMPLOYEES.length]! : null,
      action: actions[i % actions.length]!,
      outcome: i % 23 === 5 ? 'REFUSED' : 'GRANTED',
      purpose: PURPOSES[i % PURPOSES.length]!,
      categories: i % 3 === 0 ? ['IDENTITY', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS'] : ['IDENTITY', 'REFERRAL'],
    });
  }
  entries.push({ ...MARKED_ROW, employee: withEmployees ? 'Fatima El Amrani' : null });
  return entries.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
}

function fixture(language: InzageLanguage, options: { employeesIncluded?: boolean; rows?: number } = {}): SubjectAccessExport {
  const employeesIncluded = options.employeesIncluded ?? false;
  return {
    exportId: '7c1e9a52-4b0d-4d3e-9f6a-2b8e51c0d4a7',
    generatedAt: '2026-03-05T09:12:00Z',
    generatedBy: { organisation: LZ, role: 'PRIVACY_OFFICER' },
    language,
    pupil: { id: 'pupil-1', displayName: 'Zofia Wójcik-Łęcka', dateOfBirth: '2011-09-14' },
    held: [
      {
        category: 'IDENTITY',
        values: [
          { label: 'givenName', value: 'Zofia' },
          { label: 'familyNamePrefix', value: null },
          { label: 'familyName', value: 'Wójcik-Łęcka' },
          { label: 'dateOfBirth', value: '2011-09-14' },
          { label: 'municipality', value: 'Den Haag' },
        ],
        items: [],
      },
      { category: 'BSN', values: [{ label: 'bsn', value: '123456782' }], items: [] },
      {
        category: 'CONTACT',
        values: [
          { label: 'street', value: 'Laan van Meerdervoort' },
          { label: 'houseNumber', value: '112' },
          { label: 'postalCode', value: '2517 AB' },
          { label: 'city', value: 'Den Haag' },
          { label: 'phone', value: '06 1234 5678' },
          { label: 'letterLanguage', value: 'pl' },
        ],
        items: [
          [
            { label: 'guardian', value: 'Agnieszka Wójcik' },
            { label: 'relation', value: 'PARENT' },
            { label: 'phone', value: '06 8765 4321' },
            { label: 'email', value: 'agnieszka.wojcik.haaglanden.gezin@example-provider.nl' },
          ],
          [
            { label: 'guardian', value: 'يوسف العلي' },
            { label: 'relation', value: 'GUARDIAN' },
            { label: 'phone', value: null },
            { label: 'email', value: null },
          ],
        ],
      },
      {
        category: 'SCHOOLING',
        values: [
          { label: 'school', value: SCHOOL },
          { label: 'grade', value: 'havo 2' },
          { label: 'absentSince', value: '2025-11-03' },
          { label: 'reportedMissingAt', value: '2025-11-24T08:40:00Z' },
          { label: 'mentorRemark', value: 'Mist sinds de herfstvakantie alle lessen.' },
        ],
        items: [
          [
            { label: 'outOfViewCase', value: '2025-11-24T08:40:00.000Z' },
            { label: 'reportingSchool', value: SCHOOL },
            { label: 'assignedTo', value: LZ },
            { label: 'status', value: 'CLOSED' },
            { label: 'outcome', value: 'REFERRED_TO_PARTNER' },
            { label: 'closedAt', value: '2025-12-03T08:00:00.000Z' },
            { label: 'reports', value: '1' },
          ],
        ],
      },
      {
        category: 'CONTACT_ATTEMPTS',
        values: [],
        items: [
          [
            { label: 'kind', value: 'PHONE' },
            { label: 'outcome', value: 'NO_ANSWER' },
            { label: 'occurredAt', value: '2025-11-25T10:05:00Z' },
            { label: 'organisation', value: LZ },
          ],
          [
            { label: 'kind', value: 'LETTER' },
            { label: 'outcome', value: 'SENT' },
            { label: 'letterLanguage', value: 'pl' },
            { label: 'occurredAt', value: '2025-11-27T09:00:00Z' },
            { label: 'organisation', value: LZ },
          ],
          [
            { label: 'kind', value: 'DOOR_VISIT' },
            { label: 'outcome', value: 'CONTACT_MADE' },
            { label: 'occurredAt', value: '2025-12-02T15:30:00Z' },
            { label: 'organisation', value: LZ },
            { label: 'remark', value: 'Moeder thuis getroffen.\nZofia was ziek; afspraak gemaakt voor een gesprek op school.' },
          ],
        ],
      },
      { category: 'REFERRAL', values: [], items: [] },
      {
        category: 'CARE',
        values: [],
        items: [
          [
            { label: 'createdAt', value: '2025-12-10T11:00:00Z' },
            { label: 'organisation', value: SMW },
            { label: 'note', value: 'Kennismakingsgesprek met Zofia en haar moeder. Zofia wil terug naar school, liefst met een aangepast rooster.' },
          ],
        ],
      },
    ],
    organisations: [
      { id: 'lz-den-haag', name: LZ, kind: 'LEERLINGZAKEN', contactPhone: '070 353 1234', contactEmail: 'leerplicht@denhaag.nl' },
      { id: 'erasmus', name: SCHOOL, kind: 'SCHOOL', contactPhone: '070 111 2233', contactEmail: null },
      { id: 'smw-den-haag', name: SMW, kind: 'SCHOOL_SOCIAL_WORK', contactPhone: null, contactEmail: 'info@smw-haaglanden.nl' },
      { id: 'cjg-den-haag', name: CJG, kind: 'CJG', contactPhone: '0800 285 4070', contactEmail: null },
    ],
    referrals: [
      {
        id: 'ref-1',
        sender: LZ,
        receiver: SMW,
        status: 'COMPLETED',
        urgency: 'NORMAL',
        legalBasis: 'LEERPLICHTWET',
        sharedCategories: ['IDENTITY', 'CONTACT', 'SCHOOLING'],
        createdAt: '2025-12-03T08:00:00Z',
        closedAt: '2026-01-20T16:00:00Z',
        events: [
          { action: 'CREATE', status: 'REQUESTED', organisation: LZ, occurredAt: '2025-12-03T08:00:00Z', reason: null },
          { action: 'RECEIVE', status: 'RECEIVED', organisation: SMW, occurredAt: '2025-12-03T10:20:00Z', reason: null },
          { action: 'ACCEPT', status: 'ACCEPTED', organisation: SMW, occurredAt: '2025-12-04T09:00:00Z', reason: null },
          { action: 'START', status: 'IN_PROGRESS', organisation: SMW, occurredAt: '2025-12-10T11:00:00Z', reason: null },
          { action: 'HAND_OVER', status: 'COMPLETED', organisation: SMW, occurredAt: '2026-01-20T16:00:00Z', reason: 'Verder bij het CJG voor gezinsbegeleiding.' },
        ],
      },
      {
        id: 'ref-2',
        sender: SMW,
        receiver: CJG,
        status: 'IN_PROGRESS',
        urgency: 'URGENT',
        legalBasis: 'CONSENT',
        sharedCategories: ['IDENTITY', 'CONTACT', 'CARE'],
        createdAt: '2026-01-20T16:00:00Z',
        closedAt: null,
        events: [
          { action: 'CREATE', status: 'REQUESTED', organisation: SMW, occurredAt: '2026-01-20T16:00:00Z', reason: null },
          { action: 'RECEIVE', status: 'RECEIVED', organisation: CJG, occurredAt: '2026-01-21T08:30:00Z', reason: null },
          { action: 'ACCEPT', status: 'ACCEPTED', organisation: CJG, occurredAt: '2026-01-21T08:31:00Z', reason: null },
          { action: 'START', status: 'IN_PROGRESS', organisation: CJG, occurredAt: '2026-01-26T13:00:00Z', reason: null },
        ],
      },
    ],
    accessHistory: accessHistory(options.rows ?? 300, employeesIncluded),
    corrections: [
      {
        field: 'phone',
        previousValue: '06 1111 2222',
        newValue: '06 1234 5678',
        reason: 'Oud nummer, doorgegeven door de moeder',
        correctedAt: '2026-02-02T10:00:00Z',
        organisation: LZ,
      },
    ],
    restriction: { since: '2026-02-20T09:15:00Z', reason: 'De moeder betwist dat het adres juist is.' },
    exceptions: [
      {
        legalBasis: 'Artikel 41 lid 1 onder i UAVG (bescherming van de rechten en vrijheden van anderen)',
        description: 'Informatie die is gedeeld om de veiligheid van een kind te beschermen.',
      },
    ],
    employeesIncluded,
  };
}

/** The text of each page as a reader would copy it: compatibility forms folded, whitespace collapsed. */
async function pagesOf(pdf: Buffer): Promise<string[]> {
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: false });
  return text.map((page) =>
    page
      .normalize('NFKC')
      .replace(/[\u200E\u200F\u2066-\u2069]/g, '')
      .replace(/\s+/g, ' '),
  );
}

/**
 * The text of one table row, from its date to the next row's date. The extractor reads the page
 * line by line, so a row whose cells wrap comes back with their lines interleaved.
 */
function rowOf(page: string, date: string): string {
  const start = page.indexOf(date);
  expect(start, `a row dated ${date}`).toBeGreaterThanOrEqual(0);
  const next = page.slice(start + date.length).search(/\d{2}[-/]\d{2}[-/]\d{4}/);
  return next < 0 ? page.slice(start) : page.slice(start, start + date.length + next);
}

/** Each word of `phrase` is in `text` (its lines may be interleaved with a neighbouring cell's). */
function expectWords(text: string, phrase: string): void {
  for (const word of phrase.split(' ')) expect(text).toContain(word);
}

const SECTIONS: Record<InzageLanguage, string[]> = {
  nl: [
    'Inzage in uw gegevens',
    'Wat wij vastleggen',
    'Betrokken organisaties',
    'Verwijzingen',
    'Wie heeft uw gegevens ingezien',
    'Correcties',
    'Beperking van de verwerking',
  ],
  en: [
    'Your data: subject access',
    'What we hold',
    'Organisations involved',
    'Referrals',
    'Who accessed your data',
    'Corrections',
    'Restriction of processing',
  ],
};

const ACCESS_HEADER: Record<InzageLanguage, string> = {
  nl: 'Wanneer Organisatie Functie Medewerker Handeling Doel Gegevens',
  en: 'When Organisation Role Employee Action Purpose Data',
};

describe('subject access export as PDF', () => {
  // Rendered once per language and shared by the tests below.
  const rendered = new Map<InzageLanguage, Promise<{ pdf: Buffer; pages: string[]; text: string }>>();
  const render = (language: InzageLanguage) => {
    let result = rendered.get(language);
    if (!result) {
      result = (async () => {
        const pdf = await renderSubjectAccessPdf(fixture(language));
        const pages = await pagesOf(pdf);
        return { pdf, pages, text: pages.join(' ') };
      })();
      rendered.set(language, result);
    }
    return result;
  };

  for (const language of ['nl', 'en'] as const) {
    it(`renders in ${language}: the pupil, every section title, organisations, the access history and the footer`, async () => {
      const { pdf, pages, text } = await render(language);
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');

      expect(text).toContain('Zofia Wójcik-Łęcka');
      expect(text).toContain(language === 'nl' ? '14 september 2011' : '14 September 2011');
      for (const title of SECTIONS[language]) expect(text).toContain(title);
      // Titles of the other language do not leak in.
      for (const title of SECTIONS[language === 'nl' ? 'en' : 'nl'].slice(1)) expect(text).not.toContain(title);

      expect(text).toContain(SMW);
      expect(text).toContain(language === 'nl' ? 'Schoolmaatschappelijk werk' : 'School social work');
      expect(text).toContain(language === 'nl' ? 'Centrum voor Jeugd en Gezin' : 'Centre for Youth and Family');
      // The referral's status and legal basis, translated.
      expect(text).toContain(language === 'nl' ? 'In behandeling' : 'In progress');
      expect(text).toContain(language === 'nl' ? 'Overgedragen' : 'Handed over');
      expectWords(text, 'Verder bij het CJG voor gezinsbegeleiding.');

      // The marked access row: time in Amsterdam, organisation, role, withheld employee, action and purpose.
      const row = rowOf(text, language === 'nl' ? '15-01-2026' : '15/01/2026');
      expect(row).toContain('14:45');
      expect(row).toContain(SCHOOL);
      expect(row).toContain(language === 'nl' ? 'Coördinator' : 'Coordinator');
      expect(row).toContain(language === 'nl' ? 'niet vermeld' : 'not stated');
      expect(row).toContain(language === 'nl' ? 'Afdrukken' : 'Print');
      expectWords(row, MARKED_ROW.purpose);
      expectWords(row, language === 'nl' ? 'Identiteit, Onderwijs' : 'Identity, Schooling');

      // Held values with their translated labels; a name in Arabic script; unknown labels as they are.
      expect(text).toContain(language === 'nl' ? 'Burgerservicenummer (BSN) 123456782' : 'Citizen service number (BSN) 123456782');
      expect(text).toContain(language === 'nl' ? 'Taal van brieven Pools' : 'Language of letters Polish');
      expect(text).toContain('mentorRemark');
      expect(text).toContain(language === 'nl' ? 'Behandeld door Leerlingzaken Den Haag Status Afgesloten' : 'Handled by Leerlingzaken Den Haag Status Closed');
      for (const word of ['يوسف', 'العلي']) expect(text).toContain(word);

      // Page numbers, and every page of the access table starts with its header.
      const total = pages.length;
      expect(total).toBeGreaterThan(5);
      pages.forEach((page, i) =>
        expect(page).toContain(language === 'nl' ? `pagina ${i + 1} van ${total}` : `page ${i + 1} of ${total}`),
      );
      const accessPages = pages.filter((page) => page.includes('Leerplicht en uit beeld'));
      expect(accessPages.length).toBeGreaterThan(3);
      for (const page of accessPages) expect(page).toContain(ACCESS_HEADER[language]);
    });

    it(`shows in ${language} on what grounds something may not always be shown, and never whether or what`, async () => {
      const { text } = await render(language);
      expect(text).toContain(language === 'nl' ? 'Wat wij soms niet mogen tonen' : 'What we may not always show');
      expect(text).toContain(language === 'nl' ? 'Of dat bij deze inzage zo is' : 'Whether it happened in this answer');
      expect(text).not.toContain(language === 'nl' ? 'Niet alles is getoond' : 'Not everything is shown');
      expect(text).toContain('Artikel 41 lid 1 onder i UAVG (bescherming van de rechten en vrijheden van anderen)');
      expect(text).toContain('Informatie die is gedeeld om de veiligheid van een kind te beschermen.');
      expect(text).not.toContain('veiligheid-meldcode');
    });

    it(`withholds employees in ${language} unless they are included`, async () => {
      const { text } = await render(language);
      const notStated = language === 'nl' ? 'niet vermeld' : 'not stated';
      expect(text).toContain(notStated);
      for (const name of EMPLOYEES) expect(text).not.toContain(name);

      const included = (await pagesOf(await renderSubjectAccessPdf(fixture(language, { employeesIncluded: true })))).join(' ');
      expect(included).not.toContain(notStated);
      for (const name of EMPLOYEES) expectWords(included, name);
      const row = rowOf(included, language === 'nl' ? '15-01-2026' : '15/01/2026');
      expectWords(row, 'Fatima El Amrani');
      expect(row).not.toContain(notStated);
    });
  }

  it('tells the family how to ask for correction, restriction or deletion and where to complain', async () => {
    const { text } = await render('nl');
    expect(text).toContain('Autoriteit Persoonsgegevens');
    expect(text).toMatch(/verbeteren, minder gebruiken of verwijderen/);
    expect(text).toContain('leerplicht@denhaag.nl');
    expect(text).toContain('06 1111 2222'); // the corrected value's earlier version
    expect(text).toContain('De moeder betwist dat het adres juist is.');
  });

  it('gives the same bytes for the same input', async () => {
    const { pdf } = await render('nl');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const again = await renderSubjectAccessPdf(fixture('nl'));
    expect(again.equals(pdf)).toBe(true);
  });

  it('keeps a pupil name in Arabic script readable inside the English text', async () => {
    const data = fixture('en', { rows: 3 });
    const pages = await pagesOf(
      await renderSubjectAccessPdf({ ...data, pupil: { ...data.pupil, displayName: 'مريم الحسني' }, held: [], exceptions: [] }),
    );
    const text = pages.join(' ');
    for (const word of ['مريم', 'الحسني']) expect(text).toContain(word);
    expect(text).toContain('born on 14 September 2011. This is our answer.');
  });

  it('renders an export with nothing in it', async () => {
    const empty: SubjectAccessExport = {
      ...fixture('en', { rows: 1 }),
      held: [],
      organisations: [],
      referrals: [],
      accessHistory: [],
      corrections: [],
      restriction: null,
      exceptions: [],
    };
    const pages = await pagesOf(await renderSubjectAccessPdf(empty));
    const text = pages.join(' ');
    expect(text).toContain('Nothing was logged.');
    expect(text).not.toContain('What we may not always show');
    expect(text).not.toContain('Restriction of processing');
    expect(text).toContain(`page 1 of ${pages.length}`);
  });
});
