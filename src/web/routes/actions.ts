import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { actionFormFrom, actionViews, findingsOf, headlineFindings, publishedFindingsOf, recordAction, shownGroupsOf, updateAction, type ActionForm } from '../../admin/actions.js';
import type { FieldError } from '../../admin/waves.js';
import { ACTION_STATUSES } from '../../storage/schema.js';
import type { Storage } from '../../storage/db.js';
import { findSurveyById, findSurveyBySlugWithSession, type SurveyWithDefinition } from '../../storage/surveys.js';
import { organisationsNamed } from '../../storage/waves.js';
import { formatDate, message } from '../messages.js';
import { requireOrganisationRole, surveyOrganisation } from '../plugins/auth.js';

const ZSurveyParams = z.object({ id: z.uuid() });
const ZActionParams = ZSurveyParams.extend({ actionId: z.uuid() });
const ZSlugParams = z.object({ slug: z.string().regex(/^[a-z0-9]{4,40}$/) });
const ZDone = z.object({ done: z.enum(['added', 'updated']).optional() });

const STATUS_LABELS: Record<(typeof ACTION_STATUSES)[number], string> = { planned: 'Planned', in_progress: 'In progress', done: 'Done', not_doing: 'Not going ahead' };
const day = (iso: string, lang: 'en' | 'cy') => formatDate(new Date(`${iso}T12:00:00Z`), lang);

/**
 * "You said, we did": the lead's page for recording actions against a published wave's
 * findings, and the staff page for each published wave (no sign-in), in English and Welsh.
 */
export const actionRoutes: FastifyPluginAsync<{ storage: Storage }> = async (app, { storage }) => {
  const { db } = storage;
  const lead = { preHandler: requireOrganisationRole('org_admin', surveyOrganisation(storage)) };
  const leadPost = { preHandler: [requireOrganisationRole('org_admin', surveyOrganisation(storage)), app.csrfProtection] };
  const actorOf = (request: FastifyRequest) => ({ userId: request.user?.id ?? null });

  async function surveyOf(request: FastifyRequest): Promise<SurveyWithDefinition | undefined> {
    const params = ZSurveyParams.safeParse(request.params);
    return params.success ? findSurveyById(db, params.data.id) : undefined;
  }

  async function renderLeadPage(request: FastifyRequest, reply: FastifyReply, survey: SurveyWithDefinition, form?: ActionForm, errors: FieldError[] = []) {
    const publication = await publishedFindingsOf(db, survey);
    const done = ZDone.safeParse(request.query ?? {});
    return reply.render(
      'actions/manage.njk',
      {
        survey,
        published: publication !== undefined,
        findings: publication ? findingsOf(survey.definition, publication) : [],
        groups: publication ? shownGroupsOf(survey.definition, publication) : [],
        actions: publication ? (await actionViews(db, survey, publication, 'en')).map((a) => ({ ...a, statusLabel: STATUS_LABELS[a.status], due: day(a.dueOn, 'en') })) : [],
        statuses: ACTION_STATUSES.map((value) => ({ value, text: STATUS_LABELS[value] })),
        form: form ?? actionFormFrom({}),
        errors: Object.fromEntries(errors.map((e) => [e.field, e.message])),
        errorList: errors.map((e) => ({ text: e.message, href: `#${e.field}` })),
        notice: done.success && done.data.done ? (done.data.done === 'added' ? 'Action recorded.' : 'Action updated.') : undefined,
        staffPage: `/s/${survey.slug}/actions`,
      },
      errors.length > 0 ? 422 : 200,
    );
  }

  app.get('/admin/surveys/:id/actions', lead, async (request, reply) => {
    const survey = await surveyOf(request);
    return survey ? renderLeadPage(request, reply, survey) : reply.callNotFound();
  });

  app.post('/admin/surveys/:id/actions', leadPost, async (request, reply) => {
    const survey = await surveyOf(request);
    if (!survey) return reply.callNotFound();
    const form = actionFormFrom((request.body ?? {}) as Record<string, unknown>);
    const result = await recordAction(db, actorOf(request), survey, form);
    if (!result.ok) return renderLeadPage(request, reply, survey, form, result.errors);
    return reply.redirect(`/admin/surveys/${survey.id}/actions?done=added`, 303);
  });

  app.post('/admin/surveys/:id/actions/:actionId', leadPost, async (request, reply) => {
    const params = ZActionParams.safeParse(request.params);
    const survey = params.success ? await surveyOf(request) : undefined;
    if (!survey || !params.success) return reply.callNotFound();
    const result = await updateAction(db, actorOf(request), survey, params.data.actionId, (request.body ?? {}) as Record<string, unknown>);
    if (!result.ok) return result.notFound ? reply.callNotFound() : renderLeadPage(request, reply, survey, undefined, result.errors);
    return reply.redirect(`/admin/surveys/${survey.id}/actions?done=updated`, 303);
  });

  /** For staff, with no sign-in: the wave's headline findings (only what its publication shows) and what is being done. */
  app.get('/s/:slug/actions', async (request, reply) => {
    const params = ZSlugParams.safeParse(request.params);
    const survey = params.success ? (await findSurveyBySlugWithSession(db, params.data.slug, ''))?.survey : undefined;
    if (!survey || survey.state === 'draft') return reply.render('errors/survey-not-found.njk', {}, 404);
    const lang = request.lang;
    const [organisation] = await organisationsNamed(db, [survey.organisationId]);
    const publication = await publishedFindingsOf(db, survey);
    const actions = publication ? await actionViews(db, survey, publication, lang) : [];
    return reply.render('actions/staff.njk', {
      survey,
      organisation: organisation?.name ?? '',
      published: publication !== undefined,
      threshold: survey.suppressionThreshold,
      findings: publication ? headlineFindings(survey, publication, lang) : undefined,
      actions: actions.map((a) => ({
        ...a,
        statusLabel: message(lang, `actions.status.${a.status}`),
        due: day(a.dueOn, lang),
        notes: a.notes.map((n) => ({ ...n, written: day(n.writtenAt, lang) })),
      })),
    });
  });
};
