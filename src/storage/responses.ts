import { randomUUID } from 'node:crypto';
import { PostgresAdapter, type Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface NewResponse {
  surveyId: string;
  instrumentVersionId: string;
  roleGroup: string;
  directorate: string;
  /** The day only (YYYY-MM-DD): never a time. */
  submittedOn: string;
  answers: unknown;
}

/** stored; already_submitted: this answer session was stored before; closed: the wave is no longer open (nothing stored). */
export type SubmitOutcome = 'stored' | 'already_submitted' | 'closed';

/**
 * Stores a response in one transaction, keyed by the answer session so a second submission
 * of the same session (double click, retry, back and resubmit) is refused by the
 * submission_key primary key, not only by application code.
 */
export async function submitResponse(db: Kysely<Database>, submissionKey: string, response: NewResponse): Promise<SubmitOutcome> {
  return db.transaction().execute(async (trx) => {
    const outcome = await storeResponse(trx, submissionKey, response);
    // Rolling back leaves nothing behind when the wave closed meanwhile.
    if (outcome === 'closed') throw new WaveNotOpen();
    return outcome;
  }).catch((error: unknown) => {
    if (error instanceof WaveNotOpen) return 'closed' as const;
    throw error;
  });
}

class WaveNotOpen extends Error {}

/**
 * The writes of one submission, inside a transaction the caller owns: the submission key,
 * the response row, and the answer session's removal. Nothing else: results are counted from
 * response rows when the wave closes, so no count is kept (or locked) here.
 *
 * The wave must still be open when the row is written. Closing locks the survey row first
 * and builds the publication in the same transaction, so a response either lands before the
 * close (and is in the publication) or finds the wave closed. The state is read after the
 * writes: on PostgreSQL the response's foreign key takes a key-share lock on the survey row,
 * which waits for a close in progress (it holds the row FOR UPDATE), so the read that follows
 * sees it; on SQLite the first write takes the database's write lock, so the read is the
 * latest. No lock is taken only for the check: concurrent submissions never queue on one.
 * Returns 'closed' with the rows already inserted: the caller must roll back.
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
  if (!(await waveOpen(trx, response.surveyId))) return 'closed';
  await trx.deleteFrom('answer_session').where('id', '=', submissionKey).execute();
  return 'stored';
}

/** Whether the wave takes answers; call after writing to it, in the same transaction (see storeResponse). */
export async function waveOpen(trx: Kysely<Database>, surveyId: string): Promise<boolean> {
  const row = await trx.selectFrom('survey').select('state').where('id', '=', surveyId).executeTakeFirst();
  return row?.state === 'open';
}

/** Locks a survey row against new answers until the transaction ends (PostgreSQL; SQLite's write lock already does). */
export async function lockSurveyRow(trx: Kysely<Database>, surveyId: string): Promise<void> {
  if (trx.getExecutor().adapter instanceof PostgresAdapter) await trx.selectFrom('survey').select('id').where('id', '=', surveyId).forUpdate().execute();
}

/** Completed responses per segment cell, counted from the response rows (the lead's live response rates). */
export async function responsesByCell(db: Kysely<Database>, surveyId: string): Promise<{ roleGroup: string; directorate: string; responses: number }[]> {
  const rows = await db
    .selectFrom('response')
    .select((eb) => ['role_group', 'directorate', eb.fn.countAll<number>().as('n')])
    .where('survey_id', '=', surveyId)
    .groupBy(['role_group', 'directorate'])
    .execute();
  // PostgreSQL returns count(*) as a string; Number() makes both backends alike.
  return rows.map((r) => ({ roleGroup: r.role_group, directorate: r.directorate, responses: Number(r.n) }));
}
