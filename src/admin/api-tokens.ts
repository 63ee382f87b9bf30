import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { findApiTokenByHash, insertApiToken, listUserApiTokens, revokeUserApiToken, setApiTokenLastUsed, type ApiTokenRow } from '../storage/api-tokens.js';
import { countHit } from '../storage/rate-limit.js';
import type { Database } from '../storage/schema.js';
import { loadSignedInUser, type SignedInUser } from '../storage/users.js';
import { recordAudit } from './audit.js';
import { hashToken, newToken } from './sessions.js';

/**
 * Personal API tokens: a person signed in to the pages makes a token for a script (R, Python)
 * to read one of their organisations' published results through the JSON API. A token is
 * read-only (the web layer accepts it only for reading the API), reads one organisation, and
 * acts with its owner's role there as it is at the moment of each request: it never grants
 * more than the owner has, and stops reading an organisation the owner has left.
 */

/** Recognisable to secret scanners (and people) as a Sounding token; 32 random bytes follow it. */
export const API_TOKEN_PREFIX = 'snd_';
const ZPresentedToken = z.string().regex(/^snd_[A-Za-z0-9_-]{43}$/);

/** How long a new token lasts, in days: a short list, at most a year, so no token is forgotten for ever. */
export const EXPIRY_DAYS = ['7', '30', '90', '365'] as const;
const DAY_MS = 24 * 60 * 60 * 1000;

export const ZNewApiToken = z.object({
  name: z.string({ error: 'Enter a name for the token' }).trim().min(1, { message: 'Enter a name for the token' }).max(100, { message: 'Name must be 100 characters or fewer' }),
  organisationId: z.uuid({ error: 'Select the organisation the token reads' }),
  expiresInDays: z.enum(EXPIRY_DAYS, { error: 'Select when the token expires' }),
});
export type TNewApiToken = z.output<typeof ZNewApiToken>;

/** Refusals of the same token, or of unknown tokens from one address, that make one audit entry within the window. */
export const REFUSALS_AUDITED = 5;
export const REFUSAL_WINDOW_MS = 15 * 60 * 1000;

const day = (iso: string) => iso.slice(0, 10);
const tokenLabel = (token: { name: string }) => `API token "${token.name}"`;

export type CreateApiTokenResult = { ok: true; token: string; expiresAt: string } | { ok: false; field: keyof TNewApiToken; message: string };

/** Makes a token; the token itself is returned once, here, and only its hash is stored. */
export async function createApiToken(db: Kysely<Database>, owner: SignedInUser, input: TNewApiToken, now: Date = new Date()): Promise<CreateApiTokenResult> {
  // Only an organisation the person belongs to: not even a platform admin's token reaches further.
  if (!owner.memberships.some((m) => m.organisationId === input.organisationId)) {
    return { ok: false, field: 'organisationId', message: 'Select the organisation the token reads' };
  }
  const token = `${API_TOKEN_PREFIX}${newToken()}`;
  const expiresAt = new Date(now.getTime() + Number(input.expiresInDays) * DAY_MS).toISOString();
  await db.transaction().execute(async (trx) => {
    await insertApiToken(trx, {
      id: randomUUID(),
      token_hash: hashToken(token),
      user_id: owner.id,
      organisation_id: input.organisationId,
      name: input.name,
      created_at: now.toISOString(),
      expires_at: expiresAt,
      last_used_on: null,
      revoked_at: null,
    });
    await recordAudit(trx, { actorId: owner.id, organisationId: input.organisationId, action: 'api-token.create', target: `${tokenLabel(input)}, expires ${day(expiresAt)}` }, now);
  });
  return { ok: true, token, expiresAt };
}

