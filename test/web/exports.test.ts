import { openWave, closeWave, TEST_ACTOR } from '../support/waves.js';
import { setFreeTextRelease } from '../../src/admin/waves.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openStorage } from '../../src/storage/db.js';
import { createOrganisation, createSurvey, publishInstrument } from '../../src/storage/surveys.js';
import { buildApp } from '../../src/web/app.js';
import { exportDefinition, exportFixture, SMALL_GROUP_COMMENT, type ExportFixture } from '../reporting/exports/fixture.js';
import { freshSqlite } from '../storage/targets.js';
import { bulkInsertResponses } from '../support/bulk-responses.js';
import { databaseEnv, startServer } from '../support/server.js';
import { standardInstrument, testConfig, testServices } from '../support/app.js';
import { memberCookie } from '../support/accounts.js';

let fixture: ExportFixture;
let app: FastifyInstance;
/** An analyst of the survey's organisation: exports are for analysts and organisation admins. */
let cookie: string;
beforeAll(async () => {
  fixture = await exportFixture(freshSqlite());
  app = await buildApp(testConfig(), testServices(fixture.storage));
  cookie = await memberCookie(fixture.storage.db, fixture.surveyId, 'analyst');
});
afterAll(async () => app.close());

const url = (path = '') => `/surveys/${fixture.surveyId}/exports${path}`;

