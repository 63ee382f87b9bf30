import { Ajv2020 } from 'ajv/dist/2020.js';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/reporting/api.js';
import { accountsApp, memberCookie } from '../support/accounts.js';
import { Browser } from '../support/browser.js';

/**
 * Requests a browser would never send, at the routes that once answered them with a 500: a field
 * repeated (`email=a&email=b` arrives as an array), a JSON body with a number where text
 * belongs, a resume code longer than any code. Each gets a 4xx page that says which field is
 * wrong, and none echoes what was sent.
 */
let t: Awaited<ReturnType<typeof accountsApp>>;
beforeAll(async () => {
  t = await accountsApp();
});
afterAll(async () => t.app.close());

/** A browser holding the CSRF cookie and token of a page, then posting a raw body to a route. */
async function postRaw(browser: Browser, page: string, url: string, body: string, contentType = 'application/x-www-form-urlencoded') {
  await browser.get(page);
  const payload = contentType.includes('json') ? body.replace('"CSRF"', JSON.stringify(browser.csrf)) : `_csrf=${encodeURIComponent(browser.csrf)}&${body}`;
  return t.app.inject({ method: 'POST', url, headers: { cookie: browser.cookie(), 'content-type': contentType }, payload });
}

const SECRET = 'zz-secret-value-zz';

describe('malformed input', () => {
  it('answers repeated or mistyped account fields with a 400 naming the field, never a 500 or the value', async () => {
    const anonymous = new Browser(t.app);
    const signIn = await postRaw(anonymous, '/sign-in', '/sign-in', `email=a%40example.org&email=${SECRET}&password=x`);
    expect(signIn.statusCode).toBe(400);
    expect(signIn.body).toContain('email');
    expect(signIn.body).not.toContain(SECRET);

    const reset = await postRaw(anonymous, '/password-reset', '/password-reset', `email=${SECRET}&email=b`);
    expect(reset.statusCode).toBe(400);
    expect(reset.body).not.toContain(SECRET);

    const token = 'A'.repeat(43);
    const newPassword = await postRaw(anonymous, `/password-reset/${token}`, `/password-reset/${token}`, `password=${SECRET}&password=b&confirm=c`);
    expect(newPassword.statusCode).toBe(400);
    expect(newPassword.body).toContain('password');

    const member = new Browser(t.app, await memberCookie(t.storage.db, t.survey.id));
    const change = await postRaw(member, '/account/password', '/account/password', `current=a&current=${SECRET}&password=b&confirm=b`);
    expect(change.statusCode).toBe(400);
    expect(change.body).toContain('current');
    expect(change.body).not.toContain(SECRET);
  });

  it('treats a resume code too long to be one as no match', async () => {
    const respondent = new Browser(t.app);
    const base = `/s/${t.survey.slug}`;
    const response = await postRaw(respondent, `${base}/resume`, `${base}/resume`, `code=${'A'.repeat(41)}`);
    expect(response.statusCode).toBe(422);
    expect(response.body).toContain('govuk-error-summary');
  });

  it('refuses files claimed by a JSON body (only an upload carries bytes) with a 400 naming the field', async () => {
    const lead = new Browser(t.app, await memberCookie(t.storage.db, t.survey.id, 'org_admin'));
    const profile = `/admin/surveys/${t.survey.id}/profile`;
    const response = await postRaw(lead, profile, profile, '{"_csrf":"CSRF","files":{"file":12345}}', 'application/json');
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('files.file');
    expect(response.body).not.toContain('12345');
  });

  it('answers a section page sent as JSON with a number where text belongs with a 400 naming the field', async () => {
    const respondent = new Browser(t.app);
    const base = `/s/${t.survey.slug}`;
    await respondent.get(base);
    const started = await respondent.post(`${base}/start`);
    expect(started.statusCode).toBe(303);
    const section = String(started.headers.location);
    const response = await postRaw(respondent, section, section, '{"_csrf":"CSRF","role":12345}', 'application/json');
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('role');
    expect(response.body).not.toContain('12345');
  });
});

