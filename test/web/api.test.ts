import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TApiResults } from '../../src/reporting/api.js';
import { readPublication } from '../../src/publications/read.js';
import { createSurvey } from '../../src/storage/surveys.js';
import { setWavePlan } from '../../src/storage/waves.js';
import { addFixtureResponses, reportFixture, ROLE_COUNTS, SMALL_GROUP, type Fixture } from '../reporting/fixture.js';
import { memberCookie } from '../support/accounts.js';
import { openWave } from '../support/waves.js';

let f: Fixture;
let body: TApiResults;
let openApi: { paths: Record<string, unknown>; components: { schemas: Record<string, object> } };
/** A viewer of the survey's organisation: the API answers signed-in members only. */
let cookie: string;
beforeAll(async () => {
  f = await reportFixture();
  cookie = await memberCookie(f.storage.db, f.survey.id);
  const response = await f.app.inject({ headers: { cookie }, url: `/api/surveys/${f.survey.id}/results` });
  expect(response.statusCode).toBe(200);
  body = response.json();
  openApi = (await f.app.inject({ headers: { cookie }, url: '/api/openapi.json' })).json();
}, 120_000);
afterAll(async () => f.app.close());

type Figure = { group: { kind: string; code?: string }; figure: { shown: boolean; reason?: string; value?: unknown } };
const allFigures = (): Figure[] => [
  ...body.responses,
  ...body.questions.flatMap((q) => q.groups),
  ...body.numbers.flatMap((n) => n.groups),
  ...body.indices.flatMap((i) => i.groups),
  ...body.freeText.flatMap((t) => t.groups),
];

const organisationOf = async (surveyId: string) => (await f.storage.db.selectFrom('survey').select('organisation_id').where('id', '=', surveyId).executeTakeFirstOrThrow()).organisation_id;

describe('results API against its OpenAPI description', () => {
  it('serves an OpenAPI 3.1 document describing the results path', () => {
    expect((openApi as unknown as { openapi: string }).openapi).toBe('3.1.0');
    expect(Object.keys(openApi.paths)).toContain('/api/surveys/{id}/results');
  });

  it('answers with a body that validates against the served schema', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(openApi.components.schemas.SurveyResults!);
    const ok = validate(body);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // And the schema really constrains: a hidden figure carrying a number is rejected.
    const leaky = structuredClone(body);
    const hidden = leaky.responses.find((r) => !r.figure.shown)!;
    (hidden.figure as Record<string, unknown>).value = 7;
    expect(validate(leaky)).toBe(false);
  });

  it('describes its errors, and gives them as JSON with what is wrong', async () => {
    const validateError = new Ajv2020({ strict: false }).compile(openApi.components.schemas.Error!);
    const bad = await f.app.inject({ headers: { cookie }, url: '/api/surveys/not-a-uuid/results' });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(bad.json()).toMatchObject({ status: 400, title: 'Bad Request', error: 'invalid_id', detail: expect.stringMatching(/must be a UUID/) });
    expect(validateError(bad.json())).toBe(true);
    const missing = await f.app.inject({ headers: { cookie }, url: '/api/surveys/00000000-0000-4000-8000-000000000000/results' });
    expect(missing.statusCode).toBe(404);
    expect(validateError(missing.json())).toBe(true);
    const anonymous = await f.app.inject({ url: `/api/surveys/${f.survey.id}/results` });
    expect(anonymous.statusCode).toBe(401);
    expect(validateError(anonymous.json())).toBe(true);
    // Every status the API answers with is in the description.
    const documented = Object.keys((openApi.paths['/api/surveys/{id}/results'] as { get: { responses: object } }).get.responses);
    expect(documented).toEqual(['200', '400', '401', '403', '404', '409']);
  });

  it('answers 409 not_released, as the description says, for a wave with no publication yet', async () => {
    const open = await createSurvey(f.storage.db, { organisationId: await organisationOf(f.survey.id), instrumentVersionId: f.survey.instrumentVersionId, title: 'Still open' });
    await openWave(f.storage.db, open.id);
    const response = await f.app.inject({ headers: { cookie }, url: `/api/surveys/${open.id}/results` });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ error: 'not_released' });
    expect(new Ajv2020({ strict: false }).compile(openApi.components.schemas.Error!)(response.json())).toBe(true);
    const described = (openApi.paths['/api/surveys/{id}/results'] as { get: { responses: Record<string, { description: string; content: unknown }> } }).get.responses['409']!;
    expect(described.description).toContain('not_released');
    expect(described.content).toEqual({ 'application/problem+json': { schema: { $ref: '#/components/schemas/Error' } } });
  });
});