/** The person's tokens that are not revoked, newest first: dates only, never the token or its hash. */
export async function listApiTokens(db: Kysely<Database>, ownerId: string, now: Date = new Date()) {
  return (await listUserApiTokens(db, ownerId)).map((t) => ({
    id: t.id,
    name: t.name,
    organisation: t.organisation,
    createdOn: day(t.createdAt),
    expiresOn: day(t.expiresAt),
    expired: Date.parse(t.expiresAt) <= now.getTime(),
    lastUsedOn: t.lastUsedOn,
  }));
}

/** Revokes one of the person's own tokens, audited with it; false when they hold no such live token. */
export async function revokeApiToken(db: Kysely<Database>, owner: { id: string }, tokenId: string, now: Date = new Date()): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const revoked = await revokeUserApiToken(trx, owner.id, tokenId, now.toISOString());
    if (!revoked) return false;
    await recordAudit(trx, { actorId: owner.id, organisationId: revoked.organisation_id, action: 'api-token.revoke', target: tokenLabel(revoked) }, now);
    return true;
  });
}

export type ApiTokenRefusal = 'malformed' | 'unknown' | 'expired' | 'revoked';
export type ApiTokenCheck = { ok: true; user: SignedInUser } | { ok: false; reason: ApiTokenRefusal };

/**
 * Who a presented token acts for: its owner, as they are now, reduced to the token's one
 * organisation and never a platform admin. A refusal's reason is for the log only; the caller
 * answers every refusal alike. `clientAddress` keys the count of unknown tokens (hashed).
 */
export async function authenticateApiToken(db: Kysely<Database>, presented: string, clientAddress: string, now: Date = new Date()): Promise<ApiTokenCheck> {
  const parsed = ZPresentedToken.safeParse(presented);
  const row = parsed.success ? await findApiTokenByHash(db, hashToken(parsed.data)) : undefined;
  const refusal = !parsed.success ? 'malformed' : !row ? 'unknown' : row.revoked_at ? 'revoked' : Date.parse(row.expires_at) <= now.getTime() ? 'expired' : undefined;
  // Deleting an account deletes its tokens, so a live token's owner is always found.
  const owner = row && !refusal ? await loadSignedInUser(db, row.user_id) : undefined;
  if (!row || !owner) {
    await countRefusal(db, row, refusal ?? 'unknown', clientAddress, now);
    return { ok: false, reason: refusal ?? 'unknown' };
  }
  const today = day(now.toISOString());
  // The day of last use, written at most once a day per token.
  if (row.last_used_on !== today) await setApiTokenLastUsed(db, row.id, today);
  return { ok: true, user: { ...owner, platformAdmin: false, memberships: owner.memberships.filter((m) => m.organisationId === row.organisation_id) } };
}

/**
 * Repeated refusals are audited, once per window: for a token someone held (revoked or
 * expired, and still in use: it may have leaked) in its organisation's log, so its admins see
 * it; for tokens nobody holds (guessing, or a mistyped token) per client address, whose hash
 * alone is the counter's key and which no audit entry names.
 */
async function countRefusal(db: Kysely<Database>, row: (ApiTokenRow & { ownerEmail: string }) | undefined, reason: ApiTokenRefusal, clientAddress: string, now: Date): Promise<void> {
  const key = row ? `api-token-refused:token:${row.id}` : `api-token-refused:client:${hashToken(clientAddress)}`;
  const { current } = await countHit(db, key, REFUSAL_WINDOW_MS, now);
  if (current !== REFUSALS_AUDITED) return;
  const minutes = REFUSAL_WINDOW_MS / 60_000;
  await recordAudit(
    db,
    {
      actorId: null,
      actorLabel: 'API client',
      organisationId: row?.organisation_id ?? null,
      action: 'api-token.refused',
      target: row
        ? `${tokenLabel(row)} of ${row.ownerEmail} (${reason}): ${REFUSALS_AUDITED} refused requests within ${minutes} minutes`
        : `${REFUSALS_AUDITED} requests with unknown or malformed API tokens from one address within ${minutes} minutes`,
    },
    now,
  );
}
