import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { insertAuditEntry } from '../storage/audit-log.js';

export interface AuditEvent {
  /** null for the system or the command line. */
  actorId: string | null;
  organisationId: string | null;
  /** A short code such as "wave.open" or "member.add". */
  action: string;
  /** What was acted on, by id or name; never answer content. */
  target: string;
}

/** Every administrative action calls this: who, what, when. */
export async function recordAudit(db: Kysely<Database>, event: AuditEvent, now: Date = new Date()): Promise<void> {
  await insertAuditEntry(db, { at: now.toISOString(), actor_id: event.actorId, organisation_id: event.organisationId, action: event.action, target: event.target });
}
