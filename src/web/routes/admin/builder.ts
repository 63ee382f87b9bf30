import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  addQuestion,
  addSection,
  audienceLines,
  blankDefinition,
  changeDraft,
  conditionChoices,
  conditionFormFrom,
  definitionFromFile,
  editAudiences,
  editQuestion,
  editSection,
  editSettings,
  isQuestionType,
  LOCKED_REASON,
  lockedQuestions,
  missingWelsh,
  moveQuestion,
  moveSection,
  QUESTION_TYPE_NAMES,
  questionFormFrom,
  questionFormOf,
  removalConsequences,
  removeQuestion,
  removeSection,
  sectionFormFrom,
  sectionFormOf,
  setCondition,
  settingsFormFrom,
  settingsFormOf,
  standardDefinition,
  type BuilderResult,
  type ConditionForm,
  type ConditionSubject,
} from '../../../admin/builder.js';
import type { FieldError } from '../../../admin/waves.js';
import { allQuestions, type TDefinition } from '../../../instrument/definition.js';
import type { TCondition } from '../../../instrument/question-types/base.js';
import { QUESTION_TYPES, type QuestionType } from '../../../instrument/question-types/index.js';
import { definitionYaml } from '../../../instrument/validate.js';
import { Refusal } from '../../../publications/service.js';
import type { Storage } from '../../../storage/db.js';
import { findSurveyById, type SurveyWithDefinition } from '../../../storage/surveys.js';
import { requireOrganisationRole, surveyOrganisation } from '../../plugins/auth.js';
import { uploadedFiles } from './uploads.js';

const ZParams = z.object({ id: z.uuid(), section: z.string().max(20).optional(), question: z.string().max(20).optional() });
const ZDirection = z.object({ direction: z.enum(['up', 'down']) });
const ZStart = z.object({ from: z.enum(['standard', 'blank']) });

const NOTICES = {
  saved: 'Saved.',
  removed: 'Removed.',
  moved: 'Moved.',
  started: 'The survey’s questions were replaced.',
} as const;
const ZDone = z.object({ done: z.enum(Object.keys(NOTICES) as [keyof typeof NOTICES]).optional() });

const body = (request: FastifyRequest) => (request.body ?? {}) as Record<string, unknown>;
const errorList = (errors: FieldError[]) => errors.map((e) => (e.field ? { text: e.message, href: `#${e.field}` } : { text: e.message }));
const inline = (errors: FieldError[]) => Object.fromEntries(errors.filter((e) => e.field).map((e) => [e.field, e.message]));

/** A condition in words: shown when an earlier answer is, or is not, one of some options. */
function conditionText(definition: TDefinition, subject: ConditionSubject, condition: TCondition | undefined): string | undefined {
  if (!condition) return undefined;
  const choice = conditionChoices(definition, subject).find((c) => c.key === (condition.item ? `${condition.question}.${condition.item}` : condition.question));
  const answers = (condition.anyOf ?? condition.noneOf ?? []).map((a) => choice?.options.find((o) => o.code === a)?.label ?? a);
  return `Shown when the answer to “${choice?.label ?? condition.question}” is ${condition.noneOf ? 'not ' : ''}${answers.join(' or ')}`;
}

/**
 * The survey builder's pages for a draft wave: every change a form POST (working without
 * JavaScript), made by the builder service; a refused change re-renders its page with the
 * GOV.UK error summary and a 422.
 */
