import { hash, verify } from '@node-rs/argon2';
import type { Kysely } from 'kysely';
import { auditBy, recordAudit, type Actor } from './audit.js';
import { z } from 'zod';
import type { Database } from '../storage/schema.js';
import { countHit, countSignInFailure, findSignInFailures, forgetSignInFailures, limitKey } from '../storage/rate-limit.js';
import { findUserByEmail, findUserById, insertPasswordReset, insertUser, normaliseEmail, setPasswordHash, takePasswordReset } from '../storage/users.js';
import { endAllSessions, hashToken, newToken } from './sessions.js';

/**
 * Failed sign-ins slow down whoever makes them, per account and client address: after
 * FREE_FAILURES failures from one address, each further attempt on that account from there
 * waits twice as long as the last (2 s, 4 s, 8 s … at most MAX_SIGN_IN_DELAY_MS), and attempts
 * made while waiting are refused unchecked. The owner signing in from another address is not
 * slowed at all, so nobody can lock an account by knowing its email. Failures are forgotten
 * after FORGET_FAILURES_MS without one (and at midnight UTC, when keys change:
 * storage/rate-limit.ts), or at once by a right password from that address or a new password.
 *
 * Many addresses each get FREE_FAILURES before they are slowed; each address is also held to a
 * fixed number of attempts per window across all accounts (web/plugins/rate-limit.ts), and
 * passwords of 12 characters or more checked with argon2id keep that far from enough.
 */
export const FREE_FAILURES = 5;
export const MAX_SIGN_IN_DELAY_MS = 15 * 60 * 1000;
export const FORGET_FAILURES_MS = 60 * 60 * 1000;
export const RESET_LINK_MS = 60 * 60 * 1000;
/** Reset emails per account per hour; more would let anyone fill a colleague's inbox. Links already sent keep working. */
export const RESET_MAILS_PER_HOUR = 3;

/** How long the next attempt from a client waits after its failures-th failure on one account. */
export function signInDelayMs(failures: number): number {
  return failures < FREE_FAILURES ? 0 : Math.min(1000 * 2 ** (failures - FREE_FAILURES + 1), MAX_SIGN_IN_DELAY_MS);
}

export const ZEmail = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: 'Enter an email address in the correct format, like name@example.org' }));
/** ASVS 2.1.1/2.1.2: at least 12 characters, at most 128; no composition rules. */
export const ZPassword = z.string().min(12, { message: 'Password must be 12 characters or more' }).max(128, { message: 'Password must be 128 characters or fewer' });
export const ZNewUser = z.object({
  email: ZEmail,
  name: z.string().trim().min(1, { message: 'Enter a name' }).max(200, { message: 'Name must be 200 characters or fewer' }),
  password: ZPassword.optional(),
  platformAdmin: z.boolean().default(false),
});
export type TNewUser = z.input<typeof ZNewUser>;

/**
 * OWASP's argon2id minimum (19 MiB, 2 passes). algorithm 2 is Algorithm.Argon2id: a const
 * enum cannot be imported under verbatimModuleSyntax.
 */
const ARGON2_OPTIONS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/** A fixed hash to verify against when the email is unknown, so the answer takes the same time either way. */
let decoyHash: Promise<string> | undefined;

export async function createUser(db: Kysely<Database>, input: TNewUser, now: Date = new Date()): Promise<string> {
  const user = ZNewUser.parse(input);
  if (await findUserByEmail(db, user.email)) throw new Error(`An account for ${user.email} already exists`);
  return insertUser(db, { email: user.email, name: user.name, passwordHash: user.password ? await hashPassword(user.password) : null, platformAdmin: user.platformAdmin }, now);
}

/** Creates a platform administrator (from the command line), audited in the same transaction. */
export async function createPlatformAdmin(db: Kysely<Database>, actor: Actor, input: TNewUser): Promise<string> {
  return db.transaction().execute(async (trx) => {
    const id = await createUser(trx, { ...input, platformAdmin: true });
    await recordAudit(trx, auditBy(actor, { organisationId: null, action: 'user.create-admin', target: ZNewUser.parse(input).email }));
    return id;
  });
}

export type SignInResult = { ok: true; userId: string } | { ok: false; reason: 'invalid' } | { ok: false; reason: 'wait'; retryAfterSeconds: number };

/** A sign-in attempt: the email and password given, and the address it came from (counted only as a keyed hash). */
export interface SignInAttempt {
  email: string;
  password: string;
  client: string;
}

