import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { createRespondentService, SESSION_DAYS } from '../../fieldwork/respondent.js';
import { firstIncompleteSection, previousSection, shownQuestions, shownSections } from '../../fieldwork/journey.js';
import { ZFormBody, type FormBody } from '../../instrument/question-types/contract.js';
import { moduleFor, type Answers } from '../../instrument/question-types/index.js';
import type { AnswerError } from '../../instrument/question-types/contract.js';
import type { TSection } from '../../instrument/definition.js';
import type { Storage } from '../../storage/db.js';
import type { SurveyWithDefinition } from '../../storage/surveys.js';
import type { AnswerSession } from '../../storage/answer-sessions.js';
import { lookUpInvitation, startFromInvitation, type InvitationFound } from '../../fieldwork/invitations.js';
import { TooManyAttempts } from '../plugins/rate-limit.js';
import { formatDate, formatWait, message } from '../messages.js';
import { answerErrorItems, sectionViews } from '../question-view.js';

const COOKIE = 'sounding_answers';
const ZSlugParams = z.object({ slug: z.string().regex(/^[a-z0-9]{4,40}$/) });
const ZSectionParams = ZSlugParams.extend({ section: z.string().regex(/^[a-z][a-z0-9_]{0,19}$/) });
const ZResumeBody = z.object({ code: z.string().max(40).default('') });

