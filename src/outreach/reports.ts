// A school's reports of pupils it cannot reach, as they arrive: one, a list through GraphQL, or a
// CSV file (upload or `npm run import`). Every row is checked before anything is written; a batch
// with any bad row is refused whole, with one error per bad row: row, field, what is wrong.
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { badInput } from '../errors.ts';
import { isCalendarDate, uuid } from '../graphql/input.ts';
import { textProblem } from '../http/limits.ts';
import { isValidBsn } from '../pupils/bsn.ts';
import { dutchDate } from '../policy/policy.ts';

export const MAX_REPORTS_PER_BATCH = 5_000;
export const MAX_REMARK_LENGTH = 500;

/** One bad row: `row` is 1-based (the line of the file for CSV, header = line 1). */
export interface RowError {
  row: number;
  field: string;
  message: string;
}

export interface ReportRow {
  /** Where the row came from, for errors. */
  row: number;
  pupilId: string | null;
  bsn: string | null;
  absentSince: string | null;
  urgent: boolean;
  remark: string | null;
}

function reportSchema(today: string) {
  return z
    .object({
      pupilId: uuid
        .transform((id) => id.toLowerCase())
        .nullish(),
      bsn: z
        .string({ error: 'must be 9 digits, as text' })
        .trim()
        .regex(/^[0-9]{9}$/, 'must be 9 digits')
        .refine(isValidBsn, 'is not a valid BSN (the eleven test fails): check for a typing error')
        .nullish(),
      absentSince: z
        .string({ error: 'must be a date YYYY-MM-DD' })
        .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD (or DD-MM-YYYY in a CSV file)')
        .refine(isCalendarDate, 'is not a calendar date')
        .refine((date) => date <= today, 'must not be in the future')
        .nullish(),
      urgent: z.boolean({ error: 'must be yes or no (ja/nee, true/false, 1/0)' }).nullish(),
      remark: z
        .string()
        .trim()
        .max(MAX_REMARK_LENGTH, `must be at most ${MAX_REMARK_LENGTH} characters`)
        // The hardening layer leaves this batch's text to us, so the problem is reported per row.
        .superRefine((text, check) => {
          const problem = textProblem(text);
          if (problem) check.addIssue({ code: 'custom', message: problem });
        })
        .nullish(),
    })
    .refine((input) => Boolean(input.pupilId) !== Boolean(input.bsn), {
      message: 'name the pupil by exactly one of pupilId or bsn',
      path: ['bsn'],
    });
}

/**
 * Validates raw reports (GraphQL input or parsed CSV). Returns the rows, or every problem found;
 * `rowNumbers` maps position to the row number the user sees (CSV line numbers).
 */
export function validateReports(raw: readonly unknown[], now: Date, rowNumbers?: readonly number[]): { rows: ReportRow[]; errors: RowError[] } {
  const errors: RowError[] = [];
  const rows: ReportRow[] = [];
  if (raw.length === 0) return { rows, errors: [{ row: 0, field: 'reports', message: 'must hold at least one report' }] };
  if (raw.length > MAX_REPORTS_PER_BATCH)
    return { rows, errors: [{ row: 0, field: 'reports', message: `must hold at most ${MAX_REPORTS_PER_BATCH} reports; split the file` }] };
  const schema = reportSchema(dutchDate(now));
  raw.forEach((input, index) => {
    const row = rowNumbers?.[index] ?? index + 1;
    const parsed = schema.safeParse(input);
    if (!parsed.success) {
      // One error per field of the row, so a user fixes the whole row at once.
      const seen = new Set<string>();
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? 'row');
        if (seen.has(field)) continue;
        seen.add(field);
        errors.push({ row, field, message: issue.message });
      }
      return;
    }
    const value = parsed.data;
    rows.push({
      row,
      pupilId: value.pupilId ?? null,
      bsn: value.bsn ?? null,
      absentSince: value.absentSince ?? null,
      urgent: value.urgent ?? false,
      remark: value.remark ? value.remark : null,
    });
  });
  return { rows, errors };
}

/** The refusal of a batch: one message a person can act on, and the rows for a program. */
export function refuseBatch(errors: readonly RowError[], fieldNames: Readonly<Record<string, string>> = {}): never {
  const sorted = [...errors].map((error) => ({ ...error, field: fieldNames[error.field] ?? error.field })).sort((a, b) => a.row - b.row);
  const shown = sorted.slice(0, 20).map((error) => (error.row > 0 ? `row ${error.row}, ${error.field}: ${error.message}` : `${error.field}: ${error.message}`));
  const more = sorted.length > shown.length ? `; and ${sorted.length - shown.length} more (see extensions.rows)` : '';
  const count = sorted.length === 1 ? '1 problem' : `${sorted.length} problems`;
  throw badInput(`Nothing was reported: ${count} in the reports. ${shown.join('; ')}${more}`, {
    argument: 'input.reports',
    rows: sorted.map((error) => ({ row: error.row, field: error.field, message: error.message })),
  });
}

