import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Every survey with its organisation and its number of completed responses (counted from response rows). */
export async function listSurveys(db: Kysely<Database>) {
  const rows = await db
    .selectFrom('survey')
    .innerJoin('organisation', 'organisation.id', 'survey.organisation_id')
    .leftJoin(
      (eb) => eb.selectFrom('response').select((s) => ['survey_id', s.fn.countAll<number>().as('responses')]).groupBy('survey_id').as('counts'),
      (join) => join.onRef('counts.survey_id', '=', 'survey.id'),
    )
    .select([
      'survey.id',
      'survey.slug',
      'survey.title',
      'survey.state',
      'survey.suppression_threshold as threshold',
      'survey.organisation_id as organisationId',
      'organisation.name as organisation',
      'counts.responses',
    ])
    .orderBy('organisation.name')
    .orderBy('survey.title')
    .execute();
  return rows.map((r) => ({ ...r, threshold: Number(r.threshold), responses: Number(r.responses ?? 0) }));
}
