import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { buildResultsView } from '../../reporting/results-page.js';
import type { Storage } from '../../storage/db.js';
import { findSurveyById } from '../../storage/surveys.js';
import { loadCountTables } from '../../storage/tables.js';

const ZParams = z.object({ id: z.uuid() });

export const resultsRoutes: FastifyPluginAsync<{ storage: Storage }> = async (app, { storage }) => {
  app.get('/surveys/:id/results', async (request, reply) => {
    const params = ZParams.safeParse(request.params);
    const survey = params.success ? await findSurveyById(storage.db, params.data.id) : undefined;
    if (!survey) return reply.callNotFound();
    const view = buildResultsView(survey.definition, await loadCountTables(storage.db, survey.id), survey.suppressionThreshold, 'en');
    return reply.render('results.njk', { survey, view });
  });
};
