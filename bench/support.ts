/**
 * Helpers the large-survey suites share: timing, generating responses with the CLI as a
 * person would, running a helper script in its own process, and removing the databases made.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import type { DatabaseTarget } from '../src/config.js';
import { buildApp, WARM_UP_LOG, type AppConfig, type AppServices } from '../src/web/app.js';
import { databaseEnv, startServer } from '../test/support/server.js';
import { postgresUrl } from '../test/storage/targets.js';
import type { SuiteOptions } from './run.js';

/** A suite's setting: its BENCH_* variable when set, else the default for a full run or for a smoke run (`--smoke`). */
export function setting(name: string, defaults: { full: string; smoke: string }, { smoke }: SuiteOptions): string {
  return process.env[name] ?? (smoke ? defaults.smoke : defaults.full);
}

export const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await work();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

/** Runs `node --import tsx <script> ...args` against the database; resolves with its stdout. */
export function runScript(script: string, args: string[], target: DatabaseTarget, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(process.cwd(), script), ...args],
      { env: { ...process.env, ...databaseEnv(target), ...env }, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => (error ? reject(new Error(`${script} ${args.join(' ')} failed: ${stderr || error.message}`)) : resolve(stdout)),
    );
  });
}

/** `survey generate <id> --responses N --batch 1000`, as a person would run it; resolves with the time taken. */
export async function generate(target: DatabaseTarget, surveyId: string, responses: number): Promise<number> {
  const { ms } = await timed(() => runScript('src/cli/index.ts', ['survey', 'generate', surveyId, '--responses', String(responses), '--batch', '1000'], target));
  return ms;
}

/** Removes a database a suite made (large ones would otherwise fill the disk): the SQLite file's folder, or the PostgreSQL database. */
export async function dropTarget(target: DatabaseTarget): Promise<void> {
  if (target.kind === 'sqlite') {
    rmSync(dirname(target.file), { recursive: true, force: true });
    return;
  }
  const name = new URL(target.url).pathname.slice(1);
  if (!postgresUrl || !/^sounding_t_\w+$/.test(name)) return;
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists ${name} with (force)`);
  } finally {
    await client.end();
  }
}

export const mb = (bytes: number) => Math.round(bytes / 1048576);

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `log()` holds the line saying the report's warm-up, begun once listening (web/app.ts), is done; rejects if it failed. */
async function warmUpLogged(log: () => string): Promise<void> {
  while (!log().includes(WARM_UP_LOG.done)) {
    if (log().includes(WARM_UP_LOG.failed)) throw new Error(`warming up failed: ${log()}`);
    await pause(20);
  }
}

/**
 * The app built as a server builds it, listening on a free port, once the report's warm-up
 * that listening begins (web/app.ts) has finished: a first request is then timed as on a
 * server that has been up a moment. Its log is read for that line only.
 */
export async function warmedUpApp(config: AppConfig, services: AppServices): Promise<FastifyInstance> {
  let lines = '';
  const app = await buildApp({ ...config, logLevel: 'info' }, { ...services, logStream: { write: (line) => void (lines += line) } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  await warmUpLogged(() => lines);
  return app;
}

/**
 * A page of a real server process on the database, cold (the first request once the process
 * has started and warmed up) and warm (median of `warmRuns` more); each answer must be 200
 * and include `mustInclude`. Logging at info, to see the warm-up end: a few request lines.
 */
export async function pageTimes(target: DatabaseTarget, url: string, cookie: string, mustInclude: string, warmRuns = 3): Promise<{ cold: number; warm: number }> {
  const server = await startServer({ ...databaseEnv(target), LOG_LEVEL: 'info' }, { timeoutMs: 180_000 });
  try {
    await warmUpLogged(server.output);
    const get = async () => {
      const { ms, value } = await timed(async () => {
        const response = await fetch(`${server.origin}${url}`, { headers: { cookie }, redirect: 'manual' });
        return { status: response.status, body: await response.text() };
      });
      if (value.status !== 200 || !value.body.includes(mustInclude)) throw new Error(`${url} answered ${value.status} without "${mustInclude}"`);
      return ms;
    };
    const cold = await get();
    const warm: number[] = [];
    for (let i = 0; i < warmRuns; i++) warm.push(await get());
    return { cold, warm: median(warm) };
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
}
