import type { Kysely } from 'kysely';
import { createUser } from '../../src/admin/users.js';
import { startSession } from '../../src/admin/sessions.js';
import type { Database } from '../../src/storage/schema.js';
import { setMembership, type TRole } from '../../src/storage/users.js';
import { SESSION_COOKIE } from '../../src/web/plugins/auth.js';

export const TEST_PASSWORD = 'correct horse battery staple';

let counter = 0;

/** A user with the given role in each organisation, and a session cookie header for inject(). */
export async function userWithRoles(
  db: Kysely<Database>,
  roles: Record<string, TRole>,
  options: { platformAdmin?: boolean; email?: string } = {},
): Promise<{ id: string; email: string; cookie: string }> {
  const email = options.email ?? `user${++counter}-${Math.random().toString(36).slice(2, 8)}@example.org`;
  const id = await createUser(db, { email, name: `Test user ${counter}`, password: TEST_PASSWORD, platformAdmin: options.platformAdmin ?? false });
  for (const [organisationId, role] of Object.entries(roles)) await setMembership(db, id, organisationId, role);
  const token = await startSession(db, id);
  return { id, email, cookie: `${SESSION_COOKIE}=${token}` };
}
