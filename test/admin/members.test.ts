import { afterEach, describe, expect, it } from 'vitest';
import { createOrganisation } from '../../src/storage/surveys.js';
import { loadSignedInUser } from '../../src/storage/users.js';
import { Respondent } from '../support/app.js';
import { accountsApp, TEST_PASSWORD, userWithRoles } from '../support/accounts.js';

type App = Awaited<ReturnType<typeof accountsApp>>;
let t: App;
afterEach(async () => t?.app.close());

/** A browser signed in through the sign-in form as a new organisation admin. */
async function adminBrowser() {
  const admin = await userWithRoles(t.storage.db, { [t.organisationId]: 'org_admin' });
  const browser = new Respondent(t.app);
  await browser.get('/sign-in');
  expect((await browser.post('/sign-in', { email: admin.email, password: TEST_PASSWORD })).statusCode).toBe(303);
  return { admin, browser };
}

describe('organisation members page', () => {
  it('adds a new person with a role, emails them a link to choose a password, and records it in the audit log', async () => {
    t = await accountsApp();
    const { admin, browser } = await adminBrowser();
    const page = await browser.get(`/organisations/${t.organisationId}/members`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(admin.email);
    const added = await browser.post(`/organisations/${t.organisationId}/members`, { email: 'New.Colleague@Council.example', name: 'New Colleague', role: 'analyst' });
    expect(added.statusCode).toBe(303);
    const user = await t.storage.db.selectFrom('user_account').select(['id', 'password_hash']).where('email', '=', 'new.colleague@council.example').executeTakeFirstOrThrow();
    expect(user.password_hash).toBeNull();
    expect((await loadSignedInUser(t.storage.db, user.id))!.memberships).toEqual([{ organisationId: t.organisationId, role: 'analyst' }]);
    expect(t.mailer.sent).toHaveLength(1);
    expect(t.mailer.sent[0]!.to).toBe('new.colleague@council.example');
    expect(t.mailer.sent[0]!.body).toMatch(/https:\/\/sounding\.example\.org\/password-reset\/[A-Za-z0-9_-]{43}/);
    const audit = await browser.get(`/organisations/${t.organisationId}/audit`);
    expect(audit.body).toContain('member.add');
    expect(audit.body).toContain('new.colleague@council.example: analyst');
  });

  it('changes the role of an existing account without creating another or sending mail, and removes a member', async () => {
    t = await accountsApp();
    const { browser } = await adminBrowser();
    const colleague = await userWithRoles(t.storage.db, { [t.organisationId]: 'viewer' });
    await browser.get(`/organisations/${t.organisationId}/members`);
    await browser.post(`/organisations/${t.organisationId}/members`, { email: colleague.email, role: 'org_admin' });
    expect((await loadSignedInUser(t.storage.db, colleague.id))!.memberships[0]!.role).toBe('org_admin');
    expect(t.mailer.sent).toHaveLength(0);
    const removed = await browser.post(`/organisations/${t.organisationId}/members/${colleague.id}/remove`);
    expect(removed.statusCode).toBe(303);
    expect((await loadSignedInUser(t.storage.db, colleague.id))!.memberships).toEqual([]);
  });

  it('shows every problem in the error summary with 422, and refuses to remove yourself', async () => {
    t = await accountsApp();
    const { admin, browser } = await adminBrowser();
    await browser.get(`/organisations/${t.organisationId}/members`);
    const bad = await browser.post(`/organisations/${t.organisationId}/members`, { email: 'not an email' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('govuk-error-summary');
    expect(bad.body).toContain('Enter an email address in the correct format');
    expect(bad.body).toContain('Select a role');
    const self = await browser.post(`/organisations/${t.organisationId}/members/${admin.id}/remove`);
    expect(self.statusCode).toBe(403);
  });

  it('is for organisation admins of that organisation only', async () => {
    t = await accountsApp();
    const analyst = await userWithRoles(t.storage.db, { [t.organisationId]: 'analyst' });
    const other = await createOrganisation(t.storage.db, { name: 'Other', type: 'district', nation: 'Wales', region: 'Wales' });
    const outsider = await userWithRoles(t.storage.db, { [other]: 'org_admin' });
    const url = `/organisations/${t.organisationId}/members`;
    expect((await t.app.inject({ url, headers: { cookie: analyst.cookie } })).statusCode).toBe(403);
    expect((await t.app.inject({ url, headers: { cookie: outsider.cookie } })).statusCode).toBe(404);
  });
});
