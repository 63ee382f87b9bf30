import { afterEach, describe, expect, it } from 'vitest';
import { recordAudit } from '../../src/admin/audit.js';
import { authenticate, createUser, LOCK_MS, MAX_FAILED_SIGN_INS } from '../../src/admin/users.js';
import { listAuditEntries } from '../../src/storage/audit-log.js';
import { migrate, openStorage, type Storage } from '../../src/storage/db.js';
import { countHit } from '../../src/storage/rate-limit.js';
import { createOrganisation } from '../../src/storage/surveys.js';
import { insertPasswordReset, loadSignedInUser, removeMembership, setMembership, takePasswordReset } from '../../src/storage/users.js';
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

describe.each(targets)('accounts storage $title', (target) => {
  const open = async () => {
    storage = openStorage(await target.fresh());
    await migrate(storage);
    return storage;
  };

  it.skipIf(target.skip)('keeps one role per organisation, replaced on a second grant, and loads memberships with the user', async () => {
    const { db } = await open();
    const a = await createOrganisation(db, { name: 'A', type: 'district', nation: 'England', region: 'South West' });
    const b = await createOrganisation(db, { name: 'B', type: 'district', nation: 'England', region: 'South West' });
    const id = await createUser(db, { email: ' Someone@Example.org ', name: 'Someone', password: 'a long enough passphrase' });
    await setMembership(db, id, a, 'viewer');
    await setMembership(db, id, a, 'org_admin');
    await setMembership(db, id, b, 'analyst');
    const user = await loadSignedInUser(db, id);
    expect(user?.email).toBe('someone@example.org');
    expect(user?.platformAdmin).toBe(false);
    expect(new Map(user!.memberships.map((m) => [m.organisationId, m.role]))).toEqual(new Map([[a, 'org_admin'], [b, 'analyst']]));
    await removeMembership(db, id, a);
    expect((await loadSignedInUser(db, id))!.memberships).toEqual([{ organisationId: b, role: 'analyst' }]);
    await expect(createUser(db, { email: 'SOMEONE@example.org', name: 'Again', password: 'a long enough passphrase' })).rejects.toThrow('An account for someone@example.org already exists');
  });

  it.skipIf(target.skip)('locks after repeated failures, refuses the right password while locked, and accepts it after the lock', async () => {
    const { db } = await open();
    await createUser(db, { email: 'a@example.org', name: 'A', password: 'a long enough passphrase' });
    const now = new Date('2026-11-24T09:00:00Z');
    for (let i = 1; i < MAX_FAILED_SIGN_INS; i++) expect(await authenticate(db, 'a@example.org', 'wrong', now)).toEqual({ ok: false, reason: 'invalid' });
    expect(await authenticate(db, 'a@example.org', 'wrong', now)).toEqual({ ok: false, reason: 'locked' });
    expect(await authenticate(db, 'a@example.org', 'a long enough passphrase', new Date(now.getTime() + LOCK_MS - 1000))).toEqual({ ok: false, reason: 'locked' });
    expect((await authenticate(db, 'a@example.org', 'a long enough passphrase', new Date(now.getTime() + LOCK_MS + 1000))).ok).toBe(true);
    const row = await db.selectFrom('user_account').select(['failed_sign_ins', 'locked_until', 'password_hash']).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ failed_sign_ins: 0, locked_until: null });
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it.skipIf(target.skip)('counts hits in a window shared by every caller, and starts again when the window ends', async () => {
    const { db } = await open();
    const now = new Date('2026-11-24T09:00:00Z');
    const hits = await Promise.all(Array.from({ length: 5 }, () => countHit(db, 'k', 60_000, now)));
    expect(hits.map((h) => h.current).sort()).toEqual([1, 2, 3, 4, 5]);
    expect((await countHit(db, 'k', 60_000, new Date(now.getTime() + 59_000))).current).toBe(6);
    const fresh = await countHit(db, 'k', 60_000, new Date(now.getTime() + 60_000));
    expect(fresh.current).toBe(1);
    expect(fresh.windowEndsAt.toISOString()).toBe('2026-11-24T09:02:00.000Z');
    expect((await countHit(db, 'other', 60_000, now)).current).toBe(1);
  });

  it.skipIf(target.skip)('hands out a reset token once, even to two requests at the same moment', async () => {
    const { db } = await open();
    const id = await createUser(db, { email: 'a@example.org', name: 'A' });
    await insertPasswordReset(db, { token_hash: 'h', user_id: id, expires_at: '2026-11-24T10:00:00.000Z' });
    const taken = await Promise.all([takePasswordReset(db, 'h'), takePasswordReset(db, 'h')]);
    expect(taken.filter(Boolean)).toHaveLength(1);
  });

  it.skipIf(target.skip)('lists an organisation’s audit entries newest first with the actor’s email, and no other organisation’s', async () => {
    const { db } = await open();
    const a = await createOrganisation(db, { name: 'A', type: 'district', nation: 'England', region: 'South West' });
    const b = await createOrganisation(db, { name: 'B', type: 'district', nation: 'England', region: 'South West' });
    const actor = await createUser(db, { email: 'lead@example.org', name: 'Lead' });
    await recordAudit(db, { actorId: actor, organisationId: a, action: 'wave.open', target: 'Wave 1' }, new Date('2026-11-24T09:00:00Z'));
    await recordAudit(db, { actorId: null, actorLabel: 'command line (ops)', organisationId: a, action: 'member.set-role', target: 'x@example.org: viewer' }, new Date('2026-11-24T10:00:00Z'));
    await recordAudit(db, { actorId: actor, organisationId: b, action: 'wave.close', target: 'B wave' }, new Date('2026-11-24T11:00:00Z'));
    expect(await listAuditEntries(db, a)).toEqual([
      { at: '2026-11-24T10:00:00.000Z', action: 'member.set-role', target: 'x@example.org: viewer', actorEmail: null, actorLabel: 'command line (ops)' },
      { at: '2026-11-24T09:00:00.000Z', action: 'wave.open', target: 'Wave 1', actorEmail: 'lead@example.org', actorLabel: null },
    ]);
  });
});
