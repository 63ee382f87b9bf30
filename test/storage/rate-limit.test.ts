import { afterEach, describe, expect, it } from 'vitest';
import { migrate, openStorage, type Storage } from '../../src/storage/db.js';
import { countHit, countSignInFailure, deleteSpentLimits, limitKey, takeBackHit } from '../../src/storage/rate-limit.js';
import { freshPostgres, freshSqlite, POSTGRES_SKIP_REASON, postgresUrl } from './targets.js';

const targets = [
  { title: 'on SQLite', skip: false, fresh: async () => freshSqlite() },
  { title: postgresUrl ? 'on PostgreSQL' : `on PostgreSQL (${POSTGRES_SKIP_REASON})`, skip: !postgresUrl, fresh: freshPostgres },
];

let storage: Storage | undefined;
afterEach(async () => {
  await storage?.close();
  storage = undefined;
});

describe.each(targets)('rate-limit storage $title', (target) => {
  const open = async () => {
    storage = openStorage(await target.fresh());
    await migrate(storage);
    return storage;
  };
  const morning = new Date('2026-11-24T09:00:00Z');
  const evening = new Date('2026-11-24T23:59:00Z');
  const nextDay = new Date('2026-11-25T00:01:00Z');

  it.skipIf(target.skip)('keys an address with the day’s salt: the same all day and for every caller, another the next day, never the address', async () => {
    const { db } = await open();
    const keys = await Promise.all([limitKey(db, 'resume', '203.0.113.7', morning), limitKey(db, 'resume', '203.0.113.7', evening)]);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[0]).toMatch(/^resume:[A-Za-z0-9_-]{43}$/);
    expect(keys[0]).not.toContain('203.0.113.7');
    expect(await limitKey(db, 'resume', '203.0.113.8', morning)).not.toBe(keys[0]);
    expect(await limitKey(db, 'invitation', '203.0.113.7', morning)).not.toBe(keys[0].replace('resume:', 'invitation:'));
    expect(await limitKey(db, 'resume', '203.0.113.7', nextDay)).not.toBe(keys[0]);
    expect(await db.selectFrom('rate_limit_salt').select('day').orderBy('day').execute()).toEqual([{ day: '2026-11-24' }, { day: '2026-11-25' }]);
  });

  it.skipIf(target.skip)('takes back a hit, never below nothing', async () => {
    const { db } = await open();
    await countHit(db, 'k', 60_000, morning);
    await countHit(db, 'k', 60_000, morning);
    await takeBackHit(db, 'k');
    expect((await countHit(db, 'k', 60_000, morning)).current).toBe(2);
    await Promise.all([takeBackHit(db, 'k'), takeBackHit(db, 'k'), takeBackHit(db, 'k')]);
    expect((await countHit(db, 'k', 60_000, morning)).current).toBe(1);
  });

  it.skipIf(target.skip)('drops ended windows, forgotten failures and past days’ salts, and keeps the rest', async () => {
    const { db } = await open();
    const key = await limitKey(db, 'resume', '203.0.113.7', morning);
    await countHit(db, key, 60_000, morning);
    await countHit(db, 'still counting', 60_000, new Date(nextDay.getTime() - 30_000));
    const rule = { forgetAfterMs: 60 * 60_000, delayMs: () => 0 };
    await countSignInFailure(db, { accountKey: 'a', clientKey: 'old' }, morning, rule);
    await countSignInFailure(db, { accountKey: 'a', clientKey: 'recent' }, evening, rule);
    await limitKey(db, 'resume', '203.0.113.7', nextDay);
    await deleteSpentLimits(db, nextDay);
    expect(await db.selectFrom('rate_limit_counter').select('key').execute()).toEqual([{ key: 'still counting' }]);
    expect(await db.selectFrom('sign_in_failure').select('client_key').execute()).toEqual([{ client_key: 'recent' }]);
    expect(await db.selectFrom('rate_limit_salt').select('day').execute()).toEqual([{ day: '2026-11-25' }]);
    // With its salt gone, yesterday's key cannot be made again.
    expect(await limitKey(db, 'resume', '203.0.113.7', morning)).not.toBe(key);
  });
});
