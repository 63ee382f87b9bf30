import { afterEach, describe, expect, it } from 'vitest';
import { importStaffList, sendInvitations } from '../../src/admin/invitations.js';
import { INVITATION_GUESSES, RESUME_GUESSES } from '../../src/fieldwork/guess-limit.js';
import { openStorage } from '../../src/storage/db.js';
import { findSurveyById } from '../../src/storage/surveys.js';
import { buildApp } from '../../src/web/app.js';
import { readConfig } from '../../src/config.js';
import { mailDefaults } from '../../src/web/messages.js';
import { capturingMailer, openSurveyDatabase, Respondent, standardInstrument, testApp, testConfig, testDatabases, testServices, type ClientAddress, type TestApp } from '../support/app.js';
import { freshSqlite } from '../storage/targets.js';
import { TEST_ACTOR } from '../support/waves.js';
import type { FastifyInstance } from 'fastify';

const definition = standardInstrument();
const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function track(t: TestApp | Promise<TestApp>): Promise<TestApp> {
  const opened = await t;
  apps.push(opened.app);
  return opened;
}

/** A resume code for a respondent who answered the first section and saved. */
async function savedCode(t: TestApp): Promise<string> {
  const base = `/s/${t.survey.slug}`;
  const respondent = new Respondent(t.app, { remoteAddress: '192.0.2.50' });
  await respondent.get(base);
  await respondent.post(`${base}/start`);
  await respondent.get(`${base}/q/about`);
  await respondent.post(`${base}/q/about`, { action: 'continue', role: 'manager', directorate: 'housing' });
  await respondent.get(`${base}/q/engagement`);
  const saved = await respondent.post(`${base}/q/engagement`, { action: 'save' });
  return /<strong class="sounding-code">([A-Z0-9]{8})<\/strong>/.exec(saved.body)![1]!;
}

/** Tries wrong resume codes from one client until refused; the statuses in order. */
async function guessCodes(app: FastifyInstance, slug: string, client: ClientAddress, count: number): Promise<number[]> {
  const guesser = new Respondent(app, client);
  await guesser.get(`/s/${slug}/resume`);
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await guesser.post(`/s/${slug}/resume`, { code: `AAAA${String(2222 + i).slice(-4)}` })).statusCode);
  return statuses;
}

const wrongThenRefused = (limit: { max: number }) => [...Array.from({ length: limit.max }, () => 422), 429];

describe.each(testDatabases)('limits on respondents’ secrets $title', (database) => {
  it.skipIf(database.skip)(
    'refuses resume codes from an address after too many wrong ones with a 429 page saying how long to wait; a right code from there waits too, others are untouched',
    async () => {
      const t = await track(testApp(definition, database.fresh()));
      const code = await savedCode(t);
      const base = `/s/${t.survey.slug}`;
      const guesser = new Respondent(t.app, { remoteAddress: '203.0.113.7' });
      await guesser.get(`${base}/resume`);
      for (let i = 0; i < RESUME_GUESSES.max; i++) expect((await guesser.post(`${base}/resume`, { code: `AAAA${2222 + i}`.slice(0, 8) })).statusCode).toBe(422);
      const refused = await guesser.post(`${base}/resume`, { code });
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['content-type']).toMatch(/^text\/html/);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(14 * 60);
      expect(refused.body).toContain('Too many codes have been tried. Wait 15 minutes, then try again');
      expect(refused.body).toContain('govuk-error-summary');
      // In Welsh for a Welsh respondent.
      const welsh = await guesser.post(`${base}/resume?lang=cy`, { code });
      expect([welsh.statusCode, welsh.body.includes('Arhoswch 15 munud, yna rhowch gynnig arall arni')]).toEqual([429, true]);
      // The refused right code was never checked, so it still works from another address.
      const owner = new Respondent(t.app, { remoteAddress: '198.51.100.4' });
      await owner.get(`${base}/resume`);
      expect((await owner.post(`${base}/resume`, { code })).headers.location).toBe(`${base}/q/engagement`);
      // The counter holds a keyed hash of the address and a count: no address, survey or answers.
      const counters = await t.storage.db.selectFrom('rate_limit_counter').selectAll().execute();
      expect(JSON.stringify(counters)).not.toMatch(/203\.0\.113\.7|198\.51\.100\.4|manager|housing/);
      expect(JSON.stringify(counters)).not.toContain(t.survey.id);
      expect(counters.map((c) => c.key.split(':')[0])).toEqual(expect.arrayContaining(['resume']));
    },
  );

  it.skipIf(database.skip)('counts only wrong codes: people behind one address who resume with their own codes never reach the limit', async () => {
    const t = await track(testApp(definition, database.fresh()));
    const base = `/s/${t.survey.slug}`;
    for (let i = 0; i <= RESUME_GUESSES.max; i++) {
      const code = await savedCode(t);
      const colleague = new Respondent(t.app, { remoteAddress: '203.0.113.7' });
      await colleague.get(`${base}/resume`);
      expect((await colleague.post(`${base}/resume`, { code })).statusCode).toBe(303);
    }
    expect(await guessCodes(t.app, t.survey.slug, { remoteAddress: '203.0.113.7' }, RESUME_GUESSES.max + 1)).toEqual(wrongThenRefused(RESUME_GUESSES));
  });

  it.skipIf(database.skip)('limits unknown invitation links per address with a 429 page, while real links (even opened again and again) still work', async () => {
    const t = await track(testApp(definition, database.fresh()));
    const survey = (await findSurveyById(t.storage.db, t.survey.id))!;
    await importStaffList(t.storage.db, TEST_ACTOR, survey, Buffer.from('email,role_group,directorate\na@x.gov.uk,manager,housing\n'));
    const mailer = capturingMailer();
    await sendInvitations(t.storage.db, mailer, survey, (token) => `https://sounding.test/i/${token}`, 'invitation', mailDefaults);
    const link = new URL(/https:\/\/sounding\.test\/i\/[A-Za-z0-9_-]{32}/.exec(mailer.sent[0]!.body)![0]).pathname;
    const office = { remoteAddress: '203.0.113.7' };
    // A mail scanner and the person open the real link many times from the office: never counted.
    for (let i = 0; i <= INVITATION_GUESSES.max; i++) expect((await t.app.inject({ url: link, ...office })).statusCode).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i <= INVITATION_GUESSES.max; i++) statuses.push((await t.app.inject({ url: `/i/${String(i).padStart(32, 'x')}`, ...office })).statusCode);
    expect(statuses).toEqual([...Array.from({ length: INVITATION_GUESSES.max }, () => 404), 429]);
    const refused = await t.app.inject({ url: link, ...office });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^text\/html/);
    expect(refused.body).toContain('<h1 class="govuk-heading-l">Too many attempts</h1>');
    expect(refused.body).toContain('Wait 15 minutes, then try again.');
    expect(refused.body).not.toMatch(/"statusCode"|"error":/);
    const cy = await t.app.inject({ url: `${link}?lang=cy`, ...office });
    expect(cy.body).toContain('Gormod o ymdrechion');
    // Starting from the link at the office is refused too; from home it starts the answers.
    const home = new Respondent(t.app, { remoteAddress: '198.51.100.4' });
    expect((await home.get(link)).statusCode).toBe(200);
    expect((await home.post(`${link}/start`)).headers.location).toBe(`/s/${t.survey.slug}/q/about?prefilled=1`);
  });

  it.skipIf(database.skip)('shares the counts between two app instances on one database (two processes)', async () => {
    const target = await database.fresh();
    const t = await track(testApp(definition, target));
    const other = await buildApp(testConfig(), testServices(openStorage(target)));
    apps.push(other);
    const half = Math.ceil(RESUME_GUESSES.max / 2);
    const client = { remoteAddress: '203.0.113.7' };
    expect(await guessCodes(t.app, t.survey.slug, client, half)).toEqual(Array.from({ length: half }, () => 422));
    expect(await guessCodes(other, t.survey.slug, client, RESUME_GUESSES.max - half + 1)).toEqual([...Array.from({ length: RESUME_GUESSES.max - half }, () => 422), 429]);
    expect(await guessCodes(t.app, t.survey.slug, client, 1)).toEqual([429]);
  });
});

