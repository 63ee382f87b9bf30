import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Mailer } from '../../admin/mailer.js';
import type { Oidc } from '../../admin/oidc.js';
import { endSession, signOutEverywhere } from '../../admin/sessions.js';
import { authenticate, changePassword, completePasswordReset, requestPasswordReset, RESET_MAILS_PER_HOUR, type SignInResult, ZEmail, ZPassword } from '../../admin/users.js';
import { formatWait } from '../messages.js';
import { listAuditEntries } from '../../storage/audit-log.js';
import type { Storage } from '../../storage/db.js';
import { organisationsNamed } from '../../storage/waves.js';
import { apiTokenRoutes } from './api-tokens.js';
import { memberRoutes } from './members.js';
import { oidcRoutes } from './oidc.js';
import { pathOrganisation, requireOrganisationRole, requireSignIn, SESSION_COOKIE, sessionCookieOptions, signInAndRedirect, ZNext } from '../plugins/auth.js';

export interface AccountRouteOptions {
  storage: Storage;
  secureCookies: boolean;
  mailer: Mailer;
  /** Base of links in emails: taken from configuration, never from the request's Host header. */
  publicUrl: string;
  /** Sign-in and reset attempts allowed per client address per window, on top of the account's own slowing of failures (admin/users.ts). */
  rateLimit: { max: number; timeWindowMs: number };
  /** Sign-in through an OpenID Connect provider, when configured. */
  oidc?: Oidc;
}

const ZSignIn = z.object({ email: z.string().default(''), password: z.string().default(''), next: ZNext.default('/') });
const ZResetRequest = z.object({ email: z.string().default('') });
const ZResetToken = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{43}$/) });
const ZNewPassword = z.object({ password: z.string().default(''), confirm: z.string().default('') });
const ZChangePassword = ZNewPassword.extend({ current: z.string().default('') });

/**
 * What a refused password check says, and its status: 422 with the form again, or 429 (with
 * Retry-After) when the attempt came too soon after failures to be checked. Sign-in uses the
 * same words for an unknown email and a wrong password, which are slowed alike (no account enumeration).
 */
function refusal(reply: FastifyReply, result: Exclude<SignInResult, { ok: true }>, wrong: string, href: string): { error: { text: string; href: string }; status: number } {
  if (result.reason === 'invalid') return { error: { text: wrong, href }, status: 422 };
  reply.header('retry-after', String(result.retryAfterSeconds));
  const wait = formatWait(result.retryAfterSeconds, 'en');
  return { error: { text: `Too many wrong passwords have been tried for this account. Wait ${wait}, then try again, or reset your password`, href }, status: 429 };
}

