import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import { z } from 'zod';
import { answersFromPages, readSection } from '../../../fieldwork/answer-form.js';
import { firstIncompleteSection, nextSection, shownSections } from '../../../fieldwork/journey.js';
import type { TDefinition, TSection } from '../../../instrument/definition.js';
import { ZFormBody, type AnswerError, type FormBody } from '../../../instrument/question-types/contract.js';
import type { Answers } from '../../../instrument/question-types/index.js';
import type { SurveyWithDefinition } from '../../../storage/surveys.js';
import { checkSections, formValuesOf, sectionPage } from '../../journey-pages.js';
import { message } from '../../messages.js';

const ZSectionParams = z.object({ section: z.string().regex(/^[a-z][a-z0-9_]{0,19}$/) });
/** One cookie per answered page, so no cookie nears the 4 KB browsers keep; a page's fields deflated rarely reach this. */
const MAX_PAGE_COOKIE = 3800;
const cookieName = (section: string) => `sounding_preview_${section}`;

type PreHandler = NonNullable<RouteShorthandOptions['preHandler']>;

export interface PreviewRouteOptions {
  secureCookies: boolean;
  viewer: PreHandler;
  viewerPosting: PreHandler;
  surveyOf: (request: FastifyRequest) => Promise<SurveyWithDefinition | undefined>;
}

/**
 * "Preview as a respondent": the live survey's pages, from the same journey rules and the same
 * page views (journey-pages.ts), with a banner saying it is a preview. Nothing is stored: the
 * lead's browser carries each answered page's fields in a cookie scoped to the preview, and
 * every request reads them again with the live survey's checks (answersFromPages).
 */
