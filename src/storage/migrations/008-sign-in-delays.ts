import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Failed sign-ins slow the one who fails instead of locking the account: anyone who knew a
 * staff email could keep the account locked with five wrong passwords every 15 minutes.
 *
 * - `sign_in_failure`: failures per account and client address (both as keyed hashes), with
 *   the time the next attempt from that address may be checked and the time they are forgotten.
 * - `rate_limit_salt`: the day's random salt those hashes and the rate-limit counters' keys are
 *   made with; dropped the next day, after which a left-over key can no longer be matched to an
 *   address or email by trying them all.
 * - `user_account.failed_sign_ins` and `locked_until`, the account-wide lock, go.
 */
export function signInDelays(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('sign_in_failure')
        .addColumn('account_key', 'text', (c) => c.notNull())
        .addColumn('client_key', 'text', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('retry_at', 'text', (c) => c.notNull())
        .addColumn('forget_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('sign_in_failure_pk', ['account_key', 'client_key'] as never)
        .execute();
      await db.schema
        .createTable('rate_limit_salt')
        .addColumn('day', 'text', (c) => c.primaryKey())
        .addColumn('salt', 'text', (c) => c.notNull())
        .execute();
      await db.schema.alterTable('user_account').dropColumn('failed_sign_ins').execute();
      await db.schema.alterTable('user_account').dropColumn('locked_until').execute();
    },
  };
}