export const accountRoutes: FastifyPluginAsync<AccountRouteOptions> = async (app, options) => {
  const { storage, secureCookies, mailer, publicUrl } = options;
  const rateLimit = { rateLimit: { max: options.rateLimit.max, timeWindow: options.rateLimit.timeWindowMs } };
  const base = publicUrl.replace(/\/$/, '');

  /** ASVS 2.2.3: the owner hears of a password change, so a change they did not make is noticed. */
  const tellPasswordChanged = (to: string) =>
    mailer.send({
      to,
      subject: 'Your Sounding password has been changed',
      body: `The password for your Sounding account was changed and every device was signed out.\n\nIf you did not do this, choose a new password now at ${base}/password-reset and tell your organisation admin.`,
    });

  app.get('/sign-in', async (request, reply) => {
    const { next } = ZSignIn.pick({ next: true }).parse(request.query ?? {});
    return reply.render('account/sign-in.njk', { next, oidc: Boolean(options.oidc) });
  });

  app.post('/sign-in', { preHandler: app.csrfProtection, config: rateLimit }, async (request, reply) => {
    const form = ZSignIn.parse(request.body ?? {});
    const errors: { text: string; href: string }[] = [];
    const email = ZEmail.safeParse(form.email);
    if (!form.email.trim()) errors.push({ text: 'Enter your email address', href: '#email' });
    else if (!email.success) errors.push({ text: 'Enter an email address in the correct format, like name@example.org', href: '#email' });
    if (!form.password) errors.push({ text: 'Enter your password', href: '#password' });
    let status = 422;
    if (errors.length === 0 && email.success) {
      const result = await authenticate(storage.db, { email: email.data, password: form.password, client: request.ip });
      if (result.ok) return signInAndRedirect(storage, reply, { userId: result.userId, next: form.next, secure: secureCookies });
      request.log.warn({ event: 'sign-in-refused', reason: result.reason }, 'sign-in refused');
      const refused = refusal(reply, result, 'The email address or password is not right', '#email');
      errors.push(refused.error);
      status = refused.status;
    }
    return reply.render('account/sign-in.njk', { next: form.next, email: form.email, errorList: errors }, status);
  });

  if (options.oidc) await app.register(oidcRoutes, { storage, oidc: options.oidc, secureCookies });
  await app.register(memberRoutes, { storage, mailer, publicUrl });
  await app.register(apiTokenRoutes, { storage });

  app.post('/sign-out', { preHandler: app.csrfProtection }, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token) await endSession(storage.db, token);
    reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(secureCookies));
    return reply.redirect('/sign-in', 303);
  });

  app.get('/account', { preHandler: requireSignIn }, async (request, reply) => {
    const user = request.user!;
    const organisations = await organisationsNamed(
      storage.db,
      user.memberships.map((m) => m.organisationId),
    );
    const names = new Map(organisations.map((o) => [o.id, o.name]));
    return reply.render('account/index.njk', {
      changed: (request.query as Record<string, unknown>).changed === '1',
      memberships: user.memberships.map((m) => ({ ...m, name: names.get(m.organisationId) ?? m.organisationId })),
    });
  });

  app.post('/account/sign-out-everywhere', { preHandler: [requireSignIn, app.csrfProtection] }, async (request, reply) => {
    await signOutEverywhere(storage.db, request.user!);
    reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(secureCookies));
    return reply.redirect('/sign-in', 303);
  });

  app.get('/account/password', { preHandler: requireSignIn }, async (_request, reply) => reply.render('account/change-password.njk'));

  app.post('/account/password', { preHandler: [requireSignIn, app.csrfProtection] }, async (request, reply) => {
    const user = request.user!;
    const form = ZChangePassword.parse(request.body ?? {});
    const errors: { text: string; href: string }[] = [];
    if (!form.current) errors.push({ text: 'Enter your current password', href: '#current' });
    const password = ZPassword.safeParse(form.password);
    if (!password.success) errors.push({ text: password.error.issues[0]!.message, href: '#password' });
    else if (form.password !== form.confirm) errors.push({ text: 'The passwords do not match', href: '#confirm' });
    let status = 422;
    if (errors.length === 0) {
      const result = await changePassword(storage.db, user.id, { current: form.current, next: form.password, client: request.ip });
      if (result.ok) {
        await tellPasswordChanged(user.email);
        // Every session ended, this one included; the person carries on in a new one.
        return signInAndRedirect(storage, reply, { userId: user.id, next: '/account?changed=1', secure: secureCookies });
      }
      const refused = refusal(reply, result, 'Your current password is not right', '#current');
      errors.push(refused.error);
      status = refused.status;
    }
    return reply.render('account/change-password.njk', { errorList: errors }, status);
  });

  app.get('/password-reset', async (_request, reply) => reply.render('account/reset-request.njk'));

  app.post('/password-reset', { preHandler: app.csrfProtection, config: rateLimit }, async (request, reply) => {
    const form = ZResetRequest.parse(request.body ?? {});
    const email = ZEmail.safeParse(form.email);
    if (!email.success) {
      const errorList = [{ text: 'Enter an email address in the correct format, like name@example.org', href: '#email' }];
      return reply.render('account/reset-request.njk', { email: form.email, errorList }, 422);
    }
    const reset = await requestPasswordReset(storage.db, email.data);
    if (reset) {
      await mailer.send({
        to: reset.email,
        subject: 'Reset your Sounding password',
        body: `Use this link within 1 hour to choose a new password. It works once.\n\n${base}/password-reset/${reset.token}\n\nIf you did not ask for this, you can ignore this email: your password has not changed.`,
      });
    }
    // Same page whether or not the account exists.
    return reply.render('account/reset-sent.njk', { email: email.data, mailsPerHour: RESET_MAILS_PER_HOUR });
  });

  app.get('/password-reset/:token', async (request, reply) => {
    if (!ZResetToken.safeParse(request.params).success) return reply.callNotFound();
    // The token is in the URL: no referrer may carry it to another site.
    reply.header('referrer-policy', 'no-referrer');
    return reply.render('account/reset-password.njk', { token: (request.params as { token: string }).token });
  });

  app.post('/password-reset/:token', { preHandler: app.csrfProtection, config: rateLimit }, async (request, reply) => {
    const params = ZResetToken.safeParse(request.params);
    if (!params.success) return reply.callNotFound();
    reply.header('referrer-policy', 'no-referrer');
    const form = ZNewPassword.parse(request.body ?? {});
    const errors: { text: string; href: string }[] = [];
    const password = ZPassword.safeParse(form.password);
    if (!password.success) errors.push({ text: password.error.issues[0]!.message, href: '#password' });
    else if (form.password !== form.confirm) errors.push({ text: 'The passwords do not match', href: '#confirm' });
    if (errors.length === 0) {
      const result = await completePasswordReset(storage.db, params.data.token, form.password);
      if (result.ok) {
        await tellPasswordChanged(result.email);
        return reply.render('account/reset-done.njk');
      }
      errors.push({ text: 'This link has expired or has already been used. Ask for a new one.', href: '#password' });
    }
    return reply.render('account/reset-password.njk', { token: params.data.token, errorList: errors }, 422);
  });

  app.get('/organisations/:organisationId/audit', { preHandler: requireOrganisationRole('org_admin', pathOrganisation()) }, async (request, reply) => {
    const { organisationId } = request.params as { organisationId: string };
    const [organisation] = await organisationsNamed(storage.db, [organisationId]);
    if (!organisation) return reply.callNotFound();
    return reply.render('account/audit.njk', { organisation, entries: await listAuditEntries(storage.db, organisationId) });
  });
};
