import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOidc } from '../../src/admin/oidc.js';
import { readConfig } from '../../src/config.js';
import { accountsApp, userWithRoles } from '../support/accounts.js';
import { OIDC_CLIENT, startOidcProvider } from '../support/identity-provider.js';

const REDIRECT = 'http://sounding.test/sign-in/oidc/callback';
const people: Record<string, { email: string; email_verified: boolean }> = {
  alice: { email: 'Alice@Council.example', email_verified: true },
  mallory: { email: 'alice@council.example', email_verified: false },
  stranger: { email: 'stranger@council.example', email_verified: true },
};

let provider: Awaited<ReturnType<typeof startOidcProvider>>;
let issuer: string;
beforeAll(async () => {
  provider = await startOidcProvider(REDIRECT, people);
  issuer = provider.issuer;
});
afterAll(() => provider.close());

type App = Awaited<ReturnType<typeof accountsApp>>;
let t: App;
afterEach(async () => t?.app.close());

/** A browser at the provider: keeps its cookies, submits the dev login and consent forms, stops at the redirect back to Sounding. */
async function throughProvider(authorizationUrl: string, login: string): Promise<string> {
  const jar = new Map<string, string>();
  let url = authorizationUrl;
  let method = 'GET';
  let body: string | undefined;
  for (let hop = 0; hop < 20; hop++) {
    if (url.startsWith(REDIRECT.split('?')[0]!)) return url;
    const response = await fetch(url, {
      method,
      body,
      redirect: 'manual',
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const [name, ...value] = pair!.split('=');
      jar.set(name!, value.join('='));
    }
    const location = response.headers.get('location');
    if (location) {
      url = new URL(location, url).href;
      method = 'GET';
      body = undefined;
      continue;
    }
    const html = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
    if (!action || !prompt) throw new Error(`unexpected page at ${url}: ${response.status}`);
    url = new URL(action, url).href;
    method = 'POST';
    body = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any' } : { prompt }).toString();
  }
  throw new Error('too many redirects');
}

async function appWithOidc() {
  t = await accountsApp({ services: { oidc: createOidc({ issuer, ...OIDC_CLIENT, redirectUrl: REDIRECT }) } });
  await userWithRoles(t.storage.db, { [t.organisationId]: 'viewer' }, { email: 'alice@council.example' });
}

/** Starts at Sounding, signs in at the provider as login, and returns Sounding's answer to the callback. */
async function signInAs(login: string, tamper: (callback: URL) => void = () => undefined) {
  const start = await t.app.inject({ method: 'GET', url: '/sign-in/oidc?next=/account' });
  expect(start.statusCode).toBe(303);
  const transaction = String(start.headers['set-cookie']).split(';')[0]!;
  const back = new URL(await throughProvider(String(start.headers.location), login));
  tamper(back);
  return t.app.inject({ method: 'GET', url: `${back.pathname}${back.search}`, headers: { cookie: transaction } });
}

const sessions = async () => t.storage.db.selectFrom('user_session').select('id').execute();

describe('OpenID Connect sign-in against a local provider', () => {
  it('offers the provider on the sign-in page and signs in the account whose verified email matches, case-insensitively', async () => {
    await appWithOidc();
    expect((await t.app.inject({ method: 'GET', url: '/sign-in' })).body).toContain('href="/sign-in/oidc?next=%2F"');
    const done = await signInAs('alice');
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/account');
    const session = /sounding_session=([^;]+)/.exec(String(done.headers['set-cookie']))![1]!;
    const account = await t.app.inject({ method: 'GET', url: '/account', headers: { cookie: `sounding_session=${session}` } });
    expect(account.statusCode).toBe(200);
    expect(account.body).toContain('alice@council.example');
  });

  it('refuses an email the provider has not verified, even when it matches an account', async () => {
    await appWithOidc();
    const done = await signInAs('mallory');
    expect(done.statusCode).toBe(400);
    expect(done.body).toContain('did not give a verified email address');
    expect(await sessions()).toHaveLength(1); // only the one userWithRoles made
  });

  it('creates no account for a verified stranger', async () => {
    await appWithOidc();
    const done = await signInAs('stranger');
    expect(done.statusCode).toBe(400);
    expect(done.body).toContain('There is no Sounding account for stranger@council.example');
    expect(await t.storage.db.selectFrom('user_account').select('id').execute()).toHaveLength(1);
  });

  it('refuses a callback whose state does not match, or that comes back without the transaction cookie', async () => {
    await appWithOidc();
    const forged = await signInAs('alice', (callback) => callback.searchParams.set('state', 'forged'));
    expect(forged.statusCode).toBe(400);
    expect(forged.body).toContain('did not confirm who you are');
    const bare = await t.app.inject({ method: 'GET', url: '/sign-in/oidc/callback?code=x&state=y' });
    expect(bare.statusCode).toBe(400);
    expect(bare.body).toContain('took too long');
    expect(await sessions()).toHaveLength(1);
  });
});

describe('OpenID Connect configuration', () => {
  it('is off when no OIDC_ variable is set and a clear error at start-up when only some are', () => {
    expect(readConfig({}).oidc).toBeUndefined();
    expect(() => readConfig({ OIDC_ISSUER: 'https://login.example' })).toThrow(
      'Invalid configuration: OIDC_ISSUER: OpenID Connect needs all of OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and OIDC_REDIRECT_URL, or none',
    );
  });
});
