import type { FastifyPluginAsync } from 'fastify';
import type { Storage } from '../../storage/db.js';
import { listSurveysWithResponses } from '../../admin/waves.js';
import { hasRole } from '../plugins/auth.js';

export const homeRoutes: FastifyPluginAsync<{ storage: Storage }> = async (app, { storage }) => {
  // Only the signed-in user's own organisations' surveys: another council's survey is not even named. Response counts are
  // withheld exactly as on the lead's response-rate table (listSurveysWithResponses); the page only says so.
  app.get('/', async (request, reply) => {
    const user = request.user;
    const surveys = user ? await listSurveysWithResponses(storage.db, (s) => hasRole(user, s.organisationId, 'viewer')) : [];
    return reply.render('home.njk', { surveys });
  });
  app.get('/accessibility', async (_request, reply) => reply.render('accessibility.njk'));
};