describe('who the client is behind a proxy (TRUST_PROXY)', () => {
  /** An app trusting proxies as the variable says, and a survey to guess resume codes at. */
  async function behind(trustProxy: string | undefined) {
    const { storage, survey } = await openSurveyDatabase(definition, freshSqlite());
    const app = await buildApp(testConfig({ trustProxy: readConfig(trustProxy === undefined ? {} : { TRUST_PROXY: trustProxy }).trustProxy }), testServices(storage));
    apps.push(app);
    return { app, slug: survey.slug };
  }
  const limitReached = (app: FastifyInstance, slug: string, client: ClientAddress) => guessCodes(app, slug, client, RESUME_GUESSES.max);
  const refusedNext = async (app: FastifyInstance, slug: string, client: ClientAddress) => (await guessCodes(app, slug, client, 1))[0];

  it('ignores X-Forwarded-For when no proxy is trusted: everyone coming through the proxy shares its address', async () => {
    const { app, slug } = await behind(undefined);
    await limitReached(app, slug, { remoteAddress: '127.0.0.1', forwardedFor: '203.0.113.7' });
    expect(await refusedNext(app, slug, { remoteAddress: '127.0.0.1', forwardedFor: '198.51.100.4' })).toBe(429);
  });

  it('with TRUST_PROXY=1 counts each client the proxy on this machine names, and ignores what a client connecting directly claims', async () => {
    const { app, slug } = await behind('1');
    await limitReached(app, slug, { remoteAddress: '127.0.0.1', forwardedFor: '203.0.113.7' });
    expect(await refusedNext(app, slug, { remoteAddress: '127.0.0.1', forwardedFor: '203.0.113.7' })).toBe(429);
    // Only the nearest hop is believed: a client cannot hide behind an address it puts first.
    expect(await refusedNext(app, slug, { remoteAddress: '127.0.0.1', forwardedFor: '198.51.100.4, 203.0.113.7' })).toBe(429);
    expect(await refusedNext(app, slug, { remoteAddress: '127.0.0.1', forwardedFor: '198.51.100.4' })).toBe(422);
    // A client on the internet reaching Sounding directly is not a proxy, whatever it sends.
    await limitReached(app, slug, { remoteAddress: '192.0.2.99', forwardedFor: '192.0.2.1' });
    expect(await refusedNext(app, slug, { remoteAddress: '192.0.2.99', forwardedFor: '192.0.2.2' })).toBe(429);
  });

  it('with a list of proxy addresses believes only those', async () => {
    const { app, slug } = await behind('10.0.0.5, 10.1.0.0/16');
    await limitReached(app, slug, { remoteAddress: '10.1.2.3', forwardedFor: '203.0.113.7' });
    expect(await refusedNext(app, slug, { remoteAddress: '10.0.0.5', forwardedFor: '203.0.113.7' })).toBe(429);
    expect(await refusedNext(app, slug, { remoteAddress: '10.0.0.5', forwardedFor: '198.51.100.4' })).toBe(422);
    await limitReached(app, slug, { remoteAddress: '10.0.0.6', forwardedFor: '192.0.2.1' });
    expect(await refusedNext(app, slug, { remoteAddress: '10.0.0.6', forwardedFor: '192.0.2.2' })).toBe(429);
  });
});
