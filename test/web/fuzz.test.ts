import fc from 'fast-check';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, listApiTokens } from '../../src/admin/api-tokens.js';
import { createOidc } from '../../src/admin/oidc.js';
import { startSession } from '../../src/admin/sessions.js';
import { requestPasswordReset } from '../../src/admin/users.js';
import { createRespondentService, newToken } from '../../src/fieldwork/respondent.js';
import { seededRandom, syntheticAnswers } from '../../src/fieldwork/synthetic.js';
import { keepShownAnswers } from '../../src/fieldwork/journey.js';
import { EXPORT_FORMAT_NAMES } from '../../src/reporting/exports/index.js';
import { addInvitationToken, insertStaffList, invitationsToSend } from '../../src/storage/invitations.js';
import { createOrganisation, createSurvey, findSurveyById, type SurveyWithDefinition } from '../../src/storage/surveys.js';
import { loadSignedInUser } from '../../src/storage/users.js';
import { SESSION_COOKIE } from '../../src/web/plugins/auth.js';
import { addFixtureResponses, definition } from '../reporting/fixture.js';
import { accountsApp, TEST_PASSWORD, userWithRoles } from '../support/accounts.js';
import { testDatabases } from '../support/app.js';
import { OIDC_CLIENT, startOidcProvider } from '../support/identity-provider.js';
import { sectionFields } from '../support/server.js';
import { openWave, TEST_ACTOR } from '../support/waves.js';
import { createRound, HOST_TYPE, inviteToRound, roundFormOfDays } from '../../src/admin/rounds.js';

/**
 * Seeded fuzzing of every route and method the app registers: path parameters from real
 * fixtures (a survey's slug and id, an organisation, a member, an invitation and a reset token,
 * a section, an export format), as they are or mutated; query strings and bodies (a form, JSON,
 * a multipart upload, or bytes under any content type) with wrong types, repeated and missing
 * fields, huge strings, unicode and nested objects; sent by a signed-in survey lead and by
 * someone signed out, both holding a valid CSRF token most of the time so bodies reach the
 * handlers. Whatever is sent, the answer is never a 5xx.
 *
 * The seed is fixed, so a failure reproduces; every failing request is printed whole.
 */
const SEED = 20_260_616;
/**
 * Requests per registered route and method, a few thousand in all: more where a body is read.
 * PostgreSQL refuses what SQLite takes (text where a UUID or a number goes), so it gets a run of
 * its own, smaller as each request is slower.
 */
const PER_ROUTE = { sqlite: { reading: 10, writing: 80 }, postgres: { reading: 8, writing: 40 } };
/** Requests per address with a method it does not have. */
const PER_UNKNOWN_METHOD = 6;

/** The lead (a fresh session each time), someone signed out, or a browser whose cookies are all made up. */
type Identity = 'lead' | 'anonymous' | 'forged';
interface Planned {
  method: string;
  url: string;
  as: Identity;
  /** The cookie header a forged browser sends. */
  forgedCookies: string;
  headers: Record<string, string>;
  payload?: string;
}

/**
 * Every route and method the app registered, read from Fastify's own route tree: printRoutes
 * prints each node's part of the path under its parent, and the methods of the nodes that are routes.
 */
function registeredRoutes(app: FastifyInstance): { url: string; method: string }[] {
  const path: string[] = [];
  const routes: { url: string; method: string }[] = [];
  for (const line of app.printRoutes().split('\n')) {
    const node = /^((?:[│ ] {3})*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!node) continue;
    path.length = node[1]!.length / 4;
    path.push(node[2]!);
    for (const method of node[3]?.split(', ') ?? []) routes.push({ url: path.join(''), method });
  }
  return routes;
}

