import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { generateResponses } from '../../src/admin/demo.js';
import { ZDefinition, type TDefinition } from '../../src/instrument/definition.js';
import { MAX_PAPER_RETURNS } from '../../src/fieldwork/paper-returns.js';
import { listAuditEntries } from '../../src/storage/audit-log.js';
import { findSurveyById } from '../../src/storage/surveys.js';
import { buildApp } from '../../src/web/app.js';
import { userWithRoles } from '../support/accounts.js';
import { openSurveyDatabase, standardInstrument, testConfig, testDatabases, testServices } from '../support/app.js';
import { Browser, text } from '../support/browser.js';
import { closeWave, TEST_ACTOR } from '../support/waves.js';
import { minimalDefinition } from '../fixtures/minimal-definition.js';
import { pdfText } from '../reporting/pdf-text.js';
import { DEFAULT_CHROMIUM_PATH, PdfRenderer } from '../../src/reporting/pdf.js';

const opened: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of opened.splice(0)) await app.close();
});

const mini = (): TDefinition => ZDefinition.parse(minimalDefinition());

async function setUp(target: Awaited<ReturnType<(typeof testDatabases)[number]['fresh']>>, definition: TDefinition = mini(), role: 'analyst' | 'viewer' = 'analyst') {
  const { storage, survey } = await openSurveyDatabase(definition, target);
  const app = await buildApp(testConfig(), testServices(storage));
  opened.push(app);
  const { organisationId } = (await findSurveyById(storage.db, survey.id))!;
  const user = await userWithRoles(storage.db, { [organisationId]: role });
  return { app, storage, survey, organisationId, keyer: new Browser(app, user.cookie), base: `/admin/surveys/${survey.id}/paper` };
}

const responses = (db: Awaited<ReturnType<typeof setUp>>['storage']['db'], surveyId: string) =>
  db.selectFrom('response').select(['source', 'answers', 'role_group']).where('survey_id', '=', surveyId).execute();

const HEADER = 'return,role,strategy,achievable,engaged,leadership__understand,leadership__invest,barriers,barriers_other,years,comments';
const GOOD_ROW = (n: number, years = 12) => `${n},frontline,yes,agree,very,agree,disagree,culture;budget,,${years},`;

/** A multipart body the way a browser uploads files, for the import form. */
const csv = (lines: string[]) => ({ name: 'returns.csv', content: `${lines.join('\r\n')}\r\n` });

