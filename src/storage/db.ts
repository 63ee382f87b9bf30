import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Migration, type MigrationProvider } from 'kysely';
import pg from 'pg';
import type { DatabaseTarget } from '../config.js';
import { foundation } from './migrations/001-foundation.js';
import { workforceProfile } from './migrations/002-workforce-profile.js';
import { accounts } from './migrations/003-accounts.js';
import { invitations } from './migrations/004-invitations.js';
import type { Database } from './schema.js';

export interface Storage {
  db: Kysely<Database>;
  dialect: DatabaseTarget['kind'];
  close(): Promise<void>;
}

export function openStorage(target: DatabaseTarget): Storage {
  if (target.kind === 'sqlite') {
    if (target.file !== ':memory:') mkdirSync(dirname(target.file), { recursive: true });
    const database = new SQLite(target.file);
    database.pragma('journal_mode = WAL');
    // FULL: an acknowledged answer is on disk before the respondent sees the confirmation.
    database.pragma('synchronous = FULL');
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
    return { db, dialect: 'sqlite', close: () => db.destroy() };
  }
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: target.url, max: 10 }) }),
  });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

/** Migrations are code, not files found at run time, so the compiled app carries them. */
function migrations(dialect: Storage['dialect']): MigrationProvider {
  const all: Record<string, Migration> = { '001-foundation': foundation(dialect), '002-workforce-profile': workforceProfile(), '003-accounts': accounts(), '004-invitations': invitations(dialect) };
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