/** The key an account's failed sign-ins are counted under; an unknown email has one too, so it is slowed alike. */
function accountKey(db: Kysely<Database>, email: string, now: Date): Promise<string> {
  return limitKey(db, 'account', normaliseEmail(email), now);
}

/** Checks a password, unless this client must still wait after its failures on this account (see FREE_FAILURES). */
export async function authenticate(db: Kysely<Database>, attempt: SignInAttempt, now: Date = new Date()): Promise<SignInResult> {
  const keys = { accountKey: await accountKey(db, attempt.email, now), clientKey: await limitKey(db, 'client', attempt.client, now) };
  const earlier = await findSignInFailures(db, keys.accountKey, keys.clientKey, now);
  if (earlier && earlier.retryAt > now) return { ok: false, reason: 'wait', retryAfterSeconds: Math.ceil((earlier.retryAt.getTime() - now.getTime()) / 1000) };
  const user = await findUserByEmail(db, attempt.email);
  if (!user || !user.passwordHash) {
    decoyHash ??= hashPassword('decoy password, never matches');
    await verify(await decoyHash, attempt.password).catch(() => false);
  } else if (await verify(user.passwordHash, attempt.password).catch(() => false)) {
    if (earlier) await forgetSignInFailures(db, keys.accountKey, keys.clientKey);
    return { ok: true, userId: user.id };
  }
  await countSignInFailure(db, keys, now, { forgetAfterMs: FORGET_FAILURES_MS, delayMs: signInDelayMs });
  return { ok: false, reason: 'invalid' };
}

/**
 * Changes a signed-in user's password after checking the current one (through authenticate,
 * so wrong guesses are slowed as sign-ins are), and ends every session of the account.
 */
export async function changePassword(db: Kysely<Database>, userId: string, change: { current: string; next: string; client: string }): Promise<SignInResult> {
  const user = await findUserById(db, userId);
  if (!user) return { ok: false, reason: 'invalid' };
  const checked = await authenticate(db, { email: user.email, password: change.current, client: change.client });
  if (!checked.ok) return checked;
  const passwordHash = await hashPassword(ZPassword.parse(change.next));
  await db.transaction().execute(async (trx) => {
    await setPasswordHash(trx, user.id, passwordHash);
    await endAllSessions(trx, user.id);
    await recordAudit(trx, { actorId: user.id, organisationId: null, action: 'account.password-change', target: user.email });
  });
  return checked;
}

/**
 * A reset link token for the account, or undefined for an unknown email or once the account
 * has had RESET_MAILS_PER_HOUR links this hour (the caller says the same thing either way).
 */
export async function requestPasswordReset(db: Kysely<Database>, email: string, now: Date = new Date()): Promise<{ token: string; email: string } | undefined> {
  const mails = await countHit(db, await limitKey(db, 'reset-mail', normaliseEmail(email), now), RESET_LINK_MS, now);
  if (mails.current > RESET_MAILS_PER_HOUR) return undefined;
  const user = await findUserByEmail(db, email);
  if (!user) return undefined;
  const token = newToken();
  await insertPasswordReset(db, { token_hash: hashToken(token), user_id: user.id, expires_at: new Date(now.getTime() + RESET_LINK_MS).toISOString() });
  return { token, email: user.email };
}

/** Uses a reset token once; a new password also signs the account out everywhere and forgets its failed sign-ins from every address. */
export async function completePasswordReset(
  db: Kysely<Database>,
  token: string,
  password: string,
  now: Date = new Date(),
): Promise<{ ok: true; userId: string; email: string } | { ok: false }> {
  const passwordHash = await hashPassword(ZPassword.parse(password));
  // One transaction: the token is spent only together with the new password, the sessions ended and the audit row.
  return db.transaction().execute(async (trx) => {
    const reset = await takePasswordReset(trx, hashToken(token));
    if (!reset || Date.parse(reset.expires_at) <= now.getTime()) return { ok: false as const };
    const user = await findUserById(trx, reset.user_id);
    if (!user) return { ok: false as const };
    await setPasswordHash(trx, user.id, passwordHash);
    await endAllSessions(trx, user.id);
    await forgetSignInFailures(trx, await accountKey(trx, user.email, now));
    await recordAudit(trx, { actorId: user.id, organisationId: null, action: 'account.password-reset', target: user.email });
    return { ok: true as const, userId: user.id, email: user.email };
  });
}
