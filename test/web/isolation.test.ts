import { closeWave, TEST_ACTOR } from '../support/waves.js';
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateResponses } from '../../src/admin/demo.js';
import { createOrganisation, createSurvey, publishInstrument } from '../../src/storage/surveys.js';
import { accountsApp, userWithRoles } from '../support/accounts.js';
import { standardInstrument } from '../support/app.js';
import { answerInvitation, createRound, HOST_TYPE, inviteToRound, roundFormOfDays } from '../../src/admin/rounds.js';

/** Every route the app registers, collected with an onRoute hook added to the Fastify instance as it is created. */
const registered = vi.hoisted(() => [] as { method: string; url: string }[]);
vi.mock('fastify', async (importOriginal) => {
  const original = await importOriginal<typeof import('fastify')>();
  const create = ((options: Parameters<typeof original.default>[0]) => {
    const app = original.default(options);
    app.addHook('onRoute', (route: RouteOptions) => {
      for (const method of [route.method].flat()) registered.push({ method, url: route.url });
    });
    return app;
  }) as typeof original.default;
  return { ...original, default: create };
});

/**
 * Routes anyone may use, each with its reason. Everything else must refuse an anonymous
 * visitor and a member of another organisation.
 */
const PUBLIC: Record<string, string> = {
  '/': 'landing page: lists only the signed-in user’s own surveys',
  '/accessibility': 'accessibility statement',
  '/healthz': 'liveness probe, says nothing about data',
  '/readyz': 'readiness probe, says nothing about data',
  '/sign-in': 'signing in',
  '/sign-out': 'signing out ends only the caller’s own session',
  '/password-reset': 'asking for a reset link; same answer whether or not the account exists',
  '/password-reset/:token': 'the emailed link; the token is the credential',
  '/report/report.css': 'stylesheet',
  '/api/openapi.json': 'API description, no data',
  '/sign-in/oidc': 'OpenID Connect sign-in start',
  '/sign-in/oidc/callback': 'OpenID Connect sign-in return; the provider’s code is the credential',
};
/** Signed-in routes about the visitor themself, not an organisation: any signed-in user may use them. */
const OWN_ACCOUNT = new Set(['/account', '/account/password', '/account/sign-out-everywhere', '/account/api-tokens', '/account/api-tokens/:tokenId/revoke']);
/** Signed-in routes that list only what the visitor may see (checked by the last test for the survey's title). */
const PLATFORM_WIDE = new Set(['/admin']);
/**
 * Respondents answer anonymously by the survey's random link (/s/) or a single-use invitation
 * link (/i/); static assets are files from govuk-frontend, its compiled styles and public/.
 */
const isPublic = (url: string) => url in PUBLIC || url.startsWith('/s/') || url.startsWith('/i/') || /^\/(assets|govuk|static|styles)\/\*$/.test(url) || url === '*' || url === '/*';

type World = Awaited<ReturnType<typeof accountsApp>> & {
  otherSurveyId: string;
  otherOrganisationId: string;
  secretTitle: string;
  hostId: string;
  roundId: string;
  visitors: Record<'anonymous' | 'outsider' | 'viewer' | 'analyst' | 'admin' | 'host', string>;
};
let w: World;

