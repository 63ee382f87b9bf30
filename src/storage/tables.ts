import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Every survey with its organisation. */
export async function listSurveys(db: Kysely<Database>) {
  const rows = await db
    .selectFrom('survey')
    .innerJoin('organisation', 'organisation.id', 'survey.organisation_id')
    .select([
      'survey.id',
      'survey.slug',
      'survey.title',
      'survey.state',
      'survey.suppression_threshold as threshold',
      'survey.organisation_id as organisationId',
      'organisation.name as organisation',
    ])
    .orderBy('organisation.name')
    .orderBy('survey.title')
    .execute();
  return rows.map((r) => ({ ...r, threshold: Number(r.threshold) }));
}
