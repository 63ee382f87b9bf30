import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsApp, TEST_PASSWORD, userWithRoles } from '../support/accounts.js';
import { BROWSER_TEST_TIMEOUT, CHROMIUM_SKIP_REASON, chromiumAvailable, describeViolations, launchChromium, newPage, runAxe, screenshot } from './support/browser.js';

type Setup = Awaited<ReturnType<typeof accountsApp>>;

describe.skipIf(!chromiumAvailable)(`survey lead's journey in Chromium (${CHROMIUM_SKIP_REASON})`, () => {
  let setup: Setup;
  let baseUrl: string;
  let browser: Browser;
  let leadEmail: string;

  beforeAll(async () => {
    setup = await accountsApp();
    await setup.app.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = `http://127.0.0.1:${(setup.app.server.address() as AddressInfo).port}`;
    leadEmail = (await userWithRoles(setup.storage.db, { [setup.organisationId]: 'org_admin' })).email;
    browser = await launchChromium();
  }, BROWSER_TEST_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await setup?.app.close();
  });

  /** Every page of the journey: no axe violation, and a screenshot at desktop and 320 px. */
  async function check(page: Page, name: string) {
    const violations = await runAxe(page);
    expect(violations, describeViolations(violations)).toEqual([]);
    await screenshot(page, `admin-${name}`);
  }

  it(
    'signs in, creates a wave, previews it, loads the profile and staff list, opens it and sends invitations; the link starts the journey',
    async () => {
      const { context, page } = await newPage(browser);
      await page.goto(`${baseUrl}/sign-in?next=%2Fadmin`);
      await page.getByLabel('Email address').fill(leadEmail);
      await page.getByLabel('Password').fill(TEST_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${baseUrl}/admin/organisations/${setup.organisationId}`);
      await check(page, 'surveys');

      await page.getByRole('button', { name: 'Create a survey' }).click();
      await check(page, 'new-survey');
      await page.getByLabel('Smallest group shown').fill('3');
      await page.getByRole('button', { name: 'Create survey' }).click();
      await expect.poll(() => page.title()).toMatch(/^Error: /);
      expect(await page.locator('.govuk-error-summary').innerText()).toContain('Enter a title for the survey');
      await check(page, 'new-survey-errors');

      await page.getByLabel('Title').fill('Digital readiness 2027');
      await page.getByLabel('Smallest group shown').fill('10');
      await page.getByRole('button', { name: 'Create survey' }).click();
      await page.waitForURL(/\/admin\/surveys\/[0-9a-f-]{36}$/);
      const surveyUrl = page.url();
      await check(page, 'survey-draft');

      await page.getByRole('link', { name: 'Preview as a respondent' }).click();
      await page.waitForURL(/\/preview\/q\/[a-z_]+$/);
      expect(await page.locator('.govuk-header').innerText()).toContain('Preview – answers are not stored');
      await check(page, 'preview');

      await page.goto(surveyUrl);
      await page.getByRole('link', { name: 'Upload workforce profile' }).click();
      await page
        .getByLabel('CSV file')
        .setInputFiles({ name: 'profile.csv', mimeType: 'text/csv', buffer: Buffer.from('role_group,directorate,headcount\nfrontline,housing,300\nmanager,housing,80\n') });
      await page.getByRole('button', { name: 'Upload' }).click();
      await page.waitForURL(/done=profile/);

      await page.getByRole('link', { name: 'Upload a staff list' }).click();
      await check(page, 'staff-list');
      const bad = 'email,role_group,directorate\nann@council.gov.uk,frontline,housing\nann@council.gov.uk,manager,housing\n';
      await page.getByLabel('CSV file').setInputFiles({ name: 'staff.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
      await page.getByRole('button', { name: 'Upload' }).click();
      expect(await page.locator('.govuk-error-summary').innerText()).toContain('Row 3, email: ann@council.gov.uk is already listed in row 2');
      await check(page, 'staff-list-errors');
      const good = 'email,role_group,directorate\nann@council.gov.uk,head_of_service,housing\nbob@council.gov.uk,frontline,housing\n';
      await page.getByLabel('CSV file').setInputFiles({ name: 'staff.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
      await page.getByRole('button', { name: 'Upload' }).click();
      await page.waitForURL(/done=imported/);

      // Each asks first, on a page saying what will happen and that it cannot be undone.
      await page.getByRole('button', { name: 'Open the survey' }).click();
      await page.waitForURL(/\/open$/);
      await check(page, 'confirm-open');
      await page.getByRole('button', { name: 'Yes, open the survey' }).click();
      await page.waitForURL(/done=open/);
      await page.getByRole('button', { name: 'Send invitations' }).click();
      await page.waitForURL(/\/invitations\/send$/);
      expect(await page.locator('main').innerText()).toContain('This cannot be undone');
      await page.getByRole('button', { name: 'Yes, send invitations' }).click();
      await page.waitForURL(/done=invitation/);
      expect(await page.locator('.govuk-notification-banner').innerText()).toContain('2 invitations');
      await check(page, 'survey-open');
      await context.close();

      // The invitation as Ann receives it, once the background run has sent it.
      await expect.poll(() => setup.mailer.sent.length).toBe(2);
      const link = /\/i\/[A-Za-z0-9_-]{32}/.exec(setup.mailer.sent.find((m) => m.to === 'ann@council.gov.uk')!.body)![0];
      const staff = await newPage(browser);
      await staff.page.goto(`${baseUrl}${link}`);
      await check(staff.page, 'invitation-start');
      await staff.page.getByRole('button', { name: /Start now/ }).click();
      await staff.page.waitForURL(/\/s\/[a-z0-9]+\/q\/[a-z_]+\?prefilled=1$/);
      expect(await staff.page.getByLabel('Head of service').isChecked()).toBe(true);
      await check(staff.page, 'invitation-first-page');
      await staff.context.close();
    },
    BROWSER_TEST_TIMEOUT * 2,
  );
});