beforeAll(async () => {
  registered.length = 0;
  const t = await accountsApp();
  const secretTitle = 'Wave of Zeta Council 7Q3';
  await t.storage.db.updateTable('survey').set({ title: secretTitle }).where('id', '=', t.survey.id).execute();
  // Enough answers for every results route to have something to show.
  await generateResponses(t.storage.db, TEST_ACTOR, t.survey.id, 30);
  // Results are released once the survey has closed.
  await closeWave(t.storage.db, t.survey.id);
  const otherOrganisationId = await createOrganisation(t.storage.db, { name: 'Other Council', type: 'district', nation: 'Wales', region: 'Wales' });
  const other = await createSurvey(t.storage.db, {
    organisationId: otherOrganisationId,
    instrumentVersionId: await publishInstrument(t.storage.db, standardInstrument()),
    title: 'Other wave',
  });
  // A host running a benchmark round the first organisation has been invited to: it sees participation, never the council's data.
  const hostId = await createOrganisation(t.storage.db, { name: 'Host Partnership', type: HOST_TYPE, nation: 'England', region: 'South West' });
  const round = await createRound(t.storage.db, TEST_ACTOR, hostId, roundFormOfDays('Isolation round', '2026-10-01', '2026-11-30'));
  if (!round.ok) throw new Error('round not created');
  await inviteToRound(t.storage.db, TEST_ACTOR, round.id, t.organisationId);
  await answerInvitation(t.storage.db, TEST_ACTOR, round.id, t.organisationId, true);
  const cookie = async (roles: Parameters<typeof userWithRoles>[1]) => (await userWithRoles(t.storage.db, roles)).cookie;
  w = {
    ...t,
    otherSurveyId: other.id,
    otherOrganisationId,
    secretTitle,
    hostId,
    roundId: round.id,
    visitors: {
      anonymous: '',
      outsider: await cookie({ [otherOrganisationId]: 'org_admin' }),
      viewer: await cookie({ [t.organisationId]: 'viewer' }),
      analyst: await cookie({ [t.organisationId]: 'analyst' }),
      admin: await cookie({ [t.organisationId]: 'org_admin' }),
      host: await cookie({ [hostId]: 'org_admin' }),
    },
  };
  await t.app.ready();
});
afterAll(async () => w?.app.close());

/** A concrete URL for a route pattern, pointing at the first organisation's things. */
function concrete(url: string): string {
  return url
    .replace(/:id\b|:surveyId\b/g, w.survey.id)
    .replace(/:organisationId\b|:orgId\b/g, w.organisationId)
    .replace(/:slug\b/g, w.survey.slug)
    .replace(/:format\b/g, 'aggregates.csv')
    .replace(/:roundId\b/g, w.roundId)
    .replace(/:section\b/g, standardInstrument().sections[0]!.code)
    .replace(/:question\b/g, standardInstrument().sections[1]!.questions[0]!.code)
    .replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000');
}

