import { invitationJobHandlers } from './admin/invitations.js';
import { createMailer } from './admin/mailer.js';
import { createOidc } from './admin/oidc.js';
import { createScheduler, tickOnInterval, type ScheduledJob } from './admin/schedule.js';
import { waveJobHandlers } from './admin/wave-settings.js';
import type { TConfig } from './config.js';
import { publishClosedWaves } from './publications/service.js';
import { migrate, type Storage } from './storage/db.js';
import type { AppServices } from './web/app.js';
import { mailDefaults } from './web/messages.js';

/**
 * Wiring, done once by an entry point (web/server.ts, cli/index.ts, a benchmark) from the
 * configuration it read: config.ts reads the environment, this builds what the app and the
 * commands run on, and everything below takes these as arguments.
 */

/** Brings a database up to date before anything reads it: migrations, then a publication for any wave closed before publications existed. */
export async function prepareStorage(storage: Storage): Promise<void> {
  await migrate(storage);
  await publishClosedWaves(storage.db);
}

/** The services `buildApp` takes: the storage given, and the mailer and OpenID Connect client the configuration chose. */
export function buildServices(config: Pick<TConfig, 'mail' | 'oidc'>, storage: Storage): AppServices {
  return { storage, mailer: createMailer(config.mail), ...(config.oidc ? { oidc: createOidc(config.oidc) } : {}) };
}

/**
 * Starts doing scheduled work (a wave's planned opening and closing, planned reminders) every
 * `scheduleIntervalMs`; every process may run this, and each job is still done once.
 */
export function startScheduler(
  config: Pick<TConfig, 'scheduleIntervalMs' | 'publicUrl'>,
  { storage, mailer }: Pick<AppServices, 'storage' | 'mailer'>,
  log: { info(details: object, message: string): void; error(details: object, message: string): void },
) {
  const handlers = { ...waveJobHandlers, ...invitationJobHandlers(mailer, config.publicUrl, mailDefaults) };
  const scheduler = createScheduler(storage.db, handlers, {
    onError: (job: ScheduledJob, error: unknown) => log.error({ err: error, job: job.id, kind: job.kind }, 'scheduled job failed; it will be tried again'),
  });
  return tickOnInterval(scheduler, config.scheduleIntervalMs, {
    onDone: (finished) => {
      for (const { job, outcome } of finished) log.info({ job: job.id, kind: job.kind, subject: job.subject, outcome }, 'scheduled job done');
    },
    onError: (error) => log.error({ err: error }, 'looking for scheduled jobs failed'),
  });
}
