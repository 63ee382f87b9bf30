import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

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
        count: eb.case().when('rate_limit_counter.window_ends_at', '<=', nowIso).then(1).else(eb('rate_limit_counter.count', '+', 1)).end(),
        window_ends_at: eb.case().when('rate_limit_counter.window_ends_at', '<=', nowIso).then(windowEnds).else(eb.ref('rate_limit_counter.window_ends_at')).end(),
      })),
    )
    .returning(['count', 'window_ends_at'])
    .executeTakeFirstOrThrow();
  return { current: Number(row.count), windowEndsAt: new Date(row.window_ends_at) };
}

/** Old windows are dead weight: dropped now and then so the table stays small. */
export async function deleteExpiredCounters(db: Kysely<Database>, now: Date): Promise<void> {
  await db.deleteFrom('rate_limit_counter').where('window_ends_at', '<=', now.toISOString()).execute();
}
