import { STATUS_CODES } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { TApiError } from '../reporting/api.js';

/**
 * Every error the JSON API answers with is a problem document (RFC 9457,
 * `application/problem+json`) of the shape the OpenAPI document's Error schema describes: the
 * status and its standard title, a sentence for people (detail) and a stable code for programs
 * (error). It never repeats the request's input.
 */
export function sendApiProblem(reply: FastifyReply, status: number, error: string, detail: string): FastifyReply {
  const problem: TApiError = { title: STATUS_CODES[status] ?? 'Error', status, error, detail };
  return reply.code(status).type('application/problem+json').send(problem);
}
