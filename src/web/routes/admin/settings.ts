import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Actor } from '../../../admin/audit.js';
import { changeWaveSettings, deleteDraftWave, duplicateWave, waveSettingsFormFrom, waveSettingsFormOf, type WaveSettingsForm } from '../../../admin/wave-settings.js';
import type { FieldError } from '../../../admin/waves.js';
import { Refusal } from '../../../publications/service.js';
import type { Storage } from '../../../storage/db.js';
import type { SurveyWithDefinition } from '../../../storage/surveys.js';
import { listOrganisationWaves } from '../../../storage/waves.js';

type Survey = SurveyWithDefinition & { organisationId: string };

type PreHandler = NonNullable<RouteShorthandOptions['preHandler']>;

export interface SettingsRouteOptions {
  storage: Storage;
  /** org_admin of the survey's organisation (no form token: pages that only show a form). */
  leadPage: PreHandler;
  /** org_admin and the form's CSRF token. */
  leadPosting: PreHandler;
  surveyOf: (request: FastifyRequest) => Promise<Survey | undefined>;
  actorOf: (request: FastifyRequest) => Actor;
  /** The survey's page with a problem in its error summary (422). */
  showProblem: (request: FastifyRequest, reply: FastifyReply, survey: Survey, problem: string) => Promise<unknown>;
  /** Back to the survey's page with a notice. */
  done: (reply: FastifyReply, survey: { id: string }, notice: 'settings' | 'duplicated') => FastifyReply;
}

/** A wave's settings after creation, duplicating a wave and deleting a draft; the rules are admin/wave-settings.ts's. */
export function settingsRoutes(app: FastifyInstance, { storage, leadPage, leadPosting, surveyOf, actorOf, showProblem, done }: SettingsRouteOptions) {
  const { db } = storage;

  async function renderSettings(reply: FastifyReply, survey: Survey, form?: WaveSettingsForm, errors: FieldError[] = []) {
    const wave = (await listOrganisationWaves(db, survey.organisationId)).find((w) => w.id === survey.id)!;
    return reply.render(
      'admin/settings.njk',
      {
        survey,
        wave,
        form: form ?? waveSettingsFormOf(wave),
        errors: Object.fromEntries(errors.map((e) => [e.field, e.message])),
        errorList: errors.map((e) => ({ text: e.message, href: `#${e.field}` })),
      },
      errors.length > 0 ? 422 : 200,
    );
  }

  app.get('/admin/surveys/:id/settings', { preHandler: leadPage }, async (request, reply) => {
    const survey = await surveyOf(request);
    return survey ? renderSettings(reply, survey) : reply.callNotFound();
  });

  app.post('/admin/surveys/:id/settings', { preHandler: leadPosting }, async (request, reply) => {
    const survey = await surveyOf(request);
    if (!survey) return reply.callNotFound();
    const form = waveSettingsFormFrom((request.body ?? {}) as Record<string, unknown>);
    try {
      const result = await changeWaveSettings(db, actorOf(request), survey.id, form);
      return result.ok ? done(reply, survey, 'settings') : renderSettings(reply, survey, form, result.errors);
    } catch (error) {
      if (error instanceof Refusal) return showProblem(request, reply, survey, error.message);
      throw error;
    }
  });

  app.post('/admin/surveys/:id/duplicate', { preHandler: leadPosting }, async (request, reply) => {
    const survey = await surveyOf(request);
    if (!survey) return reply.callNotFound();
    const copy = await duplicateWave(db, actorOf(request), survey.id);
    return done(reply, copy, 'duplicated');
  });

  app.get('/admin/surveys/:id/delete', { preHandler: leadPage }, async (request, reply) => {
    const survey = await surveyOf(request);
    if (!survey) return reply.callNotFound();
    if (survey.state !== 'draft') return showProblem(request, reply, survey, `This survey is ${survey.state}: only a draft can be deleted`);
    return reply.render('admin/delete.njk', { survey });
  });

  app.post('/admin/surveys/:id/delete', { preHandler: leadPosting }, async (request, reply) => {
    const survey = await surveyOf(request);
    if (!survey) return reply.callNotFound();
    try {
      const { organisationId } = await deleteDraftWave(db, actorOf(request), survey.id);
      return reply.redirect(`/admin/organisations/${organisationId}?deleted=1`, 303);
    } catch (error) {
      if (error instanceof Refusal) return showProblem(request, reply, survey, error.message);
      throw error;
    }
  });
}