for (const database of testDatabases) {
  describe.skipIf(database.skip)(`paper returns ${database.title}`, () => {
    it('keys a return with impossible answers, shows the online journey’s errors, then stores it corrected as a paper response', async () => {
      const { keyer, base, storage, survey, organisationId } = await setUp(await database.fresh());
      const page = await keyer.get(base);
      expect(page.statusCode).toBe(200);
      // Every question, in keying order, on one page.
      const order = ['name="role"', 'name="strategy"', 'name="achievable"', 'name="engaged"', 'name="leadership__understand"', 'name="barriers"', 'name="years"', 'name="comments"'];
      const positions = order.map((field) => page.body.indexOf(field));
      expect(positions.every((p) => p > 0)).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(text(page.body)).toContain('Only answer this if you answered “Yes”');
      const entry = /name="_entry" value="([^"]+)"/.exec(page.body)![1]!;

      const wrong = await keyer.post(base, {
        _entry: entry,
        role: 'frontline',
        strategy: 'no',
        achievable: 'agree',
        leadership__understand: 'agree',
        barriers: 'none',
        years: '70',
      });
      expect(wrong.statusCode).toBe(422);
      expect(wrong.body).toMatch(/<title>Error: /);
      expect(wrong.body).toContain('<a href="#engaged">Answer this question</a>');
      expect(wrong.body).toContain('<a href="#leadership__invest">Choose an answer for every statement</a>');
      expect(wrong.body).toContain('<a href="#years">Enter a number that is 60 or less</a>');
      // Inline too, as on the respondent's page, and what was keyed is kept.
      expect(wrong.body).toMatch(/id="years-error"[\s\S]{0,200}Enter a number that is 60 or less/);
      expect(wrong.body).toMatch(/name="years"[^>]*value="70"/);
      expect(await responses(storage.db, survey.id)).toEqual([]);

      const right = await keyer.post(base, {
        _entry: entry,
        role: 'frontline',
        strategy: 'no',
        achievable: 'agree',
        engaged: 'very',
        leadership__understand: 'agree',
        leadership__invest: 'agree',
        barriers: 'none',
        years: '12',
      });
      expect(right.statusCode).toBe(303);
      expect(right.headers.location).toBe(`${base}?stored=1`);
      // The same form sent again (a double click) stores nothing more.
      expect(
        (await keyer.post(base, { _entry: entry, role: 'frontline', strategy: 'no', engaged: 'very', leadership__understand: 'agree', leadership__invest: 'agree', barriers: 'none' }))
          .statusCode,
      ).toBe(303);
      const stored = await responses(storage.db, survey.id);
      expect(stored).toHaveLength(1);
      expect(stored[0]!.source).toBe('paper');
      expect(stored[0]!.role_group).toBe('frontline');
      // "achievable" was not asked of someone whose organisation has no strategy: dropped, as online.
      expect(JSON.parse(stored[0]!.answers)).toEqual({
        role: 'frontline',
        strategy: 'no',
        engaged: 'very',
        leadership: { understand: 'agree', invest: 'agree' },
        barriers: { selected: ['none'] },
        years: 12,
      });
      expect(text((await keyer.get(`${base}?stored=1`)).body)).toContain('Paper return stored');
      const audit = await listAuditEntries(storage.db, organisationId);
      expect(audit.filter((e) => e.action === 'paper.key')).toHaveLength(1);
    });

    it('refuses keying to a viewer', async () => {
      const { keyer, base } = await setUp(await database.fresh(), mini(), 'viewer');
      expect((await keyer.get(base)).statusCode).toBe(403);
    });

    it('lists every problem of a bulk import by row and column and stores nothing, then imports a correct file in one go', async () => {
      const { keyer, base, storage, survey, organisationId } = await setUp(await database.fresh());
      await keyer.get(`${base}/import`);
      const bad = await keyer.upload(
        `${base}/import`,
        {},
        { first: csv([`${HEADER},shoe_size`, GOOD_ROW(1), '2,frontline,maybe,,very,agree,agree,culture,,5,', GOOD_ROW(1), '3,senior,no,,,agree,agree,budget;none,,,']) },
      );
      expect(bad.statusCode).toBe(422);
      expect(text(bad.body)).toContain('row 1, column shoe_size: "shoe_size" is not a question code of this survey');
      // The header is wrong, so rows are not read yet; with the header put right, every row's problems are listed.
      const rows = await keyer.upload(
        `${base}/import`,
        {},
        { first: csv([HEADER, GOOD_ROW(1), '2,frontline,maybe,,very,agree,agree,culture,,5,', GOOD_ROW(1), '3,senior,no,,,agree,agree,budget;none,,,']) },
      );
      expect(rows.statusCode).toBe(422);
      const listed = text(rows.body);
      expect(listed).toContain('row 3, column strategy: Select one of the options given');
      expect(listed).toContain('row 4: is the same as row 2');
      expect(listed).toContain('row 5, column engaged: Answer this question');
      expect(listed).toContain('row 5, column barriers: Select either "none of these" or other options, not both');
      expect(await responses(storage.db, survey.id)).toEqual([]);

      const latin1 = Buffer.concat([Buffer.from(`${HEADER}\r\n`), Buffer.from('1,frontline,yes,agree,very,agree,agree,culture,,12,caf\xe9\r\n', 'latin1')]);
      const notUtf8 = await keyer.upload(`${base}/import`, {}, { first: { name: 'returns.csv', content: latin1 } });
      expect(notUtf8.statusCode).toBe(422);
      expect(text(notUtf8.body)).toContain('row 2: is not UTF-8 text');

      const huge = await keyer.upload(`${base}/import`, {}, { first: csv([HEADER, ...Array.from({ length: 100_000 }, (_, i) => GOOD_ROW(i))]) });
      expect(huge.statusCode).toBe(422);
      expect(text(huge.body)).toContain(`the file has 100,001 rows; one import takes at most ${MAX_PAPER_RETURNS.toLocaleString('en-GB')} questionnaires`);
      expect(await responses(storage.db, survey.id)).toEqual([]);

      const good = await keyer.upload(`${base}/import`, {}, { first: csv([HEADER, GOOD_ROW(1), GOOD_ROW(2), '3,senior,no,,quite,agree,agree,budget,,,']) });
      expect(good.statusCode).toBe(303);
      expect(good.headers.location).toBe(`${base}/import?stored=3`);
      const stored = await responses(storage.db, survey.id);
      expect(stored.map((r) => r.source)).toEqual(['paper', 'paper', 'paper']);
      expect(stored.map((r) => JSON.parse(r.answers) as Record<string, unknown>).find((a) => a.role === 'senior')).toEqual({
        role: 'senior',
        strategy: 'no',
        engaged: 'quite',
        leadership: { understand: 'agree', invest: 'agree' },
        barriers: { selected: ['budget'] },
      });
      const audit = await listAuditEntries(storage.db, organisationId);
      expect(audit.find((e) => e.action === 'paper.import')?.target).toBe(`survey ${survey.id}: 3 paper returns`);
    });

    it('double entry: lists where two keyings differ and stores nothing until they agree', async () => {
      const { keyer, base, storage, survey } = await setUp(await database.fresh());
      await keyer.get(`${base}/import`);
      const first = csv([HEADER, GOOD_ROW(1), GOOD_ROW(2, 30)]);
      const differing = await keyer.upload(`${base}/import`, {}, { first, second: csv([HEADER, GOOD_ROW(1), GOOD_ROW(2, 3)]) });
      expect(differing.statusCode).toBe(422);
      expect(text(differing.body)).toContain('The two keyings differ in 1 place');
      expect(text(differing.body)).toMatch(/3 years 30 3/);
      expect(await responses(storage.db, survey.id)).toEqual([]);
      const agreeing = await keyer.upload(`${base}/import`, {}, { first, second: csv([HEADER, GOOD_ROW(1), GOOD_ROW(2, 30)]) });
      expect(agreeing.statusCode).toBe(303);
      expect(await responses(storage.db, survey.id)).toHaveLength(2);
    });

    it('counts paper and online responses together in the publication, and the report’s method gives the split', async () => {
      const { keyer, base, storage, survey, app } = await setUp(await database.fresh());
      await generateResponses(storage.db, TEST_ACTOR, survey.id, 30, 7);
      await keyer.get(`${base}/import`);
      const keyed = await keyer.upload(`${base}/import`, {}, { first: csv([HEADER, ...Array.from({ length: 12 }, (_, i) => GOOD_ROW(i + 1, i))]) });
      expect(keyed.statusCode).toBe(303);
      await closeWave(storage.db, survey.id);
      const { organisationId } = (await findSurveyById(storage.db, survey.id))!;
      const viewer = new Browser(app, (await userWithRoles(storage.db, { [organisationId]: 'viewer' })).cookie);
      const report = text((await viewer.get(`/surveys/${survey.id}/report`)).body);
      expect(report).toContain('42 responses to Wave 1');
      expect(report).toContain('30 were given online and 12 on paper questionnaires');
    });
  });
}

describe.skipIf(!new PdfRenderer(DEFAULT_CHROMIUM_PATH, () => Promise.reject(new Error('unused'))).availability().available)('the printable paper questionnaire', () => {
  it('is a PDF listing every question in keying order, in English and in Welsh', async () => {
    const definition = standardInstrument();
    const { keyer, base } = await setUp(await testDatabases[0]!.fresh(), definition);
    for (const lang of ['en', 'cy'] as const) {
      const response = await keyer.get(`${base}/questionnaire.pdf?language=${lang}`);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('application/pdf');
      const pdf = pdfText(response.rawPayload).join(' ').replace(/\s+/g, ' ');
      let at = 0;
      for (const question of definition.sections.flatMap((s) => s.questions)) {
        // The first words of each question, in order (the PDF breaks lines where it will).
        const words = (question.text[lang] ?? question.text.en).split(/\s+/).slice(0, 3).join(' ');
        const found = pdf.indexOf(words, at);
        expect(found, `${question.code} (${lang}) after position ${at}`).toBeGreaterThanOrEqual(0);
        at = found;
      }
    }
  }, 60_000);
});
