import { createHmac, randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

type Dialect = 'sqlite' | 'postgres';

/** The key of `invited_address` rows: an HMAC-SHA256 of the normalised address, keyed by `secret` 'invited-address'. */
export function addressKey(key: string, email: string): string {
  return createHmac('sha256', Buffer.from(key, 'base64')).update(email).digest('base64url');
}

/**
 * What a lead controls about a wave's invitations, and who has ever been invited to it.
 *
 * - `invited_address`: a keyed hash of every address ever invited to a wave, kept when the
 *   invitation forgets its address (the respondent started), so a staff list uploaded again
 *   finds everyone already invited whatever they have done since, and invites nobody twice.
 *   It holds no link to the invitation row, and (WITHOUT ROWID on SQLite) its physical order
 *   follows the hash, not the order people were invited in. Keyed with a secret so a copy of
 *   the table cannot be checked against a guessed address without the key too.
 * - `secret`: keys the server makes for itself, shared by every process through the database
 *   (the only thing they share); 'invited-address' is made here.
 * - `wave_message`: a wave's invitation and reminder wording (English and Welsh), the
 *   languages the emails are in and the contact they name; no row means the catalogue's wording.
 *
 * Addresses already on a staff list (invitations not yet used) are entered into
 * `invited_address` here; those whose invitation was used were forgotten before this existed.
 */
export function invitationMessages(dialect: Dialect): Migration {
  const withoutRowid = dialect === 'sqlite' ? sql`without rowid` : sql``;
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('secret')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('invited_address')
        .addColumn('survey_id', 'text', (c) => c.notNull().references('survey.id'))
        .addColumn('address_key', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('invited_address_pk', ['survey_id', 'address_key'])
        .modifyEnd(withoutRowid)
        .execute();
      await db.schema
        .createTable('wave_message')
        .addColumn('survey_id', 'text', (c) => c.primaryKey().references('survey.id'))
        .addColumn('languages', 'text', (c) => c.notNull())
        .addColumn('contact', 'text', (c) => c.notNull())
        // JSON: { invitation: { en: { subject, body }, cy: {...} }, reminder: {...} }
        .addColumn('texts', 'text', (c) => c.notNull())
        .execute();

      const key = randomBytes(32).toString('base64');
      const typed = db as unknown as Kysely<{
        secret: { name: string; value: string };
        invited_address: { survey_id: string; address_key: string };
        invitation: { survey_id: string; email: string | null };
      }>;
      await typed.insertInto('secret').values({ name: 'invited-address', value: key }).execute();
      const waiting = await typed.selectFrom('invitation').select(['survey_id', 'email']).where('email', 'is not', null).execute();
      for (let start = 0; start < waiting.length; start += 500) {
        await typed
          .insertInto('invited_address')
          .values(waiting.slice(start, start + 500).map((w) => ({ survey_id: w.survey_id, address_key: addressKey(key, w.email!) })))
          .execute();
      }
    },
  };
}
