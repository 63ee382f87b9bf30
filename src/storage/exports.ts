import { sql, type Kysely } from 'kysely';
import type { Answers } from '../instrument/question-types/index.js';
import { responseCount, walksTable, type IdRange } from './publications.js';
import type { Database } from './schema.js';

/** One stored response as exports read it: no id, and the day submitted only. */
export interface ExportedResponse {
  roleGroup: string;
  directorate: string;
  submittedOn: string;
  answers: Answers;
}

/** A stored response row as read, its answers still the stored JSON text. */
export interface StoredResponseRow {
  id: string;
  role_group: string;
  directorate: string;
  submitted_on: string;
  answers: string;
}

/** Rows per page: large enough that the query per page costs little beside the rows (about 1 MB of answers). */
export const EXPORT_BATCH_SIZE = 1000;

/**
 * The id space cut into ranges of about `perRange` of the survey's responses each, by the
 * first eight hex digits of the random UUIDs (any other ids still fall in some range: the
 * first and last are open-ended). Each page query is bounded by its range as well as by the
 * keyset, so it touches about one page of rows whatever plan the database picks. Without
 * the range, PostgreSQL with no (or stale) statistics for the survey estimates a handful of
 * rows and answers `id > $after order by id limit n` with a bitmap scan of every remaining
 * row of the survey and a sort, for every page: quadratic in the survey's size.
 */
function idRanges(responses: number, perRange: number): IdRange[] {
  const count = Math.min(65536, Math.max(1, Math.ceil(responses / perRange)));
  const bound = (k: number) =>
    Math.floor((k * 2 ** 32) / count)
      .toString(16)
      .padStart(8, '0');
  return Array.from({ length: count }, (_, k) => ({ ...(k > 0 ? { from: bound(k) } : {}), ...(k < count - 1 ? { to: bound(k + 1) } : {}) }));
}

/**
 * A survey's stored response rows in pages of `batchSize` (the last one smaller), in id order:
 * keyset pagination on the random id within id ranges (see `idRanges`), answers as stored.
 * The next query is sent before a page is handed over, so on PostgreSQL the server reads it
 * while the caller works on this one.
 */
export async function* responsePages(db: Kysely<Database>, surveyId: string, batchSize = EXPORT_BATCH_SIZE): AsyncGenerator<StoredResponseRow[]> {
  let buffer: StoredResponseRow[] = [];
  for await (const rows of rangePages(db, surveyId, batchSize)) {
    buffer = buffer.length === 0 ? rows : buffer.concat(rows);
    while (buffer.length >= batchSize) yield buffer.splice(0, batchSize);
  }
  if (buffer.length > 0) yield buffer;
}

/** The rows of each query: at most `batchSize`, usually about four fifths of it (one id range). */
async function* rangePages(db: Kysely<Database>, surveyId: string, batchSize: number): AsyncGenerator<StoredResponseRow[]> {
  const responses = await responseCount(db, surveyId);
  if (responses === 0) return;
  const scan = await walksTable(db, responses);
  const ranges = idRanges(responses, Math.max(1, Math.floor(batchSize * 0.8)));
  const page = (range: IdRange, after: string | undefined): Promise<StoredResponseRow[]> => {
    let query = db
      .selectFrom('response')
      .select(['id', 'role_group', 'directorate', 'submitted_on', 'answers'])
      // `+survey_id`: see walksTable.
      .where(scan ? sql<string>`+survey_id` : 'survey_id', '=', surveyId)
      .orderBy('id')
      .limit(batchSize);
    if (after !== undefined) query = query.where('id', '>', after);
    else if (range.from !== undefined) query = query.where('id', '>=', range.from);
    if (range.to !== undefined) query = query.where('id', '<', range.to);
    const rows = query.execute();
    // Asked for ahead: if the caller stops early, a failure of this read is nobody's to report.
    rows.catch(() => undefined);
    return rows;
  };
  let r = 0;
  let next = page(ranges[0]!, undefined);
  for (;;) {
    const rows = await next;
    // A full page may have more of its range after it; otherwise the next range starts.
    const more = rows.length === batchSize;
    const last = !more && r === ranges.length - 1;
    if (more) next = page(ranges[r]!, rows[rows.length - 1]!.id);
    else if (!last) next = page(ranges[++r]!, undefined);
    if (rows.length > 0) yield rows;
    if (last) return;
    // Let the process answer other requests between queries (SQLite's reads are synchronous).
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Reads a survey's responses in batches by keyset pagination on the random id, so memory
 * stays flat however many responses there are, on SQLite and PostgreSQL alike (no
 * driver-specific cursors). Ordering by the random id also means the order rows come out
 * in says nothing about the order they arrived in.
 */
export async function* responseBatches(db: Kysely<Database>, surveyId: string, batchSize = EXPORT_BATCH_SIZE): AsyncGenerator<ExportedResponse[]> {
  for await (const rows of responsePages(db, surveyId, batchSize)) {
    yield rows.map((r) => ({
      roleGroup: r.role_group,
      directorate: r.directorate,
      submittedOn: r.submitted_on,
      answers: JSON.parse(r.answers) as Answers,
    }));
  }
}