/** What the fuzzed requests are made of: real values for each path parameter, and realistic forms to mutate. */
interface Fixtures {
  params: Record<string, string[]>;
  /** Cookies every request carries: the CSRF secret, and an OpenID Connect sign-in under way. */
  cookies: string[];
  /** One of the lead's API tokens, for the API. */
  apiToken: string;
  forms: Record<string, string | string[]>[];
  csrfToken: string;
  /** Answers in progress for the open survey respondents reach, minted per request (a submission or sign-out spends them). */
  answerSession(): Promise<string>;
  leadSession(): Promise<string>;
}

/** Percent-encoded as a browser would: a lone surrogate (which encodeURIComponent refuses) becomes U+FFFD, as in any UTF-8. */
const encode = (text: string) => encodeURIComponent(Buffer.from(text).toString());
/** Now and then (one time in `oneIn`) a value, otherwise nothing. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arbitrary });

/** Percent signs that decode to nothing, or to bytes that are not UTF-8. */
const badEscapes = fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '%FF', '%00', '%2e%2e%2f', '%uD800');

/** Text a person would never type, of every shape. */
const oddText = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom(
    '',
    ' ',
    '0',
    '-1',
    '1e309',
    'NaN',
    'true',
    'null',
    'undefined',
    '__proto__',
    'constructor',
    '<script>alert(1)</script>',
    '../../etc/passwd',
    '../../../package.json',
    '\u0000',
    '\uFEFF',
    '\u202E',
    'Ⅻ',
    '👍🏽',
    'ŵŷ âêîôû',
    '//evil.example',
    'https://evil.example/',
  ),
  // Huge: past every field limit, some past the body limit (64 KB).
  fc.tuple(fc.string({ minLength: 1, maxLength: 3 }), fc.constantFrom(101, 1_000, 20_000, 70_000)).map(([unit, n]) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n)),
);

/** A real value, or one a little off. */
function nearly(values: string[]): fc.Arbitrary<string> {
  const real = fc.constantFrom(...values);
  return fc.oneof(
    real.map((v) => v.slice(0, -1)),
    fc.tuple(real, fc.string({ minLength: 1, maxLength: 3 })).map(([v, extra]) => v + extra),
    real.map((v) => v.toUpperCase()),
    fc.tuple(real, fc.nat(), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })).map(([v, at, c]) => v.slice(0, at % (v.length + 1)) + c + v.slice((at % (v.length + 1)) + 1)),
  );
}

/**
 * A path parameter's values: real ones by the route up to it (a token after /i/ is an
 * invitation's, after /password-reset/ a reset's; a wildcard's are files of its folder), or else
 * by its name; now and then another parameter's, one a little off, or nonsense.
 */
function pathValue(routeUpToIt: string, name: string, fixtures: Fixtures): fc.Arbitrary<string> {
  const own = fixtures.params[routeUpToIt] ?? fixtures.params[name];
  // A route with a parameter this test has no real values for must get some here.
  if (!own) throw new Error(`no fixture values for the path parameter ${routeUpToIt}`);
  const any = Object.values(fixtures.params).flat();
  return fc.oneof(
    // A wildcard's value is a path: its slashes stay.
    { weight: 10, arbitrary: fc.constantFrom(...own).map((v) => (name === '*' ? v : encode(v))) },
    { weight: 1, arbitrary: fc.constantFrom(...any).map(encode) },
    { weight: 2, arbitrary: nearly(own).map(encode) },
    { weight: 2, arbitrary: fc.oneof(fc.uuid(), oddText).map(encode) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...own), badEscapes).map(([v, bad]) => v + bad) },
  );
}

const QUERY_KEYS = ['lang', 'next', 'returnTo', 'done', 'n', 'freeText', 'bom', 'added', 'changed', 'code', 'state', 'iss', 'error', 'id'];
const queryString = fc
  .array(
    fc.tuple(
      fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...QUERY_KEYS) }, { weight: 1, arbitrary: oddText.map((k) => k.slice(0, 30)) }),
      fc.oneof({ weight: 3, arbitrary: fc.constantFrom('cy', 'en', '1', '0', 'check', 'open', 'preview', '/admin', '12', '-3', '99999999999') }, { weight: 2, arbitrary: oddText }),
      fc.boolean(),
    ),
    { maxLength: 5 },
  )
  .chain((pairs) =>
    rarely(badEscapes, 8).map((bad) => {
      const parts = pairs.map(([key, value, bare]) => (bare ? encode(key) : `${encode(key)}=${encode(value)}`));
      if (bad) parts.push(`x=${bad}`);
      return parts.length > 0 ? `?${parts.join('&')}` : '';
    }),
  );

