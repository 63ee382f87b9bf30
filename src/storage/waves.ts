import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface WaveSummary {
  id: string;
  title: string;
  slug: string;
  state: 'draft' | 'open' | 'closed';
  opensOn: string | null;
  closesOn: string | null;
  suppressionThreshold: number;
  previousSurveyId: string | null;
  instrumentCode: string;
}

/** An organisation's surveys, newest plans first; response counts are not here, only suppressed rates are shown. */
export async function listOrganisationWaves(db: Kysely<Database>, organisationId: string): Promise<WaveSummary[]> {
  const rows = await db
    .selectFrom('survey')
    .innerJoin('instrument_version', 'instrument_version.id', 'survey.instrument_version_id')
    .select([
      'survey.id',
      'survey.title',
      'survey.slug',
      'survey.state',
      'survey.opens_on',
      'survey.closes_on',
      'survey.suppression_threshold',
      'survey.previous_survey_id',
      'instrument_version.code',
    ])
    .where('survey.organisation_id', '=', organisationId)
    .orderBy('survey.opens_on', 'desc')
    .orderBy('survey.title')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    slug: r.slug,
    state: r.state,
    opensOn: r.opens_on,
    closesOn: r.closes_on,
    suppressionThreshold: Number(r.suppression_threshold),
    previousSurveyId: r.previous_survey_id,
    instrumentCode: r.code,
  }));
}

/** Planned dates and the wave it follows, set when the wave is created. */
export async function setWavePlan(db: Kysely<Database>, id: string, plan: { opensOn: string | null; closesOn: string | null; previousSurveyId: string | null }): Promise<void> {
  await db.updateTable('survey').set({ opens_on: plan.opensOn, closes_on: plan.closesOn, previous_survey_id: plan.previousSurveyId }).where('id', '=', id).execute();
}

/** Organisations by id (all of them when no ids are given, for platform admins), by name. */
export async function organisationsNamed(db: Kysely<Database>, ids?: readonly string[]): Promise<{ id: string; name: string }[]> {
  if (ids && ids.length === 0) return [];
  let query = db.selectFrom('organisation').select(['id', 'name']).orderBy('name');
  if (ids) query = query.where('id', 'in', ids);
  return query.execute();
}
