import { createHmac, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** The UTC day a time falls on, which picks the salt its keys are made with. */
function dayOf(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** The day's salt: made by whichever process needs it first (the insert that loses is ignored), so every process uses the same one. */
async function saltOf(db: Kysely<Database>, day: string): Promise<string> {
  const existing = await db.selectFrom('rate_limit_salt').select('salt').where('day', '=', day).executeTakeFirst();
  if (existing) return existing.salt;
  await db
    .insertInto('rate_limit_salt')
    .values({ day, salt: randomBytes(32).toString('base64url') })
    .onConflict((oc) => oc.column('day').doNothing())
    .execute();
  return (await db.selectFrom('rate_limit_salt').select('salt').where('day', '=', day).executeTakeFirstOrThrow()).salt;
}

/**
 * The key a limit is counted under for a client address or an email: an HMAC with the day's
 * random salt, never the address or email itself. A plain hash of an IPv4 address can be
 * reversed by hashing all four billion; once the day's salt is dropped (deleteSpentLimits)
 * a key left behind cannot be matched to anything. Counts therefore start again at midnight UTC.
 * The scope is hashed in too, so one address's keys in different limits (a respondent's resume
 * guesses, a sign-in) cannot be matched with each other.
 */
export async function limitKey(db: Kysely<Database>, scope: string, subject: string, now: Date): Promise<string> {
  const salt = await saltOf(db, dayOf(now));
  return `${scope}:${createHmac('sha256', salt).update(`${scope}\n${subject}`).digest('base64url')}`;
}

/**
 * Counts one hit against key in a fixed window, in one statement, so processes sharing the
 * database share the count and two hits at once are both counted.
 */
export async function countHit(db: Kysely<Database>, key: string, windowMs: number, now: Date): Promise<{ current: number; windowEndsAt: Date }> {
  const nowIso = now.toISOString();
  const windowEnds = new Date(now.getTime() + windowMs).toISOString();
  const row = await db
    .insertInto('rate_limit_counter')
    .values({ key, count: 1, window_ends_at: windowEnds })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => ({
        count: eb
          .case()
          .when('rate_limit_counter.window_ends_at', '<=', nowIso)
          .then(1)
          .else(eb('rate_limit_counter.count', '+', 1))
          .end(),
        window_ends_at: eb.case().when('rate_limit_counter.window_ends_at', '<=', nowIso).then(windowEnds).else(eb.ref('rate_limit_counter.window_ends_at')).end(),
      })),
    )
    .returning(['count', 'window_ends_at'])
    .executeTakeFirstOrThrow();
  return { current: Number(row.count), windowEndsAt: new Date(row.window_ends_at) };
}

/** Takes back a hit counted by countHit, for limits that count only failures but must count before checking (see fieldwork). */
export async function takeBackHit(db: Kysely<Database>, key: string): Promise<void> {
  await db
    .updateTable('rate_limit_counter')
    .set((eb) => ({ count: eb('count', '-', 1) }))
    .where('key', '=', key)
    .where('count', '>', 0)
    .execute();
}

export interface SignInFailures {
  failures: number;
  retryAt: Date;
}

/** The failures counted for an account from one client, unless they have been forgotten. */
export async function findSignInFailures(db: Kysely<Database>, accountKey: string, clientKey: string, now: Date): Promise<SignInFailures | undefined> {
  const row = await db
    .selectFrom('sign_in_failure')
    .select(['failures', 'retry_at'])
    .where('account_key', '=', accountKey)
    .where('client_key', '=', clientKey)
    .where('forget_at', '>', now.toISOString())
    .executeTakeFirst();
  return row && { failures: Number(row.failures), retryAt: new Date(row.retry_at) };
}

/**
 * Counts one more failure for an account from one client (starting again from 1 once the
 * earlier ones were forgotten), in one statement so failures at once from two processes both
 * count, and sets when the next attempt may be checked from the new count.
 */
export async function countSignInFailure(
  db: Kysely<Database>,
  keys: { accountKey: string; clientKey: string },
  now: Date,
  rule: { forgetAfterMs: number; delayMs: (failures: number) => number },
): Promise<SignInFailures> {
  const nowIso = now.toISOString();
  const forgetAt = new Date(now.getTime() + rule.forgetAfterMs).toISOString();
  const row = await db
    .insertInto('sign_in_failure')
    .values({ account_key: keys.accountKey, client_key: keys.clientKey, failures: 1, retry_at: nowIso, forget_at: forgetAt })
    .onConflict((oc) =>
      oc.columns(['account_key', 'client_key']).doUpdateSet((eb) => ({
        failures: eb
          .case()
          .when('sign_in_failure.forget_at', '<=', nowIso)
          .then(1)
          .else(eb('sign_in_failure.failures', '+', 1))
          .end(),
        forget_at: forgetAt,
      })),
    )
    .returning('failures')
    .executeTakeFirstOrThrow();
  const failures = Number(row.failures);
  const retryAt = new Date(now.getTime() + rule.delayMs(failures));
  // Two failures at once may set this in either order; each waits at least as long as its own count asks.
  await db
    .updateTable('sign_in_failure')
    .set({ retry_at: retryAt.toISOString() })
    .where('account_key', '=', keys.accountKey)
    .where('client_key', '=', keys.clientKey)
    .where('retry_at', '<', retryAt.toISOString())
    .execute();
  return { failures, retryAt };
}

/** Forgets an account's failures: from one client (a right password from there), or from every client (a new password). */
export async function forgetSignInFailures(db: Kysely<Database>, accountKey: string, clientKey?: string): Promise<void> {
  let query = db.deleteFrom('sign_in_failure').where('account_key', '=', accountKey);
  if (clientKey !== undefined) query = query.where('client_key', '=', clientKey);
  await query.execute();
}

/**
 * Drops what no limit needs any more: counters whose window has ended, failures forgotten,
 * and salts of days gone by (with them, any key made that day can no longer be matched).
 * Run every minute by each process (web/plugins/rate-limit.ts), so nothing lingers long.
 */
export async function deleteSpentLimits(db: Kysely<Database>, now: Date): Promise<void> {
  const nowIso = now.toISOString();
  await db.deleteFrom('rate_limit_counter').where('window_ends_at', '<=', nowIso).execute();
  await db.deleteFrom('sign_in_failure').where('forget_at', '<=', nowIso).execute();
  await db.deleteFrom('rate_limit_salt').where('day', '<', dayOf(now)).execute();
}
