/**
 * Answer submission over HTTP with autocannon at 50 and 200 connections, on SQLite and (with
 * TEST_DATABASE_URL) PostgreSQL, next to a baseline measured in the same run: a bare Fastify
 * route doing one insert of the same response row into the same database (bench/baseline-server.ts).
 *
 * Each request submits a different, complete answer session (created beforehand), with the
 * cookies and CSRF token a browser would send, so every request stores one response (its
 * submission key, the response row, the answer session removed) in one transaction: no counts
 * are kept as answers arrive, they are counted when the wave closes. Servers run as separate
 * processes with LOG_LEVEL=warn.
 *
 * Scale: BENCH_HTTP_SECONDS (default 10; 1 with --smoke) per run, BENCH_HTTP_CONNECTIONS
 * (default "50,200"; "10" with --smoke).
 */
import autocannon from 'autocannon';
import type { DatabaseTarget } from '../src/config.js';
import { newToken } from '../src/fieldwork/respondent.js';
import { hashSecret } from '../src/storage/answer-sessions.js';
import type { Storage } from '../src/storage/db.js';
import { openSurveyDatabase, standardInstrument, testDatabases } from '../test/support/app.js';
import { HttpRespondent, databaseEnv, respondentAnswers, startServer, type ServerProcess } from '../test/support/server.js';
import type { SuiteOptions, SuiteResult } from './run.js';
import { dropTarget, setting } from './support.js';

/** Sessions made ready per second of a run: more than the fastest plausible rate can use up. */
const SESSIONS_PER_SECOND = Number(process.env.BENCH_HTTP_SESSIONS_PER_SECOND ?? 8000);

const definition = standardInstrument();

/** Complete answer sessions, written in bulk, and the cookie token of each. */
async function readySessions(storage: Storage, surveyId: string, count: number): Promise<string[]> {
  const tokens: string[] = [];
  const variety = Array.from({ length: 50 }, (_, i) => JSON.stringify(respondentAnswers(definition, i + 1)));
  for (let start = 0; start < count; start += 500) {
    const rows = Array.from({ length: Math.min(500, count - start) }, (_, i) => {
      const token = newToken();
      tokens.push(token);
      return { id: hashSecret(token), survey_id: surveyId, answers: variety[(start + i) % variety.length]!, resume_code_hash: null, expires_on: '2099-12-31' };
    });
    await storage.db.insertInto('answer_session').values(rows).execute();
  }
  return tokens;
}

async function countResponses(storage: Storage): Promise<number> {
  return Number(
    (
      await storage.db
        .selectFrom('response')
        .select((s) => s.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
}

function cannon(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => autocannon(options, (error, result) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(result))));
}

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  stored: number;
  failed: number;
}

async function submissions(target: DatabaseTarget, storage: Storage, survey: { id: string; slug: string }, connections: number, seconds: number): Promise<Measured> {
  const server = await startServer({ ...databaseEnv(target), LOG_LEVEL: 'warn' });
  try {
    const tokens = await readySessions(storage, survey.id, SESSIONS_PER_SECOND * seconds);
    // One CSRF secret and token, as a browser holds them; each request carries its own answer session.
    const browser = new HttpRespondent([server.origin], survey.slug);
    const page = await browser.call('');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const csrfCookie = browser.cookie('_csrf')!;
    let next = 0;
    const before = await countResponses(storage);
    const result = await cannon({
      url: server.origin,
      connections,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          path: `/s/${survey.slug}/submit`,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ _csrf: csrf }).toString(),
          setupRequest: (request) => ({ ...request, headers: { ...request.headers, cookie: `_csrf=${csrfCookie}; sounding_answers=${tokens[next++ % tokens.length]}` } }),
        },
      ],
    });
    const stored = (await countResponses(storage)) - before;
    if (next > tokens.length) throw new Error('the benchmark ran out of answer sessions: raise BENCH_HTTP_SESSIONS_PER_SECOND');
    return { rps: stored / result.duration, p50: result.latency.p50, p99: result.latency.p99, stored, failed: result.errors + result['4xx'] + result['5xx'] };
  } finally {
    await stop(server);
  }
}

async function baseline(target: DatabaseTarget, survey: { id: string; instrumentVersionId: string }, storage: Storage, connections: number, seconds: number): Promise<Measured> {
  const server = await startServer(
    { ...databaseEnv(target), BASELINE_SURVEY_ID: survey.id, BASELINE_INSTRUMENT_VERSION_ID: survey.instrumentVersionId },
    { script: 'bench/baseline-server.ts' },
  );
  try {
    const before = await countResponses(storage);
    const result = await cannon({ url: `${server.origin}/insert`, method: 'POST', connections, duration: seconds });
    const stored = (await countResponses(storage)) - before;
    return { rps: stored / result.duration, p50: result.latency.p50, p99: result.latency.p99, stored, failed: result.errors + result.non2xx };
  } finally {
    await stop(server);
  }
}

async function stop(server: ServerProcess) {
  server.child.kill('SIGTERM');
  await server.exited;
}

export async function run(options: SuiteOptions): Promise<SuiteResult> {
  const seconds = Number(setting('BENCH_HTTP_SECONDS', { full: '10', smoke: '1' }, options));
  const connectionCounts = setting('BENCH_HTTP_CONNECTIONS', { full: '50,200', smoke: '10' }, options).split(',').map(Number);
  const rows: SuiteResult['rows'] = [];
  for (const database of testDatabases) {
    if (database.skip) {
      rows.push({ database: database.kind, connections: '-', note: 'skipped: set TEST_DATABASE_URL to include PostgreSQL' });
      continue;
    }
    for (const connections of connectionCounts) {
      const target = await database.fresh();
      const { storage, survey } = await openSurveyDatabase(definition, target);
      try {
        const app = await submissions(target, storage, survey, connections, seconds);
        const ceiling = await baseline(target, survey, storage, connections, seconds);
        rows.push({
          database: database.kind,
          connections,
          'submit req/s': Math.round(app.rps),
          'submit p50 ms': app.p50,
          'submit p99 ms': app.p99,
          'baseline req/s': Math.round(ceiling.rps),
          'baseline p99 ms': ceiling.p99,
          'submit/baseline': (app.rps / ceiling.rps).toFixed(2),
          'failed (submit/baseline)': `${app.failed}/${ceiling.failed}`,
        });
      } finally {
        await storage.close();
        await dropTarget(target);
      }
    }
  }
  return { name: `Answer submission, ${seconds} s per run (targets: ≥ 50% of the baseline, p99 < 50 ms at 200 connections)`, rows };
}
