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

/**
 * A fresh, empty database on the test server for each test, so test files can run in
 * parallel (a schema per test is not enough: Kysely's migrator looks for its own tables
 * across schemas).
 */
export async function freshPostgres(): Promise<DatabaseTarget> {
  if (!postgresUrl) throw new Error(POSTGRES_SKIP_REASON);
  const name = `sounding_t_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return { kind: 'postgres', url: url.toString() };
}
