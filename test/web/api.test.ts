import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TApiResults } from '../../src/reporting/api.js';
import { reportFixture, ROLE_COUNTS, SMALL_GROUP, type Fixture } from '../reporting/fixture.js';
import { memberCookie } from '../support/accounts.js';

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
];

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
    expect(bad.json().message).toMatch(/must be a UUID/);
    expect(validateError(bad.json())).toBe(true);
    const missing = await f.app.inject({ headers: { cookie }, url: '/api/surveys/00000000-0000-4000-8000-000000000000/results' });
    expect(missing.statusCode).toBe(404);
    expect(validateError(missing.json())).toBe(true);
    const anonymous = await f.app.inject({ url: `/api/surveys/${f.survey.id}/results` });
    expect(anonymous.statusCode).toBe(401);
    expect(validateError(anonymous.json())).toBe(true);
    // Every status the API answers with is in the description.
    const documented = Object.keys((openApi.paths['/api/surveys/{id}/results'] as { get: { responses: object } }).get.responses);
    expect(documented).toEqual(['200', '400', '401', '403', '404']);
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
    const half = ((z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n)));
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
