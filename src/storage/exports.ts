import type { Kysely } from 'kysely';
import type { Answers } from '../instrument/question-types/index.js';
import type { Database } from './schema.js';

/** One stored response as exports read it: no id, and the day submitted only. */
export interface ExportedResponse {
  roleGroup: string;
  directorate: string;
  submittedOn: string;
  answers: Answers;
}

export const EXPORT_BATCH_SIZE = 250;

/**
 * Reads a survey's responses in batches by keyset pagination on the random id, so memory
 * stays flat however many responses there are, on SQLite and PostgreSQL alike (no
 * driver-specific cursors). Ordering by the random id also means the order rows come out
 * in says nothing about the order they arrived in.
 */
export async function* responseBatches(db: Kysely<Database>, surveyId: string, batchSize = EXPORT_BATCH_SIZE): AsyncGenerator<ExportedResponse[]> {
  let after: string | undefined;
  for (;;) {
    let query = db
      .selectFrom('response')
      .select(['id', 'role_group', 'directorate', 'submitted_on', 'answers'])
      .where('survey_id', '=', surveyId)
      .orderBy('id')
      .limit(batchSize);
    if (after !== undefined) query = query.where('id', '>', after);
    const rows = await query.execute();
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!.id;
    yield rows.map((r) => ({
      roleGroup: r.role_group,
      directorate: r.directorate,
      submittedOn: r.submitted_on,
      answers: JSON.parse(r.answers) as Answers,
    }));
    if (rows.length < batchSize) return;
  }
}
