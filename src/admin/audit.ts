import { userInfo } from 'node:os';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { insertAuditEntry } from '../storage/audit-log.js';

/** Who is acting: a signed-in user, or someone at the command line (named by their operating-system user). */
export interface Actor {
  userId: string | null;
  /** Shown in the audit log when there is no user: "command line (alice)". */
  label?: string;
}

/** The actor for a command typed at the terminal. */
export function commandLineActor(): Actor {
  let name = 'unknown user';
  try {
    name = userInfo().username;
  } catch {
    // No passwd entry (some containers): the audit still says it was the command line.
  }
  return { userId: null, label: `command line (${name})` };
}

export interface AuditEvent {
  /** null for the system or the command line. */
  actorId: string | null;
  /** Who acted when it was not a signed-in user. */
  actorLabel?: string;
  organisationId: string | null;
  /** A short code such as "wave.open" or "member.add". */
  action: string;
  /** What was acted on, by id or name; never answer content. */
  target: string;
}

/**
 * Every administrative action calls this: who, what, when. Pass the transaction the change is
 * made in, so the change and its audit entry are stored together or not at all.
 */
export async function recordAudit(db: Kysely<Database>, event: AuditEvent, now: Date = new Date()): Promise<void> {
  await insertAuditEntry(db, {
    at: now.toISOString(),
    actor_id: event.actorId,
    actor_label: event.actorLabel ?? null,
    organisation_id: event.organisationId,
    action: event.action,
    target: event.target,
  });
}

/** An audit event by an actor. */
export function auditBy(actor: Actor, event: Omit<AuditEvent, 'actorId' | 'actorLabel'>): AuditEvent {
  return { actorId: actor.userId, ...(actor.label ? { actorLabel: actor.label } : {}), ...event };
}
