import type { Kysely } from 'kysely';
import { z } from 'zod';
import { revokeMemberApiTokens } from '../storage/api-tokens.js';
import type { Database } from '../storage/schema.js';
import { findUserByEmail, insertUser, listMembers, removeMembership, ROLES, setMembership } from '../storage/users.js';
import { auditBy, recordAudit, type Actor } from './audit.js';
import { requestPasswordReset, ZEmail } from './users.js';

export const ZMemberForm = z.object({
  email: z.string().default('').pipe(ZEmail),
  name: z.string().trim().max(200, { message: 'Name must be 200 characters or fewer' }).default(''),
  role: z.enum(ROLES, { error: 'Select a role' }),
});
export type TMemberForm = z.output<typeof ZMemberForm>;

export { listMembers };

/**
 * Gives a person a role in the organisation. Someone without an account gets one with no
 * password, and a link to choose one (the reset link, so there is one way to set a password).
 */
export async function addMember(db: Kysely<Database>, actor: Actor, organisationId: string, member: TMemberForm): Promise<{ created: boolean; setPasswordToken?: string; email: string }> {
  return db.transaction().execute(async (trx) => {
    let user = await findUserByEmail(trx, member.email);
    const created = !user;
    if (!user) {
      await insertUser(trx, { email: member.email, name: member.name || member.email, passwordHash: null, platformAdmin: false }, new Date());
      user = (await findUserByEmail(trx, member.email))!;
    }
    await setMembership(trx, user.id, organisationId, member.role);
    await recordAudit(trx, auditBy(actor, { organisationId, action: created ? 'member.add' : 'member.set-role', target: `${user.email}: ${member.role}` }));
    const reset = created ? await requestPasswordReset(trx, user.email) : undefined;
    return { created, setPasswordToken: reset?.token, email: user.email };
  });
}

export async function removeMember(db: Kysely<Database>, actor: Actor, organisationId: string, userId: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const member = (await listMembers(trx, organisationId)).find((m) => m.id === userId);
    if (!member) return false;
    await removeMembership(trx, userId, organisationId);
    // Their API tokens for this organisation end too (the member.remove entry records it), so adding the person again later does not bring an old token back.
    await revokeMemberApiTokens(trx, userId, organisationId, new Date().toISOString());
    await recordAudit(trx, auditBy(actor, { organisationId, action: 'member.remove', target: member.email }));
    return true;
  });
}
