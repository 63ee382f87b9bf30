import { mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importStaffList } from '../../src/admin/invitations.js';
import { createMailer } from '../../src/admin/mailer.js';
import { findSurveyById } from '../../src/storage/surveys.js';
import { accountsApp, TEST_PASSWORD, userWithRoles } from '../support/accounts.js';
import { TEST_ACTOR } from '../support/waves.js';
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
} from './support/browser.js';

type Setup = Awaited<ReturnType<typeof accountsApp>>;

describe.skipIf(!chromiumAvailable)(`a lead's invitation emails, in Chromium (${CHROMIUM_SKIP_REASON})`, () => {
  let browser: Browser;
  const setups: Setup[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  }, BROWSER_TEST_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    for (const setup of setups) await setup.app.close();
  });

  for (const [name, javaScript] of [
    ['with JavaScript', true],
    ['without JavaScript', false],
  ] as const) {
    it(
      `at 320 px ${name}: edits and previews the invitation in English and Welsh, sends it to the outbox and downloads it, with no axe violation on any page`,
      async () => {
        // Mail goes to an outbox file in a folder of this test's own, as with no email service configured.
        const dataDir = mkdtempSync(join(tmpdir(), 'sounding-e2e-outbox-'));
        const setup = await accountsApp({ services: { mailer: createMailer({ kind: 'outbox', file: join(dataDir, 'outbox.csv') }) } });
        setups.push(setup);
        const survey = (await findSurveyById(setup.storage.db, setup.survey.id))!;
        await importStaffList(setup.storage.db, TEST_ACTOR, survey, Buffer.from('email,role_group,directorate\nann@council.gov.uk,frontline,housing\nbob@council.gov.uk,manager,housing\n'));
        await setup.app.listen({ host: '127.0.0.1', port: 0 });
        const baseUrl = `http://127.0.0.1:${(setup.app.server.address() as AddressInfo).port}`;
        const leadEmail = (await userWithRoles(setup.storage.db, { [setup.organisationId]: 'org_admin' })).email;

        const { context, page } = await newPage(browser, { viewport: NARROW, javaScript });
        async function check(shot: string) {
          const violations = await runAxe(page);
          expect(violations, `${page.url()}: ${describeViolations(violations)}`).toEqual([]);
          // The wave's response-rate tables scroll on their own at 320 px, as GOV.UK data tables do.
          expect(await horizontalOverflow(page, { exceptDataTables: true }), page.url()).toBe(0);
          await screenshot(page, `invitations-${shot}-${javaScript ? 'js' : 'nojs'}`);
        }
        const main = (p: Page = page) => p.locator('main');

        await page.goto(`${baseUrl}/sign-in?next=${encodeURIComponent(`/admin/surveys/${survey.id}`)}`);
        await page.getByLabel('Email address').fill(leadEmail);
        await page.getByLabel('Password').fill(TEST_PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForURL(`${baseUrl}/admin/surveys/${survey.id}`);
        expect(await main().innerText()).toContain('No email is waiting in the outbox.');
        await check('wave');

        await main().getByRole('link', { name: 'Change the invitation and reminder emails' }).click();
        await page.waitForURL(/\/emails$/);
        // The standard instrument is in Welsh and English, so the emails start in both, from the catalogue.
        expect(await page.getByLabel('Welsh and English').isChecked()).toBe(true);
        await check('emails');

        const invitationEnglish = page.getByRole('group', { name: 'Invitation in English' });
        const invitationWelsh = page.getByRole('group', { name: 'Invitation in Welsh (Cymraeg)' });
        await page.getByLabel('Contact for questions').fill('the HR team, hr@council.gov.uk');
        await invitationEnglish.getByLabel('Subject').fill('Have your say: ((survey))');
        await invitationWelsh.getByLabel('Subject').fill('Dweud eich dweud: ((survey))');
        await invitationWelsh.getByLabel('Body').fill('Mae ((organisation)) yn gofyn i ((enw)) gymryd rhan.');
        await page.getByRole('button', { name: 'Preview' }).click();
        await expect.poll(() => page.title()).toMatch(/^Error: /);
        const summary = await page.locator('.govuk-error-summary').innerText();
        expect(summary).toContain('The Welsh invitation body uses ((enw)), which Sounding does not fill in');
        expect(summary).toContain("The Welsh invitation body must include ((link)), where each person's own link goes");
        await check('emails-errors');

        await invitationWelsh.getByLabel('Body').fill('Mae ((organisation)) yn gofyn i chi gymryd rhan.\n\nDechreuwch yma: ((link))\n\nCwestiynau: ((contact)).');
        await page.getByRole('button', { name: 'Preview' }).click();
        await page.locator('#preview').waitFor();
        const preview = await main().innerText();
        expect(preview).toContain('Preview (not saved yet)');
        expect(preview).toContain('Dweud eich dweud: Wave 1');
        expect(preview).toContain('Mae Test Council yn gofyn i chi gymryd rhan.');
        expect(preview).toContain('Cwestiynau: the HR team, hr@council.gov.uk.');
        expect(preview).toContain('Have your say: Wave 1');
        await check('emails-preview');

        await page.getByRole('button', { name: 'Save emails' }).click();
        await page.waitForURL(/\/emails\?done=saved$/);
        expect(await main().innerText()).toContain('Emails saved');
        await check('emails-saved');

        await page.getByRole('link', { name: 'Back to the survey' }).click();
        await main().getByRole('link', { name: 'Plan reminders for a date' }).click();
        expect(await main().innerText()).toContain('Reminders cannot go to the outbox file');
        await check('reminders');
        await page.getByRole('link', { name: 'Back to the survey' }).click();

        // A GOV.UK button that is a link: its role is button.
        await main().getByRole('button', { name: 'Send invitations' }).click();
        await page.waitForURL(/\/invitations\/send$/);
        await check('send');
        await page.getByRole('button', { name: 'Yes, send invitations' }).click();
        await page.waitForURL(/done=invitation/);
        // Sent in the background: the page says so once they are in the outbox.
        await expect.poll(async () => (await page.reload(), await main().innerText()), { timeout: 30_000 }).toContain('Emails are waiting in the outbox.');
        await check('outbox');

        const [download] = await Promise.all([page.waitForEvent('download'), main().getByRole('button', { name: 'Download the outbox file' }).click()]);
        expect(download.suggestedFilename()).toMatch(/^outbox-[\w-]+-\d{4}-\d{2}-\d{2}\.csv$/);
        const rows = parse<{ email: string; subject: string; body: string }>(readFileSync(await download.path()), { columns: true });
        expect(rows.map((r) => r.email).sort()).toEqual(['ann@council.gov.uk', 'bob@council.gov.uk']);
        expect(rows[0]!.subject).toBe('Dweud eich dweud: Wave 1 / Have your say: Wave 1');
        expect(rows[0]!.body).toMatch(/^Mae Test Council yn gofyn i chi gymryd rhan\.\n\nDechreuwch yma: https:\/\/sounding\.example\.org\/i\/[A-Za-z0-9_-]{32}\n/);

        // Taken from the server as it was downloaded.
        await page.goto(`${baseUrl}/admin/surveys/${survey.id}`);
        expect(await main().innerText()).toContain('No email is waiting in the outbox.');
        await check('outbox-taken');
        await context.close();
      },
      BROWSER_TEST_TIMEOUT * 2,
    );
  }
});
