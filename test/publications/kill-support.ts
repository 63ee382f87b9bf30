import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { DatabaseTarget } from '../../src/config.js';
import { keepShownAnswers } from '../../src/fieldwork/journey.js';
import { seededRandom, syntheticAnswers } from '../../src/fieldwork/synthetic.js';
import { segmentCellOf, type TDefinition } from '../../src/instrument/definition.js';
import { bulkInsertResponses } from '../support/bulk-responses.js';
import { databaseEnv } from '../support/server.js';
import { postgresUrl } from '../storage/targets.js';

/**
 * Helpers for killing command-line runs part-way (SIGKILL) and looking at what they left.
 * The CLI runs as `node --import tsx src/cli/index.ts`, never through the tsx or npx
 * wrappers: those start the real program as a grandchild, which a SIGKILL sent to the
 * wrapper would not reach.
 */

export interface CliRun {
  child: ChildProcess;
  /** performance.now() when the process was spawned. */
  startedAt: number;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has gone: its exit code, or the signal that ended it, and how long it ran. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

export function startCli(target: DatabaseTarget, args: string[]): CliRun {
  const startedAt = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(process.cwd(), 'src/cli/index.ts'), ...args], {
    env: { ...process.env, ...databaseEnv(target) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, ms: performance.now() - startedAt })),
  );
  return { child, startedAt, stdout: () => out, stderr: () => err, exited };
}

/** Runs the CLI to the end. */
export async function runCli(target: DatabaseTarget, args: string[]) {
  const run = startCli(target, args);
  const { code, ms } = await run.exited;
  return { code, ms, stdout: run.stdout(), stderr: run.stderr() };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/**
 * Adds `count` synthetic responses straight into the response table, as bulkInsertResponses
 * does on SQLite (which it is, there): a few hundred distinct answer sets reused. On
 * PostgreSQL the same rows go in by multi-row inserts, a thousand a statement (`survey
 * generate` takes about a millisecond a response, too slow for these sizes). Response rows
 * are all closing and exporting read.
 */
export async function addResponses(target: DatabaseTarget, survey: { id: string; instrumentVersionId: string }, definition: TDefinition, count: number, seed = 1): Promise<void> {
  if (target.kind === 'sqlite') {
    bulkInsertResponses(target.file, { ...survey, definition }, count, seed);
    return;
  }
  const random = seededRandom(seed);
  const pool = Array.from({ length: 500 }, () => {
    const answers = keepShownAnswers(definition, syntheticAnswers(definition, random));
    return { ...segmentCellOf(definition, answers), json: JSON.stringify(answers) };
  });
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    await client.query('begin');
    for (let from = 0; from < count; from += 1_000) {
      const values: unknown[] = [];
      const rows: string[] = [];
      for (let i = from; i < Math.min(count, from + 1_000); i++) {
        const r = pool[i % pool.length]!;
        const at = values.length;
        rows.push(`($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5}, $${at + 6}, $${at + 7})`);
        values.push(randomUUID(), survey.id, survey.instrumentVersionId, r.roleGroup, r.directorate, `2026-${String(1 + (i % 12)).padStart(2, '0')}-15`, r.json);
      }
      await client.query(`insert into response (id, survey_id, instrument_version_id, role_group, directorate, submitted_on, answers) values ${rows.join(', ')}`, values);
    }
    await client.query('commit');
  } finally {
    await client.end();
  }
}

function adminClient(): pg.Client {
  if (!postgresUrl) throw new Error('no TEST_DATABASE_URL');
  return new pg.Client({ connectionString: postgresUrl });
}

const databaseName = (url: string) => new URL(url).pathname.slice(1);

/**
 * An independent copy of a database nobody is using (SQLite: the file, in a new folder and
 * named sounding.sqlite as the CLI expects; PostgreSQL: CREATE DATABASE … TEMPLATE).
 */
export async function copyDatabase(target: DatabaseTarget): Promise<DatabaseTarget> {
  if (target.kind === 'sqlite') {
    const file = join(mkdtempSync(join(tmpdir(), 'sounding-pubcopy-')), 'sounding.sqlite');
    copyFileSync(target.file, file);
    if (existsSync(`${target.file}-wal`)) copyFileSync(`${target.file}-wal`, `${file}-wal`);
    return { kind: 'sqlite', file };
  }
  const name = `${databaseName(target.url)}_copy`;
  const client = adminClient();
  await client.connect();
  try {
    // The source's last sessions (closed pools, exited processes) may take a moment to go.
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`create database ${name} template ${databaseName(target.url)}`);
        break;
      } catch (error) {
        if (attempt >= 20 || !/being accessed by other users/.test(String(error))) throw error;
        await sleep(250);
      }
    }
  } finally {
    await client.end();
  }
  const url = new URL(target.url);
  url.pathname = `/${name}`;
  return { kind: 'postgres', url: url.toString() };
}

/** Removes a test database (SQLite: its folder; PostgreSQL: the database, forcing off any session left). */
export async function dropDatabase(target: DatabaseTarget): Promise<void> {
  if (target.kind === 'sqlite') {
    rmSync(dirname(target.file), { recursive: true, force: true });
    return;
  }
  const client = adminClient();
  await client.connect();
  try {
    await client.query(`drop database if exists ${databaseName(target.url)} with (force)`);
  } finally {
    await client.end();
  }
}

/**
 * Watches, from outside, whether some other process is inside a transaction that has
 * changed the survey table (the closing transaction: its first statement sets the state),
 * without taking part in it.
 *
 * SQLite: whether another connection holds the database's write lock (a BEGIN IMMEDIATE
 * with no wait is refused; when it is granted it is rolled back at once). PostgreSQL: whether
 * another session holds a RowExclusiveLock on the survey table (held from the UPDATE until
 * commit or rollback). Nothing else the CLI does before closing writes to the database.
 */
export interface BuildProbe {
  /** True while another process is inside a write transaction on the survey table. */
  building(): Promise<boolean>;
  /** PostgreSQL: waits until every other session on the database has ended (a killed client's session lingers briefly, holding its locks until the server notices). */
  settled(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function buildProbe(target: DatabaseTarget): Promise<BuildProbe> {
  if (target.kind === 'sqlite') {
    const db = new SQLite(target.file, { timeout: 0 });
    const begin = db.prepare('begin immediate');
    const rollback = db.prepare('rollback');
    return {
      async building() {
        try {
          begin.run();
        } catch (error) {
          if ((error as { code?: string }).code === 'SQLITE_BUSY') return true;
          throw error;
        }
        rollback.run();
        return false;
      },
      async settled() {},
      async close() {
        db.close();
      },
    };
  }
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  return {
    async building() {
      const { rows } = await client.query(
        `select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation
          where l.database = (select oid from pg_database where datname = current_database()) and c.relname = 'survey' and l.mode = 'RowExclusiveLock' and l.granted and l.pid <> pg_backend_pid()`,
      );
      return (rows[0] as { n: number }).n > 0;
    },
    async settled(timeoutMs = 15_000) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const { rows } = await client.query(`select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`);
        if ((rows[0] as { n: number }).n === 0) return;
        if (performance.now() > deadline) throw new Error('another session is still connected to the database');
        await sleep(50);
      }
    },
    async close() {
      await client.end();
    },
  };
}
