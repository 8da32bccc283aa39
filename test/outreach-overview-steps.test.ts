// The out-of-view overview counts open cases per next step, so a coordinator needs one query, not
// six; the counts are those of the cases whose attempts the caller may see (the step derives from
// the attempts), and match the list filtered on the same step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './helpers/hub.ts';
import { gqlOk, NO_RATE_LIMITS, type As } from './helpers/referrals.ts';
import { NEXT_STEPS } from '../src/policy/vocabulary.ts';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ env: NO_RATE_LIMITS });
});
afterAll(async () => {
  await t?.close();
});

const OVERVIEW = `query($groupBy: OverviewGrouping!) { outOfViewOverview(groupBy: $groupBy) {
  rows { school { id } municipality { code } openByNextStep { step open overdue } }
  total { stillOutOfView overdueNextSteps openByNextStep { step open overdue } } } }`;
const COUNT = `query($filter: OutOfViewCaseFilter) { outOfViewCases(filter: $filter, first: 1) { totalCount } }`;

const CALLERS: Array<[As, 'SCHOOL' | 'MUNICIPALITY']> = [
  [{ org: 'lz-den-haag', role: 'COORDINATOR' }, 'SCHOOL'],
  [{ org: 'lz-rijswijk', role: 'COORDINATOR' }, 'MUNICIPALITY'],
  [{ org: 'school-zuiderpark-college', role: 'COORDINATOR' }, 'SCHOOL'],
];

describe('open cases per next step in the overview', () => {
  for (const [who, groupBy] of CALLERS) {
    it(`${who.org} by ${groupBy}: every step is listed, the total is the rows' sum, and each equals the list filtered on that step`, async () => {
      const { rows, total } = (await gqlOk(t, who, OVERVIEW, { groupBy })).outOfViewOverview;
      expect(total.openByNextStep.map((c: { step: string }) => c.step)).toEqual([...NEXT_STEPS]);
      for (const step of NEXT_STEPS) {
        const inRows = rows.reduce((sum: number, row: any) => sum + row.openByNextStep.find((c: any) => c.step === step).open, 0);
        const counted = total.openByNextStep.find((c: { step: string }) => c.step === step);
        expect(counted.open, step).toBe(inRows);
        const listed = (await gqlOk(t, who, COUNT, { filter: { status: 'OPEN', nextStep: [step] } })).outOfViewCases.totalCount;
        expect(counted.open, `${step} against the list`).toBe(listed);
        const overdue = (await gqlOk(t, who, COUNT, { filter: { nextStep: [step], overdue: true } })).outOfViewCases.totalCount;
        expect(counted.overdue, `${step} overdue against the list`).toBe(overdue);
      }
      const overdueSum = total.openByNextStep.reduce((sum: number, c: { overdue: number }) => sum + c.overdue, 0);
      expect(overdueSum).toBe(total.overdueNextSteps);
      if (who.org === 'lz-den-haag') expect(total.openByNextStep.some((c: { open: number }) => c.open > 0)).toBe(true);
    });
  }
});
