import { spawn } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { DatabaseTarget } from '../../src/config.js';
import { Respondent, answerAll, openSurveyDatabase, standardInstrument, testApp, testDatabases } from '../support/app.js';
import { HttpRespondent, answerSections, databaseEnv, freePort, respondentAnswers, startServer } from '../support/server.js';
import { POSTGRES_SKIP_REASON, freshPostgres, postgresUrl } from '../storage/targets.js';

const definition = standardInstrument();
const tsxServer = ['--import', 'tsx', join(process.cwd(), 'src/web/server.ts')];

function runServerUntilExit(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, tsxServer, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Walks a respondent (inject) through every section to the check page, ready to submit. */
async function readyToSubmit(respondent: Respondent, slug: string, seed: number) {
  const { last } = await answerAll(respondent, definition, `/s/${slug}`, respondentAnswers(definition, seed));
  expect(last.headers.location).toBe(`/s/${slug}/check`);
  await respondent.get(`/s/${slug}/check`);
}

/** A TCP relay in front of PostgreSQL that can cut every connection and refuse new ones, as a network failure would. */
async function cuttableRelay(target: string) {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const port = await freePort();
  const open = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const db = connect(Number(upstream.port || 5432), upstream.hostname);
        for (const s of [client, db]) {
          sockets.add(s);
          s.on('error', () => undefined);
          s.on('close', () => sockets.delete(s));
        }
        client.pipe(db).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => resolve());
    });
  await open();
  const url = new URL(target);
  url.host = `127.0.0.1:${port}`;
  return {
    url: url.toString(),
    async cut() {
      await new Promise<void>((resolve) => {
        server!.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
    restore: open,
  };
}

const countRows = async (t: Awaited<ReturnType<typeof testApp>>, table: 'response' | 'submission_key') =>
  Number(
    (
      await t.storage.db
        .selectFrom(table)
        .select((s) => s.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('start-up', () => {
  it('stops with one line naming the database host, never the password, and exit code 1 when PostgreSQL is unreachable', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const result = await runServerUntilExit({ DATABASE_URL: `postgres://sounding:Sup3r-s3cret@127.0.0.1:${port}/sounding`, PORT: String(await freePort()) });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^Sounding cannot use the database at 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    expect(result.stderr + result.stdout).not.toContain('Sup3r-s3cret');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('stops with one line naming the setting when the configuration is invalid', { timeout: 60_000 }, async () => {
    const result = await runServerUntilExit({ DATABASE_URL: 'mysql://x', PORT: '3000' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('Invalid configuration: DATABASE_URL: must be a postgres:// URL');
    const proxy = await runServerUntilExit({ TRUST_PROXY: 'the nginx box', PORT: '3000' });
    expect(proxy.code).toBe(1);
    expect(proxy.stderr.trim()).toBe(
      'Invalid configuration: TRUST_PROXY: must be true, the number of proxies in front of Sounding (1 or more), or a comma-separated list of proxy addresses or CIDR ranges',
    );
  });
});

for (const database of testDatabases) {
  describe.skipIf(database.skip)(`health, readiness and shutdown ${database.title}`, () => {
    it('answers /healthz and /readyz (which asks the database) with 200', async () => {
      const t = await testApp(definition, database.fresh());
      const health = await t.app.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(200);
      expect(health.json()).toEqual({ status: 'ok' });
      const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ready' });
      await t.app.close();
    });

    it('on SIGTERM stops accepting, finishes the submission in flight, closes the database and exits 0; logs carry request ids and no answers or addresses', { timeout: 120_000 }, async () => {
      const target: DatabaseTarget = await database.fresh();
      const { storage, survey } = await openSurveyDatabase(definition, target);
      const server = await startServer(databaseEnv(target));
      const respondent = new HttpRespondent([server.origin], survey.slug);
      const answers = { ...respondentAnswers(definition, 5), one_change: 'MARKER zebra 7741 in my own words' };

      expect(await answerSections(respondent, definition, answers)).toBe('ready');

      // Hold a write lock so the submission is still in flight when SIGTERM arrives.
      let release: () => Promise<void>;
      let submitting: ReturnType<HttpRespondent['call']>;
      if (target.kind === 'postgres') {
        const locker = new pg.Client({ connectionString: target.url });
        await locker.connect();
        await locker.query('begin');
        await locker.query('lock table answer_session in exclusive mode');
        submitting = respondent.call('/submit', {});
        // Wait until the server's transaction is queued behind the lock.
        for (let i = 0; i < 300; i++) {
          const waiting = await locker.query("select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");
          if (waiting.rowCount) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        release = async () => {
          await locker.query('commit');
          await locker.end();
        };
      } else {
        // SQLite: the server waits (busy_timeout, 5 s) while another connection holds the write lock.
        const locker = new SQLite(target.file);
        locker.exec('begin immediate');
        submitting = respondent.call('/submit', {});
        await new Promise((r) => setTimeout(r, 300));
        release = async () => {
          locker.exec('commit');
          locker.close();
        };
      }
      server.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      // SQLite's wait blocks the server's event loop, so only PostgreSQL can be asked while it waits.
      if (target.kind === 'postgres') {
        const probe = await fetch(`${server.origin}/healthz`).then(
          (r) => r.status,
          () => 'refused',
        );
        expect(probe === 'refused' || probe === 503).toBe(true);
        expect(server.child.exitCode).toBeNull();
      }
      await release();
      const submitted = await submitting;
      expect(submitted.status).toBe(303);
      expect(submitted.location).toBe(`/s/${survey.slug}/done`);
      expect(await server.exited).toBe(0);
      const stored = await storage.db.selectFrom('response').select('answers').execute();
      expect(stored).toHaveLength(1);
      expect(stored[0]!.answers).toContain('MARKER zebra 7741');
      await storage.close();

      const logs = server
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const requests = logs.filter((l) => l.msg === 'incoming request');
      expect(requests.length).toBeGreaterThan(5);
      for (const l of requests) expect(l.reqId).toEqual(expect.any(String));
      expect(logs.some((l) => l.msg === 'request completed' && typeof l.reqId === 'string' && typeof l.responseTime === 'number')).toBe(true);
      expect(logs.some((l) => String(l.msg).startsWith('shutting down'))).toBe(true);
      const text = server.output();
      expect(text).not.toContain('MARKER');
      expect(text).not.toMatch(/remoteAddress|remotePort|user-agent|"headers"/i);
    });
  });
}

describe.skipIf(!postgresUrl)(`lost database connection while running ${postgresUrl ? 'on PostgreSQL' : `(${POSTGRES_SKIP_REASON})`}`, () => {
  it('answers 503 with Retry-After and a clear page while PostgreSQL is unreachable, then reconnects; nothing half-written', { timeout: 60_000 }, async () => {
    const direct = await freshPostgres();
    if (direct.kind !== 'postgres') throw new Error('expected PostgreSQL');
    const relay = await cuttableRelay(direct.url);
    const t = await testApp(definition, { kind: 'postgres', url: relay.url });
    const respondent = new Respondent(t.app);
    await readyToSubmit(respondent, t.survey.slug, 21);

    await relay.cut();
    const failed = await respondent.post(`/s/${t.survey.slug}/submit`);
    expect(failed.statusCode).toBe(503);
    expect(failed.headers['retry-after']).toBe('5');
    expect(failed.body).toContain('Sounding cannot reach its database at the moment');
    expect(failed.body).not.toMatch(/ECONN|stack|at .*\.ts/);
    const notReady = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.headers['retry-after']).toBe('5');
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

    await relay.restore();
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const retried = await respondent.post(`/s/${t.survey.slug}/submit`);
    expect(retried.headers.location).toBe(`/s/${t.survey.slug}/done`);
    expect(await countRows(t, 'response')).toBe(1);
    await t.app.close();
    await relay.cut();
  });

  it('a submission whose connection is terminated mid-transaction (pg_terminate_backend) leaves nothing behind, and the retry stores it once', { timeout: 60_000 }, async () => {
    const target = await freshPostgres();
    if (target.kind !== 'postgres') throw new Error('expected PostgreSQL');
    const t = await testApp(definition, target);
    const respondent = new Respondent(t.app);
    await readyToSubmit(respondent, t.survey.slug, 22);

    const admin = new pg.Client({ connectionString: target.url });
    await admin.connect();
    await admin.query('begin');
    // The submission's last write (removing the answer session) waits here, after the response row is written.
    await admin.query('lock table answer_session in exclusive mode');
    const submitting = respondent.post(`/s/${t.survey.slug}/submit`);
    let waiting: number[] = [];
    for (let i = 0; i < 300 && waiting.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      waiting = (await admin.query("select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'")).rows.map((r: { pid: number }) => r.pid);
    }
    expect(waiting).toHaveLength(1);
    // Every connection the app holds goes, idle or busy, as when the server restarts.
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    const failed = await submitting;
    await admin.query('commit');
    await admin.end();
    expect(failed.statusCode).toBe(503);
    expect(failed.headers['retry-after']).toBe('5');
    expect(await countRows(t, 'response')).toBe(0);
    expect(await countRows(t, 'submission_key')).toBe(0);

    const retried = await respondent.post(`/s/${t.survey.slug}/submit`);
    expect(retried.headers.location).toBe(`/s/${t.survey.slug}/done`);
    expect(await countRows(t, 'response')).toBe(1);
    expect(await countRows(t, 'submission_key')).toBe(1);
    await t.app.close();
  });
});
