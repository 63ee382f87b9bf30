import { afterEach, describe, expect, it } from 'vitest';
import { recordAudit } from '../../src/admin/audit.js';
import {
  authenticate,
  completePasswordReset,
  createUser,
  FORGET_FAILURES_MS,
  FREE_FAILURES,
  MAX_SIGN_IN_DELAY_MS,
  requestPasswordReset,
  RESET_LINK_MS,
  RESET_MAILS_PER_HOUR,
  signInDelayMs,
} from '../../src/admin/users.js';
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

const PASSWORD = 'a long enough passphrase';

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
    expect(new Map(user!.memberships.map((m) => [m.organisationId, m.role]))).toEqual(
      new Map([
        [a, 'org_admin'],
        [b, 'analyst'],
      ]),
    );
    await removeMembership(db, id, a);
    expect((await loadSignedInUser(db, id))!.memberships).toEqual([{ organisationId: b, role: 'analyst' }]);
    await expect(createUser(db, { email: 'SOMEONE@example.org', name: 'Again', password: 'a long enough passphrase' })).rejects.toThrow('An account for someone@example.org already exists');
  });

  it.skipIf(target.skip)('slows failures from one address with doubling waits, unchecked while waiting, and never slows the owner elsewhere', async () => {
    const { db } = await open();
    const id = await createUser(db, { email: 'a@example.org', name: 'A', password: PASSWORD });
    const attacker = { email: 'A@Example.org', client: '203.0.113.7' };
    const owner = { email: 'a@example.org', password: PASSWORD, client: '198.51.100.4' };
    const start = new Date('2026-11-24T09:00:00Z').getTime();
    for (let i = 1; i < FREE_FAILURES; i++) {
      expect(await authenticate(db, { ...attacker, password: `wrong ${i}` }, new Date(start))).toEqual({ ok: false, reason: 'invalid' });
    }
    // From here each failure makes the next attempt from that address wait twice as long, up to the cap;
    // an attempt while waiting is refused without being checked, even with the right password.
    let at = start;
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      expect(await authenticate(db, { ...attacker, password: 'wrong again' }, new Date(at))).toEqual({ ok: false, reason: 'invalid' });
      const early = await authenticate(db, { ...attacker, password: PASSWORD }, new Date(at + 500));
      if (early.ok || early.reason !== 'wait') throw new Error(`attempt while waiting was checked: ${JSON.stringify(early)}`);
      waits.push(early.retryAfterSeconds);
      // The owner, at another address, signs in at once throughout.
      expect(await authenticate(db, owner, new Date(at + 500))).toEqual({ ok: true, userId: id });
      at += signInDelayMs(FREE_FAILURES + i);
    }
    expect(waits).toEqual([2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]);
    expect(MAX_SIGN_IN_DELAY_MS).toBe(900_000);
    // An unknown email is slowed exactly alike, so waiting says nothing about whether an account exists.
    for (let i = 0; i < FREE_FAILURES; i++) await authenticate(db, { email: 'nobody@example.org', password: 'wrong', client: attacker.client }, new Date(start));
    expect(await authenticate(db, { email: 'nobody@example.org', password: 'wrong', client: attacker.client }, new Date(start))).toEqual({ ok: false, reason: 'wait', retryAfterSeconds: 2 });
    // Nothing in the table names the address or the email.
    const stored = JSON.stringify(await db.selectFrom('sign_in_failure').selectAll().execute());
    for (const secret of [attacker.client, 'a@example.org', 'nobody@example.org']) expect(stored).not.toContain(secret);
    // Once the wait is over, the right password from the attacker's address gets in and its failures are forgotten.
    expect(await authenticate(db, { ...attacker, password: PASSWORD }, new Date(at))).toEqual({ ok: true, userId: id });
    expect(await authenticate(db, { ...attacker, password: 'wrong' }, new Date(at))).toEqual({ ok: false, reason: 'invalid' });
    expect(await authenticate(db, { ...attacker, password: 'wrong' }, new Date(at))).toEqual({ ok: false, reason: 'invalid' });
  });

  it.skipIf(target.skip)('counts failures made at once (two processes) every one, and forgets them after a quiet hour or a new password', async () => {
    const { db } = await open();
    const id = await createUser(db, { email: 'a@example.org', name: 'A', password: PASSWORD });
    const attempt = { email: 'a@example.org', password: 'wrong', client: '203.0.113.7' };
    const start = new Date('2026-11-24T09:00:00Z').getTime();
    const all = await Promise.all(Array.from({ length: FREE_FAILURES }, () => authenticate(db, attempt, new Date(start))));
    expect(all).toEqual(Array.from({ length: FREE_FAILURES }, () => ({ ok: false, reason: 'invalid' })));
    expect(await authenticate(db, attempt, new Date(start))).toEqual({ ok: false, reason: 'wait', retryAfterSeconds: 2 });
    // Still waiting just before the failures are forgotten; after, the next failure is the first again (no wait after it).
    expect(await authenticate(db, attempt, new Date(start + FORGET_FAILURES_MS - 1000))).toMatchObject({ reason: 'invalid' });
    expect(await authenticate(db, attempt, new Date(start + FORGET_FAILURES_MS - 1000))).toMatchObject({ reason: 'wait' });
    const later = start + 2 * FORGET_FAILURES_MS;
    expect(await authenticate(db, attempt, new Date(later))).toEqual({ ok: false, reason: 'invalid' });
    expect(await authenticate(db, attempt, new Date(later))).toEqual({ ok: false, reason: 'invalid' });
    // A new password (through a reset link) forgets the failures from every address at once.
    const other = { ...attempt, client: '198.51.100.4' };
    for (let i = 0; i < FREE_FAILURES; i++) await authenticate(db, attempt, new Date(later));
    for (let i = 0; i < FREE_FAILURES; i++) await authenticate(db, other, new Date(later));
    expect(await authenticate(db, attempt, new Date(later))).toMatchObject({ reason: 'wait' });
    expect(await authenticate(db, other, new Date(later))).toMatchObject({ reason: 'wait' });
    const reset = await requestPasswordReset(db, 'a@example.org', new Date(later));
    expect(await completePasswordReset(db, reset!.token, 'a new long enough passphrase', new Date(later))).toMatchObject({ ok: true, userId: id });
    expect(await authenticate(db, attempt, new Date(later))).toEqual({ ok: false, reason: 'invalid' });
    expect(await authenticate(db, other, new Date(later))).toEqual({ ok: false, reason: 'invalid' });
    const row = await db.selectFrom('user_account').select('password_hash').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it.skipIf(target.skip)(`sends at most ${RESET_MAILS_PER_HOUR} reset links an hour for an account, known or not`, async () => {
    const { db } = await open();
    await createUser(db, { email: 'a@example.org', name: 'A', password: PASSWORD });
    const start = new Date('2026-11-24T09:00:00Z').getTime();
    const links = [];
    for (let i = 0; i <= RESET_MAILS_PER_HOUR; i++) links.push(await requestPasswordReset(db, i % 2 ? 'A@example.org' : 'a@example.org', new Date(start + i * 1000)));
    expect(links.map((link) => link?.email)).toEqual([...Array.from({ length: RESET_MAILS_PER_HOUR }, () => 'a@example.org'), undefined]);
    expect((await requestPasswordReset(db, 'a@example.org', new Date(start + RESET_LINK_MS)))?.email).toBe('a@example.org');
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
