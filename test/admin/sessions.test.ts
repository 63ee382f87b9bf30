import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SESSION_ABSOLUTE_MS, SESSION_IDLE_MS, endAllSessions, hashToken, resolveSession, startSession } from '../../src/admin/sessions.js';
import { createUser } from '../../src/admin/users.js';
import { migrate, openStorage, type Storage } from '../../src/storage/db.js';
import { freshSqlite } from '../storage/targets.js';

let storage: Storage;
let userId: string;
beforeEach(async () => {
  storage = openStorage(freshSqlite());
  await migrate(storage);
  userId = await createUser(storage.db, { email: 'a@example.org', name: 'A', password: 'a long enough passphrase' });
});
afterEach(async () => storage.close());

const start = new Date('2026-11-24T09:00:00Z');
const at = (ms: number) => new Date(start.getTime() + ms);
const MINUTE = 60_000;

describe('sessions', () => {
  it('ends after 30 minutes without a request, and deletes the row', async () => {
    const token = await startSession(storage.db, userId, start);
    expect((await resolveSession(storage.db, token, at(SESSION_IDLE_MS - MINUTE)))?.id).toBe(userId);
    // Activity moved the idle clock: 29 minutes after that request it is still alive.
    expect((await resolveSession(storage.db, token, at(2 * SESSION_IDLE_MS - 2 * MINUTE)))?.id).toBe(userId);
    expect(await resolveSession(storage.db, token, at(3 * SESSION_IDLE_MS))).toBeUndefined();
    expect(await storage.db.selectFrom('user_session').select('id').execute()).toHaveLength(0);
  });

  it('ends 12 hours after sign-in however active the user is', async () => {
    const token = await startSession(storage.db, userId, start);
    for (let t = 20 * MINUTE; t < SESSION_ABSOLUTE_MS; t += 20 * MINUTE) {
      expect((await resolveSession(storage.db, token, at(t)))?.id, `at ${t / MINUTE} minutes`).toBe(userId);
    }
    expect(await resolveSession(storage.db, token, at(SESSION_ABSOLUTE_MS))).toBeUndefined();
  });

  it('stores the SHA-256 of the token, not the token, and ends every session of a user at once', async () => {
    const first = await startSession(storage.db, userId, start);
    const second = await startSession(storage.db, userId, start);
    const ids = (await storage.db.selectFrom('user_session').select('id').execute()).map((r) => r.id).sort();
    expect(ids).toEqual([hashToken(first), hashToken(second)].sort());
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    await endAllSessions(storage.db, userId);
    expect(await resolveSession(storage.db, first, start)).toBeUndefined();
    expect(await resolveSession(storage.db, second, start)).toBeUndefined();
  });
});
