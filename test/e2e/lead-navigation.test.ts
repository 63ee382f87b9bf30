import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsApp, TEST_PASSWORD, userWithRoles } from '../support/accounts.js';
import { closeWave } from '../support/waves.js';
import { BROWSER_TEST_TIMEOUT, CHROMIUM_SKIP_REASON, chromiumAvailable, describeViolations, horizontalOverflow, launchChromium, NARROW, newPage, runAxe } from './support/browser.js';

type Setup = Awaited<ReturnType<typeof accountsApp>>;

describe.skipIf(!chromiumAvailable)(`a lead finds every page from the header alone, in Chromium (${CHROMIUM_SKIP_REASON})`, () => {
  let setup: Setup;
  let baseUrl: string;
  let browser: Browser;
  let leadEmail: string;

  beforeAll(async () => {
    setup = await accountsApp();
    // A closed wave, so that results, report and exports have something to show.
    await closeWave(setup.storage.db, setup.survey.id);
    await setup.app.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = `http://127.0.0.1:${(setup.app.server.address() as AddressInfo).port}`;
    leadEmail = (await userWithRoles(setup.storage.db, { [setup.organisationId]: 'org_admin' })).email;
    browser = await launchChromium();
  }, BROWSER_TEST_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await setup?.app.close();
  });

  for (const [name, javaScript] of [
    ['with JavaScript', true],
    ['without JavaScript', false],
  ] as const) {
    it(
      `at 320 px ${name}: signs in, then reaches results, report, exports, the wave's page, people and the audit log by links alone, with no axe violation`,
      async () => {
        const { context, page } = await newPage(browser, { viewport: NARROW, javaScript });
        const visited: string[] = [];
        async function check(expected: RegExp) {
          await page.waitForURL(expected);
          visited.push(new URL(page.url()).pathname);
          const violations = await runAxe(page);
          expect(violations, `${page.url()}: ${describeViolations(violations)}`).toEqual([]);
          expect(await horizontalOverflow(page, { exceptDataTables: true }), page.url()).toBe(0);
        }
        const header = () => page.locator('header');
        const main = () => page.locator('main');

        // The only typed address: the service itself.
        await page.goto(baseUrl);
        await main()
          .getByRole('link', { name: /Sign in/ })
          .click();
        await page.getByLabel('Email address').fill(leadEmail);
        await page.getByLabel('Password').fill(TEST_PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await check(/\/$/);
        expect(await main().innerText()).toContain('Wave 1');

        await header().getByRole('link', { name: 'Manage' }).click();
        await check(/\/admin\/organisations\/[0-9a-f-]{36}$/);
        await main().getByRole('link', { name: 'Wave 1' }).click();
        await check(/\/admin\/surveys\/[0-9a-f-]{36}$/);
        for (const [link, path] of [
          ['Results', /\/results$/],
          ['Report', /\/report$/],
          ['Exports', /\/exports$/],
        ] as const) {
          await main().getByRole('link', { name: link, exact: true }).click();
          await check(path);
          // Back to the wave's page by its breadcrumb.
          await page.locator('.govuk-breadcrumbs').getByRole('link', { name: 'Wave 1' }).click();
          await check(/\/admin\/surveys\/[0-9a-f-]{36}$/);
        }

        await header()
          .getByRole('link', { name: /Account/ })
          .click();
        await check(/\/account$/);
        await main().getByRole('link', { name: 'people' }).click();
        await check(/\/members$/);
        await main().getByRole('link', { name: 'Audit log' }).click();
        await check(/\/audit$/);
        await header().getByRole('link', { name: 'Surveys' }).click();
        await check(/\/$/);
        await main()
          .getByRole('link', { name: /^Manage/ })
          .click();
        await check(/\/admin\/surveys\/[0-9a-f-]{36}$/);

        await header().getByRole('button', { name: 'Sign out' }).click();
        await check(/\/sign-in$/);
        expect(await header().getByRole('link', { name: 'Manage' }).count()).toBe(0);
        expect(visited).toContain(`/surveys/${setup.survey.id}/report`);
        await context.close();
      },
      BROWSER_TEST_TIMEOUT * 2,
    );
  }
});
