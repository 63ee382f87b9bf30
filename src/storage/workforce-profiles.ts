import type { Kysely } from 'kysely';
import type { WorkforceProfile } from '../analysis/weighting.js';
import type { Database } from './schema.js';

/** Replaces a survey's workforce profile; call inside a transaction, so a half-saved profile is never read. */
export async function saveWorkforceProfile(trx: Kysely<Database>, surveyId: string, profile: WorkforceProfile): Promise<void> {
  await trx.deleteFrom('workforce_profile_cell').where('survey_id', '=', surveyId).execute();
  await trx
    .insertInto('workforce_profile_cell')
    .values(profile.cells.map((c) => ({ survey_id: surveyId, role_group: c.roleGroup, directorate: c.directorate, headcount: c.headcount })))
    .execute();
}

/** A survey's workforce profile, or undefined when none has been loaded. */
export async function loadWorkforceProfile(db: Kysely<Database>, surveyId: string): Promise<WorkforceProfile | undefined> {
  const rows = await db
    .selectFrom('workforce_profile_cell')
    .select(['role_group', 'directorate', 'headcount'])
    .where('survey_id', '=', surveyId)
    .orderBy('role_group')
    .orderBy('directorate')
    .execute();
  if (rows.length === 0) return undefined;
  return { cells: rows.map((r) => ({ roleGroup: r.role_group, directorate: r.directorate, headcount: Number(r.headcount) })) };
}
