import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsApp, memberCookie } from '../support/accounts.js';
import { Browser } from '../support/browser.js';

/**
 * Bodies a browser would never send, at the routes that once answered them with a 500: a field
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
