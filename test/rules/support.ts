/**
 * Shared set-up for the "must show" rule tests: a signed-in organisation admin driving the
 * web pages with inject(), the command line as a separate process on the same database, and
 * answers whose expected figures the tests compute themselves.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { parse } from 'csv-parse/sync';
import { expect } from 'vitest';
import type { DatabaseTarget } from '../../src/config.js';
import { keepShownAnswers } from '../../src/fieldwork/journey.js';
import { seededRandom, syntheticAnswers } from '../../src/fieldwork/synthetic.js';
import type { TDefinition } from '../../src/instrument/definition.js';
import type { Answers } from '../../src/instrument/question-types/index.js';
import { migrate, openStorage, type Storage } from '../../src/storage/db.js';
import { submitResponse } from '../../src/storage/responses.js';
import type { Database } from '../../src/storage/schema.js';
import { createOrganisation } from '../../src/storage/surveys.js';
import { buildApp } from '../../src/web/app.js';
import { userWithRoles } from '../support/accounts.js';
import { standardInstrument, testConfig, testServices, type TestDatabase } from '../support/app.js';
import { databaseEnv } from '../support/server.js';
import { Browser, text } from '../support/browser.js';

export { Browser, text };

export const definition: TDefinition = standardInstrument();

/** The visible text of the page's <main> only (navigation and footer left out). */
export function mainText(html: string): string {
  const main = /<main\b[^>]*>([\s\S]*?)<\/main>/.exec(html);
  expect(main, 'the page has a <main> element').not.toBeNull();
  return text(main![1]!);
}

/** Every GOV.UK table on a page: caption and rows of cell texts (header cells included). */
export function tables(html: string): { caption: string; rows: string[][] }[] {
  return [...html.matchAll(/<table\b[\s\S]*?<\/table>/g)].map(([table]) => ({
    caption: text(/<caption\b[^>]*>([\s\S]*?)<\/caption>/.exec(table)?.[1] ?? ''),
    rows: [...table.matchAll(/<tr\b[^>]*>([\s\S]*?)<\/tr>/g)].map(([, row]) => [...row!.matchAll(/<t[hd]\b[^>]*>([\s\S]*?)<\/t[hd]>/g)].map(([, cell]) => text(cell!))),
  }));
}

export function tableCaptioned(html: string, caption: string): { caption: string; rows: string[][] } {
  const found = tables(html).find((t) => t.caption === caption);
  expect(found, `a table captioned "${caption}"`).toBeDefined();
  return found!;
}

export function parseCsv(body: string): Record<string, string>[] {
  return parse<Record<string, string>>(body, { columns: true, bom: true });
}

export interface Setup {
  target: DatabaseTarget;
  storage: Storage;
  app: FastifyInstance;
  organisationId: string;
  /** The organisation admin (survey lead) at the web pages. */
  lead: Browser;
  leadId: string;
  leadCookie: string;
}

/** A fresh database with one organisation, the app on it, and a signed-in organisation admin. */
export async function leadSetup(database: TestDatabase): Promise<Setup> {
  const target = await database.fresh();
  const storage = openStorage(target);
  await migrate(storage);
  const organisationId = await createOrganisation(storage.db, { name: 'Rules Borough Council', type: 'district', nation: 'England', region: 'South West' });
  // No Chromium: a PDF would only ever come from a publication, and these tests check it is refused before that.
  const app = await buildApp(testConfig({ chromiumPath: '/nonexistent/chromium', publicUrl: 'https://sounding.example.org', secureCookies: false }), testServices(storage));
  const lead = await userWithRoles(storage.db, { [organisationId]: 'org_admin' });
  return { target, storage, app, organisationId, lead: new Browser(app, lead.cookie), leadId: lead.id, leadCookie: lead.cookie };
}

/** Creates a wave of the standard instrument from the lead's form; the response (303 to the new wave, or the form again). */
export async function postNewWave(lead: Browser, organisationId: string, fields: Record<string, string>) {
  await lead.get(`/admin/organisations/${organisationId}/surveys/new`);
  return lead.upload(`/admin/organisations/${organisationId}/surveys`, { source: 'standard', threshold: '10', previousSurveyId: '', ...fields }, {});
}

export async function createWaveOnWeb(lead: Browser, organisationId: string, title: string, previousSurveyId = ''): Promise<string> {
  const response = await postNewWave(lead, organisationId, { title, previousSurveyId });
  expect(response.statusCode, text(response.body).slice(0, 400)).toBe(303);
  const id = String(response.headers.location).split('/').pop()!;
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  return id;
}

