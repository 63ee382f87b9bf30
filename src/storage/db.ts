import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import type pg from 'pg';
import type { DatabaseTarget } from '../config.js';
import { foundation } from './migrations/001-foundation.js';
import { workforceProfile } from './migrations/002-workforce-profile.js';
import { accounts } from './migrations/003-accounts.js';
import { invitations } from './migrations/004-invitations.js';
import { responseExportIndex } from './migrations/005-response-export-index.js';
import { publications } from './migrations/006-publications.js';
import { apiTokens } from './migrations/007-api-tokens.js';
import { signInDelays } from './migrations/008-sign-in-delays.js';
import { scheduledJobs } from './migrations/009-scheduled-jobs.js';
import { paperReturnsAndActions } from './migrations/011-paper-returns-and-actions.js';
import { benchmarkRounds } from './migrations/012-benchmark-rounds.js';
import { largerPages, SQLITE_PAGE_SIZE } from './migrations/013-larger-pages.js';
import { invitationMessages } from './migrations/014-invitation-messages.js';
import type { Database } from './schema.js';

export interface Storage {
  db: Kysely<Database>;
  dialect: DatabaseTarget['kind'];
  /** Resolves when the database answers a trivial query; rejects when it cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Where the database is, for messages: the host of a URL (never its user or password) or the SQLite file. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.kind === 'sqlite') return target.file;
  try {
    return new URL(target.url).host || 'localhost';
  } catch {
    return 'an unparseable PostgreSQL URL';
  }
}

// Connection-level failures (server gone, restarting, refused, timed out), as opposed to a bad query.
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'SQLITE_BUSY']);
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly/i;

/**
 * True when an error means the database could not be reached, rather than a fault in the
 * request: such requests get 503 and Retry-After, since trying again later can succeed.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    // SQLSTATE class 08 (connection exception) and 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now).
    if (UNAVAILABLE_CODES.has(code) || code.startsWith('08') || /^57P0[123]$/.test(code)) return true;
  }
  if (error instanceof AggregateError && error.errors.some(isDatabaseUnavailable)) return true;
  return UNAVAILABLE_MESSAGES.test(error.message);
}

/** Prepared statements kept for reuse, at most (multi-row inserts of varying sizes each have their own SQL). */
const STATEMENTS_KEPT = 256;

/**
 * The database as Kysely's SQLite dialect sees it, with each statement prepared once and
 * reused: Kysely prepares every query it runs, and preparing costs more than running the
 * short statements of a request. A statement still being iterated (a streamed read) is busy
 * and cannot run again until it is done, so a fresh one is prepared beside it.
 */
function reusingStatements(database: SQLite.Database): { prepare(sql: string): SQLite.Statement; close(): void } {
  const prepared = new Map<string, SQLite.Statement>();
  return {
    prepare(sql) {
      const kept = prepared.get(sql);
      if (kept && !kept.busy) return kept;
      const statement = database.prepare(sql);
      if (!kept) {
        if (prepared.size >= STATEMENTS_KEPT) prepared.delete(prepared.keys().next().value!);
        prepared.set(sql, statement);
      }
      return statement;
    },
    close: () => database.close(),
  };
}

/** Where each open database is, for work split between threads, each with a connection of its own (publications/tally.ts). */
const targets = new WeakMap<Kysely<Database>, DatabaseTarget>();

/** The database `db` was opened on, if another thread can open it too (not an in-memory SQLite database). */
export function shareableTarget(db: Kysely<Database>): DatabaseTarget | undefined {
  return targets.get(db);
}

export function openStorage(target: DatabaseTarget): Storage {
  if (target.kind === 'sqlite') {
    if (target.file !== ':memory:') mkdirSync(dirname(target.file), { recursive: true });
    const database = new SQLite(target.file);
    // Takes effect on a new database only (migration 013 says why, and rewrites an older one).
    database.pragma(`page_size = ${SQLITE_PAGE_SIZE}`);
    database.pragma('journal_mode = WAL');
    // FULL: an acknowledged answer is on disk before the respondent sees the confirmation.
    database.pragma('synchronous = FULL');
    database.pragma('foreign_keys = ON');
    // A used invitation's email is erased; zero the freed bytes too, so the file keeps no copy.
    database.pragma('secure_delete = ON');
    database.pragma('busy_timeout = 5000');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: reusingStatements(database) }) });
    if (target.file !== ':memory:') targets.set(db, target);
    return { db, dialect: 'sqlite', ping: async () => void database.prepare('select 1').get(), close: () => db.destroy() };
  }
  // pg (with its type parsers, some fifteen packages) is loaded only for PostgreSQL, so a server
  // on SQLite starts without it; required, not imported, as opening storage is synchronous.
  const { Pool } = createRequire(import.meta.url)('pg') as typeof pg;
  // A bounded connect wait, so an unreachable server fails a request (503) instead of hanging it.
  const pool = new Pool({ connectionString: target.url, max: 10, connectionTimeoutMillis: 5_000 });
  // A connection dropped by the server (restart, failover, pg_terminate_backend) fails the query
  // using it and is replaced on next use; without these listeners the 'error' events of the
  // pool (idle connections) and of a client in use would end the process.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  targets.set(db, target);
  return {
    db,
    dialect: 'postgres',
    ping: async () => void (await pool.query('select 1')),
    close: () => db.destroy(),
  };
}

/** Migrations are code, not files found at run time, so the compiled app carries them. */
function migrations(dialect: Storage['dialect']): MigrationProvider {
  const all: Record<string, Migration> = {
    '001-foundation': foundation(dialect),
    '002-workforce-profile': workforceProfile(),
    '003-accounts': accounts(),
    '004-invitations': invitations(dialect),
    '005-response-export-index': responseExportIndex(),
    '006-publications': publications(),
    '007-api-tokens': apiTokens(),
    '008-sign-in-delays': signInDelays(),
    '009-scheduled-jobs': scheduledJobs(),
    '011-paper-returns-and-actions': paperReturnsAndActions(),
    '012-benchmark-rounds': benchmarkRounds(),
    '013-larger-pages': largerPages(dialect),
    '014-invitation-messages': invitationMessages(dialect),
  };
  return { getMigrations: async () => all };
}

export async function migrate(storage: Storage): Promise<void> {
  const migrator = new Migrator({ db: storage.db, provider: migrations(storage.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
