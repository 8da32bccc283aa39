// Per-request batch loaders for pupils, reading through the caller's gateway: a pupil reached
// through any path (a referral, a chain, an id) is loaded only if the caller may see it.
import DataLoader from 'dataloader';
import type { GuardianRow, PupilRow } from '../db/tables.ts';
import type { PupilAccess } from '../policy/access.ts';
import type { DataGateway } from '../policy/gateway.ts';

export function createPupilLoaders(data: DataGateway) {
  const pupilById = new DataLoader<string, PupilRow | null>(async (ids) => {
    const rows = await data
      .pupils([], ids)
      .selectAll('pupils')
      .execute();
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });

  /** The categories the caller may read for each pupil, from its lawful links. */
  const pupilAccess = new DataLoader<PupilRow, PupilAccess, string>((pupils) => data.pupilAccess(pupils), {
    cacheKeyFn: (pupil) => pupil.id,
  });

  const guardiansByPupil = new DataLoader<string, GuardianRow[]>(async (pupilIds) => {
    const rows = await data
      .guardians()
      .selectAll('guardians')
      .where('guardians.pupil_id', 'in', [...pupilIds])
      .orderBy('guardians.pupil_id')
      .orderBy('guardians.position')
      .execute();
    return pupilIds.map((id) => rows.filter((row) => row.pupil_id === id));
  });

  return { pupilById, pupilAccess, guardiansByPupil };
}