/** The fields a page's form sends, made strange: some dropped, some repeated, some of another type, some added. */
function fields(fixtures: Fixtures): fc.Arbitrary<[string, unknown][]> {
  const names = [...new Set(fixtures.forms.flatMap((f) => Object.keys(f)))];
  const name = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...names, 'files', '__proto__', 'constructor', 'file', 'definition') },
    { weight: 1, arbitrary: oddText.map((n) => n.slice(0, 40)) },
  );
  const value: fc.Arbitrary<unknown> = fc.oneof(
    { weight: 3, arbitrary: oddText },
    { weight: 2, arbitrary: fc.constantFrom(...fixtures.forms.flatMap((f) => Object.values(f).flat())) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
  const edit = fc.oneof(fc.record({ drop: fc.nat() }), fc.record({ set: fc.nat(), value }), fc.record({ repeat: fc.nat() }), fc.record({ add: name, value }));
  return fc.tuple(fc.constantFrom(...fixtures.forms), fc.array(edit, { maxLength: 6 })).map(([form, edits]) => {
    const entries: [string, unknown][] = Object.entries(form).flatMap(([k, v]) => [v].flat().map((x): [string, unknown] => [k, x]));
    for (const e of edits) {
      const at = (i: number) => i % Math.max(entries.length, 1);
      if ('drop' in e) entries.splice(at(e.drop), 1);
      else if ('set' in e && entries.length > 0) entries[at(e.set)] = [entries[at(e.set)]![0], e.value];
      else if ('repeat' in e && entries.length > 0) entries.push(entries[at(e.repeat)]!);
      else if ('add' in e) entries.push([e.add, e.value]);
    }
    return entries;
  });
}

const asText = (value: unknown) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));

