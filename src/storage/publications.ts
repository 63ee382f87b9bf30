import { randomBytes } from 'node:crypto';
import { PostgresAdapter, SqliteAdapter, sql, type Kysely } from 'kysely';
import type { Database, ResponseSource } from './schema.js';

export interface StoredPublication {
  surveyId: string;
  version: number;
  /** The document as stored (JSON); parsed by publications/read.ts. */
  document: string;
}

export async function insertPublication(db: Kysely<Database>, row: Database['publication']): Promise<void> {
  await db.insertInto('publication').values(row).execute();
}

/** The newest version number of a wave's publication, without its document. */
export async function latestPublicationVersion(db: Kysely<Database>, surveyId: string): Promise<number | undefined> {
  const row = await db.selectFrom('publication').select('version').where('survey_id', '=', surveyId).orderBy('version', 'desc').limit(1).executeTakeFirst();
  return row ? Number(row.version) : undefined;
}

/** One version of a wave's publication. */
export async function publicationVersion(db: Kysely<Database>, surveyId: string, version: number): Promise<StoredPublication | undefined> {
  const row = await db.selectFrom('publication').select(['survey_id', 'version', 'document']).where('survey_id', '=', surveyId).where('version', '=', version).executeTakeFirst();
  return row ? { surveyId: row.survey_id, version: Number(row.version), document: row.document } : undefined;
}

/** Whether a wave has been published (it has, exactly when it is closed). */
export async function hasPublication(db: Kysely<Database>, surveyId: string): Promise<boolean> {
  const row = await db.selectFrom('publication').select('version').where('survey_id', '=', surveyId).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** The number the next version of a wave's publication gets. */
export async function nextPublicationVersion(db: Kysely<Database>, surveyId: string): Promise<number> {
  const row = await db
    .selectFrom('publication')
    .select((eb) => eb.fn.max<number>('version').as('latest'))
    .where('survey_id', '=', surveyId)
    .executeTakeFirst();
  return Number(row?.latest ?? 0) + 1;
}

/**
 * Closed waves with no publication in the given document format (closed before publications
 * existed, or published in an older format). The document's JSON starts with its format.
 */
export async function closedWavesWithoutPublication(db: Kysely<Database>, format: number): Promise<string[]> {
  const rows = await db
    .selectFrom('survey')
    .select('id')
    .where('state', '=', 'closed')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb.selectFrom('publication').select('publication.survey_id').whereRef('publication.survey_id', '=', 'survey.id').where('publication.document', 'like', `{"format":${format},%`),
        ),
      ),
    )
    .orderBy('closes_on')
    .orderBy('opens_on')
    .execute();
  return rows.map((r) => r.id);
}

/** A response row as a publication build reads it: its segment cell, its answers as stored (JSON text), and whether it came online or on paper. */
export interface StoredAnswersRow {
  id: string;
  role_group: string;
  directorate: string;
  answers: string;
  source: ResponseSource;
}

/** Rows per page handed to the build: small enough that a page's strings die young in V8's heap. */
export const PUBLICATION_PAGE_SIZE = 1000;

/**
 * On SQLite the response table is WITHOUT ROWID, keyed by the random id (each row in its
 * b-tree cell: migration 013). Fetching rows through the (survey_id, id) index costs a seek
 * into the table per row, every key compared on the way down reading that key's record;
 * walking the table itself in id order reads each row once (at 20,000 responses of one
 * survey, a sixth of the time when rows still spilled onto overflow pages). The walk is the
 * cheaper way while the wave is a fair share of all responses; past 1 in 8 the seeks are left
 * to the index.
 */
const SCAN_TABLE_SHARE = 8;

/**
 * Whether reading a wave of `responses` rows walks the table (SQLite, the wave a fair share of
 * all responses: SCAN_TABLE_SHARE) rather than seeking through the (survey_id, id) index. A
 * walking query names `+survey_id`, which keeps SQLite from choosing the index for that term.
 */
export async function walksTable(db: Kysely<Database>, responses: number): Promise<boolean> {
  return db.getExecutor().adapter instanceof SqliteAdapter && responses * SCAN_TABLE_SHARE >= (await responseCount(db));
}

/** A range of response ids: from (inclusive) and to (exclusive), each open when not given. */
export interface IdRange {
  from?: string;
  to?: string;
}

/**
 * A wave's responses in `n` shares of about the same size, in id order: response ids are
 * random UUIDs (lower-case hex), so cutting at leading hex digits splits them evenly. The
 * first and last shares are open-ended, so every row is in exactly one whatever its id.
 */
