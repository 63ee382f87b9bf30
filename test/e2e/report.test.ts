import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserDocument, BrowserElement, BrowserWindow } from './support/dom.js';
import { addFixtureResponses } from '../reporting/fixture.js';
import { userWithRoles } from '../support/accounts.js';
import {
  BROWSER_TEST_TIMEOUT,
  CHROMIUM_SKIP_REASON,
  DESKTOP,
  NARROW,
  PHONE,
  chromiumAvailable,
  describeViolations,
  launchChromium,
  newPage,
  runAxe,
  screenshot,
  startApp,
  type BrowserApp,
} from './support/browser.js';

// Callbacks passed to page.evaluate run in the browser (see support/dom.ts).
declare const document: BrowserDocument;
declare const window: BrowserWindow;

describe.skipIf(!chromiumAvailable)(`survey report in Chromium (${CHROMIUM_SKIP_REASON})`, () => {
  let app: BrowserApp;
  let browser: Browser;
  let url: string;
  /** Signed in as an analyst of the survey's organisation: results are for members only, and exports for analysts. */
  let session: { name: string; value: string; url: string };
  beforeAll(async () => {
    app = await startApp();
    await addFixtureResponses(app);
    browser = await launchChromium();
    url = `${app.baseUrl}/surveys/${app.survey.id}/report`;
    const { organisation_id } = await app.storage.db.selectFrom('survey').select('organisation_id').where('id', '=', app.survey.id).executeTakeFirstOrThrow();
    const [name, value] = (await userWithRoles(app.storage.db, { [organisation_id]: 'analyst' })).cookie.split('=') as [string, string];
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

  /** Every page of a wave's results: the tables, the report and the files. */
  const resultsPages = () => ({ results: `${app.baseUrl}/surveys/${app.survey.id}/results`, report: url, exports: `${app.baseUrl}/surveys/${app.survey.id}/exports` });

  for (const viewport of [NARROW, PHONE]) {
    it(
      `at ${viewport.width} px: the results, report and exports pages pass axe (target size included) and never scroll sideways; wide tables scroll in their own labelled region`,
      async () => {
        const { context, page } = await signedInPage({ viewport });
        let tablesTooWide = 0;
        try {
          for (const [name, address] of Object.entries(resultsPages())) {
            expect((await page.goto(address))?.status(), name).toBe(200);
            const violations = await runAxe(page);
            expect(violations, `${name}: ${describeViolations(violations)}`).toEqual([]);
            const { scrollWidth, clientWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }));
            expect(scrollWidth, `${name} is ${scrollWidth} px wide on a ${clientWidth} px screen`).toBeLessThanOrEqual(clientWidth);
            // A table fits the screen, or scrolls inside a region a keyboard can reach and a screen reader names.
            const tables = await page.locator('table').evaluateAll((all: BrowserElement[]) =>
              all.map((table) => {
                const region = table.closest('[role="region"]');
                return {
                  caption: table.querySelector('caption')?.textContent ?? '',
                  fits: table.getBoundingClientRect().right <= document.documentElement.clientWidth,
                  region: region
                    ? { label: region.getAttribute('aria-label') ?? '', tabindex: region.getAttribute('tabindex'), scrolls: window.getComputedStyle(region).overflowX === 'auto' }
                    : undefined,
                };
              }),
            );
            for (const table of tables) {
              if (table.fits) continue;
              tablesTooWide++;
              expect(table.region, `${name}: ${table.caption}`).toMatchObject({ tabindex: '0', scrolls: true });
              expect(table.region?.label, `${name}: ${table.caption}`).toContain(table.caption.trim());
            }
          }
          // Some tables are wider than the screen, so the check above is not vacuous.
          expect(tablesTooWide).toBeGreaterThan(0);
        } finally {
          await context.close();
        }
      },
      BROWSER_TEST_TIMEOUT,
    );

    it(
      `at ${viewport.width} px: charts are drawn for the narrow screen, unscaled, their text at body size (16 px), each label above its bar`,
      async () => {
        const { context, page } = await signedInPage({ viewport });
        try {
          await page.goto(url);
          const charts = await page.locator('svg.app-chart').evaluateAll((svgs: BrowserElement[]) =>
            svgs
              .filter((svg) => svg.checkVisibility())
              .map((svg) => {
                const box = svg.getBoundingClientRect();
                const scale = box.width / Number(svg.getAttribute('width'));
                const sizes = Array.from(svg.querySelectorAll('text')).map((t) => Number.parseFloat(window.getComputedStyle(t).fontSize) * scale);
                return { name: svg.querySelector('title')?.textContent ?? '', right: box.right, smallestText: Math.min(...sizes) };
              }),
          );
          expect(charts.length).toBeGreaterThanOrEqual(5);
          for (const chart of charts) {
            expect(chart.right, chart.name).toBeLessThanOrEqual(viewport.width);
            expect(chart.smallestText, chart.name).toBeGreaterThanOrEqual(16);
          }
          // Only the narrow drawings are shown (the wide ones are there for desktops and print).
          expect(await page.locator('svg.app-chart--wide').evaluateAll((svgs: BrowserElement[]) => svgs.filter((s) => s.checkVisibility()).length)).toBe(0);
        } finally {
          await context.close();
        }
      },
      BROWSER_TEST_TIMEOUT,
    );
  }

  it(
    'shows only the wide drawings on a desktop',
    async () => {
      const { context, page } = await signedInPage({ viewport: DESKTOP });
      try {
        await page.goto(url);
        const shown = await page.locator('svg.app-chart').evaluateAll((svgs: BrowserElement[]) => svgs.filter((s) => s.checkVisibility()).map((s) => s.getAttribute('class')));
        expect(shown.length).toBeGreaterThanOrEqual(5);
        expect(new Set(shown)).toEqual(new Set(['app-chart app-chart--wide']));
      } finally {
        await context.close();
      }
    },
    BROWSER_TEST_TIMEOUT,
  );
});
