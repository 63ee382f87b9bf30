/**
 * Nothing is exported, shown or summarised from a wave without a publication: for an open
 * wave with responses, every results route of the web and the API, every export format on
 * the web and `survey export` on the command line refuse, and none of them gives a figure.
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RouteOptions } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import { prepareExport } from '../../src/reporting/exports/service.js';
import { EXPORT_FORMAT_NAMES } from '../../src/reporting/exports/index.js';
import { Refusal } from '../../src/publications/service.js';
import { setFreeTextRelease } from '../../src/admin/waves.js';
import { testDatabases } from '../support/app.js';
import { TEST_ACTOR } from '../support/waves.js';
import { answersFor, auditRows, cli, createWaveOnWeb, expectWithheld, instrumentVersionOf, leadSetup, pressWaveButton, publications, roster, submitAll, surveyOutputUrls } from './support.js';

const registered = vi.hoisted(() => [] as { method: string; url: string }[]);
vi.mock('fastify', async (importOriginal) => {
  const original = await importOriginal<typeof import('fastify')>();
  const create = ((options: Parameters<typeof original.default>[0]) => {
    const app = original.default(options);
    app.addHook('onRoute', (route: RouteOptions) => {
      for (const method of [route.method].flat()) registered.push({ method, url: route.url });
    });
    return app;
  }) as typeof original.default;
  return { ...original, default: create };
});

const TITLE = 'Open wave';
const NOT_PUBLISHED = `${TITLE} is open: results, reports and exports are published when it closes`;

for (const database of testDatabases) {
  describe.skipIf(database.skip)(`nothing leaves from a wave without a publication ${database.title}`, () => {
    it('refuses the results page, report, PDF, API, every export on the web and on the command line, with no figure', { timeout: 300_000 }, async () => {
      const s = await leadSetup(database);
      const { lead, storage, organisationId, app } = s;
      const db = storage.db;
      try {
        const id = await createWaveOnWeb(lead, organisationId, TITLE);
        expect((await pressWaveButton(lead, id, 'open')).statusCode).toBe(303);
        await submitAll(
          db,
          { id, instrumentVersionId: await instrumentVersionOf(db, id) },
          roster().map((r, i) => answersFor(700 + i, r.role, r.directorate, { one_change: `Faster laptops ${i}` })),
        );
        // Even with free text released by the lead, an open wave gives none.
        await setFreeTextRelease(db, TEST_ACTOR, id, true);
        expect(await publications(db, id)).toEqual([]);
        const auditBefore = await auditRows(db);

        // The web: every GET route under /surveys/:id and /api/surveys/:id.
        const urls = surveyOutputUrls(registered, id, EXPORT_FORMAT_NAMES);
        for (const path of ['results', 'report', 'report.pdf', 'exports', ...EXPORT_FORMAT_NAMES.map((f) => `exports/${f}`)]) expect(urls).toContain(`/surveys/${id}/${path}`);
        expect(urls).toContain(`/api/surveys/${id}/results`);
        for (const url of urls) await expectWithheld(app, s.leadCookie, url, TITLE);

        // The command line: every format refused with the message, exit code 1, no file, nothing on stdout.
        const out = mkdtempSync(join(tmpdir(), 'sounding-rules-export-'));
        // One at a time: the machine's two cores are shared.
        for (const format of EXPORT_FORMAT_NAMES) {
          const run = await cli(s.target, 'survey', 'export', id, '--format', format, '--out', join(out, format));
          expect([format, run.status, run.stdout, run.stderr.trim()]).toEqual([format, 1, '', NOT_PUBLISHED]);
        }
        const withText = await cli(s.target, 'survey', 'export', id, '--format', 'respondents.csv', '--free-text', '--out', join(out, 'with-text.csv'));
        expect([withText.status, withText.stdout, withText.stderr.trim()]).toEqual([1, '', NOT_PUBLISHED]);
        expect(readdirSync(out)).toEqual([]);
        expect(existsSync(join(out, 'aggregates.csv'))).toBe(false);

        // The service behind both.
        for (const format of EXPORT_FORMAT_NAMES) {
          const refused = await prepareExport(db, TEST_ACTOR, id, format, { freeText: false }).then(
            () => undefined,
            (error: unknown) => error,
          );
          expect(refused).toBeInstanceOf(Refusal);
          expect((refused as Refusal).message).toBe(NOT_PUBLISHED);
        }

        // A refused export is not recorded as an export; still no publication.
        expect((await auditRows(db)).filter((a) => a.action === 'export')).toEqual([]);
        expect(await auditRows(db)).toEqual(auditBefore);
        expect(await publications(db, id)).toEqual([]);
      } finally {
        await s.app.close();
      }
    });
  });
}