describe('results API free-text counts', () => {
  it('gives how many answered each free-text question, for all and each shown group, hiding the small group with only a reason', () => {
    const wrote = (question: string, role?: string) =>
      f.answers.filter((a) => (role === undefined || a.role === role) && typeof a.answers[question] === 'string' && a.answers[question].trim() !== '').length;
    expect(body.freeText.map((t) => t.question).sort()).toEqual(['holds_back', 'one_change']);
    for (const t of body.freeText) {
      expect(t.text.length).toBeGreaterThan(0);
      const all = t.groups.find((g) => g.group.kind === 'total')!.figure;
      expect(all, t.question).toEqual({ shown: true, value: wrote(t.question) });
      const small = t.groups.find((g) => g.group.kind === 'roleGroup' && g.group.code === SMALL_GROUP.code)!;
      expect(Object.keys(small.figure).sort()).toEqual(['reason', 'shown']);
      for (const g of t.groups) {
        if (g.group.kind === 'roleGroup' && g.figure.shown) expect(g.figure.value, `${t.question} ${g.group.code}`).toBe(wrote(t.question, g.group.code));
      }
    }
    // Every comment in the small group is the planted one; the count never appears as a number next to it.
    expect(wrote('one_change', SMALL_GROUP.code)).toBe(ROLE_COUNTS[SMALL_GROUP.code]);
  });

  it('has no trend for a first wave', () => {
    expect(body.previous).toBeNull();
  });
});

describe('results API trend against the previous wave', () => {
  it('names the previous wave and gives the changes frozen in the publication, hidden wherever either wave hides the figure', { timeout: 120_000 }, async () => {
    const next = await createSurvey(f.storage.db, { organisationId: await organisationOf(f.survey.id), instrumentVersionId: f.survey.instrumentVersionId, title: 'Wave 2' });
    await setWavePlan(f.storage.db, next.id, { opensOn: null, closesOn: null, previousSurveyId: f.survey.id });
    await openWave(f.storage.db, next.id);
    await addFixtureResponses({ storage: f.storage, survey: { ...next, instrumentVersionId: f.survey.instrumentVersionId } }, 101);
    const response = await f.app.inject({ headers: { cookie }, url: `/api/surveys/${next.id}/results` });
    expect(response.statusCode).toBe(200);
    const trend = response.json<TApiResults>();
    const validate = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(validate);
    const check = validate.compile(openApi.components.schemas.SurveyResults!);
    expect(check(trend)).toBe(true);

    const publication = (await readPublication(f.storage.db, next.id))!;
    expect(trend.previous).toMatchObject({ surveyId: f.survey.id, title: 'Wave 1', version: publication.previous!.version });
    const changes = trend.previous!.changes;
    expect(changes).toHaveLength(publication.previous!.waves.length);
    expect(changes.length).toBeGreaterThan(50);
    publication.previous!.waves.forEach((w, k) => {
      const c = changes[k]!;
      expect([c.question, c.item, c.index, c.measure, c.group]).toEqual([w.question, w.question === undefined ? undefined : (w.item ?? ''), w.index, w.measure, w.group]);
      if (!w.change.shown) expect(c.change).toEqual({ shown: false, reason: w.change.reason });
      else expect(c.change).toEqual({ shown: true, value: { ...w.change.value } });
    });
    // The small group is hidden in both waves, so each of its changes is only a reason.
    const small = changes.filter((c) => c.group.kind === 'roleGroup' && c.group.code === SMALL_GROUP.code);
    expect(small.length).toBeGreaterThan(10);
    for (const c of small) expect(Object.keys(c.change).sort()).toEqual(['reason', 'shown']);
    // The strategy "yes" change for the whole organisation is the two waves' published figures.
    const yes = changes.find((c) => c.question === 'strategy' && c.measure === 'yes' && c.group.kind === 'total')!;
    const estimate = (r: TApiResults) => {
      const all = r.questions.find((q) => q.question === 'strategy')!.groups.find((g) => g.group.kind === 'total')!.figure;
      if (!all.shown) throw new Error('hidden');
      return all.value.options.find((o) => o.option === 'yes')!.proportion.estimate;
    };
    if (!yes.change.shown) throw new Error('hidden');
    expect(yes.change.value.previous).toBeCloseTo(estimate(body), 12);
    expect(yes.change.value.current).toBeCloseTo(estimate(trend), 12);
    expect(yes.text).toBe('Does your organisation have a digital strategy?');
  });
});

