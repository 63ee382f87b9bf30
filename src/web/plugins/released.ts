import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { WITHHELD_WHILE_OPEN } from '../../reporting/release.js';
import type { Storage } from '../../storage/db.js';
import { hasPublication } from '../../storage/publications.js';
import { findSurveyById } from '../../storage/surveys.js';
import { sendApiProblem } from '../api-problem.js';

const ZParams = z.object({ id: z.uuid() });

/**
 * A preHandler for every route that publishes a wave's figures or answers: until the wave
 * has a publication (it is built when the wave closes) it answers with a page (or, under
 * /api, a 409) saying when results come, and nothing is loaded. Unknown surveys fall
 * through to the route's own 404.
 */
export function releasedResultsOnly(storage: Storage) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const params = ZParams.safeParse(request.params);
    if (!params.success) return;
    const [survey, published] = await Promise.all([findSurveyById(storage.db, params.data.id), hasPublication(storage.db, params.data.id)]);
    if (!survey || published) return;
    if (request.url.startsWith('/api/')) {
      return sendApiProblem(reply.header('cache-control', 'no-store'), 409, 'not_released', WITHHELD_WHILE_OPEN);
    }
    return reply.render('results-withheld.njk', { survey, reason: WITHHELD_WHILE_OPEN });
  };
}