export const respondRoutes: FastifyPluginAsync<{ storage: Storage; secureCookies: boolean }> = async (app, { storage, secureCookies }) => {
  const service = createRespondentService(storage.db);

  /** The answers each request's cookie holds, read with its survey (openSurvey) and handed out by currentSession. */
  const sessions = new WeakMap<FastifyRequest, AnswerSession>();

  /** The survey for a link, or a clear 404/410 page; never a 500. */
  async function openSurvey(request: FastifyRequest, reply: FastifyReply): Promise<SurveyWithDefinition | undefined> {
    const params = ZSlugParams.safeParse(request.params);
    const opened = params.success ? await service.open(params.data.slug, request.cookies[COOKIE]) : undefined;
    const survey = opened?.survey;
    if (opened?.session) sessions.set(request, opened.session);
    if (!survey || survey.state === 'draft') {
      await reply.render('errors/survey-not-found.njk', {}, 404);
      return undefined;
    }
    if (survey.state === 'closed') {
      const closedOn = survey.closesOn ? formatDate(new Date(`${survey.closesOn}T12:00:00Z`), request.lang) : undefined;
      await reply.render('errors/survey-closed.njk', { survey, closedOn }, 410);
      return undefined;
    }
    return survey;
  }

  const base = (survey: SurveyWithDefinition) => `/s/${survey.slug}`;
  const setCookie = (reply: FastifyReply, survey: SurveyWithDefinition, token: string) =>
    reply.setCookie(COOKIE, token, { path: base(survey), httpOnly: true, sameSite: 'lax', secure: secureCookies, maxAge: 30 * 86_400 });

  /** The respondent's answers to this survey, as openSurvey read them. */
  function currentSession(request: FastifyRequest, survey: SurveyWithDefinition): AnswerSession | undefined {
    const session = sessions.get(request);
    return session?.surveyId === survey.id ? session : undefined;
  }

  /** No unfinished answers: either already submitted (show the confirmation) or never started. */
  async function noSession(request: FastifyRequest, reply: FastifyReply, survey: SurveyWithDefinition) {
    const token = request.cookies[COOKIE];
    if (token && (await service.hasSubmitted(token))) return reply.redirect(`${base(survey)}/done`, 303);
    return reply.redirect(base(survey), 303);
  }

  function renderSection(
    request: FastifyRequest,
    reply: FastifyReply,
    survey: SurveyWithDefinition,
    section: TSection,
    answers: Answers,
    values: FormBody,
    errors: AnswerError[],
    returnTo: string | undefined,
  ) {
    const lang = request.lang;
    const errorList = answerErrorItems(section.questions, errors, lang);
    const shown = shownSections(survey.definition, answers);
    const back = previousSection(survey.definition, section.code, answers);
    return reply.render(
      'respond/section.njk',
      {
        survey,
        section,
        questions: sectionViews(survey.definition, section, answers, values, errorList, lang),
        errorList,
        backHref: returnTo === 'check' ? `${base(survey)}/check` : back ? `${base(survey)}/q/${back.code}` : base(survey),
        progress: { current: shown.findIndex((s) => s.code === section.code) + 1, total: shown.length },
        returnTo,
        action: `${base(survey)}/q/${section.code}`,
      },
      errors.length > 0 ? 422 : 200,
    );
  }

  function formValuesOf(section: TSection, answers: Answers): FormBody {
    return Object.fromEntries(section.questions.filter((q) => answers[q.code] !== undefined).flatMap((q) => Object.entries(moduleFor(q).formValues(q, answers[q.code]!))));
  }

  function findSection(survey: SurveyWithDefinition, code: string) {
    return survey.definition.sections.find((s) => s.code === code);
  }

  app.get('/s/:slug', async (request, reply) => {
    const survey = await openSurvey(request, reply);
    if (!survey) return reply;
    const session = currentSession(request, survey);
    return reply.render('respond/start.njk', { survey, inProgress: session !== undefined, base: base(survey) });
  });

  app.post('/s/:slug/start', { preHandler: app.csrfProtection }, async (request, reply) => {
    const survey = await openSurvey(request, reply);
    if (!survey) return reply;
    const existing = currentSession(request, survey);
    if (existing) {
      const next = firstIncompleteSection(survey.definition, existing.answers);
      return reply.redirect(next ? `${base(survey)}/q/${next.code}` : `${base(survey)}/check`, 303);
    }
    setCookie(reply, survey, await service.start(survey));
    return reply.redirect(`${base(survey)}/q/${survey.definition.sections[0]!.code}`, 303);
  });

  app.get('/s/:slug/q/:section', async (request, reply) => {
    const survey = await openSurvey(request, reply);
    if (!survey) return reply;
    const params = ZSectionParams.safeParse(request.params);
    const section = params.success ? findSection(survey, params.data.section) : undefined;
    if (!section) return reply.callNotFound();
    const session = currentSession(request, survey);
    if (!session) return noSession(request, reply, survey);
    if (!shownSections(survey.definition, session.answers).includes(section)) {
      const next = firstIncompleteSection(survey.definition, session.answers);
      return reply.redirect(next ? `${base(survey)}/q/${next.code}` : `${base(survey)}/check`, 303);
    }
    const returnTo = (request.query as Record<string, string>).returnTo === 'check' ? 'check' : undefined;
    return renderSection(request, reply, survey, section, session.answers, formValuesOf(section, session.answers), [], returnTo);
  });

  app.post('/s/:slug/q/:section', { preHandler: app.csrfProtection }, async (request, reply) => {
    const survey = await openSurvey(request, reply);
    if (!survey) return reply;
    const params = ZSectionParams.safeParse(request.params);
    const section = params.success ? findSection(survey, params.data.section) : undefined;
    if (!section) return reply.callNotFound();
    const session = currentSession(request, survey);
    if (!session) return noSession(request, reply, survey);
    const body: FormBody = ZFormBody.parse(request.body ?? {});
    const returnTo = body.returnTo === 'check' ? 'check' : undefined;
    const result = await service.answerSection(survey, session, section, body);
    if (body.action === 'save') {
      const code = await service.saveForLater(session);
      return reply.render('respond/saved.njk', { survey, code, base: base(survey), savedThisPage: result.ok, keptDays: SESSION_DAYS });
    }
    if (!result.ok) {
      request.log.info({ errors: result.errors.map((e) => `${e.field}: ${e.code}`) }, 'answer validation failed');
      return renderSection(request, reply, survey, section, result.answers, body, result.errors, returnTo);
    }
    const incomplete = firstIncompleteSection(survey.definition, result.answers);
    if (returnTo === 'check' || !result.next) {
      return reply.redirect(incomplete ? `${base(survey)}/q/${incomplete.code}` : `${base(survey)}/check`, 303);
    }
    return reply.redirect(`${base(survey)}/q/${result.next.code}`, 303);
  });

  app.get('/s/:slug/check', async (request, reply) => {
    const survey = await openSurvey(request, reply);
    if (!survey) return reply;
    const session = currentSession(request, survey);
    if (!session) return noSession(request, reply, survey);
    const incomplete = firstIncompleteSection(survey.definition, session.answers);
    if (incomplete) return reply.redirect(`${base(survey)}/q/${incomplete.code}`, 303);
    const sections = shownSections(survey.definition, session.answers).map((section) => ({
      section,
      rows: shownQuestions(survey.definition, section, session.answers).map((question) => {
        const answer = session.answers[question.code];
        return {
          question,
          lines: answer === undefined ? [] : moduleFor(question).summarise(question, answer, request.lang),
          changeHref: `${base(survey)}/q/${section.code}?returnTo=check#${question.code}`,
        };
      }),
    }));
    return reply.render('respond/check.njk', { survey, sections, base: base(survey) });
  });

  app.post('/s/:slug/submit', { preHandler: app.csrfProtection }, async (request, reply) => {
    const survey = await openSurvey(request, reply);
    if (!survey) return reply;
    const session = currentSession(request, survey);
    if (!session) return noSession(request, reply, survey);
    const outcome = await service.submit(survey, session);
    if (typeof outcome === 'object') return reply.redirect(`${base(survey)}/q/${outcome.incomplete.code}`, 303);
    return reply.redirect(`${base(survey)}/done`, 303);
  });

  app.get('/s/:slug/done', async (request, reply) => {
    const survey = await openSurvey(request, reply);
    if (!survey) return reply;
    return reply.render('respond/done.njk', { survey, base: base(survey) });
  });

  app.get('/s/:slug/resume', async (request, reply) => {
    const survey = await openSurvey(request, reply);
    if (!survey) return reply;
    return reply.render('respond/resume.njk', { survey, base: base(survey) });
  });

  app.post('/s/:slug/resume', { preHandler: app.csrfProtection }, async (request, reply) => {
    const survey = await openSurvey(request, reply);
    if (!survey) return reply;
    // A code too long to be one (or not text at all) is simply not a match.
    const parsed = ZResumeBody.safeParse(request.body ?? {});
    const code = parsed.success ? parsed.data.code : 'not a code';
    const again = (error: string, status = 422) => reply.render('respond/resume.njk', { survey, base: base(survey), code, error }, status);
    if (code.trim() === '') return again(message(request.lang, 'resume.empty'));
    const resumed = await service.resume(survey, code, request.ip);
    if (resumed.outcome === 'no-match') return again(message(request.lang, 'resume.noMatch'));
    if (resumed.outcome === 'wait') {
      reply.header('retry-after', String(resumed.retryAfterSeconds));
      return again(message(request.lang, 'resume.wait', { wait: formatWait(resumed.retryAfterSeconds, request.lang) }), 429);
    }
    setCookie(reply, survey, resumed.token);
    const session = await service.session(survey, resumed.token);
    const next = session && firstIncompleteSection(survey.definition, session.answers);
    return reply.redirect(next ? `${base(survey)}/q/${next.code}` : `${base(survey)}/check`, 303);
  });

  // Invitation links. Opening one only shows the start page, because mail scanners open links
  // too; the respondent's "Start now" spends it and starts answers with their segment given.
  const ZInvitationParams = z.object({ token: z.string().max(64) });
  async function invitationGone(request: FastifyRequest, reply: FastifyReply, found: Exclude<InvitationFound, { outcome: 'ready' }>) {
    if (found.outcome === 'wait') throw new TooManyAttempts(found.retryAfterSeconds);
    if (found.outcome === 'unknown') return reply.render('errors/survey-not-found.njk', {}, 404);
    if (found.outcome === 'closed') {
      const closedOn = found.survey.closesOn ? formatDate(new Date(`${found.survey.closesOn}T12:00:00Z`), request.lang) : undefined;
      return reply.render('errors/survey-closed.njk', { survey: found.survey, closedOn }, 410);
    }
    return reply.render('respond/invitation-used.njk', { survey: found.survey, base: base(found.survey) }, 410);
  }

  app.get('/i/:token', async (request, reply) => {
    const params = ZInvitationParams.safeParse(request.params);
    if (!params.success) return invitationGone(request, reply, { outcome: 'unknown' });
    const { token } = params.data;
    const found = await lookUpInvitation(storage.db, token, request.ip);
    if (found.outcome !== 'ready') return invitationGone(request, reply, found);
    return reply.render('respond/start.njk', { survey: found.survey, inProgress: false, base: base(found.survey), startAction: `/i/${token}/start` });
  });

  app.post('/i/:token/start', { preHandler: app.csrfProtection }, async (request, reply) => {
    const params = ZInvitationParams.safeParse(request.params);
    if (!params.success) return invitationGone(request, reply, { outcome: 'unknown' });
    const started = await startFromInvitation(storage.db, params.data.token, request.ip);
    if (started.outcome !== 'started') return invitationGone(request, reply, started);
    setCookie(reply, started.survey, started.sessionToken);
    return reply.redirect(`${base(started.survey)}/q/${started.survey.definition.sections[0]!.code}`, 303);
  });
};
