import { randomUUID } from 'node:crypto';
import { PostgresAdapter, type Insertable, type Kysely } from 'kysely';
import type { Database, ResponseSource } from './schema.js';

export interface NewResponse {
  surveyId: string;
  instrumentVersionId: string;
  roleGroup: string;
  directorate: string;
  /** The day only (YYYY-MM-DD): never a time. */
  submittedOn: string;
  answers: unknown;
  /** Online unless keyed from a paper questionnaire. */
  source?: ResponseSource;
}

/** stored; already_submitted: this answer session was stored before; closed: the wave is no longer open (nothing stored). */
export type SubmitOutcome = 'stored' | 'already_submitted' | 'closed';

/**
 * Stores a response, keyed by the answer session so a second submission of the same session
 * (double click, retry, back and resubmit) is refused by the submission_key primary key, not
 * only by application code. Resolves only once the response is committed.
 *
 * Submissions arriving together are committed together (group commit): while one transaction
 * is being written, the submissions that arrive queue up and go in the next one, a handful of
 * multi-row statements and one commit (one disk flush) for all of them. Under load that is
 * what keeps the submission rate near a bare insert's; alone, a submission is written at once.
 */
export function submitResponse(db: Kysely<Database>, submissionKey: string, response: NewResponse): Promise<SubmitOutcome> {
  let writer = writers.get(db);
  if (!writer) writers.set(db, (writer = new GroupCommit(db)));
  return writer.submit(submissionKey, response);
}

interface Pending {
  key: string;
  response: NewResponse;
  settle: (outcome: SubmitOutcome) => void;
  fail: (error: unknown) => void;
}

/** Submissions per transaction, at most: seven bound values per response row, well within both databases' limits. */
const MAX_BATCH = 250;

/** One writer per database handle, so every caller of submitResponse on it shares the batches. */
const writers = new WeakMap<Kysely<Database>, GroupCommit>();

class GroupCommit {
  private readonly queue: Pending[] = [];
  /**
   * One transaction at a time, on both databases: SQLite has one writer anyway, and on
   * PostgreSQL fewer, larger batches measured faster than several in parallel (each statement
   * is a round trip and a system call, whatever the number of rows it carries).
   */
  private writing = false;
  private scheduled = false;

  constructor(private readonly db: Kysely<Database>) {}

  submit(key: string, response: NewResponse): Promise<SubmitOutcome> {
    return new Promise((settle, fail) => {
      this.queue.push({ key, response, settle, fail });
      // Deferred until the requests that reached the server together have all been read (setImmediate
      // runs after the event loop's I/O phase), so they share a transaction. Not a microtask: on
      // SQLite a whole transaction runs without ever reaching the I/O phase, so nothing would join it.
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.drain();
        });
      }
    });
  }

  private drain(): void {
    if (this.writing || this.queue.length === 0) return;
    const batch = this.queue.splice(0, MAX_BATCH);
    this.writing = true;
    void this.write(batch).finally(() => {
      this.writing = false;
      this.drain();
    });
  }

  private async write(batch: Pending[]): Promise<void> {
    try {
      const outcomes = await storeBatch(this.db, batch);
      batch.forEach((p, i) => p.settle(outcomes[i]!));
    } catch (error) {
      // One bad submission must not fail the others that happened to share its transaction.
      if (batch.length === 1) return batch[0]!.fail(error);
      for (const p of batch) await storeBatch(this.db, [p]).then(([outcome]) => p.settle(outcome!), p.fail);
    }
  }
}

/** Rolls a batch's transaction back when some of its waves closed meanwhile. */
class WavesClosed extends Error {
  constructor(readonly surveyIds: Set<string>) {
    super('waves closed during a submission');
  }
}

/**
 * Stores a batch of submissions in one transaction and returns each one's outcome: the
 * submission keys, the response rows and the answer sessions' removal, each as one statement
 * for the whole batch. Nothing else: results are counted from response rows when the wave
 * closes, so no count is kept (or locked) here.
 *
 * The wave must still be open when the row is written. Closing locks the survey row first
 * and builds the publication in the same transaction, so a response either lands before the
 * close (and is in the publication) or finds the wave closed. The state is read after the
 * writes: on PostgreSQL the responses' foreign key takes a key-share lock on the survey row,
 * which waits for a close in progress (it holds the row FOR UPDATE), so the read that follows
 * sees it; on SQLite the first write takes the database's write lock, so the read is the
 * latest. No lock is taken only for the check: concurrent submissions never queue on one.
 * When a wave turns out closed, the transaction is rolled back and the batch stored again
 * without that wave's submissions, which are 'closed' with nothing kept, not even their keys.
 */