/** The API's documented error shape (a problem document), from the OpenAPI description itself. */
const isApiProblem = new Ajv2020({ strict: false }).compile((openApiDocument('cookie') as { components: { schemas: { Error: object } } }).components.schemas.Error);

describe("Fastify's own refusals", () => {
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const json = { 'content-type': 'application/json' };
  const post = (url: string, headers: Record<string, string>, payload: string): InjectOptions => ({ method: 'POST', url, headers, payload });
  /**
   * Refused before any route sees them, each carrying the secret where Fastify's own message would
   * quote it; under /api wherever the API can meet it (its routes take no body, so a body it
   * cannot read is refused only on the way to a 404, and an unknown type not at all).
   */
  const refusals: { name: string; status: number; says: string; page: InjectOptions; api?: InjectOptions }[] = [
    {
      name: 'a URL that cannot be decoded',
      status: 400,
      says: 'The web address could not be read',
      page: { url: `/s/${SECRET}%E0%A4%A` },
      api: { url: `/api/surveys/${SECRET}%E0%A4%A/results` },
    },
    {
      name: 'a path segment longer than any id',
      status: 414,
      says: 'longer than any address',
      page: { url: `/s/${SECRET.repeat(10)}` },
      api: { url: `/api/surveys/${SECRET.repeat(10)}/results` },
    },
    { name: 'a body of an unsupported type', status: 415, says: 'in a format this address does not take', page: post('/sign-in', { 'content-type': `application/${SECRET}` }, 'x') },
    { name: 'JSON that does not parse', status: 400, says: 'JSON that could not be read', page: post('/sign-in', json, `{"a": ${SECRET}`), api: post('/api/surveys', json, `{"a": ${SECRET}`) },
    { name: 'an empty JSON body', status: 400, says: 'sent as JSON, but empty', page: post('/sign-in', json, ''), api: post('/api/surveys', json, '') },
    {
      name: 'a body over the size limit',
      status: 413,
      says: 'larger than this address takes',
      page: post('/sign-in', form, `a=${SECRET.repeat(4000)}`),
      api: post('/api/surveys', form, `a=${SECRET.repeat(4000)}`),
    },
    {
      name: 'a body shorter than its Content-Length',
      status: 400,
      says: 'did not arrive whole',
      page: post('/sign-in', { ...form, 'content-length': '500' }, `a=${SECRET}`),
      api: post('/api/surveys', { ...form, 'content-length': '500' }, `a=${SECRET}`),
    },
    {
      name: 'a content encoding nobody knows',
      status: 415,
      says: 'could not be read',
      page: post('/sign-in', { ...form, 'content-encoding': SECRET }, 'a=1'),
      api: { url: '/api/openapi.json', headers: { ...form, 'content-encoding': SECRET }, payload: 'a=1' },
    },
  ];

  for (const refusal of refusals) {
    it(`answers ${refusal.name} with a ${refusal.status} page${refusal.api ? ', or a problem document under /api,' : ''} never quoting it`, async () => {
      const page = await t.app.inject(refusal.page);
      expect(page.statusCode).toBe(refusal.status);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.body).toContain('govuk-heading-l');
      expect(page.body).toContain(refusal.says);
      expect(page.body).not.toContain(SECRET);
      if (!refusal.api) return;

      const api = await t.app.inject(refusal.api);
      expect(api.statusCode).toBe(refusal.status);
      expect(api.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(isApiProblem(api.json())).toBe(true);
      expect(api.json()).toMatchObject({ status: refusal.status });
      expect(api.json<{ detail: string }>().detail).toContain(refusal.says);
      expect(api.body).not.toContain(SECRET);
    });
  }

  it('answers an address with no route with the not-found page, or a problem document under /api', async () => {
    const page = await t.app.inject({ url: `/${SECRET}` });
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain('Page not found');
    expect(page.body).not.toContain(SECRET);
    const api = await t.app.inject({ method: 'DELETE', url: `/api/${SECRET}` });
    expect(api.statusCode).toBe(404);
    expect(api.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(api.json()).toMatchObject({ status: 404, error: 'not_found' });
    expect(api.body).not.toContain(SECRET);
  });
});