/** A body as a form, JSON, a multipart upload or raw bytes of any declared type, carrying the CSRF token or not. */
function body(fixtures: Fixtures): fc.Arbitrary<{ headers: Record<string, string>; payload: string } | undefined> {
  const csrf = fc.oneof(
    { weight: 8, arbitrary: fc.constant<[string, unknown][]>([['_csrf', fixtures.csrfToken]]) },
    { weight: 1, arbitrary: fc.constant<[string, unknown][]>([]) },
    { weight: 1, arbitrary: fc.constant<[string, unknown][]>([['_csrf', 'not-the-token']]) },
  );
  const form = fc.tuple(csrf, fields(fixtures)).map(([token, entries]) => {
    const search = new URLSearchParams();
    for (const [k, v] of [...token, ...entries]) search.append(k, asText(v));
    return { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: search.toString() };
  });
  const uploadLike = fc.oneof(oddText, fc.integer(), fc.double(), fc.boolean(), fc.array(fc.integer({ min: -1, max: 300 }), { maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }));
  // Now and then shaped like what the multipart parser hands a route (files by field name), as an attacker who read the code would send it.
  const files = rarely(fc.record({ file: uploadLike, definition: uploadLike }), 2);
  const json = fc.tuple(csrf, fields(fixtures), files).map(([token, entries, uploads]) => {
    const object: Record<string, unknown> = uploads ? { files: uploads } : {};
    for (const [k, v] of [...token, ...entries]) object[k] = k in object ? [object[k], v].flat() : v;
    return { headers: { 'content-type': 'application/json' }, payload: JSON.stringify(object) };
  });
  const boundary = '----sounding-fuzz';
  const part = (name: string, value: string, file?: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${file ? `; filename="${file}"\r\nContent-Type: text/csv` : ''}\r\n\r\n${value}\r\n`;
  const csvText = fc.oneof(
    oddText,
    fc
      .array(
        fc.array(fc.oneof(oddText, fc.constantFrom('email', 'role_group', 'directorate', 'headcount', 'frontline', 'a@example.org', '12')), { maxLength: 4 }).map((r) => r.join(',')),
        { maxLength: 5 },
      )
      .map((rows) => rows.join('\n')),
  );
  const multipart = fc.tuple(csrf, fields(fixtures), fc.constantFrom('file', 'definition'), csvText, fc.boolean()).map(([token, entries, fileField, file, complete]) => {
    const text = [...token, ...entries].map(([k, v]) => part(k.replace(/["\r\n]/g, ''), asText(v))).join('') + part(fileField, file, 'upload.csv');
    return { headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: complete ? `${text}--${boundary}--\r\n` : text };
  });
  const raw = fc
    .tuple(
      fc.constantFrom(
        'text/plain',
        'application/json',
        'application/json; charset=utf-16',
        'application/x-www-form-urlencoded',
        'multipart/form-data',
        'application/xml',
        'application/octet-stream',
        ';;',
        'text/html; charset=zz',
      ),
      fc.oneof(
        oddText,
        fc.nat({ max: 5_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
        fc.constantFrom('{"a":', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '&&==&a[b]=c&%zz', '[1,2,3]', '"text"', '12'),
      ),
    )
    .map(([type, payload]) => ({ headers: { 'content-type': type }, payload }));
  return fc.oneof(
    { weight: 4, arbitrary: form },
    { weight: 4, arbitrary: json },
    { weight: 2, arbitrary: multipart },
    { weight: 2, arbitrary: raw },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

/** Headers a strange client might add, or a script with the lead's API token (real, or a little off). */
const extraHeaders = (fixtures: Fixtures) =>
  rarely(
    fc.oneof(
      fc.constant({ 'content-encoding': 'gzip' }),
      fc.constant({ 'content-encoding': 'zz' }),
      fc.oneof(fc.constant(fixtures.apiToken), nearly([fixtures.apiToken]), oddText).map((token) => ({ authorization: `Bearer ${Buffer.from(token).toString()}` })),
      fc.constant({ 'accept-language': 'cy' }),
      fc.constant({ accept: 'application/json' }),
    ),
    5,
  );

/** Requests for one route and method; `method` undefined means one the address does not have. */
function plans(url: string, method: string | undefined, fixtures: Fixtures): fc.Arbitrary<Planned> {
  let routeSoFar = '';
  const pieces = url.split(/(:[A-Za-z_]+|\*)/).map((piece) => {
    routeSoFar += piece;
    return piece.startsWith(':') || piece === '*' ? pathValue(routeSoFar, piece.replace(/^:/, ''), fixtures) : fc.constant(piece);
  });
  const reading = method === 'GET' || method === 'HEAD';
  return fc
    .record({
      path: fc.tuple(...pieces).map((parts) => parts.join('')),
      query: queryString,
      method: method ? fc.constant(method) : fc.constantFrom('PUT', 'PATCH', 'DELETE', 'OPTIONS', 'SEARCH'),
      // Mostly the lead, whose requests get past the access checks to the handlers.
      as: fc.oneof(
        { weight: 4, arbitrary: fc.constant<Identity>('lead') },
        { weight: 2, arbitrary: fc.constant<Identity>('anonymous') },
        { weight: 1, arbitrary: fc.constant<Identity>('forged') },
      ),
      forgedCookies: fc
        .array(fc.tuple(fc.constantFrom(SESSION_COOKIE, 'sounding_answers', 'sounding_lang', 'sounding_oidc', '_csrf'), oddText), { maxLength: 5 })
        .map((pairs) => pairs.map(([name, value]) => `${name}=${encode(value)}`).join('; ')),
      // Reading routes take no body; now and then one comes anyway.
      body: reading ? rarely(body(fixtures), 6) : body(fixtures),
      extra: extraHeaders(fixtures),
    })
    .map(({ path, query, method, as, forgedCookies, body, extra }) => ({
      method,
      url: path + query,
      as,
      forgedCookies,
      headers: { ...body?.headers, ...extra },
      ...(body ? { payload: body.payload } : {}),
    }));
}

async function send(app: FastifyInstance, plan: Planned, fixtures: Fixtures): Promise<LightMyRequestResponse> {
  const cookies = plan.as === 'forged' ? [plan.forgedCookies] : [...fixtures.cookies, `sounding_answers=${await fixtures.answerSession()}`];
  if (plan.as === 'lead') cookies.push(`${SESSION_COOKIE}=${await fixtures.leadSession()}`);
  const options: InjectOptions = { method: plan.method, url: plan.url, headers: { ...plan.headers, cookie: cookies.join('; ') }, payload: plan.payload };
  return app.inject(options);
}

/** The PDF routes (report, paper questionnaire) answer 503 by design when Chromium is missing, as it is for this app: their page says so (a HEAD request gets no page). */
const pdfUnavailable = (plan: Planned, response: LightMyRequestResponse) =>
  response.statusCode === 503 && /\/(report|questionnaire)\.pdf(\?|$)/.test(plan.url) && (plan.method === 'HEAD' || response.body.includes('PDF not available'));

for (const database of testDatabases) {
  describe.skipIf(database.skip)(`fuzzing every route ${database.title}`, () => {
    let t: Awaited<ReturnType<typeof accountsApp>>;
    let fixtures: Fixtures;
    /** Errors the app logged, so a failure shows what went wrong inside. */
    const logged: string[] = [];
    let provider: Awaited<ReturnType<typeof startOidcProvider>>;

    beforeAll(async () => {
      // Sign-in through an identity provider too, so its routes are registered and fuzzed.
      const redirectUrl = 'https://sounding.example.org/sign-in/oidc/callback';
      provider = await startOidcProvider(redirectUrl, {});
      t = await accountsApp({
        target: await database.fresh(),
        // No PDF: Chromium would take seconds a request. Sign-in limited as in production would refuse most sign-ins before reading them.
        config: { chromiumPath: '/nonexistent/chromium', signInRateLimit: { max: 1_000_000, timeWindowMs: 60_000 }, logLevel: 'error' },
        services: { logStream: { write: (line: string) => void logged.push(line) }, oidc: createOidc({ issuer: provider.issuer, ...OIDC_CLIENT, redirectUrl }) },
      });
      const { db } = t.storage;
      // The lead's organisation: the open survey of accountsApp and a closed, published one with responses.
      const publishedSurvey = await createSurvey(db, { organisationId: t.organisationId, instrumentVersionId: t.survey.instrumentVersionId, title: 'Published wave', synthetic: true });
      await openWave(db, publishedSurvey.id);
      await addFixtureResponses({ storage: t.storage, survey: { ...publishedSurvey, instrumentVersionId: t.survey.instrumentVersionId } });
      // Respondents answer a survey of another organisation, so nothing the lead does closes it.
      const otherOrganisation = await createOrganisation(db, { name: 'Other Council', type: 'district', nation: 'Wales', region: 'Wales' });
      const answered = await createSurvey(db, { organisationId: otherOrganisation, instrumentVersionId: t.survey.instrumentVersionId, title: 'Open wave', synthetic: true });
      await openWave(db, answered.id);
      const answeredSurvey = (await findSurveyById(db, answered.id)) as SurveyWithDefinition;

      // A benchmark round hosted by an organisation the lead also runs, to which the lead's council is invited: both sides' pages are fuzzed.
      const host = await createOrganisation(db, { name: 'Host Partnership', type: HOST_TYPE, nation: 'England', region: 'South West' });
      const round = await createRound(db, TEST_ACTOR, host, roundFormOfDays('Fuzz round', '2027-02-01', '2027-03-01'));
      if (!round.ok) throw new Error('round not created');
      await inviteToRound(db, TEST_ACTOR, round.id, t.organisationId);
      const lead = await userWithRoles(db, { [t.organisationId]: 'org_admin', [host]: 'org_admin' });
      const viewer = await userWithRoles(db, { [t.organisationId]: 'viewer' });
      const reset = await requestPasswordReset(db, viewer.email);
      // The lead's API tokens: one a script uses, others for the revoke route to spend.
      const leadAsUser = (await loadSignedInUser(db, lead.id))!;
      const apiTokens: string[] = [];
      for (const name of ['script', 'spare 1', 'spare 2']) {
        const created = await createApiToken(db, leadAsUser, { name, organisationId: t.organisationId, expiresInDays: '30' });
        if (created.ok) apiTokens.push(created.token);
      }
      await insertStaffList(
        db,
        answered.id,
        ['ann@example.org', 'bob@example.org', 'cat@example.org'].map((email) => ({ email, roleGroup: 'frontline', directorate: '', addressKey: email })),
      );
      const invitationTokens: string[] = [];
      for (const invitation of await invitationsToSend(db, answered.id, 'invitation', '2026-01-01')) {
        const token = newToken();
        await addInvitationToken(db, invitation.id, token);
        invitationTokens.push(token);
      }

      // The CSRF secret (a cookie) and its token, as a page hands them out; a sign-in with the provider under way (a cookie).
      const cookieOf = (response: LightMyRequestResponse, name: string) =>
        [response.headers['set-cookie'] ?? []]
          .flat()
          .find((c) => c.startsWith(`${name}=`))!
          .split(';')[0]!;
      const signInPage = await t.app.inject({ url: '/sign-in' });
      const oidcStarted = await t.app.inject({ url: '/sign-in/oidc' });

      const answers = keepShownAnswers(definition, syntheticAnswers(definition, seededRandom(SEED)));
      const respondents = createRespondentService(db);
      fixtures = {
        params: {
          slug: [answered.slug, publishedSurvey.slug, t.survey.slug],
          id: [t.survey.id, publishedSurvey.id],
          organisationId: [t.organisationId, host],
          roundId: [round.id],
          // Another organisation's survey and the organisation itself: used now and then in place of any parameter.
          elsewhere: [answered.id, otherOrganisation],
          userId: [viewer.id, lead.id],
          section: definition.sections.map((s) => s.code),
          question: definition.sections.flatMap((s) => s.questions.map((q) => q.code)),
          '/i/:token': invitationTokens,
          '/password-reset/:token': [reset!.token],
          tokenId: (await listApiTokens(db, lead.id)).map((token) => token.id),
          // No action is recorded: an update to one that does not exist must be a 404, never a 500.
          actionId: ['5f0c4b1e-6a35-4c8e-9f2a-0d7b7c1e2a44'],
          // No reminder is planned: cancelling one that is not there must be refused, never a 500.
          job: ['8d2f6a10-3b7c-4e59-a1d4-6c0e9b8f7a35'],
          format: EXPORT_FORMAT_NAMES,
          '/assets/*': ['images/favicon.ico', 'images/govuk-crest.svg'],
          '/govuk/*': ['govuk-frontend.min.js'],
          '/styles/*': ['govuk.css'],
          '/static/*': ['init.js', 'sounding.css'],
        },
        forms: [
          ...definition.sections.map((s) => ({ ...sectionFields(definition, s.code, answers), action: 'continue' })),
          { action: 'save', returnTo: 'check' },
          { email: lead.email, password: TEST_PASSWORD, next: '/admin' },
          { current: TEST_PASSWORD, password: 'a new password of some length', confirm: 'a new password of some length' },
          { email: 'new.colleague@example.org', name: 'New Colleague', role: 'analyst' },
          {
            title: 'Wave 2',
            source: 'standard',
            threshold: '10',
            previousSurveyId: publishedSurvey.id,
            'opensOn-day': '1',
            'opensOn-month': '2',
            'opensOn-year': '2027',
            'closesOn-day': '1',
            'closesOn-month': '3',
            'closesOn-year': '2027',
          },
          { decision: 'release' },
          { organisation: t.organisationId },
          { survey: t.survey.id },
          { name: 'R script', organisationId: t.organisationId, expiresInDays: '30' },
          { code: 'ABCD-EFGH' },
          { languages: 'both', contact: 'HR', 'invitation-en-subject': 'Take part: ((survey))', 'invitation-en-body': 'Start: ((link))', action: 'preview' },
          { 'on-day': '1', 'on-month': '2', 'on-year': '2027' },
        ],
        cookies: [cookieOf(signInPage, '_csrf'), cookieOf(oidcStarted, 'sounding_oidc')],
        apiToken: apiTokens[0]!,
        csrfToken: /name="_csrf" value="([^"]+)"/.exec(signInPage.body)![1]!,
        answerSession: () => respondents.start(answeredSurvey),
        leadSession: () => startSession(db, lead.id),
      };
    }, 120_000);
    afterAll(async () => {
      await t.app.close();
      await provider.close();
    });

    it('answers every request to every route and method with less than a 500', { timeout: 300_000 }, async () => {
      const routes = registeredRoutes(t.app);
      // The tree was read: the pages of every kind are there, each with its methods.
      for (const known of [
        'GET /s/:slug/q/:section',
        'POST /s/:slug/q/:section',
        'POST /admin/surveys/:id/invitations',
        'GET /api/surveys/:id/results',
        'GET /assets/*',
        'POST /password-reset/:token',
        'GET /sign-in/oidc/callback',
      ]) {
        expect(routes.map((r) => `${r.method} ${r.url}`)).toContain(known);
      }
      const targets = [...routes, ...[...new Set(routes.map((r) => r.url))].map((url) => ({ url, method: undefined }))];
      console.log(`fuzz seed ${SEED}: ${routes.length} routes and methods, ${targets.length - routes.length} addresses with a method they lack`);

      const perRoute = PER_ROUTE[database.kind];
      const runs = (method: string | undefined) => (method === undefined ? PER_UNKNOWN_METHOD : method === 'GET' || method === 'HEAD' ? perRoute.reading : perRoute.writing);
      const failures: string[] = [];
      const reached = new Map<string, Set<number>>();
      let sent = 0;
      for (const [index, target] of targets.entries()) {
        for (const plan of fc.sample(plans(target.url, target.method, fixtures), { seed: SEED + index, numRuns: runs(target.method) })) {
          const response = await send(t.app, plan, fixtures);
          sent++;
          const key = `${target.method ?? 'other'} ${target.url}`;
          reached.set(key, (reached.get(key) ?? new Set()).add(response.statusCode));
          if (response.statusCode >= 500 && !pdfUnavailable(plan, response)) {
            // A 500 quotes the request id its error was logged under.
            const reference = /reference ([0-9a-f-]{36})/.exec(response.body)?.[1];
            const error = reference && logged.find((line) => line.includes(reference));
            failures.push(
              `${response.statusCode} for ${plan.method} ${plan.url.slice(0, 300)} as ${plan.as === 'forged' ? `forged (${plan.forgedCookies.slice(0, 200)})` : plan.as} (seed ${SEED + index}), headers ${JSON.stringify(plan.headers)}, body ${JSON.stringify(plan.payload?.slice(0, 500))}: ${error ? JSON.stringify((JSON.parse(error) as { err?: { stack?: string } }).err?.stack?.split('\n').slice(0, 4)) : response.body.slice(0, 300)}`,
            );
          }
        }
      }
      console.log(`fuzz seed ${SEED}: ${sent} requests, ${failures.length} answered with a 5xx`);
      expect(failures).toEqual([]);
      // Real fixtures carried requests past the routing and access checks: every route answered something other than not found.
      const onlyNotFound = [...reached].filter(([key, statuses]) => !key.startsWith('other') && [...statuses].every((s) => s === 404)).map(([key]) => key);
      expect(onlyNotFound).toEqual([]);
    });
  });
}
