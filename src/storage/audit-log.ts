import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export async function insertAuditEntry(db: Kysely<Database>, entry: Omit<Database['audit_log'], 'id'>): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({ id: randomUUID(), ...entry })
    .execute();
}

/** Newest first, with the actor's email so the page reads "who" without a second lookup. */
export function listAuditEntries(db: Kysely<Database>, organisationId: string, limit = 500) {
  return db
    .selectFrom('audit_log')
    .leftJoin('user_account', 'user_account.id', 'audit_log.actor_id')
    .select(['audit_log.at', 'audit_log.action', 'audit_log.target', 'audit_log.actor_label as actorLabel', 'user_account.email as actorEmail'])
    .where('audit_log.organisation_id', '=', organisationId)
    .orderBy('audit_log.at', 'desc')
    .limit(limit)
    .execute();
}
