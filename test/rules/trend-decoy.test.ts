/**
 * The decoy-wave trend: a new wave's trend must never compare with a wave that is still open
 * (its live figures, read before and after a colleague answers, would give that colleague's
 * answers away). Driven as an organisation admin at the web pages.
 */
import type { RouteOptions } from 'fastify';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createWave, blankWaveForm } from '../../src/admin/waves.js';
import { EXPORT_FORMAT_NAMES } from '../../src/reporting/exports/index.js';
import { submitResponse } from '../../src/storage/responses.js';
import { Respondent, answerAll, testDatabases } from '../support/app.js';
import { respondentAnswers } from '../support/server.js';
import { TEST_ACTOR } from '../support/waves.js';
import {
  answersFor,
  createWaveOnWeb,
  definition,
  expectWithheld,
  leadSetup,
  postNewWave,
  pressWaveButton,
  publications,
  reportPercent,
  responseCount,
  roster,
  share,
  submitAll,
  instrumentVersionOf,
  surveyOutputUrls,
  tableCaptioned,
  text,
  type Setup,
  type Submitted,
} from './support.js';

/** Every route the app registers (an onRoute hook on each Fastify instance), so a new results route cannot be missed. */
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

const A_TITLE = 'Autumn wave';
const B_TITLE = 'Spring wave';
const REFUSAL = 'The previous wave must be a closed one: only closed waves have published results to compare with';
// The trend row names the question and the answer, as every measure row does: "question: answer".
const STRATEGY_YES_ROW = 'Does your organisation have a digital strategy?: Yes';

/** Wave A: a quarter say the organisation has a digital strategy; wave B: three quarters (a change the trend must show). */
const answersA = (): Submitted[] => roster().map((r, i) => answersFor(1000 + i, r.role, r.directorate, { strategy: i % 4 === 0 ? 'yes' : 'no' }));
const answersB = (): Submitted[] => roster().map((r, i) => answersFor(5000 + i, r.role, r.directorate, { strategy: i % 4 === 0 ? 'no' : 'yes' }));
const strategyYes = (rs: Submitted[]) =>
  share(
    rs,
    (a) => typeof a.strategy === 'string',
    (a) => a.strategy === 'yes',
  );

