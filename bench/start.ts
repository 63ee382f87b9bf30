/**
 * Start-up: `node dist/web/server.js` (what `npm start` runs once dist/ is built) spawned on a
 * free port with SQLite in an empty folder, logging at info. Timed from the spawn to the line
 * Fastify logs once it listens, and to the first 200 from `GET /healthz` (polled every 5 ms),
 * with the resident memory (VmRSS) at that moment; then to the line saying the report's
 * templates and charts are warmed up, which a server does in the background once it listens
 * (web/app.ts), with the memory then. Three cases, BENCH_START_RUNS (default 5) runs each, taken
 * in turn so that a busy moment on the machine does not fall on one case only:
 *
 * - first start: the file created, migrated and the demo seeded (600 + 120 responses and a
 *   publication built), as on a fresh clone;
 * - restart: the same file again, nothing to seed: the start an operator waits for;
 * - baseline: a bare Fastify hello world (`node -e`, logging), the floor for a Node web
 *   process on this machine.
 *
 * dist/ is brought up to date first (scripts/build-if-stale.mjs, not timed). Target: a restart
 * listening within 1 s.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WARM_UP_LOG } from '../src/web/app.js';
import { freePort } from '../test/support/server.js';
import type { SuiteOptions, SuiteResult } from './run.js';
import { median, pause, setting } from './support.js';

const HELLO_WORLD = `import Fastify from 'fastify';
const app = Fastify({ logger: true });
app.get('/healthz', async () => ({ status: 'ok' }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });`;

interface Started {
  /** From the spawn to the line Fastify logs once it listens. */
  listeningMs: number;
  /** From the spawn to the first 200 from /healthz. */
  healthyMs: number;
  /** Resident memory when /healthz first answered. */
  rssMb: number;
  /** From the spawn to the log line saying the report is warmed up (in the background, once listening); the baseline has none. */
  warmedUpMs?: number;
  /** Resident memory once warmed up. */
  warmedUpRssMb?: number;
}

function residentMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))!;
  return Math.round(Number(/(\d+)/.exec(line)![1]) / 1024);
}

/**
 * Spawns `node ...args` (logging at info, so Fastify says when it listens), polls /healthz
 * every 5 ms until it answers 200 and reads the process's RSS; with `warmsUp`, waits for the
 * report's warm-up to finish, its RSS read then; then stops it.
 */
async function timeStart(args: string[], env: Record<string, string>, warmsUp: boolean): Promise<Started> {
  const port = await freePort();
  const start = performance.now();
  const child = spawn(process.execPath, args, {
    env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let listeningMs: number | undefined;
  let warmedUp: { ms: number; rssMb: number } | undefined;
  let output = '';
  const read = (chunk: Buffer) => {
    output += chunk.toString();
    if (listeningMs === undefined && output.includes('Server listening at')) listeningMs = performance.now() - start;
    if (warmedUp === undefined && output.includes(WARM_UP_LOG.done)) warmedUp = { ms: performance.now() - start, rssMb: residentMb(child.pid!) };
  };
  child.stdout.on('data', read);
  child.stderr.on('data', read);
  let gone = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      gone = true;
      resolve();
    }),
  );
  const stillRunning = (waitingFor: string) => {
    if (gone) throw new Error(`node ${args[0]} exited before ${waitingFor}: ${output}`);
  };
  try {
    let healthy: { ms: number; rssMb: number } | undefined;
    while (!healthy) {
      stillRunning('answering /healthz');
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (response) => response.ok,
        () => false,
      );
      if (ok) healthy = { ms: performance.now() - start, rssMb: residentMb(child.pid!) };
      else await pause(5);
    }
    while (warmsUp && !warmedUp) {
      stillRunning('warming up');
      await pause(20);
    }
    return { listeningMs: listeningMs ?? healthy.ms, healthyMs: healthy.ms, rssMb: healthy.rssMb, warmedUpMs: warmedUp?.ms, warmedUpRssMb: warmedUp?.rssMb };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

export async function run(options: SuiteOptions): Promise<SuiteResult> {
  const runs = Number(setting('BENCH_START_RUNS', { full: '5', smoke: '1' }, options));
  execFileSync(process.execPath, ['scripts/build-if-stale.mjs'], { stdio: 'inherit' });
  const cases = {
    'first start (empty SQLite file: migrations, demo seeded)': [] as Started[],
    'restart (the same file, nothing to seed)': [] as Started[],
    'baseline: bare Fastify hello world (node -e)': [] as Started[],
  };
  for (let i = 0; i < runs; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'sounding-bench-start-'));
    try {
      const [first, restart, baseline] = Object.values(cases);
      first!.push(await timeStart(['dist/web/server.js'], { DATA_DIR: dataDir }, true));
      restart!.push(await timeStart(['dist/web/server.js'], { DATA_DIR: dataDir }, true));
      baseline!.push(await timeStart(['--input-type=module', '-e', HELLO_WORLD], {}, false));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const rows = Object.entries(cases).map(([start, times]) => ({
    start,
    'listening ms (median)': Math.round(median(times.map((t) => t.listeningMs))),
    '/healthz ms (median)': Math.round(median(times.map((t) => t.healthyMs))),
    '/healthz ms (min-max)': `${Math.round(Math.min(...times.map((t) => t.healthyMs)))}-${Math.round(Math.max(...times.map((t) => t.healthyMs)))}`,
    'RSS MB at /healthz': median(times.map((t) => t.rssMb)),
    'warmed up ms': times[0]!.warmedUpMs === undefined ? '-' : Math.round(median(times.map((t) => t.warmedUpMs!))),
    'RSS MB warmed up': times[0]!.warmedUpRssMb === undefined ? '-' : median(times.map((t) => t.warmedUpRssMb!)),
  }));
  return { name: `Start-up of node dist/web/server.js to its first /healthz answer, ${runs} run${runs === 1 ? '' : 's'} each (target: a restart listening within 1 s)`, rows };
}
