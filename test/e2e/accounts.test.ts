import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit } from '../../src/admin/audit.js';
import { TEST_PASSWORD, userWithRoles } from '../support/accounts.js';
import {
  BROWSER_TEST_TIMEOUT,
  CHROMIUM_SKIP_REASON,
  chromiumAvailable,
  describeViolations,
  horizontalOverflow,
  launchChromium,
  NARROW,
  newPage,
  runAxe,
  screenshot,
  startApp,
  type BrowserApp,
} from './support/browser.js';

describe.skipIf(!chromiumAvailable)(`sign-in and account pages in Chromium (${CHROMIUM_SKIP_REASON})`, () => {
  let app: BrowserApp;
  let browser: Browser;
  let organisationId: string;
  let email: string;
  beforeAll(async () => {
    app = await startApp();
    browser = await launchChromium();
    ({ organisation_id: organisationId } = await app.storage.db.selectFrom('survey').select('organisation_id').where('id', '=', app.survey.id).executeTakeFirstOrThrow());
    ({ email } = await userWithRoles(app.storage.db, { [organisationId]: 'org_admin' }));
    await recordAudit(app.storage.db, { actorId: null, organisationId, action: 'wave.open', target: 'Wave 1' });
  }, BROWSER_TEST_TIMEOUT);
  afterAll(async () => {
    await browser?.close();
    await app?.app.close();
  });

  async function checkPage(page: Page, name: string) {
    const violations = await runAxe(page);
    expect(violations, `${name}: ${describeViolations(violations)}`).toEqual([]);
    await screenshot(page, `accounts-${name}`);
  }

  for (const javaScript of [true, false]) {
    it(
      `signs in through the form (first with a mistake) and every account page passes axe, JavaScript ${javaScript ? 'on' : 'off'}`,
      async () => {
        const { context, page } = await newPage(browser, { javaScript });
        try {
          await page.goto(`${app.baseUrl}/surveys/${app.survey.id}/results`);
          expect(new URL(page.url()).pathname).toBe('/sign-in');
          await checkPage(page, 'sign-in');
          await page.getByLabel('Email address').fill(email);
          await page.getByLabel('Password').fill('not the password');
          await page.getByRole('button', { name: 'Sign in' }).click();
          expect(await page.locator('.govuk-error-summary').textContent()).toContain('The email address or password is not right');
          expect(await page.title()).toMatch(/^Error: Sign in/);
          await checkPage(page, 'sign-in-error');
          await page.getByLabel('Password').fill(TEST_PASSWORD);
          await page.getByRole('button', { name: 'Sign in' }).click();
          // Back to the page that asked for sign-in.
          expect(new URL(page.url()).pathname).toBe(`/surveys/${app.survey.id}/results`);
          for (const [path, name] of [
            ['/account', 'account'],
            [`/organisations/${organisationId}/members`, 'members'],
            [`/organisations/${organisationId}/audit`, 'audit'],
            ['/password-reset', 'password-reset'],
          ] as const) {
            const response = await page.goto(`${app.baseUrl}${path}`);
            expect(response?.status(), path).toBe(200);
            await checkPage(page, name);
          }
          // API tokens: made, shown once, listed and revoked with the forms alone.
          await page.goto(`${app.baseUrl}/account`);
          await page.getByRole('link', { name: 'Manage API tokens' }).click();
          expect(new URL(page.url()).pathname).toBe('/account/api-tokens');
          await checkPage(page, 'api-tokens');
          await page.getByRole('button', { name: 'Create token' }).click();
          expect(await page.locator('.govuk-error-summary').textContent()).toContain('Enter a name for the token');
          await checkPage(page, 'api-tokens-error');
          await page.getByLabel('Name').fill('R on my laptop');
          await page.getByLabel('Test Council').check();
          await page.getByLabel('In 30 days').check();
          await page.getByRole('button', { name: 'Create token' }).click();
          expect(await page.getByLabel('API token: R on my laptop').inputValue()).toMatch(/^snd_[A-Za-z0-9_-]{43}$/);
          await checkPage(page, 'api-token-created');
          await page.getByRole('link', { name: 'Back to your API tokens' }).click();
          await checkPage(page, 'api-tokens-listed');
          await page.getByRole('button', { name: 'Revoke R on my laptop' }).click();
          expect(await page.locator('main').textContent()).toContain('You have no tokens');
        } finally {
          await context.close();
        }
      },
      BROWSER_TEST_TIMEOUT,
    );
  }

  it(
    'does not scroll sideways at 320 px on the sign-in and people pages',
    async () => {
      const { context, page } = await newPage(browser, { viewport: NARROW });
      try {
        await page.goto(`${app.baseUrl}/sign-in?next=/organisations/${organisationId}/members`);
        expect(await horizontalOverflow(page)).toBe(0);
        await page.getByLabel('Email address').fill(email);
        await page.getByLabel('Password').fill(TEST_PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        expect(new URL(page.url()).pathname).toBe(`/organisations/${organisationId}/members`);
        expect(await horizontalOverflow(page, { exceptDataTables: true })).toBe(0);
      } finally {
        await context.close();
      }
    },
    BROWSER_TEST_TIMEOUT,
  );
});
