import type { FastifyPluginAsync } from 'fastify';
import type { Storage } from '../../storage/db.js';

/**
 * Liveness and readiness for a process manager or load balancer. /healthz says only that
 * the process answers; /readyz also asks the database, so traffic is sent elsewhere while
 * this process cannot reach it. While the server is closing Fastify answers both with 503.
 */
export const healthRoutes: FastifyPluginAsync<{ storage: Storage }> = async (app, { storage }) => {
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));

  app.get('/readyz', { logLevel: 'warn' }, async (request, reply) => {
    try {
      await storage.ping();
      return { status: 'ready' };
    } catch (error) {
      request.log.warn({ code: (error as { code?: unknown }).code }, 'database not reachable');
      return reply.status(503).header('retry-after', '5').send({ status: 'unavailable', reason: 'database not reachable' });
    }
  });
};
