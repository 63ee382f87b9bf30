import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { Labels } from '../../reporting/labels.js';
import { buildResultsView } from '../../reporting/results-page.js';
import { loadSurveyResults } from '../../reporting/survey-data.js';
import type { Storage } from '../../storage/db.js';
import { requireOrganisationRole, surveyOrganisation } from '../plugins/auth.js';
import { releasedResultsOnly } from '../plugins/released.js';

const ZParams = z.object({ id: z.uuid() });

export const resultsRoutes: FastifyPluginAsync<{ storage: Storage }> = async (app, { storage }) => {
  app.get('/surveys/:id/results', { preHandler: [requireOrganisationRole('viewer', surveyOrganisation(storage)), releasedResultsOnly(storage)] }, async (request, reply) => {
    const params = ZParams.safeParse(request.params);
    const results = params.success ? await loadSurveyResults(storage.db, params.data.id) : undefined;
    if (!results) return reply.callNotFound();
    const view = buildResultsView(results.analysis, new Labels(results.survey.definition));
    return reply.render('results.njk', { survey: results.survey, view });
  });
};
