import type { Kysely } from 'kysely';
import { countHit, limitKey, takeBackHit } from '../storage/rate-limit.js';
import type { Database } from '../storage/schema.js';

/** How many wrong guesses at a respondent's secret one client address may make in a window. */
export interface GuessLimit {
  scope: string;
  max: number;
  windowMs: number;
}

/** A resume code is 8 characters from 31: ten wrong codes per quarter hour makes guessing one hopeless. */
export const RESUME_GUESSES: GuessLimit = { scope: 'resume', max: 10, windowMs: 15 * 60 * 1000 };
/** Invitation tokens are 192-bit, so this only stops a client hammering the lookup. */
export const INVITATION_GUESSES: GuessLimit = { scope: 'invitation', max: 20, windowMs: 15 * 60 * 1000 };

export type GuessRefused = { outcome: 'wait'; retryAfterSeconds: number };

/**
 * Runs a guess at a secret (a resume code, an invitation link) unless the client address has
 * made limit.max wrong guesses in the window; then it is not checked at all.
 *
 * A respondent is never tracked by this. The address is kept only as a keyed hash with the
 * day's salt (storage/rate-limit.ts `limitKey`), in a counter holding nothing else: no survey,
 * session or answer, so it is never joined with answers. It is dropped within a minute of its
 * 15-minute window ending, and the salt the next day. A right guess is taken back, so people
 * behind one council address who resume or follow their own links never add up to a limit.
 * The guess is counted before it is checked so that guesses sent at once cannot pass the limit together.
 */
export async function limitGuesses<T>(
  db: Kysely<Database>,
  limit: GuessLimit,
  client: string,
  guess: () => Promise<T>,
  isRight: (result: T) => boolean,
  now: Date = new Date(),
): Promise<T | GuessRefused> {
  const key = await limitKey(db, limit.scope, client, now);
  const counted = await countHit(db, key, limit.windowMs, now);
  if (counted.current > limit.max) return { outcome: 'wait', retryAfterSeconds: Math.ceil((counted.windowEndsAt.getTime() - now.getTime()) / 1000) };
  const result = await guess();
  if (isRight(result)) await takeBackHit(db, key);
  return result;
}
