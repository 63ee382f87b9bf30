import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { DatabaseTarget } from '../../config.js';

/**
 * SQLite pages of 16 KiB instead of the default 4 KiB (new databases get them when opened:
 * storage/db.ts). The response table is WITHOUT ROWID, keyed by the random id, so its rows
 * live in an index b-tree, whose cells hold at most about a quarter of a page: with 4 KiB
 * pages a response's answers (about 1 KB) did not fit and every row spilled onto an overflow
 * page of its own. A wave of 100,000 responses took 488 MB instead of 135 MB, and reading it
 * for a publication or an export cost a page read per row besides the table's (and fourteen
 * per row through an index, each key compared reading its overflow page). At 16 KiB a cell
 * holds up to about 4 KB: only responses with very long comments spill.
 *
 * An older database is rewritten once (VACUUM, which cannot change the page size of a
 * database in WAL mode, so the journal is switched off and back). It needs free disk for a
 * copy of the database and takes about a second per 100 MB; nothing else may use the
 * database meanwhile, as for any migration. PostgreSQL keeps rows of this size in its pages
 * already: nothing to do.
 */
export const SQLITE_PAGE_SIZE = 16_384;

export function largerPages(dialect: DatabaseTarget['kind']): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect !== 'sqlite') return;
      const { rows } = await sql<{ page_size: number }>`pragma page_size`.execute(db);
      if ((rows[0]?.page_size ?? SQLITE_PAGE_SIZE) >= SQLITE_PAGE_SIZE) return;
      await sql`pragma journal_mode = delete`.execute(db);
      await sql.raw(`pragma page_size = ${SQLITE_PAGE_SIZE}`).execute(db);
      await sql`vacuum`.execute(db);
      await sql`pragma journal_mode = wal`.execute(db);
    },
  };
}
