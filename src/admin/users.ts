import { hash, verify } from '@node-rs/argon2';
import type { Kysely } from 'kysely';
import { auditBy, recordAudit, type Actor } from './audit.js';
import { z } from 'zod';
import type { Database } from '../storage/schema.js';
import {
  countFailedSignIn,
  findUserByEmail,
  findUserById,
  insertPasswordReset,
  insertUser,
  setLock,
  setPasswordHash,
  takePasswordReset,
} from '../storage/users.js';
import { endAllSessions, hashToken, newToken } from './sessions.js';

export const MAX_FAILED_SIGN_INS = 5;
export const LOCK_MS = 15 * 60 * 1000;
export const RESET_LINK_MS = 60 * 60 * 1000;

export const ZEmail = z.string().trim().toLowerCase().pipe(z.email({ message: 'Enter an email address in the correct format, like name@example.org' }));
/** ASVS 2.1.1/2.1.2: at least 12 characters, at most 128; no composition rules. */
export const ZPassword = z
  .string()
  .min(12, { message: 'Password must be 12 characters or more' })
  .max(128, { message: 'Password must be 128 characters or fewer' });
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

export type SignInResult = { ok: true; userId: string } | { ok: false; reason: 'invalid' | 'locked' };

/**
 * Checks a password. After MAX_FAILED_SIGN_INS failures in a row the account is locked for
 * LOCK_MS; the counts live in the database so every process sees them.
 */
export async function authenticate(db: Kysely<Database>, email: string, password: string, now: Date = new Date()): Promise<SignInResult> {
  const user = await findUserByEmail(db, email);
  if (!user || !user.passwordHash) {
    decoyHash ??= hashPassword('decoy password, never matches');
    await verify(await decoyHash, password).catch(() => false);
    return { ok: false, reason: 'invalid' };
  }
  if (user.lockedUntil && Date.parse(user.lockedUntil) > now.getTime()) return { ok: false, reason: 'locked' };
  if (await verify(user.passwordHash, password).catch(() => false)) {
    if (user.failedSignIns > 0 || user.lockedUntil) await setLock(db, user.id, null, 0);
    return { ok: true, userId: user.id };
  }
  const failures = await countFailedSignIn(db, user.id);
  if (failures >= MAX_FAILED_SIGN_INS) {
    await setLock(db, user.id, new Date(now.getTime() + LOCK_MS).toISOString(), 0);
    return { ok: false, reason: 'locked' };
  }
  return { ok: false, reason: 'invalid' };
}

/**
 * Changes a signed-in user's password after checking the current one (through authenticate,
 * so wrong guesses count towards the lock-out), and ends every session of the account.
 */
export async function changePassword(db: Kysely<Database>, userId: string, current: string, next: string): Promise<SignInResult> {
  const user = await findUserById(db, userId);
  if (!user) return { ok: false, reason: 'invalid' };
  const checked = await authenticate(db, user.email, current);
  if (!checked.ok) return checked;
  const passwordHash = await hashPassword(ZPassword.parse(next));
  await db.transaction().execute(async (trx) => {
    await setPasswordHash(trx, user.id, passwordHash);
    await endAllSessions(trx, user.id);
    await recordAudit(trx, { actorId: user.id, organisationId: null, action: 'account.password-change', target: user.email });
  });
  return checked;
}

/** A reset link token for the account, or undefined for an unknown email (the caller says the same thing either way). */
export async function requestPasswordReset(db: Kysely<Database>, email: string, now: Date = new Date()): Promise<{ token: string; email: string } | undefined> {
  const user = await findUserByEmail(db, email);
  if (!user) return undefined;
  const token = newToken();
  await insertPasswordReset(db, { token_hash: hashToken(token), user_id: user.id, expires_at: new Date(now.getTime() + RESET_LINK_MS).toISOString() });
  return { token, email: user.email };
}

/** Uses a reset token once; a new password also signs the account out everywhere and lifts any lock. */
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
    await recordAudit(trx, { actorId: user.id, organisationId: null, action: 'account.password-reset', target: user.email });
    return { ok: true as const, userId: user.id, email: user.email };
  });
}
