import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LANGUAGE_COOKIE } from '../../src/web/i18n/language.js';
import { testApp, type TestApp } from '../support/app.js';

describe('choosing the language', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp();
  });
  afterAll(async () => t.app.close());
  const base = () => `/s/${t.survey.slug}`;

  it('defaults to English whatever the browser prefers, and offers Welsh by a link to the same page', async () => {
    const page = await t.app.inject({ method: 'GET', url: `${base()}/resume`, headers: { 'accept-language': 'cy' } });
    expect(page.body).toContain('<html lang="en"');
    expect(page.body).toContain(`href="${base()}/resume?lang=cy" hreflang="cy" lang="cy"`);
    expect(String(page.headers['set-cookie'])).not.toContain(LANGUAGE_COOKIE);
  });

  it('switches with ?lang=cy, remembers it in a cookie for a year, and keeps other query values in the switch link', async () => {
    const page = await t.app.inject({ method: 'GET', url: `${base()}/resume?lang=cy&x=1` });
    expect(page.body).toContain('<html lang="cy"');
    expect(page.body).toContain('Parhau gyda’ch cod ailddechrau');
    expect(page.body).toContain(`href="${base()}/resume?lang=en&amp;x=1" hreflang="en" lang="en"`);
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toMatch(new RegExp(`^${LANGUAGE_COOKIE}=cy;`));
    expect(cookie).toContain('Max-Age=31536000');
    const later = await t.app.inject({ method: 'GET', url: base(), cookies: { [LANGUAGE_COOKIE]: 'cy' } });
    expect(later.body).toContain('<html lang="cy"');
  });

  it('ignores a language it does not have, in the address or the cookie, without an error', async () => {
    const page = await t.app.inject({ method: 'GET', url: `${base()}?lang=fr`, cookies: { [LANGUAGE_COOKIE]: '<script>' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<html lang="en"');
    expect(String(page.headers['set-cookie'])).not.toContain(LANGUAGE_COOKIE);
  });
});

describe('a bad request on a Welsh page', () => {
  it('explains in Welsh and marks the English detail as English', async () => {
    const t = await testApp();
    const page = await t.app.inject({
      method: 'POST',
      url: `/s/${t.survey.slug}/resume`,
      cookies: { [LANGUAGE_COOKIE]: 'cy' },
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'x'.repeat(70 * 1024),
    });
    expect(page.statusCode).toBe(413);
    expect(page.body).toContain('<html lang="cy"');
    expect(page.body).toContain('Mae problem gyda&#39;r cais');
    expect(page.body).toMatch(/<p class="govuk-body" lang="en">[^<]*larger than this address takes/);
    await t.app.close();
  });
});
