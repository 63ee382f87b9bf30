import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { buildApp } from '../../src/web/app.js';
import { migrate, openStorage, type Storage } from '../../src/storage/db.js';
import { createOrganisation, createSurvey, publishInstrument, setSurveyState } from '../../src/storage/surveys.js';
import { validateDefinitionText } from '../../src/instrument/validate.js';
import type { TDefinition } from '../../src/instrument/definition.js';
import type { DatabaseTarget } from '../../src/config.js';
import { freshSqlite } from '../storage/targets.js';

export function standardInstrument(): TDefinition {
  const result = validateDefinitionText(readFileSync('instruments/digital-readiness.yaml', 'utf8'));
  if (!result.ok) throw new Error('standard instrument invalid');
  return result.definition;
}

export interface TestApp {
  app: FastifyInstance;
  storage: Storage;
  survey: { id: string; slug: string; instrumentVersionId: string };
}

/** An app on a fresh database with one open survey of the given definition. */
export async function testApp(definition: TDefinition = standardInstrument(), target: DatabaseTarget = freshSqlite()): Promise<TestApp> {
  const storage = openStorage(target);
  await migrate(storage);
  const organisationId = await createOrganisation(storage.db, { name: 'Test Council', type: 'district', nation: 'England', region: 'South West' });
  const instrumentVersionId = await publishInstrument(storage.db, definition);
  const survey = await createSurvey(storage.db, { organisationId, instrumentVersionId, title: 'Wave 1' });
  await setSurveyState(storage.db, survey.id, 'open', '2026-11-24');
  const app = await buildApp({ storage });
  return { app, storage, survey: { ...survey, instrumentVersionId } };
}

/**
 * A respondent's browser for inject(): keeps cookies, reads the CSRF token from each page
 * and posts it back, as a real browser does (CSRF stays on in tests).
 */
export class Respondent {
  private cookies = new Map<string, string>();
  csrf = '';
  constructor(private readonly app: FastifyInstance) {}

  private remember(setCookie: string | string[] | undefined) {
    for (const header of [setCookie ?? []].flat()) {
      const [pair] = header.split(';');
      const [name, ...value] = pair!.split('=');
      this.cookies.set(name!.trim(), value.join('='));
    }
  }

  private cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(url: string) {
    const response = await this.app.inject({ method: 'GET', url, headers: { cookie: this.cookieHeader() } });
    this.remember(response.headers['set-cookie']);
    const token = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
    if (token) this.csrf = token;
    return response;
  }

  async post(url: string, fields: Record<string, string | string[]> = {}) {
    const body = new URLSearchParams();
    body.append('_csrf', this.csrf);
    for (const [key, value] of Object.entries(fields)) for (const v of [value].flat()) body.append(key, v);
    const response = await this.app.inject({
      method: 'POST',
      url,
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: body.toString(),
    });
    this.remember(response.headers['set-cookie']);
    const token = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
    if (token) this.csrf = token;
    return response;
  }
}
