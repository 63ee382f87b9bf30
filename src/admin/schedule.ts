import { randomUUID } from 'node:crypto';
import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';

/**
 * Work the server does by itself at a given time, stored in the database (`scheduled_job`) so
 * that however many processes serve Sounding, exactly one does each job: a process claims a
 * due job with a conditional UPDATE that only one can win, does it, and marks it finished.
 * A process that dies part-way leaves a claim that lapses after `leaseMs`, and another takes
 * the job up; each job's handler is safe to run again (a wave's state machine refuses a second
 * opening or closing), so a retried job never does its work twice.
 */

export interface ScheduledJob {
  id: string;
  kind: string;
  /** What the job acts on, such as a survey id. */
  subject: string;
  dueAt: string;
}

/** Does one job and says how it ended in a few words ("opened", "already closed"); throws to have it tried again later. */
export type JobHandler = (db: Kysely<Database>, job: ScheduledJob) => Promise<string>;

/** A job that keeps failing is given up after this many tries, its last error kept as the outcome. */
const MAX_ATTEMPTS = 5;
/** How long a claimed job is left to its process before another may take it up. */
const DEFAULT_LEASE_MS = 10 * 60 * 1000;

export async function scheduleJob(db: Kysely<Database>, job: { kind: string; subject: string; dueAt: Date }): Promise<string> {
  const id = randomUUID();
  await db.insertInto('scheduled_job').values({ id, kind: job.kind, subject: job.subject, due_at: job.dueAt.toISOString(), claimed_until: null, finished_at: null, outcome: null }).execute();
  return id;
}

/** Drops a subject's jobs of these kinds that have not run (a plan changed); finished ones stay as the record of what was done. */
export async function cancelPendingJobs(db: Kysely<Database>, subject: string, kinds: readonly string[]): Promise<void> {
  await db
    .deleteFrom('scheduled_job')
    .where('subject', '=', subject)
    .where('kind', 'in', [...kinds])
    .where('finished_at', 'is', null)
    .execute();
}

/** Drops one job that has not run and is not being done now; false when it has run, is under way or was dropped. */
export async function cancelPendingJob(db: Kysely<Database>, job: { id: string; subject: string; kind: string }, now = new Date()): Promise<boolean> {
  const deleted = await db
    .deleteFrom('scheduled_job')
    .where('id', '=', job.id)
    .where('subject', '=', job.subject)
    .where('kind', '=', job.kind)
    .where('finished_at', 'is', null)
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now.toISOString())]))
    .executeTakeFirst();
  return Number(deleted.numDeletedRows) === 1;
}

/** A subject's jobs still to run, soonest first. */
export async function pendingJobs(db: Kysely<Database>, subject: string): Promise<ScheduledJob[]> {
  const rows = await db.selectFrom('scheduled_job').select(['id', 'kind', 'subject', 'due_at']).where('subject', '=', subject).where('finished_at', 'is', null).orderBy('due_at').execute();
  return rows.map((r) => ({ id: r.id, kind: r.kind, subject: r.subject, dueAt: r.due_at }));
}

export interface TickResult {
  job: ScheduledJob;
  outcome: string;
}

export interface Scheduler {
  /** Does every job now due that no other process holds; returns the jobs this process finished. */
  tick(now?: Date): Promise<TickResult[]>;
}

export function createScheduler(
  db: Kysely<Database>,
  handlers: Readonly<Record<string, JobHandler>>,
  options: { leaseMs?: number; onError?: (job: ScheduledJob, error: unknown) => void } = {},
): Scheduler {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const kinds = Object.keys(handlers);
  return {
    async tick(now = new Date()) {
      const at = now.toISOString();
      const free = (eb: ExpressionBuilder<Database, 'scheduled_job'>) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', at)]);
      // Only kinds this process knows: during an upgrade an older process leaves a newer kind alone.
      const due = await db
        .selectFrom('scheduled_job')
        .select(['id', 'kind', 'subject', 'due_at'])
        .where('finished_at', 'is', null)
        .where('due_at', '<=', at)
        .where('kind', 'in', kinds)
        .where(free)
        .orderBy('due_at')
        .limit(100)
        .execute();
      const finished: TickResult[] = [];
      for (const row of due) {
        const job: ScheduledJob = { id: row.id, kind: row.kind, subject: row.subject, dueAt: row.due_at };
        const claim = await db
          .updateTable('scheduled_job')
          .set((eb) => ({ claimed_until: new Date(now.getTime() + leaseMs).toISOString(), attempts: eb('attempts', '+', 1) }))
          .where('id', '=', job.id)
          .where('finished_at', 'is', null)
          .where(free)
          .returning('attempts')
          .executeTakeFirst();
        // Another process claimed it between the read and now.
        if (!claim) continue;
        let outcome: string;
        try {
          outcome = await handlers[job.kind]!(db, job);
        } catch (error) {
          options.onError?.(job, error);
          if (Number(claim.attempts) < MAX_ATTEMPTS) continue;
          outcome = `failed after ${MAX_ATTEMPTS} attempts: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500);
        }
        await db.updateTable('scheduled_job').set({ finished_at: new Date().toISOString(), outcome, claimed_until: null }).where('id', '=', job.id).execute();
        finished.push({ job, outcome });
      }
      return finished;
    },
  };
}

/**
 * Calls `tick` every `intervalMs` until stopped, one tick at a time (a tick still running when
 * the next is due is not overlapped); stopping waits for a tick under way.
 */
export function tickOnInterval(
  scheduler: Scheduler,
  intervalMs: number,
  { onDone, onError }: { onDone: (finished: TickResult[]) => void; onError: (error: unknown) => void },
): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const timer = setInterval(() => {
    if (stopped || running) return;
    running = scheduler
      .tick()
      .then(onDone, onError)
      .finally(() => (running = undefined));
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