export const builderRoutes: FastifyPluginAsync<{ storage: Storage }> = async (app, { storage }) => {
  const { db } = storage;
  const lead = requireOrganisationRole('org_admin', surveyOrganisation(storage));
  const read = { preHandler: lead };
  const write = { preHandler: [lead, app.csrfProtection] };
  const actorOf = (request: FastifyRequest) => ({ userId: request.user?.id ?? null });

  async function surveyOf(request: FastifyRequest): Promise<{ survey: SurveyWithDefinition; section?: string; question?: string } | undefined> {
    const params = ZParams.safeParse(request.params);
    if (!params.success) return undefined;
    const survey = await findSurveyById(db, params.data.id);
    if (!survey) return undefined;
    if (params.data.section !== undefined && !survey.definition.sections.some((s) => s.code === params.data.section)) return undefined;
    if (params.data.question !== undefined && !allQuestions(survey.definition).some((p) => p.question.code === params.data.question)) return undefined;
    return { survey, section: params.data.section, question: params.data.question };
  }

  const base = (survey: { id: string }) => `/admin/surveys/${survey.id}/builder`;

  function renderOverview(request: FastifyRequest, reply: FastifyReply, survey: SurveyWithDefinition, errors: FieldError[] = [], status = 422) {
    const { definition } = survey;
    const locked = lockedQuestions(definition);
    const query = ZDone.safeParse(request.query ?? {});
    return reply.render(
      'admin/builder/index.njk',
      {
        survey,
        base: base(survey),
        draft: survey.state === 'draft',
        welsh: definition.languages.includes('cy'),
        missingWelsh: definition.languages.includes('cy') ? missingWelsh(definition) : [],
        audiences: definition.audiences.map((a) => ({ code: a.code, label: a.label.en })),
        sections: definition.sections.map((section) => ({
          ...section,
          audienceNames: section.audiences?.map((a) => definition.audiences.find((x) => x.code === a)?.label.en ?? a).join(', '),
          condition: conditionText(definition, { kind: 'section', code: section.code }, section.showIf),
          questions: section.questions.map((question) => ({
            question,
            typeName: QUESTION_TYPE_NAMES[question.type],
            locked: locked.has(question.code),
            condition: conditionText(definition, question.code, question.showIf),
            audienceNames: question.audiences?.map((a) => definition.audiences.find((x) => x.code === a)?.label.en ?? a).join(', '),
            segment: question.code === definition.segments.roleGroup ? 'role group' : question.code === definition.segments.directorate ? 'directorate' : undefined,
          })),
        })),
        lockedReason: LOCKED_REASON,
        notice: errors.length === 0 && query.success && query.data.done ? NOTICES[query.data.done] : undefined,
        errorList: errorList(errors),
      },
      errors.length > 0 ? status : 200,
    );
  }

  /**
   * Applies a change to the draft and redirects to the overview, or hands the refusal back to
   * `refused` to show; a wave no longer a draft is shown its overview with the reason.
   */
  async function apply(
    request: FastifyRequest,
    reply: FastifyReply,
    survey: SurveyWithDefinition,
    what: string,
    change: (definition: TDefinition, survey: { title: string }) => BuilderResult,
    refused: (errors: FieldError[]) => unknown,
    notice: keyof typeof NOTICES = 'saved',
  ) {
    let result: BuilderResult;
    try {
      result = await changeDraft(db, actorOf(request), survey.id, what, change);
    } catch (error) {
      if (error instanceof Refusal) return renderOverview(request, reply, survey, [{ field: '', message: error.message }], error.status);
      throw error;
    }
    if (!result.ok) return refused(result.errors);
    return reply.redirect(`${base(survey)}?done=${notice}`, 303);
  }

  app.get('/admin/surveys/:id/builder', read, async (request, reply) => {
    const found = await surveyOf(request);
    return found ? renderOverview(request, reply, found.survey) : reply.callNotFound();
  });

  app.get('/admin/surveys/:id/builder/definition.yaml', read, async (request, reply) => {
    const found = await surveyOf(request);
    if (!found) return reply.callNotFound();
    return reply
      .type('application/yaml; charset=utf-8')
      .header('content-disposition', `attachment; filename="${found.survey.definition.code}.yaml"`)
      .send(definitionYaml(found.survey.definition));
  });

  // Settings: title, description, time and languages.
  const renderSettings = (reply: FastifyReply, survey: SurveyWithDefinition, form = settingsFormOf(survey.definition), errors: FieldError[] = []) =>
    reply.render('admin/builder/settings.njk', { survey, base: base(survey), form, errors: inline(errors), errorList: errorList(errors) }, errors.length > 0 ? 422 : 200);
  app.get('/admin/surveys/:id/builder/settings', read, async (request, reply) => {
    const found = await surveyOf(request);
    return found ? renderSettings(reply, found.survey) : reply.callNotFound();
  });
  app.post('/admin/surveys/:id/builder/settings', write, async (request, reply) => {
    const found = await surveyOf(request);
    if (!found) return reply.callNotFound();
    const form = settingsFormFrom(body(request));
    return apply(
      request,
      reply,
      found.survey,
      'settings',
      (d) => editSettings(d, form),
      (errors) => renderSettings(reply, found.survey, form, errors),
    );
  });

  // Audiences.
  const renderAudiences = (reply: FastifyReply, survey: SurveyWithDefinition, lines = audienceLines(survey.definition), errors: FieldError[] = []) => {
    const role = allQuestions(survey.definition).find((p) => p.question.code === survey.definition.segments.roleGroup)?.question;
    const roleGroups = role?.type === 'single' ? role.options.map((o) => `${o.code} (${o.label.en})`).join(', ') : '';
    return reply.render('admin/builder/audiences.njk', { survey, base: base(survey), lines, roleGroups, errors: inline(errors), errorList: errorList(errors) }, errors.length > 0 ? 422 : 200);
  };
  app.get('/admin/surveys/:id/builder/audiences', read, async (request, reply) => {
    const found = await surveyOf(request);
    return found ? renderAudiences(reply, found.survey) : reply.callNotFound();
  });
  app.post('/admin/surveys/:id/builder/audiences', write, async (request, reply) => {
    const found = await surveyOf(request);
    if (!found) return reply.callNotFound();
    const lines = typeof body(request).audiences === 'string' ? (body(request).audiences as string) : '';
    return apply(
      request,
      reply,
      found.survey,
      'audiences',
      (d) => editAudiences(d, lines),
      (errors) => renderAudiences(reply, found.survey, lines, errors),
    );
  });

  // Starting again from the standard instrument, from blank, or from a definition file.
  const renderStart = (reply: FastifyReply, survey: SurveyWithDefinition, errors: FieldError[] = []) =>
    reply.render('admin/builder/start.njk', { survey, base: base(survey), errors: inline(errors), errorList: errorList(errors) }, errors.length > 0 ? 422 : 200);
  app.get('/admin/surveys/:id/builder/start', read, async (request, reply) => {
    const found = await surveyOf(request);
    return found ? renderStart(reply, found.survey) : reply.callNotFound();
  });
  app.post('/admin/surveys/:id/builder/start', write, async (request, reply) => {
    const found = await surveyOf(request);
    if (!found) return reply.callNotFound();
    const start = ZStart.safeParse(body(request));
    if (!start.success) return renderStart(reply, found.survey, [{ field: 'from', message: 'Choose the standard instrument or a blank survey' }]);
    const from = start.data.from;
    return apply(
      request,
      reply,
      found.survey,
      `started again from ${from === 'standard' ? 'the standard instrument' : 'blank'}`,
      (_d, survey) => ({ ok: true, definition: from === 'standard' ? standardDefinition() : blankDefinition(survey.title) }),
      (errors) => renderStart(reply, found.survey, errors),
      'started',
    );
  });
  app.post('/admin/surveys/:id/builder/upload', write, async (request, reply) => {
    const found = await surveyOf(request);
    if (!found) return reply.callNotFound();
    const file = uploadedFiles(request.body).file ?? Buffer.alloc(0);
    return apply(
      request,
      reply,
      found.survey,
      'replaced by an uploaded file',
      () => definitionFromFile(file),
      (errors) => renderStart(reply, found.survey, errors),
      'started',
    );
  });

  // Sections.
  function typeChoice(reply: FastifyReply, survey: SurveyWithDefinition, action: string, heading: string, errors: FieldError[] = []) {
    return reply.render(
      'admin/builder/question-type.njk',
      { survey, base: base(survey), action, heading, types: QUESTION_TYPES.map((t) => ({ value: t, text: QUESTION_TYPE_NAMES[t] })), errors: inline(errors), errorList: errorList(errors) },
      errors.length > 0 ? 422 : 200,
    );
  }
  const typeOf = (request: FastifyRequest): QuestionType | undefined => {
    const type = (request.query as Record<string, unknown> | undefined)?.type ?? body(request).type;
    return isQuestionType(type) ? type : undefined;
  };
  const noType = [{ field: 'type', message: 'Choose the type of question' }];

  function renderQuestion(
    reply: FastifyReply,
    survey: SurveyWithDefinition,
    context: { action: string; heading: string; form: ReturnType<typeof questionFormOf>; locked?: boolean; section?: ReturnType<typeof sectionFormOf> },
    errors: FieldError[] = [],
  ) {
    return reply.render(
      'admin/builder/question.njk',
      {
        survey,
        base: base(survey),
        ...context,
        typeName: QUESTION_TYPE_NAMES[context.form.type],
        welsh: survey.definition.languages.includes('cy'),
        audiences: survey.definition.audiences.map((a) => ({ value: a.code, text: a.label.en })),
        lockedReason: LOCKED_REASON,
        errors: inline(errors),
        errorList: errorList(errors),
      },
      errors.length > 0 ? 422 : 200,
    );
  }

  app.get('/admin/surveys/:id/builder/sections/new', read, async (request, reply) => {
    const found = await surveyOf(request);
    if (!found) return reply.callNotFound();
    const type = typeOf(request);
    const action = `${base(found.survey)}/sections`;
    if (!type) return typeChoice(reply, found.survey, `${base(found.survey)}/sections/new`, 'Add a section: its first question');
    return renderQuestion(reply, found.survey, { action, heading: 'Add a section', form: questionFormOf(undefined, type), section: sectionFormOf() });
  });
  app.post('/admin/surveys/:id/builder/sections', write, async (request, reply) => {
    const found = await surveyOf(request);
    if (!found) return reply.callNotFound();
    const type = typeOf(request);
    if (!type) return typeChoice(reply, found.survey, `${base(found.survey)}/sections/new`, 'Add a section: its first question', noType);
    // The section's own fields are prefixed, as the page also holds its first question's.
    const sectionForm = sectionFormFrom(
      Object.fromEntries(
        Object.entries(body(request))
          .filter(([k]) => k.startsWith('section_'))
          .map(([k, v]) => [k.slice('section_'.length), v]),
      ),
    );
    const form = questionFormFrom(body(request), type);
    return apply(
      request,
      reply,
      found.survey,
      `added section ${sectionForm.code}`,
      (d) => addSection(d, sectionForm, form),
      (errors) => renderQuestion(reply, found.survey, { action: `${base(found.survey)}/sections`, heading: 'Add a section', form, section: sectionForm }, errors),
    );
  });

  const renderSection = (reply: FastifyReply, survey: SurveyWithDefinition, code: string, form: ReturnType<typeof sectionFormOf>, errors: FieldError[] = []) =>
    reply.render(
      'admin/builder/section.njk',
      {
        survey,
        base: base(survey),
        code,
        form,
        welsh: survey.definition.languages.includes('cy'),
        audiences: survey.definition.audiences.map((a) => ({ value: a.code, text: a.label.en })),
        errors: inline(errors),
        errorList: errorList(errors),
      },
      errors.length > 0 ? 422 : 200,
    );
  app.get('/admin/surveys/:id/builder/sections/:section', read, async (request, reply) => {
    const found = await surveyOf(request);
    if (!found?.section) return reply.callNotFound();
    return renderSection(reply, found.survey, found.section, sectionFormOf(found.survey.definition.sections.find((s) => s.code === found.section)));
  });
  app.post('/admin/surveys/:id/builder/sections/:section', write, async (request, reply) => {
    const found = await surveyOf(request);
    if (!found?.section) return reply.callNotFound();
    const code = found.section;
    const form = sectionFormFrom(body(request));
    return apply(
      request,
      reply,
      found.survey,
      `edited section ${code}`,
      (d) => editSection(d, code, form),
      (errors) => renderSection(reply, found.survey, code, form, errors),
    );
  });

  for (const kind of ['sections', 'questions'] as const) {
    const one = kind === 'sections' ? 'section' : 'question';
    app.post(`/admin/surveys/:id/builder/${kind}/:${one}/move`, write, async (request, reply) => {
      const found = await surveyOf(request);
      const code = found?.[one];
      if (!found || !code) return reply.callNotFound();
      const direction = ZDirection.safeParse(body(request));
      if (!direction.success) return renderOverview(request, reply, found.survey, [{ field: '', message: `Choose whether to move ${one} "${code}" up or down` }]);
      const move = kind === 'sections' ? moveSection : moveQuestion;
      return apply(
        request,
        reply,
        found.survey,
        `moved ${one} ${code} ${direction.data.direction}`,
        (d) => move(d, code, direction.data.direction),
        (errors) => renderOverview(request, reply, found.survey, errors),
        'moved',
      );
    });

    // Removal asks first, saying what goes with it (a comparison item leaves the indices it feeds).
    app.get(`/admin/surveys/:id/builder/${kind}/:${one}/remove`, read, async (request, reply) => {
      const found = await surveyOf(request);
      const code = found?.[one];
      if (!found || !code) return reply.callNotFound();
      const { definition } = found.survey;
      const codes = kind === 'sections' ? definition.sections.find((s) => s.code === code)!.questions.map((q) => q.code) : [code];
      const locked = lockedQuestions(definition);
      return reply.render('admin/builder/remove.njk', {
        survey: found.survey,
        base: base(found.survey),
        action: `${base(found.survey)}/${kind}/${code}/remove`,
        what:
          kind === 'sections'
            ? `section “${definition.sections.find((s) => s.code === code)!.title.en}”`
            : `question “${allQuestions(definition).find((p) => p.question.code === code)!.question.text.en}”`,
        locked: codes.some((c) => locked.has(c)),
        consequences: removalConsequences(definition, codes),
      });
    });
    app.post(`/admin/surveys/:id/builder/${kind}/:${one}/remove`, write, async (request, reply) => {
      const found = await surveyOf(request);
      const code = found?.[one];
      if (!found || !code) return reply.callNotFound();
      const remove = kind === 'sections' ? removeSection : removeQuestion;
      return apply(
        request,
        reply,
        found.survey,
        `removed ${one} ${code}`,
        (d) => remove(d, code),
        (errors) => renderOverview(request, reply, found.survey, errors),
        'removed',
      );
    });
  }

  // Questions.
  app.get('/admin/surveys/:id/builder/sections/:section/questions/new', read, async (request, reply) => {
    const found = await surveyOf(request);
    if (!found?.section) return reply.callNotFound();
    const type = typeOf(request);
    const action = `${base(found.survey)}/sections/${found.section}/questions`;
    if (!type) return typeChoice(reply, found.survey, `${action}/new`, 'Add a question');
    return renderQuestion(reply, found.survey, { action, heading: 'Add a question', form: questionFormOf(undefined, type) });
  });
  app.post('/admin/surveys/:id/builder/sections/:section/questions', write, async (request, reply) => {
    const found = await surveyOf(request);
    if (!found?.section) return reply.callNotFound();
    const section = found.section;
    const action = `${base(found.survey)}/sections/${section}/questions`;
    const type = typeOf(request);
    if (!type) return typeChoice(reply, found.survey, `${action}/new`, 'Add a question', noType);
    const form = questionFormFrom(body(request), type);
    return apply(
      request,
      reply,
      found.survey,
      `added question ${form.code}`,
      (d) => addQuestion(d, section, form),
      (errors) => renderQuestion(reply, found.survey, { action, heading: 'Add a question', form }, errors),
    );
  });

  app.get('/admin/surveys/:id/builder/questions/:question', read, async (request, reply) => {
    const found = await surveyOf(request);
    if (!found?.question) return reply.callNotFound();
    const question = allQuestions(found.survey.definition).find((p) => p.question.code === found.question)!.question;
    return renderQuestion(reply, found.survey, {
      action: `${base(found.survey)}/questions/${question.code}`,
      heading: 'Edit a question',
      form: questionFormOf(question),
      locked: lockedQuestions(found.survey.definition).has(question.code),
    });
  });
  app.post('/admin/surveys/:id/builder/questions/:question', write, async (request, reply) => {
    const found = await surveyOf(request);
    if (!found?.question) return reply.callNotFound();
    const code = found.question;
    const existing = allQuestions(found.survey.definition).find((p) => p.question.code === code)!.question;
    const form = { ...questionFormFrom(body(request), typeOf(request) ?? existing.type), code };
    return apply(
      request,
      reply,
      found.survey,
      `edited question ${code}`,
      (d) => editQuestion(d, code, form),
      (errors) =>
        renderQuestion(
          reply,
          found.survey,
          { action: `${base(found.survey)}/questions/${code}`, heading: 'Edit a question', form, locked: lockedQuestions(found.survey.definition).has(code) },
          errors,
        ),
    );
  });

  // A question's or section's condition: first the earlier answer it depends on, then which of its options.
  function renderCondition(reply: FastifyReply, survey: SurveyWithDefinition, subject: { kind: 'question' | 'section'; code: string }, form: ConditionForm, errors: FieldError[] = []) {
    const choices = conditionChoices(survey.definition, subject);
    const label =
      subject.kind === 'question'
        ? allQuestions(survey.definition).find((p) => p.question.code === subject.code)!.question.text.en
        : `Section: ${survey.definition.sections.find((s) => s.code === subject.code)!.title.en}`;
    return reply.render(
      'admin/builder/condition.njk',
      {
        survey,
        base: base(survey),
        what: subject.kind,
        label,
        action: `${base(survey)}/${subject.kind}s/${subject.code}/condition`,
        choices,
        chosen: choices.find((c) => c.key === form.on),
        form,
        errors: inline(errors),
        errorList: errorList(errors),
      },
      errors.length > 0 ? 422 : 200,
    );
  }
  for (const kind of ['question', 'section'] as const) {
    app.get(`/admin/surveys/:id/builder/${kind}s/:${kind}/condition`, read, async (request, reply) => {
      const found = await surveyOf(request);
      const code = found?.[kind];
      if (!found || !code) return reply.callNotFound();
      const { definition } = found.survey;
      const current = kind === 'question' ? allQuestions(definition).find((p) => p.question.code === code)!.question.showIf : definition.sections.find((s) => s.code === code)!.showIf;
      const on = z.object({ on: z.string().max(41) }).safeParse(request.query ?? {});
      const form: ConditionForm = on.success
        ? { on: on.data.on, mode: 'anyOf', answers: [] }
        : {
            on: current ? (current.item ? `${current.question}.${current.item}` : current.question) : '',
            mode: current?.noneOf ? 'noneOf' : 'anyOf',
            answers: current?.anyOf ?? current?.noneOf ?? [],
          };
      return renderCondition(reply, found.survey, { kind, code }, form);
    });
    app.post(`/admin/surveys/:id/builder/${kind}s/:${kind}/condition`, write, async (request, reply) => {
      const found = await surveyOf(request);
      const code = found?.[kind];
      if (!found || !code) return reply.callNotFound();
      const subject = { kind, code };
      const form = conditionFormFrom(body(request));
      // The first step chooses the earlier answer; its options are then offered (without JavaScript, a page each).
      if (body(request).step === 'question' && conditionChoices(found.survey.definition, subject).some((c) => c.key === form.on)) {
        return reply.redirect(`${base(found.survey)}/${kind}s/${code}/condition?on=${encodeURIComponent(form.on)}`, 303);
      }
      return apply(
        request,
        reply,
        found.survey,
        `condition of ${kind} ${code}`,
        (d) => setCondition(d, subject, form),
        (errors) => renderCondition(reply, found.survey, subject, form, errors),
      );
    });
  }
};
