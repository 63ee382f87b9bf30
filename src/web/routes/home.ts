import type { FastifyPluginAsync } from 'fastify';
import type { Storage } from '../../storage/db.js';
import { listSurveys } from '../../storage/tables.js';

export const homeRoutes: FastifyPluginAsync<{ storage: Storage }> = async (app, { storage }) => {
  app.get('/', async (_request, reply) => reply.render('home.njk', { surveys: await listSurveys(storage.db) }));
  app.get('/accessibility', async (_request, reply) => reply.render('accessibility.njk'));
};
