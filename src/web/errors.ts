import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { isDatabaseUnavailable } from '../storage/db.js';
import { sendApiProblem } from './api-problem.js';
import { formatWait } from './messages.js';
import { isApi } from './plugins/auth.js';
import { TooManyAttempts } from './plugins/rate-limit.js';

/**
 * What reaches the error handler: Fastify's own errors (with a code), a schema's refusal
 * (ZodError), a database that cannot be reached, or anything thrown. `expose` marks a 4xx
 * whose message was written for the person who sent the request (the http-errors convention).
 */
export type AppError = Error & { statusCode?: number; code?: string; expose?: boolean };

/**
 * Fastify's refusals of a request, in plain words. Its own messages may quote the input (the
 * URL, the content type), and a page must never repeat what was sent.
 */
const FRAMEWORK_REFUSALS: Record<string, string> = {
  FST_ERR_BAD_URL: 'The web address could not be read. Check it, or follow the link again.',
  FST_ERR_MAX_PARAM_LENGTH: 'Part of the web address is longer than any address here. Check it, or follow the link again.',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'The form was sent in a format this address does not take.',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The form is larger than this address takes.',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The form did not arrive whole. Go back and send it again.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The form was sent as JSON, but empty.',
  FST_ERR_CTP_INVALID_JSON_BODY: 'The form was sent as JSON that could not be read.',
};
/** Any other 4xx from a library: its message is not ours to show. */
const UNREADABLE = 'The request could not be read. Go back and try again.';

const CSRF_REFUSALS = new Set(['FST_CSRF_INVALID_TOKEN', 'FST_CSRF_MISSING_SECRET']);

/** A stable code for programs from the status: "Payload Too Large" is payload_too_large. */
const statusCode = (status: number) => (STATUS_CODES[status] ?? 'error').toLowerCase().replace(/\W+/g, '_');

/** A client error as the person who sent it should read it (never their input), or undefined when the fault is ours. */
function clientRefusal(error: AppError): { status: number; detail: string } | undefined {
  if (error instanceof ZodError) {
    // Input a route's schema refused (a field repeated, of the wrong type, too long): which field and what is wrong, never its value.
    return { status: 400, detail: `The form was not sent as expected: ${error.issues.map((i) => `${i.path.join('.') || 'the form'}: ${i.message}`).join('; ')}` };
  }
  const status = error.statusCode;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  const framework = error.code === undefined ? undefined : FRAMEWORK_REFUSALS[error.code];
  return { status, detail: framework ?? (error.expose ? error.message : UNREADABLE) };
}

/**
 * The one error handler, for errors raised before routing (Fastify's `frameworkErrors`) and
 * after (`setErrorHandler`): a GOV.UK page for pages, a problem document under /api. A fault of
 * ours is logged whole and answered with only a reference to the log line.
 */
export function answerError(error: AppError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const api = isApi(request);
  if (error.code !== undefined && CSRF_REFUSALS.has(error.code)) {
    return api ? sendApiProblem(reply, 403, 'invalid_csrf_token', 'The form has expired. Fetch it again and send it from there.') : reply.render('errors/expired.njk', {}, 403);
  }
  if (error instanceof TooManyAttempts) {
    reply.header('retry-after', String(error.retryAfterSeconds));
    const wait = formatWait(error.retryAfterSeconds, 'en');
    return api
      ? sendApiProblem(reply, 429, statusCode(429), `Too many attempts: try again in ${wait}.`)
      : reply.render('errors/too-many-attempts.njk', { wait: formatWait(error.retryAfterSeconds, request.lang) }, 429);
  }
  if (isDatabaseUnavailable(error)) {
    // Nothing was half-written (each write is one transaction); the pool reconnects on a later request.
    request.log.warn({ code: error.code }, 'database unavailable');
    reply.header('retry-after', '5');
    return api ? sendApiProblem(reply, 503, statusCode(503), 'The database cannot be reached just now. Try again in a few minutes.') : reply.render('errors/unavailable.njk', {}, 503);
  }
  const refusal = clientRefusal(error);
  if (refusal) {
    const { status, detail } = refusal;
    return api ? sendApiProblem(reply, status, statusCode(status), detail) : reply.render('errors/problem.njk', { status, clientError: detail }, status);
  }
  request.log.error({ err: error }, 'unhandled error');
  // The request id is in that log line, so whoever reports the problem can point to it.
  const reference = request.id;
  return api
    ? sendApiProblem(reply, 500, statusCode(500), `Something went wrong on the server. Quote reference ${reference} if you report it.`)
    : reply.render('errors/problem.njk', { status: 500, reference }, 500);
}

/** No route for this method and address (or a route that found nothing to show). */
export function answerNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return isApi(request) ? sendApiProblem(reply, 404, 'not_found', 'There is nothing at this address that you can see.') : reply.render('errors/not-found.njk', {}, 404);
}