// ---- CSV -------------------------------------------------------------------------------------------

/** The columns of a school's CSV file; `bsn` is required, the others may be left out. */
export const CSV_COLUMNS = ['bsn', 'absent_since', 'urgent', 'remark'] as const;
/** Errors about a CSV row name the column, not the API field. */
export const CSV_FIELD_NAMES: Readonly<Record<string, string>> = { absentSince: 'absent_since' };
const YES = new Set(['ja', 'j', 'yes', 'y', 'true', '1', 'x', 'urgent', 'spoed']);
const NO = new Set(['nee', 'n', 'no', 'false', '0', '']);

/**
 * The text of an uploaded file. UTF-8 (with or without BOM) is what we ask for; a Dutch spreadsheet
 * saves "CSV" in Windows-1252 unless told otherwise, so a file that is not valid UTF-8 is read as
 * Windows-1252 rather than stored garbled (every byte sequence is valid Windows-1252 text).
 */
export function decodeCsv(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

/**
 * Parses a school's CSV file (`;` or `,` separated, header line first) into raw reports and the line
 * number each starts on. Dutch spreadsheets write dates as DD-MM-YYYY: accepted too.
 */
export function parseReportsCsv(text: string): { raw: Record<string, unknown>[]; rowNumbers: number[] } {
  // One line ending throughout: files edited by hand mix CRLF and LF, and the parser would take the
  // first line's ending for all. Replacing each ending by one keeps the line numbers.
  const body = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const header = body.split('\n', 1)[0] ?? '';
  const delimiter = header.includes(';') ? ';' : ',';
  let records: { record: string[]; raw: string; info: { lines: number } }[];
  try {
    // With `info` and `raw`, csv-parse returns { record, raw, info } per line; its types say string[][].
    records = parse(body, { delimiter, relax_column_count: true, skip_empty_lines: true, info: true, raw: true, trim: true }) as never;
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw badInput(`The CSV file cannot be read${line ? ` at line ${line}` : ''}: ${(error as Error).message.split('\n')[0]}`, { argument: 'input.file' });
  }
  const [first, ...data] = records;
  if (!first) throw badInput('The CSV file is empty: it needs a header line `bsn;absent_since;urgent;remark` and one line per pupil', { argument: 'input.file' });
  const columns = first.record.map((name) => name.trim().toLowerCase());
  const unknown = columns.filter((name) => !(CSV_COLUMNS as readonly string[]).includes(name));
  if (!columns.includes('bsn') || unknown.length > 0)
    throw badInput(
      `The CSV header must name the columns ${CSV_COLUMNS.join(';')} (bsn required)${unknown.length > 0 ? `; unknown: ${unknown.join(', ')}` : ''}`,
      { argument: 'input.file' },
    );
  const raw: Record<string, unknown>[] = [];
  const rowNumbers: number[] = [];
  for (const { record, raw: source, info } of data) {
    const cell = (name: string) => {
      const index = columns.indexOf(name);
      return index >= 0 ? (record[index] ?? '') : '';
    };
    const urgent = cell('urgent').toLowerCase();
    const absent = cell('absent_since');
    const dutch = /^(\d{1,2})-(\d{1,2})-(\d{4})$/.exec(absent);
    raw.push({
      bsn: cell('bsn') || null,
      absentSince: dutch ? `${dutch[3]}-${dutch[2]!.padStart(2, '0')}-${dutch[1]!.padStart(2, '0')}` : absent || null,
      // An unreadable yes/no is passed on as text, so validation names it.
      urgent: YES.has(urgent) ? true : NO.has(urgent) ? false : urgent,
      remark: cell('remark') || null,
    });
    // `lines` is where the record ends; a quoted remark may span lines, and skipped empty lines
    // lead the record's raw text.
    const inside = (source.replace(/^\n+/, '').replace(/\n$/, '').match(/\n/g) ?? []).length;
    rowNumbers.push(info.lines - inside);
  }
  if (raw.length === 0) throw badInput('The CSV file has a header but no pupils', { argument: 'input.file' });
  return { raw, rowNumbers };
}