export function responseShares(n: number): IdRange[] {
  const cut = (i: number) => Math.floor((16 * i) / n).toString(16);
  return Array.from({ length: n }, (_, i) => ({ ...(i > 0 ? { from: cut(i) } : {}), ...(i < n - 1 ? { to: cut(i + 1) } : {}) }));
}

/** The response rows of a wave, or of every wave. */
export async function responseCount(db: Kysely<Database>, surveyId?: string): Promise<number> {
  let query = db.selectFrom('response').select((eb) => eb.fn.countAll<number>().as('n'));
  if (surveyId !== undefined) query = query.where('survey_id', '=', surveyId);
  // PostgreSQL returns count(*) as a string.
  return Number((await query.executeTakeFirstOrThrow()).n);
}

/**
 * Every response row of a wave, once, in id order (the random id: the order says nothing
 * about when a response arrived), in pages of `pageSize`, for building its publication.
 * On PostgreSQL one query, read as it goes: a cursor in the transaction (the close's own; one
 * is begun, read-only, if the caller has none), each page fetched while the caller counts
 * the one before, instead of a query per page (each planned, each seeking into the index).
 * On SQLite, whose reads are synchronous and cheap to start, keyset pages on the id. Only the
 * columns the build needs are read.
 */
export async function* publicationResponseRows(
  db: Kysely<Database>,
  surveyId: string,
  { pageSize = PUBLICATION_PAGE_SIZE, share = {} }: { pageSize?: number; share?: IdRange } = {},
): AsyncGenerator<StoredAnswersRow[]> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    yield* postgresCursorPages(db, surveyId, pageSize, share);
    return;
  }
  const responses = await responseCount(db, surveyId);
  if (responses === 0) return;
  const scan = await walksTable(db, responses);
  // Keyset pages on the id, a statement per page: the driver builds a page's rows in one call,
  // where Kysely's stream hands each row on through async generators, costing more here.
  let after: string | undefined;
  for (;;) {
    let query = db
      .selectFrom('response')
      .select(['id', 'role_group', 'directorate', 'answers', 'source'])
      // `+survey_id`: see walksTable.
      .where(scan ? sql<string>`+survey_id` : 'survey_id', '=', surveyId)
      .orderBy('id')
      .limit(pageSize);
    if (after !== undefined) query = query.where('id', '>', after);
    else if (share.from !== undefined) query = query.where('id', '>=', share.from);
    if (share.to !== undefined) query = query.where('id', '<', share.to);
    const rows = await query.execute();
    if (rows.length > 0) yield rows;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.id;
    // Let the process answer what needs no database between pages (SQLite's reads are synchronous).
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function* postgresCursorPages(db: Kysely<Database>, surveyId: string, pageSize: number, share: IdRange): AsyncGenerator<StoredAnswersRow[]> {
  if (!db.isTransaction) {
    // A cursor lives in a transaction; a caller without one (a benchmark's steps) gets a read-only one of its own.
    const trx = await db.startTransaction().setAccessMode('read only').execute();
    let read = false;
    try {
      yield* postgresCursorPages(trx, surveyId, pageSize, share);
      read = true;
    } finally {
      await (read ? trx.commit() : trx.rollback()).execute();
    }
    return;
  }
  const cursor = sql.id(`publication_rows_${randomBytes(6).toString('hex')}`);
  const from = share.from === undefined ? sql`` : sql` and id >= ${share.from}`;
  const to = share.to === undefined ? sql`` : sql` and id < ${share.to}`;
  await sql`declare ${cursor} no scroll cursor for select id, role_group, directorate, answers, source from response where survey_id = ${surveyId}${from}${to} order by id`.execute(db);
  const fetch = () => {
    const rows = sql<StoredAnswersRow>`fetch forward ${sql.lit(pageSize)} from ${cursor}`.execute(db);
    // Asked for ahead: if the caller stops early, a failure of this read is nobody's to report.
    rows.catch(() => undefined);
    return rows;
  };
  try {
    let next = fetch();
    for (;;) {
      const { rows } = await next;
      const more = rows.length === pageSize;
      if (more) next = fetch();
      if (rows.length > 0) yield rows;
      if (!more) return;
    }
  } finally {
    // Stopped early: the fetch asked for ahead is answered before the cursor closes (one connection, in order).
    await sql`close ${cursor}`.execute(db).catch(() => undefined);
  }
}
