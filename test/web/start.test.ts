import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WARM_UP_LOG } from '../../src/web/app.js';
import { openSurveyDatabase, standardInstrument } from '../support/app.js';
import { databaseEnv, startServer } from '../support/server.js';

/**
 * A server listens without loading what only some requests need (charts, free-text analysis,
 * OpenID Connect, the mail clients, PDF, spreadsheets, PostgreSQL's driver on SQLite), and
 * loads the chart libraries afterwards, in the background, to warm the report up
 * (web/app.ts). A real server process (src/web/server.ts) records the packages it loads
 * (test/support/package-loads.mjs), configured with GOV.UK Notify and OpenID Connect so that
 * both could be loaded, on a database that already has a survey (no demo to seed).
 */

/** Packages a server must not load before it listens; the first two it loads afterwards, warming up. */
const WARM_UP_PACKAGES = ['vega', 'vega-lite'];
const ON_DEMAND_PACKAGES = ['wink-nlp', 'wink-eng-lite-web-model', 'openid-client', 'notifications-node-client', 'nodemailer', 'playwright-core', 'exceljs', 'pg', 'yaml'];

/** A key in Notify's form (name, service id, secret): never used, as no mail is sent. */
const NOTIFY_API_KEY = 'sounding_test-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0';

describe('starting a server', () => {
  it('listens before loading charts, text analysis, OpenID Connect, mail, PDF or spreadsheet libraries, then loads the charts in the background', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'sounding-start-'));
    const target = { kind: 'sqlite', file: join(folder, 'sounding.sqlite') } as const;
    const { storage } = await openSurveyDatabase(standardInstrument(), target);
    await storage.close();
    const loadsFile = join(folder, 'packages.jsonl');
    const server = await startServer({
      ...databaseEnv(target),
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${pathToFileURL('test/support/package-loads.mjs').href}`,
      PACKAGE_LOADS_FILE: loadsFile,
      NOTIFY_API_KEY,
      NOTIFY_TEMPLATE_ID: '00000000-0000-4000-8000-000000000000',
      OIDC_ISSUER: 'http://127.0.0.1:9/',
      OIDC_CLIENT_ID: 'sounding',
      OIDC_CLIENT_SECRET: 'secret',
      OIDC_REDIRECT_URL: 'http://127.0.0.1:3000/sign-in/oidc/callback',
    });
    const loaded = () => (existsSync(loadsFile) ? readFileSync(loadsFile, 'utf8').trim().split('\n') : []).map((line) => JSON.parse(line) as { name: string; listening: boolean });
    const waitFor = async (done: () => boolean) => {
      const deadline = Date.now() + 90_000;
      while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    };
    try {
      await waitFor(() => WARM_UP_PACKAGES.every((name) => loaded().some((l) => l.name === name)));
      const beforeListening = loaded()
        .filter((l) => !l.listening)
        .map((l) => l.name);
      // The recording works: what the server needs to listen is loaded before it does.
      expect(beforeListening).toEqual(expect.arrayContaining(['fastify', 'kysely', 'better-sqlite3', 'nunjucks']));
      expect(beforeListening.filter((name) => [...WARM_UP_PACKAGES, ...ON_DEMAND_PACKAGES].includes(name) || name.startsWith('d3-'))).toEqual([]);
      expect(
        loaded()
          .filter((l) => l.listening)
          .map((l) => l.name),
      ).toEqual(expect.arrayContaining(WARM_UP_PACKAGES));

      await waitFor(() => [WARM_UP_LOG.done, WARM_UP_LOG.failed].some((line) => server.output().includes(line)));
      expect(server.output()).toContain(WARM_UP_LOG.done);
      // Warming up loads charts only: an idle server never loads what a request has not needed.
      expect(loaded().filter((l) => ON_DEMAND_PACKAGES.includes(l.name))).toEqual([]);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      rmSync(folder, { recursive: true, force: true });
    }
  }, 150_000);
});
