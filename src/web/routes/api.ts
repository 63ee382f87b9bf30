import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { apiResults, openApiDocument } from '../../reporting/api.js';
import { Labels } from '../../reporting/labels.js';
import { loadSurveyResults } from '../../reporting/survey-data.js';
import type { Storage } from '../../storage/db.js';
import { requireOrganisationRole, SESSION_COOKIE, surveyOrganisation } from '../plugins/auth.js';
import { releasedResultsOnly } from '../plugins/released.js';

const ZParams = z.object({ id: z.uuid() });

export const apiRoutes: FastifyPluginAsync<{ storage: Storage }> = async (app, { storage }) => {
  const openApi = openApiDocument(SESSION_COOKIE);
  app.get('/api/openapi.json', async () => openApi);

  const invalidId = { error: 'invalid_id', message: 'The survey id in the path must be a UUID.' };
  const access = {
    // A malformed id is a client error whoever asks and reveals nothing, so it is answered before the access check.
    preValidation: async (request: FastifyRequest, reply: FastifyReply) => {
      if (!ZParams.safeParse(request.params).success) return reply.status(400).send(invalidId);
    },
    preHandler: [requireOrganisationRole('viewer', surveyOrganisation(storage)), releasedResultsOnly(storage)],
  };
  app.get('/api/surveys/:id/results', access, async (request, reply) => {
    const params = ZParams.safeParse(request.params);
    if (!params.success) return reply.status(400).send(invalidId);
    const results = await loadSurveyResults(storage.db, params.data.id);
    if (!results) return reply.status(404).send({ error: 'not_found', message: `No survey has the id ${params.data.id}.` });
    return apiResults(results, new Labels(results.survey.definition));
  });
};
