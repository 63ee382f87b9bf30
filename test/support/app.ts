import { openWave } from './waves.js';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type AppConfig, type AppServices } from '../../src/web/app.js';
import type { MailMessage, Mailer } from '../../src/admin/mailer.js';
import { migrate, openStorage, type Storage } from '../../src/storage/db.js';
import { createOrganisation, createSurvey, publishInstrument } from '../../src/storage/surveys.js';
import { validateDefinitionText } from '../../src/instrument/validate.js';
import type { TDefinition } from '../../src/instrument/definition.js';
import { readConfig, type DatabaseTarget } from '../../src/config.js';
import { sectionFields } from './server.js';
import type { Answers } from '../../src/instrument/question-types/index.js';
import { POSTGRES_SKIP_REASON, freshPostgres, freshSqlite, postgresUrl } from '../storage/targets.js';

export function standardInstrument(): TDefinition {
  const result = validateDefinitionText(readFileSync('instruments/digital-readiness.yaml', 'utf8'));
  if (!result.ok) throw new Error('standard instrument invalid');
  return result.definition;
}

/**
 * The settings test apps are built with: the real schema over a fixed environment (nothing
 * from the machine running the tests), with logging off unless a test asks for it.
 */
export function testConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  return { ...readConfig({ LOG_LEVEL: 'silent' }), ...overrides };
}

/** Mail captured in memory, so a test can follow the link in a reset email or an invitation; the outbox unless said otherwise. */
export function capturingMailer(kind: Mailer['kind'] = 'outbox'): Mailer & { sent: MailMessage[] } {
  const sent: MailMessage[] = [];
  return { kind, sent, send: async (message) => void sent.push(message) };
}

/** The services a test app runs on: the given storage, mail captured in memory, no OpenID Connect unless given. */
export function testServices(storage: Storage, overrides: Partial<Omit<AppServices, 'storage'>> = {}): AppServices {
  return { storage, mailer: capturingMailer(), ...overrides };
}

export interface TestApp {
  app: FastifyInstance;
  storage: Storage;
  survey: { id: string; slug: string; instrumentVersionId: string };
}

/** A database kind the web tests run on; PostgreSQL is skipped, with the reason in the title, without TEST_DATABASE_URL. */
export interface TestDatabase {
  kind: DatabaseTarget['kind'];
  title: string;
  skip: boolean;
  fresh(): Promise<DatabaseTarget>;
}

export const testDatabases: TestDatabase[] = [
  // Named as server.ts names it, so a server process can be started on the same file.
  { kind: 'sqlite', title: 'on SQLite', skip: false, fresh: async () => ({ kind: 'sqlite', file: join(mkdtempSync(join(tmpdir(), 'sounding-web-')), 'sounding.sqlite') }) },
  { kind: 'postgres', title: postgresUrl ? 'on PostgreSQL' : `on PostgreSQL (${POSTGRES_SKIP_REASON})`, skip: !postgresUrl, fresh: freshPostgres },
];

/** A migrated database holding one open survey of the given definition (a test wave, so synthetic answers may be added unless `synthetic: false`); the storage stays open. */
export async function openSurveyDatabase(definition: TDefinition, target: DatabaseTarget, options: { synthetic?: boolean } = {}): Promise<Omit<TestApp, 'app'>> {
  const storage = openStorage(target);
  await migrate(storage);
  const organisationId = await createOrganisation(storage.db, { name: 'Test Council', type: 'district', nation: 'England', region: 'South West' });
  const instrumentVersionId = await publishInstrument(storage.db, definition);
  const survey = await createSurvey(storage.db, { organisationId, instrumentVersionId, title: 'Wave 1', synthetic: options.synthetic ?? true });
  await openWave(storage.db, survey.id);
  return { storage, survey: { ...survey, instrumentVersionId } };
}

/** An app on a fresh database (SQLite unless a target is given) with one open survey of the given definition. */
export async function testApp(definition: TDefinition = standardInstrument(), target: DatabaseTarget | Promise<DatabaseTarget> = freshSqlite()): Promise<TestApp> {
  const { storage, survey } = await openSurveyDatabase(definition, await target);
  const app = await buildApp(testConfig(), testServices(storage));
  return { app, storage, survey };
}

/** Where a test browser's requests come from: the connection's address, and an X-Forwarded-For header as a proxy would add. */
export interface ClientAddress {
  remoteAddress?: string;
  forwardedFor?: string;
}

/**
 * A respondent's browser for inject(): keeps cookies, reads the CSRF token from each page
 * and posts it back, as a real browser does (CSRF stays on in tests). Requests come from
 * 127.0.0.1 unless another client address is given.
 */
export class Respondent {
  private cookies = new Map<string, string>();
  csrf = '';
  constructor(
    private readonly app: FastifyInstance,
    private readonly client: ClientAddress = {},
  ) {}

  private remember(setCookie: string | string[] | undefined) {
    for (const header of [setCookie ?? []].flat()) {
      const [pair] = header.split(';');
      const [name, ...value] = pair!.split('=');
      this.cookies.set(name!.trim(), value.join('='));
    }
  }

  /** The cookies this browser holds, name and value. */
  cookieEntries(): [string, string][] {
    return [...this.cookies];
  }

  /** Sends a request with this browser's cookies from its address, keeping the cookies and CSRF token of the answer. */
  private async send(method: 'GET' | 'POST', url: string, form?: URLSearchParams) {
    const { remoteAddress, forwardedFor } = this.client;
    const response = await this.app.inject({
      method,
      url,
      ...(remoteAddress ? { remoteAddress } : {}),
      headers: {
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { payload: form.toString() } : {}),
    });
    this.remember(response.headers['set-cookie']);
    const token = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
    if (token) this.csrf = token;
    return response;
  }

  get(url: string) {
    return this.send('GET', url);
  }

  post(url: string, fields: Record<string, string | string[]> = {}) {
    const body = new URLSearchParams();
    body.append('_csrf', this.csrf);
    for (const [key, value] of Object.entries(fields)) for (const v of [value].flat()) body.append(key, v);
    return this.send('POST', url, body);
  }
}

/** Walks the whole journey with inject as a browser would, following redirects page by page, up to check answers. */
export async function answerAll(respondent: Respondent, definition: TDefinition, base: string, answers: Answers) {
  await respondent.get(base);
  let response = await respondent.post(`${base}/start`);
  const visited: string[] = [];
  while (response.statusCode === 303 && /\/q\//.test(String(response.headers.location))) {
    const url = new URL(String(response.headers.location), 'http://localhost').pathname;
    const code = url.split('/q/')[1]!;
    visited.push(code);
    const page = await respondent.get(url);
    if (page.statusCode !== 200) throw new Error(`${url} answered ${page.statusCode}`);
    response = await respondent.post(url, { action: 'continue', ...sectionFields(definition, code, answers) });
  }
  return { visited, last: response };
}
