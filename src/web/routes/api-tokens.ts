import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { createApiToken, listApiTokens, revokeApiToken, ZNewApiToken } from '../../admin/api-tokens.js';
import type { Storage } from '../../storage/db.js';
import { organisationsNamed } from '../../storage/waves.js';
import { formatDate } from '../messages.js';
import { requireSignIn, type SignedInUser } from '../plugins/auth.js';

const ZTokenPath = z.object({ tokenId: z.uuid() });
const dayText = (day: string) => formatDate(new Date(`${day}T12:00:00Z`), 'en');

/** Signed-in staff make, list and revoke their own read-only API tokens (rules in admin/api-tokens.ts). */
export const apiTokenRoutes: FastifyPluginAsync<{ storage: Storage }> = async (app, { storage }) => {
  async function page(user: SignedInUser) {
    const organisations = await organisationsNamed(
      storage.db,
      user.memberships.map((m) => m.organisationId),
    );
    const tokens = (await listApiTokens(storage.db, user.id)).map((t) => ({
      ...t,
      created: dayText(t.createdOn),
      expires: dayText(t.expiresOn),
      lastUsed: t.lastUsedOn ? dayText(t.lastUsedOn) : 'Never',
    }));
    return { organisations, tokens };
  }

  app.get('/account/api-tokens', { preHandler: requireSignIn }, async (request, reply) => {
    const revoked = (request.query as Record<string, unknown>).revoked === '1';
    return reply.render('account/api-tokens.njk', { ...(await page(request.user!)), revoked });
  });

  app.post('/account/api-tokens', { preHandler: [requireSignIn, app.csrfProtection] }, async (request, reply) => {
    const user = request.user!;
    const formAgain = async (errors: { field: string; message: string }[]) => {
      const errorList = errors.map((e) => ({ text: e.message, href: `#${e.field}` }));
      const errorFor = Object.fromEntries(errors.map((e) => [e.field, { text: e.message }]));
      return reply.render('account/api-tokens.njk', { ...(await page(user)), form: request.body, errorList, errorFor }, 422);
    };
    const form = ZNewApiToken.safeParse(request.body ?? {});
    if (!form.success) return formAgain(form.error.issues.map((issue) => ({ field: String(issue.path[0]), message: issue.message })));
    const created = await createApiToken(storage.db, user, form.data);
    if (!created.ok) return formAgain([created]);
    // Shown once, on this page only: no cache keeps it (auth.ts marks signed-in pages no-store) and no referrer carries the page away.
    reply.header('referrer-policy', 'no-referrer');
    return reply.render('account/api-token-created.njk', { name: form.data.name, token: created.token, expires: dayText(created.expiresAt.slice(0, 10)) });
  });

  app.post('/account/api-tokens/:tokenId/revoke', { preHandler: [requireSignIn, app.csrfProtection] }, async (request, reply) => {
    const params = ZTokenPath.safeParse(request.params);
    if (!params.success || !(await revokeApiToken(storage.db, request.user!, params.data.tokenId))) return reply.callNotFound();
    return reply.redirect('/account/api-tokens?revoked=1', 303);
  });
};