async function storeBatch(db: Kysely<Database>, batch: readonly Pending[]): Promise<SubmitOutcome[]> {
  const closed = new Set<string>();
  for (;;) {
    try {
      return await db.transaction().execute((trx) => storeOpen(trx, batch, closed));
    } catch (error) {
      if (!(error instanceof WavesClosed)) throw error;
      for (const id of error.surveyIds) closed.add(id);
    }
  }
}

async function storeOpen(trx: Kysely<Database>, batch: readonly Pending[], closed: ReadonlySet<string>): Promise<SubmitOutcome[]> {
  const outcomes: SubmitOutcome[] = batch.map((p) => (closed.has(p.response.surveyId) ? 'closed' : 'already_submitted'));
  // The first submission of each key in the batch; a repeat in the same batch (a double click) is already submitted.
  const first = new Map<string, number>();
  batch.forEach((p, i) => outcomes[i] !== 'closed' && !first.has(p.key) && first.set(p.key, i));
  if (first.size === 0) return outcomes;
  const claimed = await trx
    .insertInto('submission_key')
    .values([...first].map(([key, i]) => ({ key, survey_id: batch[i]!.response.surveyId })))
    .onConflict((oc) => oc.column('key').doNothing())
    .returning('key')
    .execute();
  if (claimed.length === 0) return outcomes;
  const stored = claimed.map((row) => first.get(row.key)!);
  await trx
    .insertInto('response')
    .values(stored.map((i) => responseRow(batch[i]!.response)))
    .execute();
  const surveyIds = [...new Set(stored.map((i) => batch[i]!.response.surveyId))];
  const open = new Set((await trx.selectFrom('survey').select('id').where('id', 'in', surveyIds).where('state', '=', 'open').execute()).map((row) => row.id));
  const nowClosed = surveyIds.filter((id) => !open.has(id));
  if (nowClosed.length > 0) throw new WavesClosed(new Set(nowClosed));
  await trx
    .deleteFrom('answer_session')
    .where(
      'id',
      'in',
      claimed.map((row) => row.key),
    )
    .execute();
  for (const i of stored) outcomes[i] = 'stored';
  return outcomes;
}

/** A response's row, with a fresh random id. */
function responseRow(response: NewResponse): Insertable<Database['response']> {
  return {
    id: randomUUID(),
    survey_id: response.surveyId,
    instrument_version_id: response.instrumentVersionId,
    role_group: response.roleGroup,
    directorate: response.directorate,
    submitted_on: response.submittedOn,
    answers: JSON.stringify(response.answers),
    source: response.source ?? 'online',
  };
}

/** Response rows per statement: nine bound values each, well within both databases' limits. */
const ROWS_PER_INSERT = 500;

/**
 * Stores keyed paper returns of one wave in the caller's transaction (which also holds the
 * audit entry), all or none. The survey row is locked first, so a close waits for them and
 * they are in its publication, or they find the wave closed and nothing is written.
 * `entryKey`, when given, is claimed in submission_key as an online answer session's is, so the
 * same keying form sent twice (a double click, a retry) stores its return once.
 */
export async function storeKeyedResponses(trx: Kysely<Database>, surveyId: string, responses: readonly NewResponse[], entryKey?: string): Promise<SubmitOutcome> {
  await lockSurveyRow(trx, surveyId);
  if (!(await waveOpen(trx, surveyId))) return 'closed';
  if (entryKey !== undefined) {
    const claimed = await trx
      .insertInto('submission_key')
      .values({ key: entryKey, survey_id: surveyId })
      .onConflict((oc) => oc.column('key').doNothing())
      .returning('key')
      .execute();
    if (claimed.length === 0) return 'already_submitted';
  }
  for (let at = 0; at < responses.length; at += ROWS_PER_INSERT) {
    await trx
      .insertInto('response')
      .values(responses.slice(at, at + ROWS_PER_INSERT).map(responseRow))
      .execute();
  }
  return 'stored';
}

/** Whether the wave takes answers; call after writing to it, in the same transaction (see storeBatch). */
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