describe('results API: what the report says beside the estimates', () => {
  it('carries the perception gap and the published comparisons as the publication holds them, and no weighting design when unweighted', async () => {
    const { analysis } = (await readPublication(f.storage.db, f.survey.id))!;
    expect(body.weighting).toBe(analysis.weighting.status);
    expect(body.weightingDesign).toBeNull();
    expect(analysis.perceptionGap.length).toBeGreaterThan(5);
    expect(body.perceptionGap).toHaveLength(analysis.perceptionGap.length);
    analysis.perceptionGap.forEach((g, k) => {
      const api = body.perceptionGap[k]!;
      expect([api.question, api.index, api.measure, api.unit]).toEqual([g.question, g.index, g.measure, g.unit]);
      if (!g.gap.shown) expect(api.gap).toEqual({ shown: false, reason: g.gap.reason });
      else {
        const { leaders, frontline, difference, lower, upper, test, p, pAdjusted, significant } = g.gap.value;
        expect(api.gap).toEqual({ shown: true, value: { leaders, frontline, difference, lower, upper, test, p, pAdjusted, significant } });
      }
    });
    expect(analysis.published.length).toBeGreaterThan(0);
    expect(body.published).toHaveLength(analysis.published.length);
    analysis.published.forEach((c, k) => {
      const api = body.published[k]!;
      expect([api.question, api.item, api.study.id, api.percent, api.describes]).toEqual([c.question, c.item, c.study.id, c.finding.percent, c.describes]);
      if (c.result.shown) expect(api.result).toMatchObject({ shown: true, value: { difference: c.result.value.difference, p: c.result.value.p } });
      else expect(api.result).toEqual({ shown: false, reason: c.result.reason });
    });
  });
});

describe('results API estimates', () => {
  it('gives the whole organisation’s "yes" to the strategy question with the count and the Wilson interval computed here', () => {
    const answered = f.answers.filter((a) => typeof a.answers.strategy === 'string');
    const yes = answered.filter((a) => a.answers.strategy === 'yes').length;
    const q = body.questions.find((x) => x.question === 'strategy')!;
    const all = q.groups.find((g) => g.group.kind === 'total')!.figure;
    if (!all.shown) throw new Error('total hidden');
    const option = all.value.options.find((o) => o.option === 'yes')!;
    const n = answered.length;
    const p = yes / n;
    const z = 1.959963984540054;
    const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
    const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
    expect(all.value.base).toBe(n);
    expect(option.count).toBe(yes);
    expect(option.proportion.estimate).toBeCloseTo(p, 12);
    expect(option.proportion.lower).toBeCloseTo(centre - half, 9);
    expect(option.proportion.upper).toBeCloseTo(centre + half, 9);
  });
});

describe('results API suppression', () => {
  it('hides every figure of the small group, with only a reason', () => {
    const small = allFigures().filter((g) => g.group.kind === 'roleGroup' && g.group.code === SMALL_GROUP.code);
    expect(small.length).toBeGreaterThan(10);
    for (const g of small) expect(Object.keys(g.figure).sort()).toEqual(['reason', 'shown']);
    for (const g of allFigures().filter((x) => !x.figure.shown)) expect(Object.keys(g.figure).sort()).toEqual(['reason', 'shown']);
  });

  it('never lets "All" minus the shown role groups come to fewer than the threshold', () => {
    const total = Object.values(ROLE_COUNTS).reduce((a, b) => a + b, 0);
    const shownResponses = body.responses.filter((r) => r.group.kind === 'roleGroup' && r.figure.shown).reduce((s, r) => s + (r.figure.shown ? r.figure.value : 0), 0);
    expect(total - shownResponses).toBeGreaterThanOrEqual(body.threshold);
    for (const q of body.questions) {
      const all = q.groups.find((g) => g.group.kind === 'total')!.figure;
      if (!all.shown) continue;
      const roles = q.groups.filter((g) => g.group.kind === 'roleGroup');
      const hiddenBase = all.value.base - roles.reduce((s, g) => s + (g.figure.shown ? g.figure.value.base : 0), 0);
      if (roles.some((g) => !g.figure.shown) && hiddenBase > 0) expect(hiddenBase, `${q.question} ${q.item}`).toBeGreaterThanOrEqual(body.threshold);
    }
  });
});
