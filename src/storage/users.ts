import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** In increasing order of power: each role can do everything the roles before it can. */
export const ROLES = ['viewer', 'analyst', 'org_admin'] as const;
export type TRole = (typeof ROLES)[number];

export interface SignedInUser {
  id: string;
  email: string;
  name: string;
  platformAdmin: boolean;
  memberships: { organisationId: string; role: TRole }[];
}

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  passwordHash: string | null;
  platformAdmin: boolean;
}

/** Emails are compared case-insensitively everywhere, so they are stored lower-cased. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function insertUser(db: Kysely<Database>, user: { email: string; name: string; passwordHash: string | null; platformAdmin: boolean }, now: Date): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('user_account')
    .values({
      id,
      email: normaliseEmail(user.email),
      name: user.name,
      password_hash: user.passwordHash,
      platform_admin: user.platformAdmin ? 1 : 0,
      created_at: now.toISOString(),
    })
    .execute();
  return id;
}

const userColumns = ['id', 'email', 'name', 'password_hash', 'platform_admin'] as const;

function toUserRecord(row: Pick<Database['user_account'], (typeof userColumns)[number]>): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    passwordHash: row.password_hash,
    platformAdmin: Number(row.platform_admin) === 1,
  };
}

export async function findUserByEmail(db: Kysely<Database>, email: string): Promise<UserRecord | undefined> {
  const row = await db.selectFrom('user_account').select(userColumns).where('email', '=', normaliseEmail(email)).executeTakeFirst();
  return row && toUserRecord(row);
}

export async function findUserById(db: Kysely<Database>, id: string): Promise<UserRecord | undefined> {
  const row = await db.selectFrom('user_account').select(userColumns).where('id', '=', id).executeTakeFirst();
  return row && toUserRecord(row);
}

export async function loadSignedInUser(db: Kysely<Database>, id: string): Promise<SignedInUser | undefined> {
  const user = await findUserById(db, id);
  if (!user) return undefined;
  const memberships = await db.selectFrom('membership').select(['organisation_id', 'role']).where('user_id', '=', id).orderBy('organisation_id').execute();
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    platformAdmin: user.platformAdmin,
    memberships: memberships.map((m) => ({ organisationId: m.organisation_id, role: m.role })),
  };
}

export async function setMembership(db: Kysely<Database>, userId: string, organisationId: string, role: TRole): Promise<void> {
  await db
    .insertInto('membership')
    .values({ user_id: userId, organisation_id: organisationId, role })
    .onConflict((oc) => oc.columns(['user_id', 'organisation_id']).doUpdateSet({ role }))
    .execute();
}

export async function removeMembership(db: Kysely<Database>, userId: string, organisationId: string): Promise<void> {
  await db.deleteFrom('membership').where('user_id', '=', userId).where('organisation_id', '=', organisationId).execute();
}

export function listMembers(db: Kysely<Database>, organisationId: string) {
  return db
    .selectFrom('membership')
    .innerJoin('user_account', 'user_account.id', 'membership.user_id')
    .select(['user_account.id', 'user_account.email', 'user_account.name', 'membership.role'])
    .where('membership.organisation_id', '=', organisationId)
    .orderBy('user_account.email')
    .execute();
}

export async function setPasswordHash(db: Kysely<Database>, id: string, passwordHash: string): Promise<void> {
  await db.updateTable('user_account').set({ password_hash: passwordHash }).where('id', '=', id).execute();
}

export async function insertSession(db: Kysely<Database>, session: Database['user_session']): Promise<void> {
  await db.insertInto('user_session').values(session).execute();
}

export function findSession(db: Kysely<Database>, id: string) {
  return db.selectFrom('user_session').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function touchSession(db: Kysely<Database>, id: string, lastSeenAt: string): Promise<void> {
  await db.updateTable('user_session').set({ last_seen_at: lastSeenAt }).where('id', '=', id).execute();
}

export async function deleteSession(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom('user_session').where('id', '=', id).execute();
}

export async function deleteUserSessions(db: Kysely<Database>, userId: string): Promise<void> {
  await db.deleteFrom('user_session').where('user_id', '=', userId).execute();
}

export async function insertPasswordReset(db: Kysely<Database>, reset: Database['password_reset']): Promise<void> {
  await db.insertInto('password_reset').values(reset).execute();
}

/** Deleting in the same step as reading makes a reset link single-use even under concurrent clicks. */
export async function takePasswordReset(db: Kysely<Database>, tokenHash: string) {
  const take = async (trx: Kysely<Database>) => {
    const row = await trx.selectFrom('password_reset').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    if (!row) return undefined;
    const deleted = await trx.deleteFrom('password_reset').where('token_hash', '=', tokenHash).executeTakeFirst();
    return Number(deleted.numDeletedRows) === 1 ? row : undefined;
  };
  // Joins the caller's transaction when given one (completing a reset spends the token with the new password).
  return db.isTransaction ? take(db) : db.transaction().execute(take);
}

/** Which organisation a survey belongs to, for access checks. */
export async function surveyOrganisationId(db: Kysely<Database>, surveyId: string): Promise<string | undefined> {
  const row = await db.selectFrom('survey').select('organisation_id').where('id', '=', surveyId).executeTakeFirst();
  return row?.organisation_id;
}
