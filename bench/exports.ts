/**
 * Streaming exports at scale: BENCH_EXPORT_RESPONSES (default 1,000,000; 500 with --smoke)
 * synthetic responses exported from a real server process (over HTTP, as an analyst) as CSV
 * and as SPSS .sav, timing each download and
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
import type { SuiteOptions, SuiteResult } from './run.js';
import { setting, timed } from './support.js';

const HEAP_CAP_MB = 160;

function peakRssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'))!;
  return Math.round(Number(/(\d+)/.exec(line)![1]) / 1024);
}

export async function run(options: SuiteOptions): Promise<SuiteResult> {
  const responses = Number(setting('BENCH_EXPORT_RESPONSES', { full: '1000000', smoke: '500' }, options));
  const file = join(mkdtempSync(join(tmpdir(), 'sounding-bench-export-')), 'sounding.sqlite');
  const storage = openStorage({ kind: 'sqlite', file });
  await migrate(storage);
  const definition = loadInstrumentFile(STANDARD_INSTRUMENT_PATH);
  const organisationId = await createOrganisation(storage.db, { name: 'Bench Council', type: 'unitary', nation: 'England', region: 'London' });
  const instrumentVersionId = await publishInstrument(storage.db, definition);
  const survey = await createSurvey(storage.db, { organisationId, instrumentVersionId, title: 'Bench wave' });
  await openWave(storage.db, survey.id);
  const cookie = await memberCookie(storage.db, survey.id, 'analyst');
  const inserted = await timed(async () => bulkInsertResponses(file, { id: survey.id, instrumentVersionId, definition }, responses));
  // Closing publishes: the respondent-level file is read through the publication's coarsening.
  const closed = await timed(() => closeWave(storage.db, survey.id));
  await storage.close();

  const server = await startServer({ ...databaseEnv({ kind: 'sqlite', file }), NODE_OPTIONS: `--max-old-space-size=${HEAP_CAP_MB}` }, { timeoutMs: 120_000 });
  const rows: SuiteResult['rows'] = [
    { step: 'insert (setup, not the app)', responses, seconds: (inserted.ms / 1000).toFixed(1), 'MB sent': '', 'server peak RSS MB': '' },
    { step: 'close the wave, which publishes it (setup)', responses, seconds: (closed.ms / 1000).toFixed(1), 'MB sent': '', 'server peak RSS MB': '' },
    { step: 'server ready', responses, seconds: '', 'MB sent': '', 'server peak RSS MB': peakRssMb(server.child.pid!) },
  ];
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
        responses,
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
  return { name: `Streaming exports of ${responses.toLocaleString('en-GB')} responses (server heap capped at ${HEAP_CAP_MB} MB old space)`, rows };
}