/** The lead presses "Open the survey" or "Close the survey" on the wave's page. */
export async function pressWaveButton(lead: Browser, surveyId: string, verb: 'open' | 'close') {
  await lead.get(`/admin/surveys/${surveyId}`);
  return lead.post(`/admin/surveys/${surveyId}/${verb}`);
}

export interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the command line as its own process against the test database. */
export function cli(target: DatabaseTarget, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(process.cwd(), 'src/cli/index.ts'), ...args],
      { encoding: 'utf8', env: { ...process.env, ...databaseEnv(target) }, cwd: process.cwd() },
      (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** One submitted response as the test knows it. */
export interface Submitted {
  role: string;
  directorate: string;
  answers: Answers;
}

/** Answers to set for a respondent; undefined leaves the question unanswered. */
export type Overrides = Record<string, Answers[string] | undefined>;

/**
 * Answers for one respondent: synthetic answers for everything, with the role, directorate
 * and any overrides set, then only the questions that person is shown (audiences, showIf).
 */
export function answersFor(seed: number, role: string, directorate: string, overrides: Overrides = {}): Submitted {
  const raw: Answers = { ...syntheticAnswers(definition, seededRandom(seed)), role, directorate };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete raw[k];
    else raw[k] = v;
  }
  const answers = keepShownAnswers(definition, raw);
  return { role, directorate, answers };
}

/** Stores the responses as a submission does (the response row is all a submission stores). */
export async function submitAll(db: Kysely<Database>, survey: { id: string; instrumentVersionId: string }, responses: Submitted[], keyPrefix = 'rules'): Promise<void> {
  for (const [i, r] of responses.entries()) {
    const outcome = await submitResponse(db, `${keyPrefix}-${survey.id}-${i}`, {
      surveyId: survey.id,
      instrumentVersionId: survey.instrumentVersionId,
      roleGroup: r.role,
      directorate: r.directorate,
      submittedOn: '2026-11-24',
      answers: r.answers,
    });
    expect(outcome).toBe('stored');
  }
}

export async function instrumentVersionOf(db: Kysely<Database>, surveyId: string): Promise<string> {
  return (await db.selectFrom('survey').select('instrument_version_id').where('id', '=', surveyId).executeTakeFirstOrThrow()).instrument_version_id;
}

export async function surveyState(db: Kysely<Database>, surveyId: string): Promise<string> {
  return (await db.selectFrom('survey').select('state').where('id', '=', surveyId).executeTakeFirstOrThrow()).state;
}

export async function auditRows(db: Kysely<Database>) {
  const rows = await db.selectFrom('audit_log').select(['id', 'at', 'actor_id', 'actor_label', 'organisation_id', 'action', 'target']).orderBy('at').execute();
  return rows;
}

export async function publications(db: Kysely<Database>, surveyId: string) {
  const rows = await db.selectFrom('publication').select(['version', 'reason', 'document']).where('survey_id', '=', surveyId).orderBy('version').execute();
  return rows.map((r) => ({ version: Number(r.version), reason: r.reason, document: r.document }));
}

