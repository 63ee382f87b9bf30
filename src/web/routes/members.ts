import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { addMember, listMembers, removeMember, ZMemberForm } from '../../admin/members.js';
import type { Mailer } from '../../admin/mailer.js';
import type { Storage } from '../../storage/db.js';
import { organisationsNamed } from '../../storage/waves.js';
import { pathOrganisation, requireOrganisationRole } from '../plugins/auth.js';

const ZPath = z.object({ organisationId: z.uuid(), userId: z.uuid().optional() });

/** Organisation admins add colleagues, change their role and remove them. */
export const memberRoutes: FastifyPluginAsync<{ storage: Storage; mailer: Mailer; publicUrl: string }> = async (app, { storage, mailer, publicUrl }) => {
  const admin = requireOrganisationRole('org_admin', pathOrganisation());

  async function page(organisationId: string) {
    const [organisation] = await organisationsNamed(storage.db, [organisationId]);
    return organisation && { organisation, members: await listMembers(storage.db, organisationId) };
  }

  app.get('/organisations/:organisationId/members', { preHandler: admin }, async (request, reply) => {
    const view = await page(ZPath.parse(request.params).organisationId);
    if (!view) return reply.callNotFound();
    return reply.render('account/members.njk', { ...view, added: (request.query as Record<string, unknown>).added === '1' });
  });

  app.post('/organisations/:organisationId/members', { preHandler: [admin, app.csrfProtection] }, async (request, reply) => {
    const { organisationId } = ZPath.parse(request.params);
    const view = await page(organisationId);
    if (!view) return reply.callNotFound();
    const form = ZMemberForm.safeParse(request.body ?? {});
    if (!form.success) {
      const errorList = form.error.issues.map((issue) => ({ text: issue.message, href: `#${String(issue.path[0])}` }));
      return reply.render('account/members.njk', { ...view, form: request.body, errorList }, 422);
    }
    const result = await addMember(storage.db, { userId: request.user!.id }, organisationId, form.data);
    if (result.setPasswordToken) {
      await mailer.send({
        to: result.email,
        subject: `You have been added to ${view.organisation.name} on Sounding`,
        body: `Choose a password within 1 hour with this link (it works once; after that, use "I have forgotten my password" on the sign-in page):\n\n${publicUrl.replace(/\/$/, '')}/password-reset/${result.setPasswordToken}`,
      });
    }
    return reply.redirect(`/organisations/${organisationId}/members?added=1`, 303);
  });

  app.post('/organisations/:organisationId/members/:userId/remove', { preHandler: [admin, app.csrfProtection] }, async (request, reply) => {
    const params = ZPath.safeParse(request.params);
    if (!params.success || !params.data.userId) return reply.callNotFound();
    // Removing yourself could leave the organisation with no admin; another admin must do it.
    if (params.data.userId === request.user!.id) return reply.render('account/forbidden.njk', {}, 403);
    if (!(await removeMember(storage.db, { userId: request.user!.id }, params.data.organisationId, params.data.userId))) return reply.callNotFound();
    return reply.redirect(`/organisations/${params.data.organisationId}/members`, 303);
  });
};
