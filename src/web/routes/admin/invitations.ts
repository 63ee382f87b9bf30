import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import { z } from 'zod';
import type { Actor } from '../../../admin/audit.js';
import {
  MAIL_KINDS,
  checkWaveMessages,
  languagesIn,
  loadWaveMessages,
  renderMail,
  saveWaveMessages,
  textField,
  waveMessagesFromForm,
  type WaveMessages,
} from '../../../admin/invitation-messages.js';
import { cancelReminders, invitationLink, NO_OUTBOX_REMINDERS, planReminders, plannedReminders, takeWaveOutbox } from '../../../admin/invitations.js';
import type { Mailer } from '../../../admin/mailer.js';
import type { DayParts, FieldError } from '../../../admin/waves.js';
import { Refusal } from '../../../publications/service.js';
import type { Storage } from '../../../storage/db.js';
import type { SurveyWithDefinition } from '../../../storage/surveys.js';
import { mailDefaults } from '../../messages.js';

type Survey = SurveyWithDefinition & { organisationId: string };
type PreHandler = NonNullable<RouteShorthandOptions['preHandler']>;

export interface InvitationRouteOptions {
  storage: Storage;
  mailer: Mailer;
  publicUrl: string;
  /** org_admin of the survey's organisation (pages that only show a form). */
  leadPage: PreHandler;
  /** org_admin and the form's CSRF token. */
  leadPosting: PreHandler;
  surveyOf: (request: FastifyRequest) => Promise<Survey | undefined>;
  actorOf: (request: FastifyRequest) => Actor;
  /** The survey's page with a problem in its error summary (422). */
  showProblem: (request: FastifyRequest, reply: FastifyReply, survey: Survey, problem: string) => Promise<unknown>;
}

/** What a preview's link looks like: the real ones are each person's own. */
const PREVIEW_TOKEN = 'a-link-of-their-own';
const ZEmailsPost = z.looseObject({ action: z.enum(['preview', 'save']).default('save') });
const ZPlan = z.looseObject({ 'on-day': z.string().default(''), 'on-month': z.string().default(''), 'on-year': z.string().default('') });
const ZJobParams = z.object({ id: z.uuid(), job: z.uuid() });
const ZDone = z.object({ done: z.enum(['saved', 'planned', 'cancelled']).optional() });

/**
 * A wave's invitation and reminder emails (edited and previewed in both languages), its
 * planned reminders, and the outbox file's download; the rules are admin/invitations.ts's and
 * admin/invitation-messages.ts's.
 */
