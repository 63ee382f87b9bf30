/**
 * Streaming exports at scale: 1,000,000 synthetic responses exported from a real server
 * process (over HTTP, as an analyst) as CSV and as SPSS .sav, timing each download and
 * reading the server's peak resident memory (Linux VmHWM) afterwards. The server runs with
 * the heap capped at 160 MB old space, as the memory test does, so V8 collects instead of
 * growing lazily; an export that held the file in memory would fail there.
 */
import { openWave, closeWave } from '../test/support/waves.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadInstrumentFile, STANDARD_INSTRUMENT_PATH } from '../src/instrument/load.js';
import { migrate, openStorage } from '../src/storage/db.js';
import { createOrganisation, createSurvey, publishInstrument } from '../src/storage/surveys.js';
import { memberCookie } from '../test/support/accounts.js';
import { bulkInsertResponses } from '../test/support/bulk-responses.js';
import { databaseEnv, startServer } from '../test/support/server.js';
import type { SuiteResult } from './run.js';

const RESPONSES = Number(process.env.BENCH_EXPORT_RESPONSES ?? 1_000_000);
const HEAP_CAP_MB = 160;

function peakRssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'))!;
  return Math.round(Number(/(\d+)/.exec(line)![1]) / 1024);
}

export async function run(): Promise<SuiteResult> {
  const file = join(mkdtempSync(join(tmpdir(), 'sounding-bench-export-')), 'sounding.sqlite');
  const storage = openStorage({ kind: 'sqlite', file });
  await migrate(storage);
  const definition = loadInstrumentFile(STANDARD_INSTRUMENT_PATH);
  const organisationId = await createOrganisation(storage.db, { name: 'Bench Council', type: 'unitary', nation: 'England', region: 'London' });
  const instrumentVersionId = await publishInstrument(storage.db, definition);
  const survey = await createSurvey(storage.db, { organisationId, instrumentVersionId, title: 'Bench wave' });
  await openWave(storage.db, survey.id);
  await closeWave(storage.db, survey.id);
  const cookie = await memberCookie(storage.db, survey.id, 'analyst');
  await storage.close();
  const insertStart = process.hrtime.bigint();
  bulkInsertResponses(file, { id: survey.id, instrumentVersionId, definition }, RESPONSES);
  const insertSeconds = Number(process.hrtime.bigint() - insertStart) / 1e9;

  const server = await startServer({ ...databaseEnv({ kind: 'sqlite', file }), NODE_OPTIONS: `--max-old-space-size=${HEAP_CAP_MB}` }, { timeoutMs: 120_000 });
  const rows: SuiteResult['rows'] = [{ step: 'insert (setup, not the app)', responses: RESPONSES, seconds: insertSeconds.toFixed(1), 'MB sent': '', 'server peak RSS MB': peakRssMb(server.child.pid!) }];
  try {
    for (const format of ['respondents.csv', 'respondents.sav']) {
      const start = process.hrtime.bigint();
      const response = await fetch(`${server.origin}/surveys/${survey.id}/exports/${format}`, { headers: { cookie }, redirect: 'manual' });
      if (response.status !== 200) throw new Error(`${format}: HTTP ${response.status}`);
      let bytes = 0;
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
      const secondsTaken = Number(process.hrtime.bigint() - start) / 1e9;
      rows.push({
        step: `GET ${format}`,
        responses: RESPONSES,
        seconds: secondsTaken.toFixed(1),
        'MB sent': (bytes / 1048576).toFixed(0),
        'server peak RSS MB': peakRssMb(server.child.pid!),
      });
    }
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dirname(file), { recursive: true, force: true });
  }
  return { name: `Streaming exports of ${RESPONSES.toLocaleString('en-GB')} responses (server heap capped at ${HEAP_CAP_MB} MB old space)`, rows };
}
