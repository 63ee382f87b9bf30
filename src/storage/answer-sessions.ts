import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Answers } from '../instrument/question-types/index.js';
import type { Database } from './schema.js';

/** Tokens and resume codes are stored only as sha256 hashes, never as given to the respondent. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export interface AnswerSession {
  key: string;
  surveyId: string;
  answers: Answers;
}

export async function startAnswerSession(db: Kysely<Database>, token: string, surveyId: string, expiresOn: string): Promise<void> {
  await db
    .insertInto('answer_session')
    .values({ id: hashSecret(token), survey_id: surveyId, answers: '{}', resume_code_hash: null, expires_on: expiresOn })
    .execute();
}

export async function findAnswerSession(db: Kysely<Database>, token: string, surveyId: string): Promise<AnswerSession | undefined> {
  const row = await db.selectFrom('answer_session').select(['id', 'survey_id', 'answers']).where('id', '=', hashSecret(token)).where('survey_id', '=', surveyId).executeTakeFirst();
  return row && { key: row.id, surveyId: row.survey_id, answers: JSON.parse(row.answers) as Answers };
}

export async function saveAnswers(db: Kysely<Database>, key: string, answers: Answers): Promise<void> {
  await db
    .updateTable('answer_session')
    .set({ answers: JSON.stringify(answers) })
    .where('id', '=', key)
    .execute();
}

/** A resume code unlocks the session: it replaces the cookie token, so an old cookie no longer works. */
export async function setResumeCode(db: Kysely<Database>, key: string, code: string): Promise<void> {
  await db
    .updateTable('answer_session')
    .set({ resume_code_hash: hashSecret(code) })
    .where('id', '=', key)
    .execute();
}

/**
 * Swaps a resume code for a new cookie token; the code is spent, so a code read over a
 * shoulder cannot be used once the respondent has come back.
 */
export async function resumeWithCode(db: Kysely<Database>, surveyId: string, code: string, newToken: string): Promise<boolean> {
  const updated = await db
    .updateTable('answer_session')
    .set({ id: hashSecret(newToken), resume_code_hash: null })
    .where('resume_code_hash', '=', hashSecret(code))
    .where('survey_id', '=', surveyId)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

export async function isSubmitted(db: Kysely<Database>, key: string): Promise<boolean> {
  return (await db.selectFrom('submission_key').select('key').where('key', '=', key).executeTakeFirst()) !== undefined;
}
