import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { DatabaseTarget } from '../../src/config.js';

/** PostgreSQL for tests comes from TEST_DATABASE_URL (set by .ci/run); without it those tests are skipped. */
export const postgresUrl = process.env.TEST_DATABASE_URL;
export const POSTGRES_SKIP_REASON = 'skipped: TEST_DATABASE_URL is not set, so there is no PostgreSQL to test against';

export function freshSqlite(): DatabaseTarget {
  return { kind: 'sqlite', file: join(mkdtempSync(join(tmpdir(), 'sounding-db-')), 'test.sqlite') };
}

/** A fresh, empty schema in the test database for each test file, so files can run in parallel. */
export async function freshPostgres(): Promise<DatabaseTarget> {
  if (!postgresUrl) throw new Error(POSTGRES_SKIP_REASON);
  const schema = `t_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  await client.query(`create schema ${schema}`);
  await client.end();
  const url = new URL(postgresUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { kind: 'postgres', url: url.toString() };
}
