import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { apiResults, openApiDocument } from '../../reporting/api.js';
import { Labels } from '../../reporting/labels.js';
import { loadSurveyResults } from '../../reporting/survey-data.js';
import type { Storage } from '../../storage/db.js';
import { requireOrganisationRole, SESSION_COOKIE, surveyOrganisation } from '../plugins/auth.js';
import { releasedResultsOnly } from '../plugins/released.js';
import { sendApiProblem } from '../api-problem.js';

const ZParams = z.object({ id: z.uuid() });

export const apiRoutes: FastifyPluginAsync<{ storage: Storage }> = async (app, { storage }) => {
  const openApi = openApiDocument(SESSION_COOKIE);
  app.get('/api/openapi.json', async () => openApi);

  const invalidId = (reply: FastifyReply) => sendApiProblem(reply, 400, 'invalid_id', 'The survey id in the path must be a UUID.');
  const access = {
    // A malformed id is a client error whoever asks and reveals nothing, so it is answered before the access check.
    preValidation: async (request: FastifyRequest, reply: FastifyReply) => {
      if (!ZParams.safeParse(request.params).success) return invalidId(reply);
    },
    preHandler: [requireOrganisationRole('viewer', surveyOrganisation(storage)), releasedResultsOnly(storage)],
  };
  app.get('/api/surveys/:id/results', access, async (request, reply) => {
    const params = ZParams.safeParse(request.params);
    if (!params.success) return invalidId(reply);
    const results = await loadSurveyResults(storage.db, params.data.id);
    if (!results) return sendApiProblem(reply, 404, 'not_found', 'There is nothing at this address that you can see.');
    return apiResults(results, new Labels(results.survey.definition));
  });
};
