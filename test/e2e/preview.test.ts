import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsApp, userWithRoles } from '../support/accounts.js';
import { BROWSER_TEST_TIMEOUT, CHROMIUM_SKIP_REASON, chromiumAvailable, launchChromium, newPage } from './support/browser.js';
import { JOURNEY_TIMEOUT, answerPage, checkPage, navigates } from './support/respondent.js';

type Setup = Awaited<ReturnType<typeof accountsApp>>;

describe.skipIf(!chromiumAvailable)(`preview as a respondent in Chromium (${CHROMIUM_SKIP_REASON})`, () => {
  let setup: Setup;
  let baseUrl: string;
  let browser: Browser;
  let sessionCookie: string;

  beforeAll(async () => {
    setup = await accountsApp();
    await setup.app.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = `http://127.0.0.1:${(setup.app.server.address() as AddressInfo).port}`;
    sessionCookie = (await userWithRoles(setup.storage.db, { [setup.organisationId]: 'org_admin' })).cookie;
    browser = await launchChromium();
  }, BROWSER_TEST_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await setup?.app.close();
  });

  /** Rows a preview must never write: answers in progress and responses. */
  const stored = async () =>
    (await setup.storage.db.selectFrom('answer_session').select('id').execute()).length + (await setup.storage.db.selectFrom('response').select('id').execute()).length;

  /** From the survey page's link to the preview's confirmation: every page checked (axe, labels, lang, 320 px) and carrying the preview banner. */
  async function walkPreview(page: Page, lang: 'en' | 'cy') {
    const preview = `/admin/surveys/${setup.survey.id}/preview`;
    await page.goto(`${baseUrl}${preview}?lang=${lang}`);
    const banner = lang === 'cy' ? 'Dyma ragolwg o’r arolwg'.replace('’', "'") : 'This is a preview of the survey as a respondent sees it';
    const seen: string[] = [];
    while (new URL(page.url()).pathname.startsWith(`${preview}/q/`)) {
      const section = new URL(page.url()).pathname.split('/').pop()!;
      expect(seen, 'the preview went back to a page already answered').not.toContain(section);
      seen.push(section);
      await checkPage(page, { lang });
      expect(await page.locator('.govuk-phase-banner').innerText()).toContain(banner);
      await answerPage(page, 'mouse');
      await navigates(page, () => page.click('button[value="continue"]'));
      expect(await page.locator('.govuk-error-summary').count(), `no errors after answering ${section}`).toBe(0);
    }
    expect(new URL(page.url()).pathname).toBe(`${preview}/check`);
    await checkPage(page, { lang });
    expect(await page.locator('.govuk-phase-banner').innerText()).toContain(banner);
    await navigates(page, () => page.click('form[action$="/submit"] button'));
    expect(new URL(page.url()).pathname).toBe(`${preview}/done`);
    await checkPage(page, { lang });
    expect(await page.locator('.govuk-phase-banner').innerText()).toContain(banner);
    return seen;
  }

  for (const javaScript of [true, false]) {
    it(
      `walks the whole preview of the standard instrument with JavaScript ${javaScript ? 'on' : 'off'}, in English and Welsh, storing nothing`,
      async () => {
        const { context, page } = await newPage(browser, { javaScript });
        const [name, value] = sessionCookie.split('=');
        await context.addCookies([{ name: name!, value: value!, url: baseUrl }]);
        const english = await walkPreview(page, 'en');
        // The first option everywhere makes the respondent a senior leader: every section but none skipped.
        expect(english.length).toBeGreaterThanOrEqual(10);
        expect(await walkPreview(page, 'cy')).toEqual(english);
        expect(await stored()).toBe(0);
        await context.close();
      },
      2 * JOURNEY_TIMEOUT,
    );
  }
});
