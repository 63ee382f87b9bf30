import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * `scheduled_job`: work the server does by itself at a given time (a wave's planned opening
 * or closing; later, reminders), stored so that every process sees the same list and exactly
 * one of them does each job (admin/schedule.ts claims a job with a conditional UPDATE).
 *
 * - `kind` says what to do and `subject` to what (a survey id); `due_at` is an ISO time.
 * - `claimed_until`: a process working on the job holds it until then; one that dies part-way
 *   lets another take it up after that time.
 * - `finished_at` and `outcome`: when and how it ended ("opened", or why it was not needed).
 */
export function scheduledJobs(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('scheduled_job')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('due_at', 'text', (c) => c.notNull())
        .addColumn('claimed_until', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('finished_at', 'text')
        .addColumn('outcome', 'text')
        .execute();
      await db.schema.createIndex('scheduled_job_due').on('scheduled_job').columns(['finished_at', 'due_at']).execute();
      await db.schema.createIndex('scheduled_job_subject').on('scheduled_job').columns(['subject', 'kind']).execute();
    },
  };
}
