import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { authenticateApiToken } from '../../admin/api-tokens.js';
import { SESSION_ABSOLUTE_MS, resolveSession, startSession } from '../../admin/sessions.js';
import type { Storage } from '../../storage/db.js';
import { ROLES, surveyOrganisationId, type SignedInUser, type TRole } from '../../storage/users.js';
import { sendApiProblem } from '../api-problem.js';

export type { SignedInUser } from '../../storage/users.js';

export const SESSION_COOKIE = 'sounding_session';

declare module 'fastify' {
  interface FastifyRequest {
    user: SignedInUser | null;
  }
}

export interface AuthPluginOptions {
  storage: Storage;
  secureCookies: boolean;
}

/** Methods a bearer token is accepted for: it reads, and can change nothing. */
const READING = new Set(['GET', 'HEAD']);
const API_REALM = 'Bearer realm="Sounding API"';

/**
 * Sets request.user on every request (null when signed out): from an API token for reading
 * the JSON API, otherwise from the session cookie.
 */
export const authPlugin = fp<AuthPluginOptions>(
  async (app, { storage, secureCookies }) => {
    app.decorateRequest('user', null);
    app.addHook('onRequest', async (request, reply) => {
      const bearer = bearerToken(request);
      // A token is a credential for reading the API only: on a page or a form it is ignored, so it can never change anything.
      if (bearer !== undefined && isApi(request) && READING.has(request.method)) {
        const checked = await authenticateApiToken(storage.db, bearer, request.ip);
        if (checked.ok) {
          request.user = checked.user;
          return;
        }
        request.log.warn({ event: 'api-token-refused', reason: checked.reason }, 'API token refused');
        // One answer for a malformed, unknown, expired or revoked token: a caller cannot tell which.
        reply.header('www-authenticate', `${API_REALM}, error="invalid_token"`);
        return sendApiProblem(reply, 401, 'invalid_token', 'The API token is not valid. Make a new one under Your account, API tokens.');
      }
      const token = request.cookies[SESSION_COOKIE];
      if (!token) return;
      request.user = (await resolveSession(storage.db, token)) ?? null;
      // A dead session's cookie is removed so the browser stops sending it.
      if (!request.user) reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(secureCookies));
    });
    // Pages for signed-in staff show results and names: no shared or browser cache may keep them.
    app.addHook('onSend', async (request, reply) => {
      if (request.user && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    });
  },
  { name: 'sounding-auth', dependencies: ['@fastify/cookie'] },
);

export function sessionCookieOptions(secure: boolean) {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: SESSION_ABSOLUTE_MS / 1000 } as const;
}

/** A path on this site only: a "next" of //evil.example or https://… would make sign-in an open redirect. */
export const ZNext = z
  .string()
  .regex(/^\/(?![/\\])\S*$/)
  .catch('/');

/** After any successful sign-in (password or OpenID Connect): a new session, never one the browser brought. */
export async function signInAndRedirect(storage: Storage, reply: FastifyReply, session: { userId: string; next: string; secure: boolean }) {
  const token = await startSession(storage.db, session.userId);
  reply.setCookie(SESSION_COOKIE, token, sessionCookieOptions(session.secure));
  return reply.redirect(session.next, 303);
}

export function isApi(request: FastifyRequest): boolean {
  return request.url === '/api' || request.url.startsWith('/api/');
}

/** The token of an `Authorization: Bearer …` header (possibly empty), or undefined when there is no such header. */
function bearerToken(request: FastifyRequest): string | undefined {
  const match = /^bearer(?:\s+|$)(.*)$/is.exec((request.headers.authorization ?? '').trim());
  return match ? match[1]!.trim() : undefined;
}

function denyAnonymous(request: FastifyRequest, reply: FastifyReply) {
  if (isApi(request)) return sendApiProblem(reply.header('www-authenticate', API_REALM), 401, 'unauthenticated', 'Send an API token (Authorization: Bearer) or sign in to use this API.');
  // Only a GET can be repeated after signing in; a form post is not replayed.
  const next = request.method === 'GET' ? `?next=${encodeURIComponent(request.url)}` : '';
  return reply.redirect(`/sign-in${next}`, 303);
}

/** Refusals are security events (ASVS 7.2.2): logged with the request id and user id, never an address or email. */
function logRefusal(request: FastifyRequest, status: number) {
  request.log.warn({ event: 'access-refused', status, userId: request.user?.id }, 'access refused');
}

function notFound(request: FastifyRequest, reply: FastifyReply) {
  logRefusal(request, 404);
  if (isApi(request)) return sendApiProblem(reply, 404, 'not_found', 'There is nothing at this address that you can see.');
  reply.callNotFound();
  return reply;
}

function forbidden(request: FastifyRequest, reply: FastifyReply) {
  logRefusal(request, 403);
  if (isApi(request)) return sendApiProblem(reply, 403, 'forbidden', 'Your role in this organisation does not allow this.');
  return reply.render('account/forbidden.njk', {}, 403);
}

/** preHandler: anonymous visitors are sent to sign in (HTML) or get 401 (API). */
export const requireSignIn: preHandlerAsyncHookHandler = async function requireSignIn(request, reply) {
  if (!request.user) return denyAnonymous(request, reply);
};

export function hasRole(user: SignedInUser, organisationId: string, minimum: TRole): boolean {
  if (user.platformAdmin) return true;
  const membership = user.memberships.find((m) => m.organisationId === organisationId);
  return membership !== undefined && ROLES.indexOf(membership.role) >= ROLES.indexOf(minimum);
}

/**
 * preHandler for anything belonging to one organisation. 404 (not 403) when the user has no
 * membership there, so other organisations' surveys cannot even be found to exist; 403 when
 * they are a member with too low a role. Platform admins pass.
 */
export function requireOrganisationRole(minimum: TRole, organisationIdOf: (request: FastifyRequest) => Promise<string | undefined>): preHandlerAsyncHookHandler {
  return async function requireOrganisationRoleHandler(request, reply) {
    const user = request.user;
    if (!user) return denyAnonymous(request, reply);
    const organisationId = await organisationIdOf(request);
    if (!organisationId) return notFound(request, reply);
    if (user.platformAdmin) return;
    const membership = user.memberships.find((m) => m.organisationId === organisationId);
    if (!membership) return notFound(request, reply);
    if (ROLES.indexOf(membership.role) < ROLES.indexOf(minimum)) return forbidden(request, reply);
  };
}

const ZId = z.uuid();

/** organisationIdOf for routes with a survey id in the path (default parameter :id). */
export function surveyOrganisation(storage: Storage, parameter = 'id') {
  return async (request: FastifyRequest): Promise<string | undefined> => {
    const id = ZId.safeParse((request.params as Record<string, unknown>)[parameter]);
    return id.success ? surveyOrganisationId(storage.db, id.data) : undefined;
  };
}

/** organisationIdOf for routes with an organisation id in the path (default parameter :organisationId). */
export function pathOrganisation(parameter = 'organisationId') {
  return async (request: FastifyRequest): Promise<string | undefined> => {
    const id = ZId.safeParse((request.params as Record<string, unknown>)[parameter]);
    return id.success ? id.data : undefined;
  };
}
