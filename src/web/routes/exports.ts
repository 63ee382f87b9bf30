import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { Refusal } from '../../publications/service.js';
import { EXPORT_FORMAT_NAMES, EXPORT_FORMATS, exportFileName, planStoredExport, respondentRefusal, writeExport, type ExportFormat } from '../../reporting/exports/index.js';
import { prepareExport } from '../../reporting/exports/service.js';
import { findSurveyById } from '../../storage/surveys.js';
import type { Storage } from '../../storage/db.js';
import { requireOrganisationRole, surveyOrganisation } from '../plugins/auth.js';
import { releasedResultsOnly } from '../plugins/released.js';

const ZParams = z.object({ id: z.uuid() });
const ZFormat = z.enum(EXPORT_FORMAT_NAMES as [ExportFormat, ...ExportFormat[]]);
const flag = (name: string) =>
  z
    .enum(['0', '1'], { error: `${name} must be 0 or 1` })
    .default('0')
    .transform((v) => v === '1');
const ZQuery = z.object({ freeText: flag('freeText'), bom: flag('bom') });

/**
 * The exports page and the downloads. A download streams from the database to the client
 * in batches (reply.send(stream)), so a survey of any size never sits whole in memory.
 */
export const exportsRoutes: FastifyPluginAsync<{ storage: Storage }> = async (app, { storage }) => {
  // Exports are respondent-level data: analysts and organisation admins only, not viewers.
  const analyst = { preHandler: [requireOrganisationRole('analyst', surveyOrganisation(storage)), releasedResultsOnly(storage)] };
  app.get('/surveys/:id/exports', analyst, async (request, reply) => {
    const params = ZParams.safeParse(request.params);
    const [plan, survey] = params.success ? await Promise.all([planStoredExport(storage.db, params.data.id, { freeText: false }), findSurveyById(storage.db, params.data.id)]) : [];
    if (!plan || !survey) return reply.callNotFound();
    const downloads = EXPORT_FORMAT_NAMES.map((format) => ({ format, ...EXPORT_FORMATS[format] }));
    return reply.render('exports/index.njk', {
      survey: plan.survey,
      threshold: plan.threshold,
      refusal: respondentRefusal(plan),
      rule: plan.coarsening.rule,
      freeTextReleased: survey.releaseFreeText,
      downloads,
    });
  });

  app.get('/surveys/:id/exports/:format', analyst, async (request, reply) => {
    // The requested name is never repeated back in the page (input is not echoed).
    const { id, format } = request.params as { id: string; format: string };
    const params = ZParams.safeParse({ id });
    const plan = params.success ? await planStoredExport(storage.db, params.data.id, { freeText: false }) : undefined;
    if (!plan) return reply.callNotFound();
    const which = ZFormat.safeParse(format);
    if (!which.success) {
      return reply.render('errors/problem.njk', { status: 404, clientError: `There is no export at this address. Choose one of: ${EXPORT_FORMAT_NAMES.join(', ')}.` }, 404);
    }
    const query = ZQuery.safeParse(request.query);
    if (!query.success) {
      const issue = query.error.issues[0]!;
      return reply.render('errors/problem.njk', { status: 400, clientError: `Invalid ${String(issue.path[0])}: ${issue.message}.` }, 400);
    }
    let planned;
    try {
      planned = await prepareExport(storage.db, { userId: request.user?.id ?? null }, plan.survey.id, which.data, { freeText: query.data.freeText });
    } catch (error) {
      if (error instanceof Refusal) return reply.render('errors/problem.njk', { status: error.status, clientError: error.message }, error.status);
      throw error;
    }
    const stream = writeExport(planned, which.data, { bom: query.data.bom });
    stream.on('error', (error) => request.log.error({ err: error, format: which.data }, 'export failed while streaming'));
    return reply
      .type(EXPORT_FORMATS[which.data].contentType)
      .header('content-disposition', `attachment; filename="${exportFileName(plan, which.data)}"`)
      .header('cache-control', 'no-store')
      .send(stream);
  });
};
