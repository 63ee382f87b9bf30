import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Tally } from '../fieldwork/tally.js';
import type { Database } from './schema.js';

export interface NewResponse {
  surveyId: string;
  instrumentVersionId: string;
  roleGroup: string;
  directorate: string;
  /** The day only (YYYY-MM-DD): never a time. */
  submittedOn: string;
  answers: unknown;
  tally: Tally;
}

export type SubmitOutcome = 'stored' | 'already_submitted';

/**
 * Stores a response and its counts in one transaction, keyed by the answer session so a
 * second submission of the same session (double click, retry, back and resubmit) is
 * refused by the submission_key primary key, not only by application code.
 */
export async function submitResponse(db: Kysely<Database>, submissionKey: string, response: NewResponse): Promise<SubmitOutcome> {
  return db.transaction().execute((trx) => storeResponse(trx, submissionKey, response));
}

/**
 * The writes of one submission, inside a transaction the caller owns: submitResponse gives
 * each its own; bulk generation of synthetic responses puts many in one, so a million
 * responses do not cost a million fsyncs.
 */
export async function storeResponse(trx: Kysely<Database>, submissionKey: string, response: NewResponse): Promise<SubmitOutcome> {
  const claimed = await trx
    .insertInto('submission_key')
    .values({ key: submissionKey, survey_id: response.surveyId })
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  if (Number(claimed.numInsertedOrUpdatedRows ?? 0n) === 0) return 'already_submitted';

  await trx
    .insertInto('response')
    .values({
      id: randomUUID(),
      survey_id: response.surveyId,
      instrument_version_id: response.instrumentVersionId,
      role_group: response.roleGroup,
      directorate: response.directorate,
      submitted_on: response.submittedOn,
      answers: JSON.stringify(response.answers),
    })
    .execute();

  const cell = { survey_id: response.surveyId, role_group: response.roleGroup, directorate: response.directorate };
  const cellKey = ['survey_id', 'role_group', 'directorate'] as const;
  await trx
    .insertInto('cell_count')
    .values({ ...cell, responses: 1 })
    .onConflict((oc) => oc.columns([...cellKey]).doUpdateSet({ responses: sql`cell_count.responses + 1` }))
    .execute();
  if (response.tally.answered.length > 0) {
    await trx
      .insertInto('answered_count')
      .values(response.tally.answered.map((a) => ({ ...cell, question: a.question, item: a.item, n: 1 })))
      .onConflict((oc) =>
        oc.columns(['survey_id', 'question', 'item', 'role_group', 'directorate']).doUpdateSet({ n: sql`answered_count.n + 1` }),
      )
      .execute();
  }
  if (response.tally.options.length > 0) {
    await trx
      .insertInto('option_count')
      .values(response.tally.options.map((o) => ({ ...cell, question: o.question, item: o.item, option: o.option, n: 1 })))
      .onConflict((oc) =>
        oc.columns(['survey_id', 'question', 'item', 'option', 'role_group', 'directorate']).doUpdateSet({ n: sql`option_count.n + 1` }),
      )
      .execute();
  }
  if (response.tally.numeric.length > 0) {
    await trx
      .insertInto('numeric_sum')
      .values(response.tally.numeric.map((v) => ({ ...cell, variable: v.variable, n: 1, sum: v.value, sum_squares: v.value * v.value })))
      .onConflict((oc) =>
        oc.columns(['survey_id', 'variable', 'role_group', 'directorate']).doUpdateSet({
          n: sql`numeric_sum.n + 1`,
          sum: sql`numeric_sum.sum + excluded.sum`,
          sum_squares: sql`numeric_sum.sum_squares + excluded.sum_squares`,
        }),
      )
      .execute();
  }
  await trx.deleteFrom('answer_session').where('id', '=', submissionKey).execute();
  return 'stored';
}
