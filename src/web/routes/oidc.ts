import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Oidc } from '../../admin/oidc.js';
import type { Storage } from '../../storage/db.js';
import { findUserByEmail } from '../../storage/users.js';
import { signInAndRedirect, ZNext } from '../plugins/auth.js';

const TRANSACTION_COOKIE = 'sounding_oidc';
const ZTransaction = z.object({ state: z.string().min(1), nonce: z.string().min(1), verifier: z.string().min(43), next: ZNext });

/** Sign-in through the organisation's identity provider; people are matched to existing accounts by verified email. */
export const oidcRoutes: FastifyPluginAsync<{ storage: Storage; oidc: Oidc; secureCookies: boolean }> = async (app, { storage, oidc, secureCookies }) => {
  const cookieOptions = { path: '/sign-in/oidc', httpOnly: true, sameSite: 'lax', secure: secureCookies, maxAge: 600 } as const;
  const failed = (reply: import('fastify').FastifyReply, reason: string) => reply.render('account/oidc-failed.njk', { reason }, 400);

  app.get('/sign-in/oidc', async (request, reply) => {
    const next = ZNext.parse((request.query as Record<string, unknown>).next ?? '/');
    let started;
    try {
      started = await oidc.start(next);
    } catch (error) {
      request.log.error({ err: error }, 'OpenID Connect provider unreachable');
      return reply.render('account/oidc-failed.njk', { reason: 'Your organisation’s sign-in service cannot be reached just now. Try again later, or sign in with your password.' }, 503);
    }
    reply.setCookie(TRANSACTION_COOKIE, Buffer.from(JSON.stringify(started.transaction)).toString('base64url'), cookieOptions);
    return reply.redirect(started.url, 303);
  });

  app.get('/sign-in/oidc/callback', async (request, reply) => {
    const raw = request.cookies[TRANSACTION_COOKIE];
    reply.clearCookie(TRANSACTION_COOKIE, cookieOptions);
    let transaction;
    try {
      transaction = ZTransaction.parse(JSON.parse(Buffer.from(raw ?? '', 'base64url').toString('utf8')));
    } catch {
      return failed(reply, 'Signing in took too long, or was started in another browser. Try again.');
    }
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
    let identity;
    try {
      identity = await oidc.finish(query, transaction);
    } catch (error) {
      // The reason (bad state, refused consent, invalid token) goes to the log, not to the page.
      request.log.warn({ err: error }, 'OpenID Connect sign-in failed');
      return failed(reply, 'Your organisation’s sign-in service did not confirm who you are. Try again.');
    }
    if (!identity.email || !identity.emailVerified)
      return failed(reply, 'Your organisation’s sign-in service did not give a verified email address, so Sounding cannot match you to an account.');
    const user = await findUserByEmail(storage.db, identity.email);
    if (!user) return failed(reply, `There is no Sounding account for ${identity.email}. Ask your organisation admin to add you.`);
    return signInAndRedirect(storage, reply, { userId: user.id, next: transaction.next, secure: secureCookies });
  });
};
