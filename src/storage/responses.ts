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
 * The wave must still be open when the row is written. Closing updates the survey row first
 * and builds the publication in the same transaction, so a response either lands before the
 * close (and is in the publication) or sees the wave closed: on PostgreSQL the state is read
 * FOR SHARE, which waits for a close in progress; on SQLite the first write takes the
 * database's write lock, so the state read after it is the latest.
 * Returns 'closed' with the key already inserted: the caller must roll back.
 */
export async function storeResponse(trx: Kysely<Database>, submissionKey: string, response: NewResponse): Promise<SubmitOutcome> {
  const postgres = trx.getExecutor().adapter instanceof PostgresAdapter;
  if (postgres && !(await waveOpen(trx, response.surveyId, true))) return 'closed';
  const claimed = await trx
    .insertInto('submission_key')
    .values({ key: submissionKey, survey_id: response.surveyId })
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  if (Number(claimed.numInsertedOrUpdatedRows ?? 0n) === 0) return 'already_submitted';
  if (!postgres && !(await waveOpen(trx, response.surveyId, false))) return 'closed';

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
  await trx.deleteFrom('answer_session').where('id', '=', submissionKey).execute();
  return 'stored';
}

async function waveOpen(trx: Kysely<Database>, surveyId: string, forShare: boolean): Promise<boolean> {
  let query = trx.selectFrom('survey').select('state').where('id', '=', surveyId);
  if (forShare) query = query.forShare();
  const row = await query.executeTakeFirst();
  return row?.state === 'open';
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
