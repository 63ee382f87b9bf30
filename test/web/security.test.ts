import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { FREE_FAILURES } from '../../src/admin/users.js';
import { openStorage } from '../../src/storage/db.js';
import { buildApp } from '../../src/web/app.js';
import { Respondent, testConfig, testServices } from '../support/app.js';
import { accountsApp, TEST_PASSWORD, userWithRoles } from '../support/accounts.js';

type App = Awaited<ReturnType<typeof accountsApp>>;
let t: App;
afterEach(async () => t?.app.close());

async function signIn(browser: Respondent, email: string, password: string, next = '/account') {
  await browser.get(`/sign-in?next=${encodeURIComponent(next)}`);
  return browser.post('/sign-in', { email, password, next });
}

describe('sign-in', () => {
  it('signs in with the right password, lands on the requested page, and signs out', async () => {
    t = await accountsApp();
    const user = await userWithRoles(t.storage.db, { [t.organisationId]: 'viewer' });
    const browser = new Respondent(t.app);
    const response = await signIn(browser, user.email.toUpperCase(), TEST_PASSWORD);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/account');
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/sounding_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
    const account = await browser.get('/account');
    expect(account.statusCode).toBe(200);
    expect(account.body).toContain(user.email);
    expect((await browser.post('/sign-out')).headers.location).toBe('/sign-in');
    expect((await browser.get('/account')).statusCode).toBe(303);
  });

  it('stores only a hash of the session token', async () => {
    t = await accountsApp();
    const user = await userWithRoles(t.storage.db, {});
    const browser = new Respondent(t.app);
    const response = await signIn(browser, user.email, TEST_PASSWORD);
    const token = /sounding_session=([^;]+)/.exec(String(response.headers['set-cookie']))![1]!;
    const ids = (await t.storage.db.selectFrom('user_session').select('id').execute()).map((r) => r.id);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids).not.toContain(token);
  });

  it('marks the session cookie Secure and sends HSTS when served over TLS', async () => {
    t = await accountsApp({ config: { secureCookies: true } });
    const user = await userWithRoles(t.storage.db, {});
    const response = await signIn(new Respondent(t.app), user.email, TEST_PASSWORD);
    expect(String(response.headers['set-cookie'])).toMatch(/sounding_session=[^;]+;.*Secure/);
    expect(response.headers['strict-transport-security']).toMatch(/max-age=31536000/);
  });

  it('never redirects off the site after sign-in', async () => {
    t = await accountsApp();
    const user = await userWithRoles(t.storage.db, {});
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
      const response = await signIn(new Respondent(t.app), user.email, TEST_PASSWORD, next);
      expect(response.headers.location).toBe('/');
    }
  });

  it('answers an unknown email and a wrong password with the same words, with 422 and the error summary', async () => {
    t = await accountsApp();
    const user = await userWithRoles(t.storage.db, {});
    const wrong = await signIn(new Respondent(t.app), user.email, 'not the password at all');
    const unknown = await signIn(new Respondent(t.app), 'nobody@example.org', 'not the password at all');
    expect(wrong.statusCode).toBe(422);
    expect(unknown.statusCode).toBe(422);
    expect(wrong.body).toContain('The email address or password is not right');
    expect(unknown.body).toContain('The email address or password is not right');
    expect(wrong.body).toContain('govuk-error-summary');
    expect(wrong.body).toContain('<title>Error: Sign in');
  });

  it('slows someone hammering an account from one address with a 429 saying how long to wait, while the owner signs in from another at once', async () => {
    t = await accountsApp();
    const user = await userWithRoles(t.storage.db, {});
    const attacker = new Respondent(t.app, { remoteAddress: '203.0.113.7' });
    await attacker.get('/sign-in');
    for (let i = 1; i <= FREE_FAILURES; i++) {
      const wrong = await attacker.post('/sign-in', { email: user.email, password: `wrong ${i}` });
      expect([wrong.statusCode, wrong.body.includes('The email address or password is not right')]).toEqual([422, true]);
    }
    // Straight after, even the right password from that address is not checked.
    const slowed = await attacker.post('/sign-in', { email: user.email, password: TEST_PASSWORD });
    expect(slowed.statusCode).toBe(429);
    expect(slowed.headers['retry-after']).toMatch(/^[12]$/);
    expect(slowed.body).toMatch(/Too many wrong passwords have been tried for this account\. Wait [12] seconds?, then try again, or reset your password/);
    expect(slowed.body).toContain('govuk-error-summary');
    expect(slowed.headers['set-cookie'] ?? '').not.toContain('sounding_session');
    // The owner, elsewhere, is not slowed at all.
    const owner = await signIn(new Respondent(t.app, { remoteAddress: '198.51.100.4' }), user.email, TEST_PASSWORD);
    expect(owner.statusCode).toBe(303);
    expect(String(owner.headers['set-cookie'])).toMatch(/sounding_session=/);
  });

  it('rate-limits sign-in attempts per client with counters in the database (shared by every process)', async () => {
    t = await accountsApp({ config: { signInRateLimit: { max: 3, timeWindowMs: 60_000 } } });
    const browser = new Respondent(t.app);
    await browser.get('/sign-in');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await browser.post('/sign-in', { email: `x${i}@example.org`, password: 'whatever it is' })).statusCode);
    expect(statuses).toEqual([422, 422, 422, 429]);
    const blocked = await browser.post('/sign-in', { email: 'y@example.org', password: 'whatever it is' });
    // A GOV.UK page saying how long to wait, never the rate limiter's JSON.
    expect(blocked.headers['content-type']).toMatch(/^text\/html/);
    expect(blocked.body).toContain('<h1 class="govuk-heading-l">Too many attempts</h1>');
    expect(blocked.body).toMatch(/Wait (1 minute|[1-5]?[0-9] seconds?), then try again\./);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(60);
    const counters = await t.storage.db.selectFrom('rate_limit_counter').selectAll().execute();
    expect(counters).toHaveLength(1);
    expect(counters[0]!.count).toBe(5);
    // The client address is not stored as it is.
    expect(counters[0]!.key).not.toContain('127.0.0.1');
    // A second app on the same database (another process) sees the same count.
    const other = await buildApp(testConfig({ signInRateLimit: { max: 3, timeWindowMs: 60_000 } }), testServices(openStorage(t.target), { mailer: t.mailer }));
    const elsewhere = new Respondent(other);
    await elsewhere.get('/sign-in');
    expect((await elsewhere.post('/sign-in', { email: 'z@example.org', password: 'whatever it is' })).statusCode).toBe(429);
    await other.close();
  });
});

