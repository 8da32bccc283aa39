// Per-request batch loaders for cases of pupils out of view; each applies the case row filter.
import DataLoader from 'dataloader';
import { sql } from 'kysely';
import type { OutOfViewReportRow } from '../db/tables.ts';
import type { DataGateway } from '../policy/gateway.ts';
import { casesQuery, selectCase, type CaseModel } from './cases.ts';

export function createOutreachLoaders(data: DataGateway) {
  const ctx = { actor: data.actor, now: data.now };
  const caseById = new DataLoader<string, CaseModel | null>(async (ids) => {
    const rows = (await selectCase(casesQuery(data).where(sql<boolean>`out_of_view_cases.id = any(cast(${[...ids]} as uuid[]))`), ctx).execute()) as CaseModel[];
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });

  /** Cases of pupils (already visible to the caller), oldest first. */
  const casesByPupil = new DataLoader<string, CaseModel[]>(async (pupilIds) => {
    const rows = (await selectCase(casesQuery(data).where(sql<boolean>`out_of_view_cases.pupil_id = any(cast(${[...pupilIds]} as uuid[]))`), ctx)
      .orderBy('out_of_view_cases.id')
      .execute()) as CaseModel[];
    return pupilIds.map((id) => rows.filter((row) => row.pupil_id === id));
  });

  /** Reports of cases the caller sees in full (the guard checked SCHOOLING on the field). */
  const reportsByCase = new DataLoader<string, OutOfViewReportRow[]>(async (caseIds) => {
    const rows = await data
      .outOfViewReports(caseIds)
      .selectAll()
      .orderBy('reported_at')
      .orderBy('id')
      .execute();
    return caseIds.map((id) => rows.filter((row) => row.case_id === id));
  });

  return { caseById, casesByPupil, reportsByCase };
}