export function previewRoutes(app: FastifyInstance, { secureCookies, viewer, viewerPosting, surveyOf }: PreviewRouteOptions) {
  const base = (survey: SurveyWithDefinition) => `/admin/surveys/${survey.id}/preview`;
  const common = (request: FastifyRequest, survey: SurveyWithDefinition) => ({
    survey,
    preview: true,
    serviceName: message(request.lang, 'preview.serviceName'),
    serviceUrl: `/admin/surveys/${survey.id}`,
  });

  function pagesOf(request: FastifyRequest, definition: TDefinition): Record<string, FormBody> {
    const pages: Record<string, FormBody> = {};
    for (const section of definition.sections) {
      const raw = request.cookies[cookieName(section.code)];
      if (!raw) continue;
      try {
        const parsed = ZFormBody.safeParse(JSON.parse(inflateRawSync(Buffer.from(raw, 'base64url'), { maxOutputLength: 100_000 }).toString('utf8')));
        if (parsed.success) pages[section.code] = parsed.data;
      } catch {
        // A cookie that is not ours (or cut short) is a page not yet answered.
      }
    }
    return pages;
  }

  const cookieOptions = (survey: SurveyWithDefinition) => ({ path: base(survey), httpOnly: true, sameSite: 'lax' as const, secure: secureCookies });
  function forgetPages(reply: FastifyReply, survey: SurveyWithDefinition) {
    for (const section of survey.definition.sections) reply.clearCookie(cookieName(section.code), cookieOptions(survey));
  }

  async function surveyAndSection(request: FastifyRequest) {
    const params = ZSectionParams.safeParse(request.params);
    const survey = params.success ? await surveyOf(request) : undefined;
    const section = survey?.definition.sections.find((s) => s.code === params.data?.section);
    return survey && section ? { survey, section } : undefined;
  }

  function renderSection(
    request: FastifyRequest,
    reply: FastifyReply,
    survey: SurveyWithDefinition,
    section: TSection,
    answers: Answers,
    values: FormBody,
    errors: AnswerError[],
    returnTo?: string,
    problem?: string,
  ) {
    const page = sectionPage(survey.definition, section, answers, values, errors, request.lang);
    const errorList = problem ? [{ text: problem, href: '#main-content', field: '' }, ...page.errorList] : page.errorList;
    return reply.render(
      'respond/section.njk',
      {
        ...page,
        ...common(request, survey),
        errorList,
        backHref: returnTo === 'check' ? `${base(survey)}/check` : page.back ? `${base(survey)}/q/${page.back.code}` : `/admin/surveys/${survey.id}`,
        returnTo,
        action: `${base(survey)}/q/${section.code}`,
        canSave: false,
      },
      errorList.length > 0 ? 422 : 200,
    );
  }

  const whereNext = (survey: SurveyWithDefinition, answers: Answers) => {
    const incomplete = firstIncompleteSection(survey.definition, answers);
    return incomplete ? `${base(survey)}/q/${incomplete.code}` : `${base(survey)}/check`;
  };

  // Starting the preview forgets any answers left from an earlier one.
  app.get('/admin/surveys/:id/preview', { preHandler: viewer }, async (request, reply) => {
    const survey = await surveyOf(request);
    if (!survey) return reply.callNotFound();
    forgetPages(reply, survey);
    return reply.redirect(`${base(survey)}/q/${survey.definition.sections[0]!.code}`, 303);
  });

  app.get('/admin/surveys/:id/preview/check', { preHandler: viewer }, async (request, reply) => {
    const survey = await surveyOf(request);
    if (!survey) return reply.callNotFound();
    const answers = answersFromPages(survey.definition, pagesOf(request, survey.definition));
    if (firstIncompleteSection(survey.definition, answers)) return reply.redirect(whereNext(survey, answers), 303);
    const sections = checkSections(survey.definition, answers, request.lang, (section, question) => `${base(survey)}/q/${section.code}?returnTo=check#${question.code}`);
    return reply.render('respond/check.njk', { ...common(request, survey), sections, base: base(survey) });
  });

  app.post('/admin/surveys/:id/preview/submit', { preHandler: viewerPosting }, async (request, reply) => {
    const survey = await surveyOf(request);
    if (!survey) return reply.callNotFound();
    const answers = answersFromPages(survey.definition, pagesOf(request, survey.definition));
    if (firstIncompleteSection(survey.definition, answers)) return reply.redirect(whereNext(survey, answers), 303);
    forgetPages(reply, survey);
    return reply.redirect(`${base(survey)}/done`, 303);
  });

  app.get('/admin/surveys/:id/preview/done', { preHandler: viewer }, async (request, reply) => {
    const survey = await surveyOf(request);
    return survey ? reply.render('respond/preview-done.njk', { ...common(request, survey), surveyHref: `/admin/surveys/${survey.id}` }) : reply.callNotFound();
  });

  app.get('/admin/surveys/:id/preview/q/:section', { preHandler: viewer }, async (request, reply) => {
    const found = await surveyAndSection(request);
    if (!found) return reply.callNotFound();
    const { survey, section } = found;
    const answers = answersFromPages(survey.definition, pagesOf(request, survey.definition));
    // As in the live survey: a page the answers so far do not show leads to the first page still to answer.
    if (!shownSections(survey.definition, answers).includes(section)) return reply.redirect(whereNext(survey, answers), 303);
    const returnTo = (request.query as Record<string, unknown>).returnTo === 'check' ? 'check' : undefined;
    return renderSection(request, reply, survey, section, answers, formValuesOf(section, answers), [], returnTo);
  });

  app.post('/admin/surveys/:id/preview/q/:section', { preHandler: viewerPosting }, async (request, reply) => {
    const found = await surveyAndSection(request);
    if (!found) return reply.callNotFound();
    const { survey, section } = found;
    const parsed = ZFormBody.safeParse(request.body ?? {});
    const body: FormBody = parsed.success ? parsed.data : {};
    const returnTo = body.returnTo === 'check' ? 'check' : undefined;
    const result = readSection(survey.definition, section, body, answersFromPages(survey.definition, pagesOf(request, survey.definition)));
    if (!result.ok) return renderSection(request, reply, survey, section, result.answers, body, result.errors, returnTo);
    const cookie = deflateRawSync(JSON.stringify(formValuesOf(section, result.answers))).toString('base64url');
    if (cookie.length > MAX_PAGE_COOKIE) return renderSection(request, reply, survey, section, result.answers, body, [], returnTo, message(request.lang, 'preview.tooLong'));
    reply.setCookie(cookieName(section.code), cookie, cookieOptions(survey));
    const next = nextSection(survey.definition, section.code, result.answers);
    return reply.redirect(returnTo === 'check' || !next ? whereNext(survey, result.answers) : `${base(survey)}/q/${next.code}`, 303);
  });
}
