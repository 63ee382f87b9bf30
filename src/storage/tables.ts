import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** The maintained counts for one survey, per segment cell, as analysis consumes them. */
export interface CountTables {
  cells: { roleGroup: string; directorate: string; responses: number }[];
  answered: { roleGroup: string; directorate: string; question: string; item: string; n: number }[];
  options: { roleGroup: string; directorate: string; question: string; item: string; option: string; n: number }[];
  numeric: { roleGroup: string; directorate: string; variable: string; n: number; sum: number; sumSquares: number }[];
}

export async function loadCountTables(db: Kysely<Database>, surveyId: string): Promise<CountTables> {
  const [cells, answered, options, numeric] = await Promise.all([
    db.selectFrom('cell_count').selectAll().where('survey_id', '=', surveyId).execute(),
    db.selectFrom('answered_count').selectAll().where('survey_id', '=', surveyId).execute(),
    db.selectFrom('option_count').selectAll().where('survey_id', '=', surveyId).execute(),
    db.selectFrom('numeric_sum').selectAll().where('survey_id', '=', surveyId).execute(),
  ]);
  // PostgreSQL returns bigint/numeric as strings; Number() makes both backends alike.
  return {
    cells: cells.map((r) => ({ roleGroup: r.role_group, directorate: r.directorate, responses: Number(r.responses) })),
    answered: answered.map((r) => ({ roleGroup: r.role_group, directorate: r.directorate, question: r.question, item: r.item, n: Number(r.n) })),
    options: options.map((r) => ({ roleGroup: r.role_group, directorate: r.directorate, question: r.question, item: r.item, option: r.option, n: Number(r.n) })),
    numeric: numeric.map((r) => ({
      roleGroup: r.role_group,
      directorate: r.directorate,
      variable: r.variable,
      n: Number(r.n),
      sum: Number(r.sum),
      sumSquares: Number(r.sum_squares),
    })),
  };
}

export async function listSurveys(db: Kysely<Database>) {
  const rows = await db
    .selectFrom('survey')
    .innerJoin('organisation', 'organisation.id', 'survey.organisation_id')
    .leftJoin(
      (eb) => eb.selectFrom('cell_count').select((s) => ['survey_id', s.fn.sum<number>('responses').as('responses')]).groupBy('survey_id').as('counts'),
      (join) => join.onRef('counts.survey_id', '=', 'survey.id'),
    )
    .select(['survey.id', 'survey.slug', 'survey.title', 'survey.state', 'survey.organisation_id as organisationId', 'organisation.name as organisation', 'counts.responses'])
    .orderBy('organisation.name')
    .orderBy('survey.title')
    .execute();
  return rows.map((r) => ({ ...r, responses: Number(r.responses ?? 0) }));
}