export async function responseCount(db: Kysely<Database>, surveyId: string): Promise<number> {
  const row = await db
    .selectFrom('response')
    .select((s) => s.fn.countAll<number>().as('n'))
    .where('survey_id', '=', surveyId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Makes every insert into the audit log fail (a trigger), so a change made in the same
 * transaction as its audit row must roll back with it; `allow` removes the trigger.
 */
export async function refuseAuditInserts(target: DatabaseTarget, db: Kysely<Database>): Promise<{ allow: () => Promise<void> }> {
  if (target.kind === 'sqlite') {
    await sql`create trigger rules_refuse_audit before insert on audit_log begin select raise(abort, 'audit log refused by the test'); end`.execute(db);
    return { allow: async () => void (await sql`drop trigger rules_refuse_audit`.execute(db)) };
  }
  await sql`create function rules_refuse_audit() returns trigger language plpgsql as $$ begin raise exception 'audit log refused by the test'; end $$`.execute(db);
  await sql`create trigger rules_refuse_audit before insert on audit_log for each row execute function rules_refuse_audit()`.execute(db);
  return {
    allow: async () => {
      await sql`drop trigger rules_refuse_audit on audit_log`.execute(db);
      await sql`drop function rules_refuse_audit()`.execute(db);
    },
  };
}

// ------------------------------------------------------------------------------------------
// Expected figures, computed here from the answers put in (never from the code's output).

/** Half-up rounding to a number of decimals, written independently of src/analysis/format.ts. */
export function halfUp(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.floor(value * f + 0.5 + 1e-9) / f;
}

/** A percentage as the report shows it: whole number, half up, with a % sign. */
export const reportPercent = (p: number) => `${halfUp(100 * p, 0).toFixed(0)}%`;

/** The answer to a question, or a matrix item's. */
export function answerOf(a: Answers, question: string, item = ''): unknown {
  const value = a[question];
  if (item === '') return value;
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[item] : undefined;
}

/**
 * A weighted share: the sum of weights of those in the base whose answer hits, over the sum of
 * weights of everyone in the base. With every weight 1 it is the plain share.
 */
export function share(
  responses: readonly Submitted[],
  inBase: (a: Answers) => boolean,
  hits: (a: Answers) => boolean,
  weight: (r: Submitted) => number = () => 1,
): { p: number; base: number; count: number } {
  let num = 0;
  let den = 0;
  let base = 0;
  let count = 0;
  for (const r of responses) {
    if (!inBase(r.answers)) continue;
    const w = weight(r);
    den += w;
    base++;
    if (hits(r.answers)) {
      num += w;
      count++;
    }
  }
  return { p: den === 0 ? Number.NaN : num / den, base, count };
}

export const AGREE_CODES = ['strongly_agree', 'agree', 'neither', 'disagree', 'strongly_disagree'];

/** Who responds in the rule tests: five role groups of at least the threshold (10), none of procurement or councillors. */
export const ROLE_MIX: Record<string, number> = { frontline: 24, manager: 14, senior_executive: 12, head_of_service: 11, it_digital: 13 };

/** Role and directorate of each respondent: role groups in turn as ROLE_MIX says, directorates alternating. */
export function roster(mix: Record<string, number> = ROLE_MIX, directorates: readonly string[] = ['housing', 'finance_corporate']): { role: string; directorate: string }[] {
  const out: { role: string; directorate: string }[] = [];
  for (const [role, n] of Object.entries(mix)) for (let i = 0; i < n; i++) out.push({ role, directorate: directorates[out.length % directorates.length]! });
  return out;
}

/** Every GET route of the app under /surveys/:id or /api/surveys/:id, made concrete for one survey (each export format, with and without free text). */
export function surveyOutputUrls(registered: readonly { method: string; url: string }[], surveyId: string, formats: readonly string[]): string[] {
  const patterns = [...new Set(registered.filter((r) => r.method === 'GET' && /^\/(api\/)?surveys\/:id(\/|$)/.test(r.url)).map((r) => r.url))];
  const urls: string[] = [];
  for (const pattern of patterns) {
    const concrete = pattern.replace(':id', surveyId);
    if (concrete.includes(':format'))
      for (const f of formats) urls.push(concrete.replace(':format', f), `${concrete.replace(':format', f)}?freeText=1`, `${concrete.replace(':format', f)}?bom=1`);
    else urls.push(concrete);
  }
  return urls;
}

/** What the results routes answer for a wave without a publication: the API a 409 `not_released`, pages the "not published yet" page; no figure in either. */
export async function expectWithheld(app: FastifyInstance, cookie: string, url: string, title: string): Promise<void> {
  const response = await app.inject({ method: 'GET', url, headers: { cookie } });
  expect(response.headers['content-disposition'], `${url} sends no file`).toBeUndefined();
  if (url.startsWith('/api/')) {
    expect(response.statusCode, url).toBe(409);
    const body = response.json<Record<string, unknown>>();
    // A problem document: its status and title, a code and a sentence, and no figure in any of them.
    expect(body, url).toEqual({ title: 'Conflict', status: 409, error: 'not_released', detail: expect.any(String) });
    expect(String(body.detail), `${url}: no figure`).not.toMatch(/\d/);
    return;
  }
  expect([200, 409], `${url} answered ${response.statusCode}`).toContain(response.statusCode);
  expect(String(response.headers['content-type']), url).toMatch(/^text\/html/);
  const main = mainText(response.body);
  expect(main, url).toContain('Results are not published yet');
  expect(main.split(title).join(''), `${url}: no figure on the page`).not.toMatch(/\d/);
}
