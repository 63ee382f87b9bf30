import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { recordAudit } from './audit.js';
import type { Database } from '../storage/schema.js';
import { deleteSession, deleteUserSessions, findSession, insertSession, loadSignedInUser, touchSession, type SignedInUser } from '../storage/users.js';

/** ASVS 3.3.2: re-authenticate after 30 minutes idle or 12 hours in all. */
export const SESSION_IDLE_MS = 30 * 60 * 1000;
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60 * 1000;
/** Writing last-seen on every request would make each page a write; once a minute is precise enough for a 30-minute limit. */
const TOUCH_EVERY_MS = 60 * 1000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Returns the token for the cookie; only its hash is stored. */
export async function startSession(db: Kysely<Database>, userId: string, now: Date = new Date()): Promise<string> {
  const token = newToken();
  await insertSession(db, {
    id: hashToken(token),
    user_id: userId,
    created_at: now.toISOString(),
    last_seen_at: now.toISOString(),
    expires_at: new Date(now.getTime() + SESSION_ABSOLUTE_MS).toISOString(),
  });
  return token;
}

/** The signed-in user for a cookie token, or undefined when the session is unknown or expired (an expired one is deleted). */
export async function resolveSession(db: Kysely<Database>, token: string, now: Date = new Date()): Promise<SignedInUser | undefined> {
  const id = hashToken(token);
  const session = await findSession(db, id);
  if (!session) return undefined;
  const lastSeen = Date.parse(session.last_seen_at);
  if (now.getTime() >= Date.parse(session.expires_at) || now.getTime() - lastSeen >= SESSION_IDLE_MS) {
    await deleteSession(db, id);
    return undefined;
  }
  if (now.getTime() - lastSeen >= TOUCH_EVERY_MS) await touchSession(db, id, now.toISOString());
  return loadSignedInUser(db, session.user_id);
}

export async function endSession(db: Kysely<Database>, token: string): Promise<void> {
  await deleteSession(db, hashToken(token));
}

export async function endAllSessions(db: Kysely<Database>, userId: string): Promise<void> {
  await deleteUserSessions(db, userId);
}

/** Ends every session of the account (the person's own request), audited with it. */
export async function signOutEverywhere(db: Kysely<Database>, user: { id: string; email: string }): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await endAllSessions(trx, user.id);
    await recordAudit(trx, { actorId: user.id, organisationId: null, action: 'account.sign-out-everywhere', target: user.email });
  });
}
