import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { newToken } from '../../../fieldwork/respondent.js';
import { importPaperReturns, keyPaperReturn, paperColumns, RETURN_COLUMN, SEVERAL_SEPARATOR, type ImportProblem, type KeyingDifference } from '../../../fieldwork/paper-returns.js';
import { ZFormBody, type AnswerError, type FormBody } from '../../../instrument/question-types/contract.js';
import { ZLanguage, type TLanguage } from '../../../instrument/text.js';
import { DEFAULT_CHROMIUM_PATH, PdfRenderer } from '../../../reporting/pdf.js';
import type { Storage } from '../../../storage/db.js';
import { findSurveyById, type SurveyWithDefinition } from '../../../storage/surveys.js';
import { errorMessage, message } from '../../messages.js';
import { requireOrganisationRole, requireSignIn, surveyOrganisation } from '../../plugins/auth.js';
import { answerErrorItems, questionnaireViews } from '../../question-view.js';
import { acceptUploads, uploadedFiles } from './uploads.js';

const ZSurveyParams = z.object({ id: z.uuid() });
/** The keying form's own random key (newToken): the same form sent twice stores one return. */
const ZEntry = z.string().regex(/^[A-Za-z0-9_-]{32}$/);
const ZQuestionnaireQuery = z.object({ language: ZLanguage.default('en') });
const ZStored = z.object({ stored: z.coerce.number().int().min(0).max(1_000_000).optional() });

const problemText = (p: ImportProblem) =>
  `${p.keying ? `${p.keying === 'first' ? 'First' : 'Second'} keying, ` : ''}${p.row ? `row ${p.row}` : 'the file'}${p.column ? `, column ${p.column}` : ''}: ${
    p.error ? errorMessage('en', p.error.code, p.error.params) : (p.message ?? '')
  }`;

/**
 * Paper returns: a lead or analyst keys one questionnaire at a time through the online
 * journey's own reading and checks, or imports a CSV of many (optionally keyed twice); and the
 * printable questionnaire (page and PDF) in either language, in keying order.
 */
