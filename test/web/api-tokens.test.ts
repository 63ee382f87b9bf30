/**
 * Personal API tokens, through the pages a person uses to make them and the API a script
 * calls with them: read-only, one organisation, never more than the owner has, stored only as
 * a hash, and refused alike whatever is wrong with them.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, REFUSALS_AUDITED } from '../../src/admin/api-tokens.js';
import { generateResponses } from '../../src/admin/demo.js';
import type { DatabaseTarget } from '../../src/config.js';
import { migrate, openStorage, type Storage } from '../../src/storage/db.js';
import { createOrganisation, createSurvey, publishInstrument } from '../../src/storage/surveys.js';
import { loadSignedInUser, removeMembership, setMembership } from '../../src/storage/users.js';
import { buildApp } from '../../src/web/app.js';
import { requireOrganisationRole, surveyOrganisation } from '../../src/web/plugins/auth.js';
import { userWithRoles } from '../support/accounts.js';
import { standardInstrument, testConfig, testDatabases, testServices } from '../support/app.js';
import { Browser } from '../support/browser.js';
import { closeWave, openWave, TEST_ACTOR } from '../support/waves.js';
import { auditRows, mainText, tableCaptioned, text } from '../rules/support.js';

const TOKEN = /snd_[A-Za-z0-9_-]{43}/;
const UNKNOWN_SURVEY = '00000000-0000-4000-8000-000000000000';

type World = Awaited<ReturnType<typeof world>>;

/** Two organisations, each with a closed (published) wave, and the app on them. */
async function world(target: DatabaseTarget) {
  const storage: Storage = openStorage(target);
  await migrate(storage);
  const db = storage.db;
  const instrumentVersionId = await publishInstrument(db, standardInstrument());
  const organisation = (name: string) => createOrganisation(db, { name, type: 'district', nation: 'England', region: 'South West' });
  const publishedWave = async (organisationId: string) => {
    const survey = await createSurvey(db, { organisationId, instrumentVersionId, title: 'Staff survey 2026', synthetic: true });
    await openWave(db, survey.id);
    await generateResponses(db, TEST_ACTOR, survey.id, 30);
    await closeWave(db, survey.id);
    return survey.id;
  };
  const a = await organisation('Ardal Council');
  const b = await organisation('Bryn Council');
  const surveyA = await publishedWave(a);
  const surveyB = await publishedWave(b);
  const app = await buildApp(testConfig({ publicUrl: 'https://sounding.example.org', secureCookies: false }), testServices(storage));
  // An API address for analysts and up (the real API asks only for viewer), to see which role a token acts with.
  app.get('/api/probe/surveys/:id/analyst', { preHandler: requireOrganisationRole('analyst', surveyOrganisation(storage)) }, async () => ({ ok: true }));
  /** A member of both organisations (admin of A, viewer of B), signed in to the pages. */
  const person = async () => {
    const user = await userWithRoles(db, { [a]: 'org_admin', [b]: 'viewer' });
    return { ...user, browser: new Browser(app, user.cookie) };
  };
  return { target, storage, db, app, a, b, surveyA, surveyB, person };
}

/** Makes a token on the page, as a person does, and returns it with the page that showed it. */
async function makeToken(browser: Browser, fields: Record<string, string>) {
  await browser.get('/account/api-tokens');
  const page = await browser.post('/account/api-tokens', fields);
  expect(page.statusCode, text(page.body).slice(0, 300)).toBe(200);
  const token = TOKEN.exec(page.body)?.[0];
  expect(token, 'the page shows the new token').toBeDefined();
  return { token: token!, page };
}

const api = (w: World, token: string, url: string, remoteAddress = '127.0.0.1') => w.app.inject({ url, remoteAddress, headers: { authorization: `Bearer ${token}` } });

const tokenRows = (w: World) => w.db.selectFrom('api_token').selectAll().orderBy('created_at').execute();
const auditOf = async (w: World, action: string) => (await auditRows(w.db)).filter((r) => r.action === action);