describe('security events in the log', () => {
  it('logs refused sign-ins and refused access with a reason, never the email, password or client address', async () => {
    const lines: string[] = [];
    t = await accountsApp({ config: { logLevel: 'warn' }, services: { logStream: { write: (line: string) => void lines.push(line) } } });
    const user = await userWithRoles(t.storage.db, {});
    await signIn(new Respondent(t.app), user.email, 'a wrong password here');
    await t.app.inject({ url: `/surveys/${t.survey.id}/results`, headers: { cookie: user.cookie } });
    const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events).toEqual(
      expect.arrayContaining([expect.objectContaining({ event: 'sign-in-refused', reason: 'invalid' }), expect.objectContaining({ event: 'access-refused', status: 404, userId: user.id })]),
    );
    const all = lines.join('\n');
    for (const secret of [user.email, 'a wrong password here', '127.0.0.1']) expect(all).not.toContain(secret);
  });
});

describe('CSRF', () => {
  it('rejects a state-changing form posted without its token with 403, and does nothing', async () => {
    t = await accountsApp();
    const user = await userWithRoles(t.storage.db, {});
    for (const url of ['/sign-in', '/sign-out', '/account/sign-out-everywhere', '/account/password', '/password-reset']) {
      const response = await t.app.inject({
        method: 'POST',
        url,
        headers: { cookie: user.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ email: user.email, password: TEST_PASSWORD }).toString(),
      });
      expect(response.statusCode, url).toBe(403);
    }
    expect(await t.storage.db.selectFrom('user_session').select('id').where('user_id', '=', user.id).execute()).toHaveLength(1);
    expect(t.mailer.sent).toHaveLength(0);
  });
});

describe('sign out everywhere', () => {
  it('ends every session of the user and records it in the audit log', async () => {
    t = await accountsApp();
    const user = await userWithRoles(t.storage.db, {});
    const laptop = new Respondent(t.app);
    const phone = new Respondent(t.app);
    await signIn(laptop, user.email, TEST_PASSWORD);
    await signIn(phone, user.email, TEST_PASSWORD);
    await laptop.get('/account');
    expect((await laptop.post('/account/sign-out-everywhere')).statusCode).toBe(303);
    expect((await phone.get('/account')).statusCode).toBe(303);
    expect(await t.storage.db.selectFrom('user_session').select('id').where('user_id', '=', user.id).execute()).toHaveLength(0);
    const audit = await t.storage.db.selectFrom('audit_log').selectAll().where('action', 'like', 'account.%').execute();
    expect(audit.map((a) => a.action)).toEqual(['account.sign-out-everywhere']);
  });
});

