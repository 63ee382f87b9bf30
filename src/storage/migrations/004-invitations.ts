import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

type Dialect = 'sqlite' | 'postgres';

/**
 * Invitations: one row per person on a staff list, and one row per link sent to them (an
 * invitation and each reminder carry a fresh token; only its hash is stored). Both tables
 * are WITHOUT ROWID on SQLite so their physical order follows random keys, never the order
 * in which rows were written.
 */
export function invitations(dialect: Dialect): Migration {
  const withoutRowid = dialect === 'sqlite' ? sql`without rowid` : sql``;
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('invitation')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('survey_id', 'text', (c) => c.notNull().references('survey.id'))
        // Email, segment and dates are all set to null when the invitation is used.
        .addColumn('email', 'text')
        .addColumn('role_group', 'text')
        .addColumn('directorate', 'text')
        .addColumn('sent_on', 'text')
        .addColumn('reminded_on', 'text')
        .addColumn('used', 'integer', (c) => c.notNull().defaultTo(0))
        .addUniqueConstraint('invitation_survey_email', ['survey_id', 'email'])
        .modifyEnd(withoutRowid)
        .execute();
      await db.schema
        .createTable('invitation_token')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('invitation_id', 'text', (c) => c.notNull().references('invitation.id'))
        .modifyEnd(withoutRowid)
        .execute();
      await db.schema.createIndex('invitation_token_invitation').on('invitation_token').column('invitation_id').execute();
    },
  };
}