describe('exports page', () => {
  it('lists every download, with free-text versions marked, and states the coarsening rule', async () => {
    const page = await app.inject({ method: 'GET', headers: { cookie }, url: url() });
    expect(page.statusCode).toBe(200);
    for (const format of ['respondents.csv', 'respondents.xlsx', 'respondents.sav', 'codebook.csv', 'aggregates.csv', 'aggregates.xlsx']) {
      expect(page.body).toContain(`href="${url(`/${format}`)}"`);
    }
    // Free text only once the survey lead has released it for the wave.
    expect(page.body).not.toContain('freeText=1');
    expect(page.body).toContain('The survey lead has not released free-text comments for this survey');
    expect(page.body).toContain(`href="${url('/respondents.csv?bom=1')}"`);
    expect(page.body).toContain('no combination of role group and directorate identifies fewer than 10 respondents');
  });

  it('is a 404 for an unknown or malformed survey id', async () => {
    expect((await app.inject({ method: 'GET', headers: { cookie }, url: '/surveys/00000000-0000-4000-8000-000000000000/exports' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', headers: { cookie }, url: '/surveys/not-an-id/exports/respondents.csv' })).statusCode).toBe(404);
  });
});

describe('downloads', () => {
  it('sends a respondent-level CSV as an attachment, with a BOM when asked, and without the small group', async () => {
    const plain = await app.inject({ method: 'GET', headers: { cookie }, url: url('/respondents.csv') });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(plain.headers['content-disposition']).toBe('attachment; filename="export-wave-1-respondents.csv"');
    expect(plain.rawPayload[0]).not.toBe(0xef);
    const rows = parse<Record<string, string>>(plain.body, { columns: true });
    expect(rows).toHaveLength(40);
    expect(new Set(rows.map((r) => r.role))).toEqual(new Set(['3', '4']));
    const bom = await app.inject({ method: 'GET', headers: { cookie }, url: url('/respondents.csv?bom=1') });
    expect([...bom.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });

  it('includes redacted free text only when asked for, and only once the survey lead has released it', async () => {
    const refused = await app.inject({ method: 'GET', headers: { cookie }, url: url('/respondents.csv?freeText=1') });
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain('Free-text comments are not released for this survey');
    await setFreeTextRelease(fixture.storage.db, TEST_ACTOR, fixture.surveyId, true);
    const page = await app.inject({ method: 'GET', headers: { cookie }, url: url() });
    expect(page.body).toContain(`href="${url('/respondents.csv?freeText=1')}"`);
    const without = await app.inject({ method: 'GET', headers: { cookie }, url: url('/respondents.csv') });
    expect(without.body).not.toContain('[email]');
    const withText = await app.inject({ method: 'GET', headers: { cookie }, url: url('/respondents.csv?freeText=1') });
    expect(withText.body).toContain('Ask [name] ([email], [phone], staff no [staff number]) at [postcode] about training.');
    expect(withText.body).not.toContain('Patel');
    expect(withText.body).not.toContain(SMALL_GROUP_COMMENT);
  });

  it('sends the .sav, XLSX, codebook and aggregate files with their types', async () => {
    const types: Record<string, string> = {
      'respondents.sav': 'application/x-spss-sav',
      'respondents.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'codebook.csv': 'text/csv; charset=utf-8',
      'aggregates.csv': 'text/csv; charset=utf-8',
      'aggregates.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    };
    for (const [format, type] of Object.entries(types)) {
      const response = await app.inject({ method: 'GET', headers: { cookie }, url: url(`/${format}`) });
      expect(response.statusCode, format).toBe(200);
      expect(response.headers['content-type']).toBe(type);
      expect(response.rawPayload.length).toBeGreaterThan(100);
    }
    const sav = await app.inject({ method: 'GET', headers: { cookie }, url: url('/respondents.sav') });
    expect(sav.rawPayload.subarray(0, 4).toString('latin1')).toBe('$FL2');
  });

  it('explains a bad format or option instead of failing', async () => {
    const format = await app.inject({ method: 'GET', headers: { cookie }, url: url('/respondents.pdf') });
    expect(format.statusCode).toBe(404);
    expect(format.body).toContain('There is no export at this address. Choose one of:');
    expect(format.body).not.toContain('respondents.pdf');
    const option = await app.inject({ method: 'GET', headers: { cookie }, url: url('/respondents.csv?freeText=yes') });
    expect(option.statusCode).toBe(400);
    expect(option.body).toContain('Invalid freeText: freeText must be 0 or 1.');
  });

  it('refuses a respondent-level file for a survey with fewer responses than the threshold, but gives aggregates', async () => {
    const { storage } = fixture;
    const organisationId = await createOrganisation(storage.db, { name: 'Tiny Council', type: 'district', nation: 'Wales', region: 'Wales' });
    const instrumentVersionId = await publishInstrument(storage.db, exportDefinition);
    const empty = await createSurvey(storage.db, { organisationId, instrumentVersionId, title: 'Empty wave' });
    await openWave(storage.db, empty.id);
    await closeWave(storage.db, empty.id);
    const cookie = await memberCookie(storage.db, empty.id, 'analyst');
    const refused = await app.inject({ method: 'GET', headers: { cookie }, url: `/surveys/${empty.id}/exports/respondents.sav` });
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain('fewer than 10 responses, so no respondent-level file can be given');
    expect((await app.inject({ method: 'GET', headers: { cookie }, url: `/surveys/${empty.id}/exports/aggregates.csv` })).statusCode).toBe(200);
    const page = await app.inject({ method: 'GET', headers: { cookie }, url: `/surveys/${empty.id}/exports` });
    expect(page.body).not.toContain('respondents.csv');
  });
});

/** Peak resident memory of a process so far, from Linux's /proc (VmHWM). */
function peakRssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'))!;
  return Number(/(\d+)/.exec(line)![1]) / 1024;
}

// The largest count that runs in about a minute here; the 1,000,000 run is in `npm run bench -- --only exports`.
const LARGE = 100_000;
const HEAP_CAP_MB = 160;
const SEMI_SPACE_MB = 16;
describe.skipIf(process.platform !== 'linux')(`a large export streams (memory read from /proc${process.platform === 'linux' ? '' : ': skipped, not Linux'})`, () => {
  it(`sends ${LARGE.toLocaleString('en-GB')} responses as CSV and as .sav with the server's peak memory under 300 MB`, { timeout: 240_000 }, async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sounding-export-')), 'sounding.sqlite');
    const storage = openStorage({ kind: 'sqlite', file });
    await migrate(storage);
    const definition = standardInstrument();
    const organisationId = await createOrganisation(storage.db, { name: 'Large Council', type: 'unitary', nation: 'England', region: 'London' });
    const instrumentVersionId = await publishInstrument(storage.db, definition);
    const survey = await createSurvey(storage.db, { organisationId, instrumentVersionId, title: 'Large wave' });
    await openWave(storage.db, survey.id);
    const cookie = await memberCookie(storage.db, survey.id, 'analyst');
    bulkInsertResponses(file, { id: survey.id, instrumentVersionId, definition }, LARGE);
    // Closing publishes: the respondent-level file is then read through the publication's coarsening.
    await closeWave(storage.db, survey.id);
    await storage.close();

    // Capped old space: V8 then collects garbage instead of growing the heap lazily, and an
    // export that held the whole file in memory would fail with "heap out of memory". Semi-spaces
    // capped at 16 MB, as Node 20's V8 chose by itself: Node 24's lets the young generation grow
    // to twice that (about 65 MB more RSS here), which is V8's choice, not rows kept by the export.
    const server = await startServer({ ...databaseEnv({ kind: 'sqlite', file }), NODE_OPTIONS: `--max-old-space-size=${HEAP_CAP_MB} --max-semi-space-size=${SEMI_SPACE_MB}` });
    const atStart = peakRssMb(server.child.pid!);
    try {
      for (const format of ['respondents.csv', 'respondents.sav']) {
        const response = await fetch(`${server.origin}/surveys/${survey.id}/exports/${format}`, { headers: { cookie }, redirect: 'manual' });
        expect(response.status).toBe(200);
        let bytes = 0;
        let lines = 0;
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          bytes += chunk.length;
          if (format.endsWith('.csv')) for (const b of chunk) if (b === 0x0a) lines++;
        }
        if (format.endsWith('.csv')) expect(lines, server.output().slice(-2000)).toBe(LARGE + 1);
        else expect(bytes).toBeGreaterThan(LARGE * 8 * 50);
        console.log(`after ${format}: peak ${peakRssMb(server.child.pid!).toFixed(0)} MB`);
      }
      const peak = peakRssMb(server.child.pid!);
      console.log(`server peak RSS: ${atStart.toFixed(0)} MB when ready, ${peak.toFixed(0)} MB after exporting ${LARGE} responses as CSV and .sav`);
      expect(peak).toBeLessThan(300);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      // The database is several hundred megabytes.
      rmSync(dirname(file), { recursive: true, force: true });
    }
  });
});