export const paperRoutes: FastifyPluginAsync<{ storage: Storage; chromiumPath?: string }> = async (app, { storage, chromiumPath }) => {
  const { db } = storage;
  app.addHook('onRequest', requireSignIn);
  acceptUploads(app);
  const keyer = { preHandler: requireOrganisationRole('analyst', surveyOrganisation(storage)) };
  const keyerPost = { preHandler: [requireOrganisationRole('analyst', surveyOrganisation(storage)), app.csrfProtection] };
  const actorOf = (request: FastifyRequest) => ({ userId: request.user?.id ?? null });

  const pdf = new PdfRenderer(chromiumPath ?? DEFAULT_CHROMIUM_PATH, async (path) => {
    const asset = await app.inject({ method: 'GET', url: path });
    return { status: asset.statusCode, contentType: String(asset.headers['content-type'] ?? 'application/octet-stream'), body: asset.rawPayload };
  });
  app.addHook('onClose', async () => pdf.close());

  async function surveyOf(request: FastifyRequest): Promise<SurveyWithDefinition | undefined> {
    const params = ZSurveyParams.safeParse(request.params);
    return params.success ? findSurveyById(db, params.data.id) : undefined;
  }
  const base = (survey: SurveyWithDefinition) => `/admin/surveys/${survey.id}/paper`;

  function renderKeying(request: FastifyRequest, reply: FastifyReply, survey: SurveyWithDefinition, values: FormBody, errors: AnswerError[], entry: string, problem?: string) {
    const questions = survey.definition.sections.flatMap((s) => s.questions);
    const errorList = [...(problem ? [{ text: problem, href: '#main-content', field: '' }] : []), ...answerErrorItems(questions, errors, 'en')];
    const stored = ZStored.safeParse(request.query ?? {});
    return reply.render(
      'paper/key.njk',
      {
        survey,
        sections: questionnaireViews(survey.definition, values, errorList, 'en'),
        errorList,
        entry,
        base: base(survey),
        stored: stored.success ? stored.data.stored : undefined,
      },
      errorList.length > 0 ? 422 : 200,
    );
  }

  app.get('/admin/surveys/:id/paper', keyer, async (request, reply) => {
    const survey = await surveyOf(request);
    return survey ? renderKeying(request, reply, survey, {}, [], newToken()) : reply.callNotFound();
  });

  app.post('/admin/surveys/:id/paper', keyerPost, async (request, reply) => {
    const survey = await surveyOf(request);
    if (!survey) return reply.callNotFound();
    // A body that is not a form of text fields (a repeated field is an array) reads as blank: every required question then says so.
    const parsed = ZFormBody.safeParse(request.body ?? {});
    const body: FormBody = parsed.success ? parsed.data : {};
    const entry = ZEntry.safeParse(body._entry);
    if (!entry.success) return renderKeying(request, reply, survey, body, [], newToken(), 'The form had expired: check the answers below and store the return again');
    if (survey.state !== 'open') return renderKeying(request, reply, survey, body, [], entry.data, 'Paper returns can be keyed only while the survey is open');
    const result = await keyPaperReturn(db, actorOf(request), survey, body, entry.data);
    if (!result.ok) {
      request.log.info({ errors: result.errors.map((e) => `${e.field}: ${e.code}`) }, 'paper return validation failed');
      return renderKeying(request, reply, survey, body, result.errors, entry.data);
    }
    if (result.outcome === 'closed') return renderKeying(request, reply, survey, body, [], entry.data, 'The survey has closed: the return was not stored');
    return reply.redirect(`${base(survey)}?stored=1`, 303);
  });

  const renderImport = (reply: FastifyReply, survey: SurveyWithDefinition, problems: ImportProblem[] = [], more = 0, differences: KeyingDifference[] = [], stored?: number) => {
    const errorList = [
      ...problems.map((p) => ({ text: problemText(p), href: '#first' })),
      ...(differences.length > 0 ? [{ text: `The two keyings differ in ${differences.length} place${differences.length === 1 ? '' : 's'}: nothing was stored`, href: '#differences' }] : []),
    ];
    return reply.render(
      'paper/import.njk',
      { survey, base: base(survey), errorList, more, differences, stored, columns: paperColumns(survey.definition), separator: SEVERAL_SEPARATOR, returnColumn: RETURN_COLUMN },
      errorList.length > 0 ? 422 : 200,
    );
  };

  app.get('/admin/surveys/:id/paper/import', keyer, async (request, reply) => {
    const survey = await surveyOf(request);
    if (!survey) return reply.callNotFound();
    const stored = ZStored.safeParse(request.query ?? {});
    return renderImport(reply, survey, [], 0, [], stored.success ? stored.data.stored : undefined);
  });

  app.post('/admin/surveys/:id/paper/import', keyerPost, async (request, reply) => {
    const survey = await surveyOf(request);
    if (!survey) return reply.callNotFound();
    const files = uploadedFiles(request.body);
    const first = files.first;
    if (!first || first.length === 0) return renderImport(reply, survey, [{ message: 'choose a CSV file of keyed returns to upload' }]);
    const second = files.second && files.second.length > 0 ? files.second : undefined;
    const result = await importPaperReturns(db, actorOf(request), survey, first, second);
    if (result.ok) return reply.redirect(`${base(survey)}/import?stored=${result.stored}`, 303);
    if ('differences' in result) return renderImport(reply, survey, [], 0, result.differences);
    return renderImport(reply, survey, result.problems, result.more);
  });

  /** A CSV of the columns an import takes, in keying order, to key into. */
  app.get('/admin/surveys/:id/paper/template.csv', keyer, async (request, reply) => {
    const survey = await surveyOf(request);
    if (!survey) return reply.callNotFound();
    const header = [RETURN_COLUMN, ...paperColumns(survey.definition).map((c) => c.name)].join(',');
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="paper-returns-template.csv"').send(`${header}\r\n`);
  });

  function questionnaireLanguage(request: FastifyRequest, survey: SurveyWithDefinition): TLanguage | undefined {
    const query = ZQuestionnaireQuery.safeParse(request.query ?? {});
    return query.success && survey.definition.languages.includes(query.data.language) ? query.data.language : undefined;
  }

  /** The questionnaire to print, in the language asked for: every question in keying order, with when to answer it. */
  app.get('/admin/surveys/:id/paper/questionnaire', keyer, async (request, reply) => {
    const survey = await surveyOf(request);
    if (!survey) return reply.callNotFound();
    const lang = questionnaireLanguage(request, survey);
    if (!lang) return reply.callNotFound();
    return reply.render('paper/questionnaire.njk', {
      survey,
      sections: questionnaireViews(survey.definition, {}, [], lang),
      lang,
      languageSwitch: undefined,
      t: (key: Parameters<typeof message>[1], params?: Record<string, string | number>) => message(lang, key, params),
    });
  });

  app.get('/admin/surveys/:id/paper/questionnaire.pdf', keyer, async (request, reply) => {
    const survey = await surveyOf(request);
    if (!survey) return reply.callNotFound();
    const lang = questionnaireLanguage(request, survey);
    if (!lang) return reply.callNotFound();
    const availability = pdf.availability();
    const printPage = `${base(survey)}/questionnaire?language=${lang}`;
    if (!availability.available) return reply.render('paper/pdf-unavailable.njk', { reason: availability.reason, page: printPage }, 503);
    // The PDF is the print page itself, fetched as this request would see it (same sign-in).
    const page = await app.inject({ method: 'GET', url: printPage, headers: { cookie: request.headers.cookie ?? '' } });
    if (page.statusCode !== 200) return reply.status(page.statusCode).type(String(page.headers['content-type'])).send(page.body);
    let body: Buffer;
    try {
      body = await pdf.render(page.body, `${survey.title}: ${message(lang, 'paper.caption')}`);
    } catch (error) {
      request.log.error({ err: error }, 'PDF rendering failed');
      return reply.render('paper/pdf-unavailable.njk', { reason: 'Chromium could not be started to make it', page: printPage }, 503);
    }
    return reply.type('application/pdf').header('content-disposition', `attachment; filename="paper-questionnaire-${lang}.pdf"`).send(body);
  });
};