export function invitationRoutes(app: FastifyInstance, { storage, mailer, publicUrl, leadPage, leadPosting, surveyOf, actorOf, showProblem }: InvitationRouteOptions) {
  const { db } = storage;
  const errorsOf = (errors: FieldError[]) => ({
    errors: Object.fromEntries(errors.map((e) => [e.field, e.message])),
    errorList: errors.map((e) => ({ text: e.message, href: `#${e.field}` })),
  });

  function renderEmails(request: FastifyRequest, reply: FastifyReply, survey: Survey, messages: WaveMessages, errors: FieldError[] = [], preview = false) {
    const link = invitationLink(publicUrl, PREVIEW_TOKEN);
    const done = ZDone.safeParse(request.query ?? {});
    return reply.render(
      'admin/emails.njk',
      {
        survey,
        messages,
        fields: Object.fromEntries(
          MAIL_KINDS.flatMap((kind) =>
            (['en', 'cy'] as const).flatMap((lang) => (['subject', 'body'] as const).map((part) => [textField(kind, lang, part), messages.texts[kind][lang][part]])),
          ),
        ),
        // Shown only for wording that is right: a preview of a broken field would show the fault twice.
        previews:
          errors.length === 0
            ? MAIL_KINDS.map((kind) => ({
                kind,
                languages: languagesIn(messages.languages).map((lang) => ({ lang, ...renderMail({ ...messages, languages: lang }, kind, survey, link, mailDefaults) })),
              }))
            : [],
        previewed: preview,
        saved: done.success && done.data.done === 'saved',
        mailKind: mailer.kind,
        ...errorsOf(errors),
      },
      errors.length > 0 ? 422 : 200,
    );
  }

  app.get('/admin/surveys/:id/emails', { preHandler: leadPage }, async (request, reply) => {
    const survey = await surveyOf(request);
    return survey ? renderEmails(request, reply, survey, await loadWaveMessages(db, survey, mailDefaults)) : reply.callNotFound();
  });

  // "Preview" shows the posted wording filled in for an example person without saving it; "Save" keeps it.
  app.post('/admin/surveys/:id/emails', { preHandler: leadPosting }, async (request, reply) => {
    const survey = await surveyOf(request);
    if (!survey) return reply.callNotFound();
    const body = (request.body ?? {}) as Record<string, unknown>;
    const messages = waveMessagesFromForm(body);
    const action = ZEmailsPost.safeParse(body);
    if (action.success && action.data.action === 'preview') return renderEmails(request, reply, survey, messages, checkWaveMessages(messages, survey), true);
    const saved = await saveWaveMessages(db, actorOf(request), survey, messages);
    if (!saved.ok) return renderEmails(request, reply, survey, messages, saved.errors);
    return reply.redirect(`/admin/surveys/${survey.id}/emails?done=saved`, 303);
  });

  async function renderReminders(request: FastifyRequest, reply: FastifyReply, survey: Survey, form: DayParts = { day: '', month: '', year: '' }, errors: FieldError[] = []) {
    const done = ZDone.safeParse(request.query ?? {});
    return reply.render(
      'admin/reminders.njk',
      {
        survey,
        planned: await plannedReminders(db, survey.id),
        form,
        notice: done.success ? done.data.done : undefined,
        outboxOnly: mailer.kind === 'outbox' ? NO_OUTBOX_REMINDERS : undefined,
        ...errorsOf(errors),
      },
      errors.length > 0 ? 422 : 200,
    );
  }

  app.get('/admin/surveys/:id/reminders', { preHandler: leadPage }, async (request, reply) => {
    const survey = await surveyOf(request);
    return survey ? renderReminders(request, reply, survey) : reply.callNotFound();
  });

  app.post('/admin/surveys/:id/reminders', { preHandler: leadPosting }, async (request, reply) => {
    const survey = await surveyOf(request);
    if (!survey) return reply.callNotFound();
    const fields = ZPlan.safeParse(request.body ?? {});
    const form: DayParts = fields.success
      ? { day: fields.data['on-day'].trim(), month: fields.data['on-month'].trim(), year: fields.data['on-year'].trim() }
      : { day: '', month: '', year: '' };
    const planned = await planReminders(db, actorOf(request), survey, mailer, form);
    if (!planned.ok) return renderReminders(request, reply, survey, form, planned.errors);
    return reply.redirect(`/admin/surveys/${survey.id}/reminders?done=planned`, 303);
  });

  app.post('/admin/surveys/:id/reminders/:job/cancel', { preHandler: leadPosting }, async (request, reply) => {
    const params = ZJobParams.safeParse(request.params);
    const survey = params.success ? await surveyOf(request) : undefined;
    if (!params.success || !survey) return reply.callNotFound();
    try {
      await cancelReminders(db, actorOf(request), survey, params.data.job);
    } catch (error) {
      if (error instanceof Refusal) return showProblem(request, reply, survey, error.message);
      throw error;
    }
    return reply.redirect(`/admin/surveys/${survey.id}/reminders?done=cancelled`, 303);
  });

  // A form's POST, not a link: taking the file deletes it from the server, which a prefetched or crawled GET must never do.
  app.post('/admin/surveys/:id/outbox', { preHandler: leadPosting }, async (request, reply) => {
    const survey = await surveyOf(request);
    if (!survey) return reply.callNotFound();
    const csv = await takeWaveOutbox(db, actorOf(request), mailer, survey);
    if (!csv) return showProblem(request, reply, survey, 'No email is waiting in the outbox for this survey: send invitations first, or it was downloaded already');
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="outbox-${survey.slug}-${new Date().toISOString().slice(0, 10)}.csv"`)
      .header('cache-control', 'no-store')
      .send(csv);
  });
}
