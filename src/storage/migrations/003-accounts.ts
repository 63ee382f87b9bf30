import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Accounts, memberships, sessions, password resets, audit log and shared rate-limit
 * counters. Times here are full ISO timestamps (UTC): they describe staff accounts and
 * administrative actions, never answers.
 */
export function accounts(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('user_account')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text')
        .addColumn('platform_admin', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('failed_sign_ins', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('locked_until', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('membership')
        .addColumn('user_id', 'text', (c) => c.notNull().references('user_account.id').onDelete('cascade'))
        .addColumn('organisation_id', 'text', (c) => c.notNull().references('organisation.id').onDelete('cascade'))
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('viewer', 'analyst', 'org_admin')`))
        .addPrimaryKeyConstraint('membership_pk', ['user_id', 'organisation_id'] as never)
        .execute();
      await db.schema.createIndex('membership_organisation').on('membership').column('organisation_id').execute();
      await db.schema
        .createTable('user_session')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('user_account.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('user_session_user').on('user_session').column('user_id').execute();
      await db.schema
        .createTable('password_reset')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('user_account.id').onDelete('cascade'))
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text')
        .addColumn('organisation_id', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_organisation').on('audit_log').columns(['organisation_id', 'at']).execute();
      await db.schema
        .createTable('rate_limit_counter')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('window_ends_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