async function visit(method: string, url: string, cookie: string) {
  // A real CSRF token for the visitor, so a refusal can only come from the access check.
  const form = await w.app.inject({ method: 'GET', url: '/sign-in', headers: { cookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
  const csrfCookie = [form.headers['set-cookie'] ?? []]
    .flat()
    .map((c) => c.split(';')[0])
    .join('; ');
  const headers = { cookie: [cookie, csrfCookie].filter(Boolean).join('; '), 'content-type': 'application/x-www-form-urlencoded' };
  return w.app.inject({ method: method as 'GET', url, headers, payload: method === 'GET' || method === 'HEAD' ? undefined : `_csrf=${encodeURIComponent(csrf)}` });
}

const protectedRoutes = () => registered.filter((r) => r.method !== 'HEAD' && !isPublic(r.url));

describe('tenant isolation over every registered route', () => {
  it('finds the routes (so an empty list cannot pass) and lists public ones explicitly', () => {
    expect(registered.length).toBeGreaterThan(15);
    expect(protectedRoutes().map((r) => r.url)).toContain('/surveys/:id/results');
  });

  it('refuses an anonymous visitor on every protected route: sign-in redirect for pages, 401 for the API', async () => {
    const wrong: string[] = [];
    for (const route of protectedRoutes()) {
      const response = await visit(route.method, concrete(route.url), w.visitors.anonymous);
      const expected = route.url.startsWith('/api/') ? response.statusCode === 401 : response.statusCode === 303 && String(response.headers.location).startsWith('/sign-in');
      if (!expected) wrong.push(`${route.method} ${route.url}: ${response.statusCode}`);
    }
    expect(wrong.join('\n')).toBe('');
  });

  it('answers 404 (or 403) to an admin of another organisation on every protected route, and never shows the survey', async () => {
    const wrong: string[] = [];
    for (const route of protectedRoutes()) {
      if (OWN_ACCOUNT.has(route.url) || PLATFORM_WIDE.has(route.url)) {
        // Open to any signed-in user, but must say nothing of the first organisation (GET only: a POST here would sign the visitor out).
        if (route.method !== 'GET') continue;
        const page = await visit('GET', route.url, w.visitors.outsider);
        if (page.body.includes(w.secretTitle) || page.body.includes('Test Council')) wrong.push(`${route.method} ${route.url} names the other organisation`);
        continue;
      }
      const response = await visit(route.method, concrete(route.url), w.visitors.outsider);
      if (![403, 404].includes(response.statusCode) || response.body.includes(w.secretTitle)) wrong.push(`${route.method} ${route.url}: ${response.statusCode}`);
    }
    expect(wrong.join('\n')).toBe('');
  });

  it('answers 404 (or 403) to the admin of a round’s host on every route of a council in its round, and the host’s own round page shows no survey', async () => {
    const wrong: string[] = [];
    for (const route of protectedRoutes()) {
      if (OWN_ACCOUNT.has(route.url) || PLATFORM_WIDE.has(route.url)) {
        if (route.method !== 'GET') continue;
        const page = await visit('GET', route.url, w.visitors.host);
        if (page.body.includes(w.secretTitle)) wrong.push(`${route.method} ${route.url} names the council's survey`);
        continue;
      }
      const response = await visit(route.method, concrete(route.url), w.visitors.host);
      if (![403, 404].includes(response.statusCode) || response.body.includes(w.secretTitle)) wrong.push(`${route.method} ${route.url}: ${response.statusCode}`);
    }
    expect(wrong.join('\n')).toBe('');
    const own = await visit('GET', `/admin/organisations/${w.hostId}/rounds/${w.roundId}`, w.visitors.host);
    expect(own.statusCode).toBe(200);
    expect(own.body).toContain('Test Council');
    expect(own.body).not.toContain(w.secretTitle);
  });

  it('lets the right organisation in: a viewer reads results and reports, an analyst also exports, an org admin reaches every page', async () => {
    for (const url of ['/surveys/:id/results', '/surveys/:id/report', '/api/surveys/:id/results']) {
      const response = await visit('GET', concrete(url), w.visitors.viewer);
      expect(response.statusCode, url).toBe(200);
    }
    expect((await visit('GET', concrete('/surveys/:id/exports'), w.visitors.viewer)).statusCode).toBe(403);
    expect((await visit('GET', concrete('/surveys/:id/exports'), w.visitors.analyst)).statusCode).toBe(200);
    const wrong: string[] = [];
    for (const route of protectedRoutes().filter((r) => r.method === 'GET' && !r.url.endsWith('.pdf'))) {
      const response = await visit('GET', concrete(route.url), w.visitors.admin);
      // The wave is closed: its delete page lets the admin in and says only a draft can be deleted (422).
      const refusedForItsState = route.url === '/admin/surveys/:id/delete' && response.statusCode === 422 && response.body.includes('draft');
      if (response.statusCode >= 400 && !refusedForItsState) wrong.push(`${route.url}: ${response.statusCode}`);
    }
    expect(wrong.join('\n')).toBe('');
  });

  it('never names another organisation’s survey on a public page, signed in or not', async () => {
    for (const route of registered.filter((r) => r.method === 'GET' && isPublic(r.url) && !r.url.includes('*') && !r.url.includes(':'))) {
      for (const visitor of ['anonymous', 'outsider'] as const) {
        const response = await visit('GET', route.url, w.visitors[visitor]);
        expect(response.body, `${visitor} ${route.url}`).not.toContain(w.secretTitle);
      }
    }
  });
});