for (const database of testDatabases) {
  describe.skipIf(database.skip)(`the decoy-wave trend cannot show an open wave ${database.title}`, () => {
    let s: Setup | undefined;
    let ids: { a: string; b: string } | undefined;
    afterAll(async () => s?.app.close());

    it('refuses a previous wave that is open, shows no figure of it while open, and compares with its publication once closed', { timeout: 300_000 }, async () => {
      s = await leadSetup(database);
      const { lead, organisationId, storage, app } = s;
      const db = storage.db;

      // Wave A, created and opened by the lead, with responses.
      const a = await createWaveOnWeb(lead, organisationId, A_TITLE);
      expect((await pressWaveButton(lead, a, 'open')).statusCode).toBe(303);
      const waveA = { id: a, instrumentVersionId: await instrumentVersionOf(db, a) };
      const givenA = answersA();
      await submitAll(db, waveA, givenA);
      // A colleague starts answering A now and will press "Submit" only after it has closed.
      const slugA = (await db.selectFrom('survey').select('slug').where('id', '=', a).executeTakeFirstOrThrow()).slug;
      const late = new Respondent(app);
      const { last } = await answerAll(late, definition, `/s/${slugA}`, respondentAnswers(definition, 77));
      expect(last.headers.location).toBe(`/s/${slugA}/check`);
      expect((await late.get(`/s/${slugA}/check`)).statusCode).toBe(200);

      // While A is open, nothing under /surveys/A/* or /api/surveys/A/* gives a figure.
      const urls = surveyOutputUrls(registered, a, EXPORT_FORMAT_NAMES);
      for (const path of ['results', 'report', 'report.pdf', 'exports', 'exports/aggregates.csv']) expect(urls).toContain(`/surveys/${a}/${path}`);
      expect(urls).toContain(`/api/surveys/${a}/results`);
      for (const url of urls) await expectWithheld(app, s.leadCookie, url, A_TITLE);

      // Wave B may not name the open wave A as its previous one: the form again, with the message, and nothing created.
      const refused = await postNewWave(lead, organisationId, { title: B_TITLE, previousSurveyId: a });
      expect(refused.statusCode).toBe(422);
      expect(refused.body).toContain(`<a href="#previousSurveyId">${REFUSAL}</a>`);
      expect(text(refused.body)).toContain(`Error: ${REFUSAL}`);
      expect(await db.selectFrom('survey').select('id').where('title', '=', B_TITLE).execute()).toEqual([]);
      // Nor through the service the command line and API would use.
      const service = await createWave(db, TEST_ACTOR, organisationId, { ...blankWaveForm(), title: B_TITLE, previousSurveyId: a });
      expect(service).toEqual({ ok: false, errors: [{ field: 'previousSurveyId', message: REFUSAL }], definitionProblems: [] });
      expect(await db.selectFrom('survey').select('id').where('title', '=', B_TITLE).execute()).toEqual([]);

      // Close A: it is published once, and then B may name it.
      expect((await pressWaveButton(lead, a, 'close')).statusCode).toBe(303);
      const publishedA = await publications(db, a);
      expect(publishedA.map((p) => [p.version, p.reason])).toEqual([[1, 'close']]);
      const b = await createWaveOnWeb(lead, organisationId, B_TITLE, a);
      ids = { a, b };
      const page = await lead.get(`/admin/surveys/${b}`);
      expect(text(page.body)).toContain(`Previous wave ${A_TITLE}`);

      // B opens, is answered and closes.
      expect((await pressWaveButton(lead, b, 'open')).statusCode).toBe(303);
      const givenB = answersB();
      await submitAll(db, { id: b, instrumentVersionId: await instrumentVersionOf(db, b) }, givenB);
      expect((await pressWaveButton(lead, b, 'close')).statusCode).toBe(303);

      // B's publication compares with A's publication (version 1), figures as A's answers give them.
      const [publishedB] = await publications(db, b);
      const documentB = JSON.parse(publishedB!.document) as {
        previous?: {
          surveyId: string;
          version: number;
          title: string;
          waves: { question?: string; item?: string; measure: string; group: { kind: string }; change: { shown: boolean; value?: { previous: number; current: number } } }[];
        };
      };
      expect(documentB.previous).toMatchObject({ surveyId: a, version: 1, title: A_TITLE });
      const yesA = strategyYes(givenA);
      const yesB = strategyYes(givenB);
      expect(yesA.p).toBeLessThan(0.3);
      expect(yesB.p).toBeGreaterThan(0.7);
      const change = documentB.previous!.waves.find((w) => w.question === 'strategy' && w.measure === 'yes' && w.group.kind === 'total')!;
      expect(change.change.shown).toBe(true);
      expect(change.change.value!.previous).toBeCloseTo(yesA.p, 12);
      expect(change.change.value!.current).toBeCloseTo(yesB.p, 12);

      // B's report shows the change since A, from A's published figure.
      const report = await lead.get(`/surveys/${b}/report`);
      expect(report.statusCode).toBe(200);
      expect(text(report.body)).toContain(`Change since the previous survey (${A_TITLE})`);
      const trend = tableCaptioned(report.body, `Change since ${A_TITLE}`);
      const row = trend.rows.find((r) => r[0] === STRATEGY_YES_ROW);
      expect(row, 'the strategy "Yes" change is in the trend table').toBeDefined();
      expect(row!.slice(1, 3)).toEqual([reportPercent(yesA.p), reportPercent(yesB.p)]);
      expect(row![5]).toBe('Yes');

      // A is closed, so nothing can move it: the colleague's late submission is refused, and so is a direct one.
      const submitted = await late.post(`/s/${slugA}/submit`);
      expect(submitted.statusCode).toBe(410);
      expect(
        await submitResponse(db, `late-${a}`, {
          surveyId: a,
          instrumentVersionId: waveA.instrumentVersionId,
          roleGroup: 'frontline',
          directorate: 'housing',
          submittedOn: '2026-12-01',
          answers: answersFor(9, 'frontline', 'housing').answers,
        }),
      ).toBe('closed');
      expect(await responseCount(db, a)).toBe(givenA.length);
      expect(await publications(db, a)).toEqual(publishedA);
      const again = await lead.get(`/surveys/${b}/report`);
      expect(
        tableCaptioned(again.body, `Change since ${A_TITLE}`)
          .rows.find((r) => r[0] === STRATEGY_YES_ROW)!
          .slice(1, 3),
      ).toEqual([reportPercent(yesA.p), reportPercent(yesB.p)]);
    });

    it('offers only closed waves as the previous wave on the new-wave form', async () => {
      // Needs the waves of the first test; a new open wave C is added as a decoy.
      expect(s && ids).toBeTruthy();
      const c = await createWaveOnWeb(s!.lead, s!.organisationId, 'Decoy wave');
      expect((await pressWaveButton(s!.lead, c, 'open')).statusCode).toBe(303);
      const form = await s!.lead.get(`/admin/organisations/${s!.organisationId}/surveys/new`);
      const select = /<select[^>]*name="previousSurveyId"[^>]*>([\s\S]*?)<\/select>/.exec(form.body)?.[1] ?? '';
      const offered = [...select.matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]);
      expect(offered).toContain(ids!.a);
      expect(offered, 'an open wave is not offered as the previous wave').not.toContain(c);
    });

    it('gives the trend against the previous wave in the API too', async () => {
      expect(s && ids).toBeTruthy();
      const response = await s!.app.inject({ method: 'GET', url: `/api/surveys/${ids!.b}/results`, headers: { cookie: s!.leadCookie } });
      expect(response.statusCode).toBe(200);
      const body = response.body;
      // Whatever its shape, a trend in the API has to say what it compares with.
      expect(
        [ids!.a, A_TITLE].some((mark) => body.includes(mark)),
        'the API answer names the previous wave it compares with',
      ).toBe(true);
    });
  });
}