describe('change password', () => {
  it('needs the current password, then signs out every other device and keeps this one signed in', async () => {
    t = await accountsApp();
    const user = await userWithRoles(t.storage.db, {});
    const laptop = new Respondent(t.app);
    const phone = new Respondent(t.app);
    await signIn(laptop, user.email, TEST_PASSWORD);
    await signIn(phone, user.email, TEST_PASSWORD);
    await laptop.get('/account/password');
    const wrong = await laptop.post('/account/password', { current: 'not my password', password: 'a brand new passphrase', confirm: 'a brand new passphrase' });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.body).toContain('Your current password is not right');
    const short = await laptop.post('/account/password', { current: TEST_PASSWORD, password: 'short', confirm: 'short' });
    expect(short.body).toContain('Password must be 12 characters or more');
    const done = await laptop.post('/account/password', { current: TEST_PASSWORD, password: 'a brand new passphrase', confirm: 'a brand new passphrase' });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/account?changed=1');
    expect((await laptop.get('/account?changed=1')).body).toContain('Your password has been changed');
    expect((await phone.get('/account')).statusCode).toBe(303);
    expect((await signIn(new Respondent(t.app), user.email, TEST_PASSWORD)).statusCode).toBe(422);
    expect((await signIn(new Respondent(t.app), user.email, 'a brand new passphrase')).statusCode).toBe(303);
    const audit = await t.storage.db.selectFrom('audit_log').select('action').where('action', 'like', 'account.%').execute();
    expect(audit.map((a) => a.action)).toEqual(['account.password-change']);
    expect(t.mailer.sent.map((m) => [m.to, m.subject])).toEqual([[user.email, 'Your Sounding password has been changed']]);
  });
});

describe('password reset', () => {
  it('emails a single-use link that sets a new password and signs out everywhere', async () => {
    t = await accountsApp();
    const user = await userWithRoles(t.storage.db, {});
    const browser = new Respondent(t.app);
    await browser.get('/password-reset');
    const sent = await browser.post('/password-reset', { email: user.email });
    expect(sent.statusCode).toBe(200);
    expect(t.mailer.sent).toHaveLength(1);
    const link = /https:\/\/sounding\.example\.org(\/password-reset\/[A-Za-z0-9_-]{43})/.exec(t.mailer.sent[0]!.body)![1]!;
    expect(t.mailer.sent[0]!.to).toBe(user.email);
    const form = await browser.get(link);
    expect(form.headers['referrer-policy']).toBe('no-referrer');
    const mismatch = await browser.post(link, { password: 'a brand new passphrase', confirm: 'something else entirely' });
    expect(mismatch.statusCode).toBe(422);
    expect(mismatch.body).toContain('The passwords do not match');
    const done = await browser.post(link, { password: 'a brand new passphrase', confirm: 'a brand new passphrase' });
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('Your password has been changed');
    expect(t.mailer.sent[1]).toMatchObject({ to: user.email, subject: 'Your Sounding password has been changed' });
    expect(await t.storage.db.selectFrom('user_session').select('id').where('user_id', '=', user.id).execute()).toHaveLength(0);
    expect((await signIn(new Respondent(t.app), user.email, 'a brand new passphrase')).statusCode).toBe(303);
    expect((await signIn(new Respondent(t.app), user.email, TEST_PASSWORD)).statusCode).toBe(422);
    await browser.get(link);
    const again = await browser.post(link, { password: 'yet another passphrase', confirm: 'yet another passphrase' });
    expect(again.statusCode).toBe(422);
    expect(again.body).toContain('expired or has already been used');
  });

  it('says the same for an unknown email and sends nothing', async () => {
    t = await accountsApp();
    const browser = new Respondent(t.app);
    await browser.get('/password-reset');
    const response = await browser.post('/password-reset', { email: 'nobody@example.org' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('If nobody@example.org has a Sounding account');
    expect(t.mailer.sent).toHaveLength(0);
  });

  it('refuses a link older than an hour', async () => {
    t = await accountsApp();
    const user = await userWithRoles(t.storage.db, {});
    const browser = new Respondent(t.app);
    await browser.get('/password-reset');
    await browser.post('/password-reset', { email: user.email });
    await t.storage.db
      .updateTable('password_reset')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .execute();
    const link = /(\/password-reset\/[A-Za-z0-9_-]{43})/.exec(t.mailer.sent[0]!.body)![1]!;
    await browser.get(link);
    const response = await browser.post(link, { password: 'a brand new passphrase', confirm: 'a brand new passphrase' });
    expect(response.statusCode).toBe(422);
    expect(response.body).toContain('expired');
  });
});

describe('security headers', () => {
  it('sends a CSP without unsafe-inline whose script hashes match every inline script, frame-ancestors none, a referrer policy, and no HSTS without TLS', async () => {
    t = await accountsApp();
    const page = await t.app.inject({ method: 'GET', url: '/sign-in' });
    const csp = String(page.headers['content-security-policy']);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    const scriptSrc = /script-src ([^;]+)/.exec(csp)?.[1] ?? '';
    const inlineScripts = [...page.body.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([^<]*)<\/script>/g)];
    expect(inlineScripts.length).toBeGreaterThan(0);
    for (const script of inlineScripts) expect(scriptSrc).toContain(`'sha256-${createHash('sha256').update(script[1]!).digest('base64')}'`);
    expect(page.headers['referrer-policy']).toBe('same-origin');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['strict-transport-security']).toBeUndefined();
  });
});
