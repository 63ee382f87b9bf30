import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { apiResults, openApiDocument } from '../../reporting/api.js';
import { Labels } from '../../reporting/labels.js';
import { loadSurveyResults } from '../../reporting/survey-data.js';
import type { Storage } from '../../storage/db.js';

const ZParams = z.object({ id: z.uuid() });

export const apiRoutes: FastifyPluginAsync<{ storage: Storage }> = async (app, { storage }) => {
  const openApi = openApiDocument();
  app.get('/api/openapi.json', async () => openApi);

  app.get('/api/surveys/:id/results', async (request, reply) => {
    const params = ZParams.safeParse(request.params);
    if (!params.success) return reply.status(400).send({ error: 'invalid_id', message: 'The survey id in the path must be a UUID.' });
    const results = await loadSurveyResults(storage.db, params.data.id);
    if (!results) return reply.status(404).send({ error: 'not_found', message: `No survey has the id ${params.data.id}.` });
    return apiResults(results, new Labels(results.survey.definition));
  });
};