/** What a refusal looks like from outside: everything a caller could tell cases apart by. */
const refusal = (response: Awaited<ReturnType<typeof api>>) => ({
  status: response.statusCode,
  type: response.headers['content-type'],
  challenge: response.headers['www-authenticate'],
  body: response.body,
});

for (const database of testDatabases) {
  describe.skipIf(database.skip)(`API tokens ${database.title}`, () => {
    let w: World;
    beforeAll(async () => {
      w = await world(await database.fresh());
    }, 180_000);
    afterAll(async () => w?.app.close());

    it('made on the account pages, read the API, are listed with their days, and once revoked are refused', async () => {
      const owner = await w.person();
      const account = await owner.browser.get('/account');
      expect(account.body).toContain('href="/account/api-tokens"');

      const { token, page } = await makeToken(owner.browser, { name: 'R on my laptop', organisationId: w.a, expiresInDays: '30' });
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.headers['referrer-policy']).toBe('no-referrer');
      expect(mainText(page.body)).toContain('It is shown only once');

      const read = await api(w, token, `/api/surveys/${w.surveyA}/results`);
      expect(read.statusCode).toBe(200);
      expect(read.json()).toMatchObject({ survey: { id: w.surveyA, organisation: 'Ardal Council' } });
      // The same figures the owner's session reads.
      const bySession = await w.app.inject({ url: `/api/surveys/${w.surveyA}/results`, headers: { cookie: owner.cookie } });
      expect(read.body).toBe(bySession.body);

      const today = new Date();
      const longDate = (d: Date) => new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(d);
      const listed = await owner.browser.get('/account/api-tokens');
      expect(listed.body).not.toMatch(TOKEN);
      expect(
        tableCaptioned(listed.body, 'Your tokens')
          .rows.slice(1)
          .map((r) => r.slice(0, 5)),
      ).toEqual([['R on my laptop', 'Ardal Council', longDate(today), longDate(new Date(today.getTime() + 30 * 86_400_000)), longDate(today)]]);

      const revoke = /<form method="post" action="(\/account\/api-tokens\/[0-9a-f-]{36}\/revoke)"/.exec(listed.body);
      expect(revoke, 'each token has a revoke button').not.toBeNull();
      const revoked = await owner.browser.post(revoke![1]!);
      expect([revoked.statusCode, revoked.headers.location]).toEqual([303, '/account/api-tokens?revoked=1']);
      expect(mainText((await owner.browser.get('/account/api-tokens?revoked=1')).body)).toContain('You have no tokens');
      // Revoking again (an old page, a second click) finds nothing to revoke.
      expect((await owner.browser.post(revoke![1]!)).statusCode).toBe(404);

      const refused = await api(w, token, `/api/surveys/${w.surveyA}/results`);
      expect(refused.statusCode).toBe(401);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.headers['www-authenticate']).toBe('Bearer realm="Sounding API", error="invalid_token"');
      expect(refused.json()).toEqual({ title: 'Unauthorized', status: 401, error: 'invalid_token', detail: expect.any(String) });
      expect(refused.body).not.toContain(token);
    });

    it('refuses an expired, revoked, malformed or unknown token with one answer that does not say which', async () => {
      const owner = await w.person();
      const user = (await loadSignedInUser(w.db, owner.id))!;
      const eightDaysAgo = new Date(Date.now() - 8 * 86_400_000);
      const expired = await createApiToken(w.db, user, { name: 'Old script', organisationId: w.a, expiresInDays: '7' }, eightDaysAgo);
      if (!expired.ok) throw new Error('not made');
      const listed = await owner.browser.get('/account/api-tokens');
      expect(tableCaptioned(listed.body, 'Your tokens').rows[1]!.slice(0, 4)).toEqual(['Old script', 'Ardal Council', expect.any(String), expect.stringMatching(/^Expired /)]);

      const { token: revokedToken } = await makeToken(owner.browser, { name: 'Revoked', organisationId: w.a, expiresInDays: '7' });
      const form = /action="(\/account\/api-tokens\/[0-9a-f-]{36}\/revoke)"[\s\S]*?Revoke<span class="govuk-visually-hidden"> Revoked</.exec(
        (await owner.browser.get('/account/api-tokens')).body,
      );
      expect((await owner.browser.post(form![1]!)).statusCode).toBe(303);

      const url = `/api/surveys/${w.surveyA}/results`;
      const cases = {
        expired: expired.token,
        revoked: revokedToken,
        unknown: `snd_${'A'.repeat(43)}`,
        'wrong prefix': `ghp_${revokedToken.slice(4)}`,
        'too short': revokedToken.slice(0, -1),
        'not base64url': `${revokedToken.slice(0, -1)}!`,
        empty: '',
        'two words': `${revokedToken} ${revokedToken}`,
      };
      const answers = Object.fromEntries(await Promise.all(Object.entries(cases).map(async ([name, token]) => [name, refusal(await api(w, token, url))] as const)));
      const first = answers.expired!;
      expect(first.status).toBe(401);
      for (const [name, answer] of Object.entries(answers)) expect(answer, name).toEqual(first);
      // A token is refused on the API even next to a valid session: the credential sent explicitly is the one judged.
      const both = await w.app.inject({ url, headers: { authorization: `Bearer ${expired.token}`, cookie: owner.cookie } });
      expect(refusal(both)).toEqual(first);
      // The scheme is case-insensitive (RFC 9110), the token is not.
      const { token } = await makeToken(owner.browser, { name: 'Case', organisationId: w.a, expiresInDays: '7' });
      expect((await w.app.inject({ url, headers: { authorization: `bearer ${token}` } })).statusCode).toBe(200);
      expect((await api(w, token.toUpperCase().replace('SND_', 'snd_'), url)).statusCode).toBe(401);
    });

    it('reads only its own organisation: another organisation’s wave is not found, even one the owner may read', async () => {
      const owner = await w.person();
      const { token } = await makeToken(owner.browser, { name: 'Ardal only', organisationId: w.a, expiresInDays: '90' });
      // The owner's session reads B (a viewer there); the token, made for A, does not.
      expect((await w.app.inject({ url: `/api/surveys/${w.surveyB}/results`, headers: { cookie: owner.cookie } })).statusCode).toBe(200);
      const theirs = await api(w, token, `/api/surveys/${w.surveyB}/results`);
      const missing = await api(w, token, `/api/surveys/${UNKNOWN_SURVEY}/results`);
      expect(theirs.statusCode).toBe(404);
      expect(theirs.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(theirs.body).toBe(missing.body);
      expect(theirs.json()).toMatchObject({ status: 404, error: 'not_found' });

      // Not even a platform admin's token reaches beyond its organisation.
      const platformAdmin = await userWithRoles(w.db, { [w.a]: 'viewer' }, { platformAdmin: true });
      const { token: adminToken } = await makeToken(new Browser(w.app, platformAdmin.cookie), { name: 'Admin', organisationId: w.a, expiresInDays: '7' });
      expect((await w.app.inject({ url: `/api/surveys/${w.surveyB}/results`, headers: { cookie: platformAdmin.cookie } })).statusCode).toBe(200);
      expect((await api(w, adminToken, `/api/surveys/${w.surveyA}/results`)).statusCode).toBe(200);
      expect((await api(w, adminToken, `/api/surveys/${w.surveyB}/results`)).body).toBe(missing.body);

      // Only organisations the person belongs to can be chosen; a tampered form is refused on the field.
      const outsider = await userWithRoles(w.db, { [w.b]: 'viewer' });
      const browser = new Browser(w.app, outsider.cookie);
      await browser.get('/account/api-tokens');
      const tampered = await browser.post('/account/api-tokens', { name: 'Sneaky', organisationId: w.a, expiresInDays: '7' });
      expect(tampered.statusCode).toBe(422);
      expect(mainText(tampered.body)).toContain('Select the organisation the token reads');
      expect(await tokenRows(w)).not.toContainEqual(expect.objectContaining({ user_id: outsider.id }));
    });

    it('acts with the owner’s role as it is at each request, never more', async () => {
      const owner = await w.person();
      const { token } = await makeToken(owner.browser, { name: 'Role', organisationId: w.a, expiresInDays: '7' });
      const probe = `/api/probe/surveys/${w.surveyA}/analyst`;
      expect((await api(w, token, probe)).statusCode).toBe(200);
      await setMembership(w.db, owner.id, w.a, 'viewer');
      const below = await api(w, token, probe);
      expect(below.statusCode).toBe(403);
      expect(below.json()).toMatchObject({ status: 403, error: 'forbidden' });
      expect((await api(w, token, `/api/surveys/${w.surveyA}/results`)).statusCode).toBe(200);
    });

    it('changes nothing and opens no page: a token is ignored everywhere but reading the API', async () => {
      const owner = await w.person();
      const { token } = await makeToken(owner.browser, { name: 'Read only', organisationId: w.a, expiresInDays: '7' });
      const bearer = { authorization: `Bearer ${token}` };
      // Pages: the token does not sign in.
      for (const url of ['/account', '/account/api-tokens', `/surveys/${w.surveyA}/results`, `/admin/surveys/${w.surveyA}`, `/organisations/${w.a}/members`]) {
        const page = await w.app.inject({ url, headers: bearer });
        expect([page.statusCode, String(page.headers.location)], url).toEqual([303, `/sign-in?next=${encodeURIComponent(url)}`]);
      }
      // Forms, with a real CSRF token, as the owner (an organisation admin of A) would send them: refused as anonymous, nothing changed.
      const before = { tokens: await tokenRows(w), audit: await auditRows(w.db), members: await w.db.selectFrom('membership').selectAll().orderBy('user_id').execute() };
      const signIn = await w.app.inject({ url: '/sign-in' });
      const csrf = /name="_csrf" value="([^"]+)"/.exec(signIn.body)![1]!;
      const csrfCookie = [signIn.headers['set-cookie'] ?? []]
        .flat()
        .map((c) => c.split(';')[0])
        .join('; ');
      const forms: [string, Record<string, string>][] = [
        ['/account/api-tokens', { name: 'Made by a token', organisationId: w.a, expiresInDays: '365' }],
        [`/account/api-tokens/${before.tokens.at(-1)!.id}/revoke`, {}],
        [`/organisations/${w.a}/members`, { email: 'added.by.token@example.org', name: 'Nobody', role: 'org_admin' }],
        [`/admin/surveys/${w.surveyA}/close`, {}],
        ['/account/sign-out-everywhere', {}],
      ];
      for (const [url, fields] of forms) {
        const response = await w.app.inject({
          method: 'POST',
          url,
          headers: { ...bearer, cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
        });
        expect([response.statusCode, String(response.headers.location)], url).toEqual([303, '/sign-in']);
      }
      // The API takes no writes with it either.
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'] as const) {
        const response = await w.app.inject({ method, url: `/api/surveys/${w.surveyA}/results`, headers: bearer });
        expect(response.statusCode, method).toBeGreaterThanOrEqual(400);
        expect(response.statusCode, method).toBeLessThan(500);
      }
      expect(await tokenRows(w)).toEqual(before.tokens);
      expect(await auditRows(w.db)).toEqual(before.audit);
      expect(await w.db.selectFrom('membership').selectAll().orderBy('user_id').execute()).toEqual(before.members);
      // And it still reads.
      expect((await api(w, token, `/api/surveys/${w.surveyA}/results`)).statusCode).toBe(200);
    });

    it('stores only the token’s sha256: no column, and no byte of the database file, holds the token', async () => {
      const owner = await w.person();
      const { token } = await makeToken(owner.browser, { name: 'Hashed', organisationId: w.a, expiresInDays: '7' });
      const rows = await w.db.selectFrom('api_token').selectAll().where('user_id', '=', owner.id).execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]!.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
      for (const row of await tokenRows(w)) for (const value of Object.values(row)) expect(String(value)).not.toContain(token.slice(4));
      for (const row of await auditRows(w.db)) expect(JSON.stringify(row)).not.toContain(token.slice(4));
      if (w.target.kind === 'sqlite') {
        for (const file of [w.target.file, `${w.target.file}-wal`]) {
          const bytes = readFileSync(file, { flag: 'r' });
          expect(bytes.includes(token.slice(4)), file).toBe(false);
        }
      }
    });

    it('stops reading an organisation its owner has left', async () => {
      const owner = await w.person();
      const admin = await userWithRoles(w.db, { [w.a]: 'org_admin' });
      const adminBrowser = new Browser(w.app, admin.cookie);
      const url = `/api/surveys/${w.surveyA}/results`;

      // Membership read at each request: gone from the membership table, the token finds nothing there.
      const { token: live } = await makeToken(owner.browser, { name: 'Live check', organisationId: w.a, expiresInDays: '30' });
      expect((await api(w, live, url)).statusCode).toBe(200);
      await removeMembership(w.db, owner.id, w.a);
      expect((await api(w, live, url)).statusCode).toBe(404);
      await w.db.insertInto('membership').values({ user_id: owner.id, organisation_id: w.a, role: 'viewer' }).execute();
      expect((await api(w, live, url)).statusCode).toBe(200);

      // Removed by an organisation admin on the people page: the token is revoked with the membership, so adding the person back does not revive it.
      await adminBrowser.get(`/organisations/${w.a}/members`);
      const removed = await adminBrowser.post(`/organisations/${w.a}/members/${owner.id}/remove`);
      expect(removed.statusCode).toBe(303);
      expect((await api(w, live, url)).statusCode).toBe(401);
      await w.db.insertInto('membership').values({ user_id: owner.id, organisation_id: w.a, role: 'viewer' }).execute();
      expect((await api(w, live, url)).statusCode).toBe(401);
    });

    it('audits making and revoking, naming the person, and repeated refusals once per window without the token', async () => {
      const owner = await w.person();
      const { token } = await makeToken(owner.browser, { name: 'Audited', organisationId: w.a, expiresInDays: '365' });
      const created = (await auditOf(w, 'api-token.create')).filter((r) => r.actor_id === owner.id);
      expect(created).toEqual([expect.objectContaining({ actor_label: null, organisation_id: w.a, target: expect.stringMatching(/^API token "Audited", expires \d{4}-\d{2}-\d{2}$/) })]);
      // The organisation's admins see it in the audit log.
      expect(mainText((await owner.browser.get(`/organisations/${w.a}/audit`)).body)).toContain('api-token.create');

      const listed = await owner.browser.get('/account/api-tokens');
      const form = /action="(\/account\/api-tokens\/[0-9a-f-]{36}\/revoke)"[\s\S]*?Revoke<span class="govuk-visually-hidden"> Audited</.exec(listed.body);
      await owner.browser.post(form![1]!);
      expect((await auditOf(w, 'api-token.revoke')).filter((r) => r.actor_id === owner.id)).toEqual([expect.objectContaining({ organisation_id: w.a, target: 'API token "Audited"' })]);

      // The revoked token, still in use: one entry in its organisation's log when the count is reached, none before or after in the window.
      const url = `/api/surveys/${w.surveyA}/results`;
      const refusedOfToken = async () => (await auditOf(w, 'api-token.refused')).filter((r) => r.target.includes('"Audited"'));
      for (let i = 1; i < REFUSALS_AUDITED; i++) expect((await api(w, token, url)).statusCode).toBe(401);
      expect(await refusedOfToken()).toEqual([]);
      for (let i = 0; i < 3; i++) expect((await api(w, token, url)).statusCode).toBe(401);
      expect(await refusedOfToken()).toEqual([
        expect.objectContaining({
          actor_id: null,
          actor_label: 'API client',
          organisation_id: w.a,
          target: `API token "Audited" of ${owner.email} (revoked): ${REFUSALS_AUDITED} refused requests within 15 minutes`,
        }),
      ]);

      // Unknown tokens from one address (one no other test uses): one entry that names neither the tokens nor the address.
      const address = '203.0.113.7';
      const before = (await auditOf(w, 'api-token.refused')).length;
      const guesses = Array.from({ length: REFUSALS_AUDITED + 2 }, (_, i) => `snd_${String(i).padStart(43, 'x')}`);
      for (const guess of guesses) expect((await api(w, guess, url, address)).statusCode).toBe(401);
      const unknown = (await auditOf(w, 'api-token.refused')).slice(before);
      expect(unknown).toEqual([
        expect.objectContaining({
          actor_id: null,
          actor_label: 'API client',
          organisation_id: null,
          target: `${REFUSALS_AUDITED} requests with unknown or malformed API tokens from one address within 15 minutes`,
        }),
      ]);
      for (const guess of guesses) expect(unknown[0]!.target).not.toContain(guess.slice(4));
      expect(JSON.stringify(unknown[0])).not.toContain(address);
      expect(JSON.stringify(unknown[0])).not.toContain(createHash('sha256').update(address).digest('hex'));
    });

    it('answers a form with missing, wrong or repeated fields with the fields named, never a 500', async () => {
      const owner = await w.person();
      await owner.browser.get('/account/api-tokens');
      const empty = await owner.browser.post('/account/api-tokens', {});
      expect(empty.statusCode).toBe(422);
      const summary = (html: string) => [...html.matchAll(/<a href="(#[A-Za-z]+)">([^<]+)<\/a>/g)].map((m) => [m[1], m[2]]);
      expect(summary(empty.body)).toEqual([
        ['#name', 'Enter a name for the token'],
        ['#organisationId', 'Select the organisation the token reads'],
        ['#expiresInDays', 'Select when the token expires'],
      ]);
      // Longer than a year is not on the list.
      const tooLong = await owner.browser.post('/account/api-tokens', { name: 'Forever', organisationId: w.a, expiresInDays: '366' });
      expect(tooLong.statusCode).toBe(422);
      expect(summary(tooLong.body)).toEqual([['#expiresInDays', 'Select when the token expires']]);
      // Repeated fields, sent by hand.
      const repeated = await w.app.inject({
        method: 'POST',
        url: '/account/api-tokens',
        headers: { cookie: owner.browser.cookie(), 'content-type': 'application/x-www-form-urlencoded' },
        payload: `_csrf=${encodeURIComponent(owner.browser.csrf)}&name=a&name=b&organisationId=${w.a}&organisationId=${w.b}&expiresInDays=7`,
      });
      expect(repeated.statusCode).toBe(422);
      expect(summary(repeated.body).map(([href]) => href)).toEqual(['#name', '#organisationId']);
      expect(await tokenRows(w)).not.toContainEqual(expect.objectContaining({ user_id: owner.id }));
      // A revoke address that is not a token id, or another person's token, is not found.
      expect((await owner.browser.post('/account/api-tokens/not-a-uuid/revoke')).statusCode).toBe(404);
      const other = await w.person();
      await makeToken(other.browser, { name: 'Theirs', organisationId: w.a, expiresInDays: '7' });
      const theirs = (await tokenRows(w)).find((t) => t.user_id === other.id)!;
      await owner.browser.get('/account/api-tokens');
      expect((await owner.browser.post(`/account/api-tokens/${theirs.id}/revoke`)).statusCode).toBe(404);
      expect((await tokenRows(w)).find((t) => t.id === theirs.id)!.revoked_at).toBeNull();
    });
  });
}
