import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOrganisation } from '../../src/storage/surveys.js';
import { requireOrganisationRole, requireSignIn, surveyOrganisation } from '../../src/web/plugins/auth.js';
import { testApp, type TestApp } from '../support/app.js';
import { userWithRoles } from '../support/accounts.js';

let t: TestApp;
let organisationId: string;
beforeEach(async () => {
  t = await testApp();
  organisationId = (await t.storage.db.selectFrom('survey').select('organisation_id').where('id', '=', t.survey.id).executeTakeFirstOrThrow()).organisation_id;
  t.app.get('/probe/me', { preHandler: requireSignIn }, async (request) => ({ email: request.user?.email, memberships: request.user?.memberships }));
  t.app.get('/probe/surveys/:id/analyst', { preHandler: requireOrganisationRole('analyst', surveyOrganisation(t.storage)) }, async () => ({ ok: true }));
  t.app.get('/api/probe/surveys/:id', { preHandler: requireOrganisationRole('viewer', surveyOrganisation(t.storage)) }, async () => ({ ok: true }));
});
afterEach(async () => t.app.close());

describe('auth plugin contract', () => {
  it('sends an anonymous HTML request to sign in with the page to return to, and answers 401 JSON on the API', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/probe/me' });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/sign-in?next=%2Fprobe%2Fme');
    const api = await t.app.inject({ method: 'GET', url: `/api/probe/surveys/${t.survey.id}` });
    expect(api.statusCode).toBe(401);
    expect(api.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(api.headers['www-authenticate']).toBe('Bearer realm="Sounding API"');
    expect(api.json()).toEqual({ title: 'Unauthorized', status: 401, error: 'unauthenticated', detail: 'Send an API token (Authorization: Bearer) or sign in to use this API.' });
  });

  it('sets request.user from the session cookie with the memberships', async () => {
    const viewer = await userWithRoles(t.storage.db, { [organisationId]: 'viewer' });
    const me = await t.app.inject({ method: 'GET', url: '/probe/me', headers: { cookie: viewer.cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({ email: viewer.email, memberships: [{ organisationId, role: 'viewer' }] });
  });

  it('orders roles viewer < analyst < org_admin: 403 below the minimum, 200 at or above it', async () => {
    const url = `/probe/surveys/${t.survey.id}/analyst`;
    const status = async (role: 'viewer' | 'analyst' | 'org_admin') =>
      (await t.app.inject({ method: 'GET', url, headers: { cookie: (await userWithRoles(t.storage.db, { [organisationId]: role })).cookie } })).statusCode;
    expect(await status('viewer')).toBe(403);
    expect(await status('analyst')).toBe(200);
    expect(await status('org_admin')).toBe(200);
  });

  it('answers 404 alike for a survey of another organisation and a survey that does not exist', async () => {
    const other = await createOrganisation(t.storage.db, { name: 'Other Council', type: 'district', nation: 'Wales', region: 'Wales' });
    const outsider = await userWithRoles(t.storage.db, { [other]: 'org_admin' });
    const theirs = await t.app.inject({ method: 'GET', url: `/probe/surveys/${t.survey.id}/analyst`, headers: { cookie: outsider.cookie } });
    const missing = await t.app.inject({ method: 'GET', url: '/probe/surveys/00000000-0000-4000-8000-000000000000/analyst', headers: { cookie: outsider.cookie } });
    expect(theirs.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    // The same page apart from the per-request nonce and CSRF token and the URL itself (in the language link).
    const normalise = (body: string) =>
      body
        .replace(/nonce="[^"]+"/g, '')
        .replace(/value="[^"]+"/g, '')
        .replaceAll(t.survey.id, 'ID')
        .replaceAll('00000000-0000-4000-8000-000000000000', 'ID');
    expect(normalise(theirs.body)).toBe(normalise(missing.body));
    const api = await t.app.inject({ method: 'GET', url: `/api/probe/surveys/${t.survey.id}`, headers: { cookie: outsider.cookie } });
    expect(api.statusCode).toBe(404);
  });

  it('lets a platform admin with no membership through', async () => {
    const admin = await userWithRoles(t.storage.db, {}, { platformAdmin: true });
    const response = await t.app.inject({ method: 'GET', url: `/probe/surveys/${t.survey.id}/analyst`, headers: { cookie: admin.cookie } });
    expect(response.statusCode).toBe(200);
  });

  it('treats an unknown session token as signed out and clears the cookie', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/probe/me', headers: { cookie: 'sounding_session=forged' } });
    expect(response.statusCode).toBe(303);
    expect(String(response.headers['set-cookie'])).toMatch(/sounding_session=;/);
  });
});
