import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export type ApiTokenRow = Database['api_token'];

export async function insertApiToken(db: Kysely<Database>, token: ApiTokenRow): Promise<void> {
  await db.insertInto('api_token').values(token).execute();
}

/** The token with this hash, with its owner's email for audit entries; revoked and expired ones included. */
export function findApiTokenByHash(db: Kysely<Database>, tokenHash: string) {
  return db
    .selectFrom('api_token')
    .innerJoin('user_account', 'user_account.id', 'api_token.user_id')
    .selectAll('api_token')
    .select('user_account.email as ownerEmail')
    .where('api_token.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

/** A person's tokens that are not revoked, newest first, with the organisation's name; never the hash. */
export function listUserApiTokens(db: Kysely<Database>, userId: string) {
  return db
    .selectFrom('api_token')
    .innerJoin('organisation', 'organisation.id', 'api_token.organisation_id')
    .select([
      'api_token.id',
      'api_token.name',
      'api_token.organisation_id as organisationId',
      'organisation.name as organisation',
      'api_token.created_at as createdAt',
      'api_token.expires_at as expiresAt',
      'api_token.last_used_on as lastUsedOn',
    ])
    .where('api_token.user_id', '=', userId)
    .where('api_token.revoked_at', 'is', null)
    .orderBy('api_token.created_at', 'desc')
    .execute();
}

/** Revokes one of the person's own tokens; the revoked row, or undefined when they have no such live token. */
export async function revokeUserApiToken(db: Kysely<Database>, userId: string, tokenId: string, revokedAt: string) {
  return db
    .updateTable('api_token')
    .set({ revoked_at: revokedAt })
    .where('id', '=', tokenId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .returning(['id', 'name', 'organisation_id'])
    .executeTakeFirst();
}

/** Revokes every live token a person holds for one organisation (when they stop being a member of it). */
export async function revokeMemberApiTokens(db: Kysely<Database>, userId: string, organisationId: string, revokedAt: string): Promise<void> {
  await db.updateTable('api_token').set({ revoked_at: revokedAt }).where('user_id', '=', userId).where('organisation_id', '=', organisationId).where('revoked_at', 'is', null).execute();
}

export async function setApiTokenLastUsed(db: Kysely<Database>, id: string, day: string): Promise<void> {
  await db.updateTable('api_token').set({ last_used_on: day }).where('id', '=', id).execute();
}
