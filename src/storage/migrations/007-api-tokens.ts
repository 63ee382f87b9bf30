import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Personal API tokens: read-only credentials for the JSON API, each bound to its owner and one
 * of the owner's organisations. Only the token's sha256 is kept, so a copy of the database
 * cannot be used to call the API. A revoked token keeps its row (with revoked_at) so that
 * later attempts to use it can be recognised and audited; last use is a day, not a time.
 */
export function apiTokens(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('api_token')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('user_id', 'text', (c) => c.notNull().references('user_account.id').onDelete('cascade'))
        .addColumn('organisation_id', 'text', (c) => c.notNull().references('organisation.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('last_used_on', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('api_token_user').on('api_token').column('user_id').execute();
    },
  };
}
