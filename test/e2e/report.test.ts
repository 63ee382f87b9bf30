import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserElement } from './support/dom.js';
import { addFixtureResponses } from '../reporting/fixture.js';
import { userWithRoles } from '../support/accounts.js';
import {
  BROWSER_TEST_TIMEOUT,
  CHROMIUM_SKIP_REASON,
  NARROW,
  chromiumAvailable,
  describeViolations,
  horizontalOverflow,
  launchChromium,
  newPage,
  runAxe,
  screenshot,
  startApp,
  type BrowserApp,
} from './support/browser.js';

describe.skipIf(!chromiumAvailable)(`survey report in Chromium (${CHROMIUM_SKIP_REASON})`, () => {
  let app: BrowserApp;
  let browser: Browser;
  let url: string;
  /** Signed in as a viewer of the survey's organisation: reports are for members only. */
  let session: { name: string; value: string; url: string };
  beforeAll(async () => {
    app = await startApp();
    await addFixtureResponses(app);
    browser = await launchChromium();
    url = `${app.baseUrl}/surveys/${app.survey.id}/report`;
    const { organisation_id } = await app.storage.db.selectFrom('survey').select('organisation_id').where('id', '=', app.survey.id).executeTakeFirstOrThrow();
    const [name, value] = (await userWithRoles(app.storage.db, { [organisation_id]: 'viewer' })).cookie.split('=') as [string, string];
    session = { name, value, url: app.baseUrl };
  }, BROWSER_TEST_TIMEOUT);

  async function signedInPage(options: Parameters<typeof newPage>[1]) {
    const opened = await newPage(browser, options);
    await opened.context.addCookies([session]);
    return opened;
  }
  afterAll(async () => {
    await browser?.close();
    await app?.app.close();
  });

  for (const javaScript of [true, false]) {
    it(
      `passes axe (WCAG 2.2 AA) with no violations, JavaScript ${javaScript ? 'on' : 'off'}, and is screenshotted at desktop and 320 px`,
      async () => {
        const { context, page } = await signedInPage({ javaScript });
        try {
          const response = await page.goto(url);
          expect(response?.status()).toBe(200);
          const violations = await runAxe(page);
          expect(violations, describeViolations(violations)).toEqual([]);
          // Each chart is drawn with a name screen readers announce.
          const names = await page.locator('svg[role="img"]').evaluateAll((svgs: BrowserElement[]) => svgs.map((s) => s.querySelector('title')?.textContent ?? ''));
          expect(names.length).toBeGreaterThanOrEqual(5);
          expect(names.every((n) => n.length > 10)).toBe(true);
          const files = await screenshot(page, javaScript ? 'report' : 'report-no-js');
          for (const file of files) expect(existsSync(file)).toBe(true);
        } finally {
          await context.close();
        }
      },
      BROWSER_TEST_TIMEOUT,
    );
  }

  it(
    'does not scroll sideways at 320 px: charts scale down, wide tables scroll in their own region',
    async () => {
      const { context, page } = await signedInPage({ viewport: NARROW });
      try {
        await page.goto(url);
        expect(await horizontalOverflow(page)).toBe(0);
        const widths = await page.locator('svg.app-chart').evaluateAll((svgs: BrowserElement[]) => svgs.map((s) => s.getBoundingClientRect().right));
        for (const right of widths) expect(right).toBeLessThanOrEqual(NARROW.width);
      } finally {
        await context.close();
      }
    },
    BROWSER_TEST_TIMEOUT,
  );
});
