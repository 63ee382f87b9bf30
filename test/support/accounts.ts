import { openWave } from './waves.js';
import type { Kysely } from 'kysely';
import type { MailMessage, Mailer } from '../../src/admin/mailer.js';
import { migrate, openStorage } from '../../src/storage/db.js';
import { createOrganisation, createSurvey, publishInstrument } from '../../src/storage/surveys.js';
import { buildApp, type AppOptions } from '../../src/web/app.js';
import { freshSqlite } from '../storage/targets.js';
import { standardInstrument } from './app.js';
import { createUser } from '../../src/admin/users.js';
import { startSession } from '../../src/admin/sessions.js';
import type { Database } from '../../src/storage/schema.js';
import { setMembership, type TRole } from '../../src/storage/users.js';
import { SESSION_COOKIE } from '../../src/web/plugins/auth.js';

export const TEST_PASSWORD = 'correct horse battery staple';

let counter = 0;

/** A user with the given role in each organisation, and a session cookie header for inject(). */
export async function userWithRoles(
  db: Kysely<Database>,
  roles: Record<string, TRole>,
  options: { platformAdmin?: boolean; email?: string } = {},
): Promise<{ id: string; email: string; cookie: string }> {
  const email = options.email ?? `user${++counter}-${Math.random().toString(36).slice(2, 8)}@example.org`;
  const id = await createUser(db, { email, name: `Test user ${counter}`, password: TEST_PASSWORD, platformAdmin: options.platformAdmin ?? false });
  for (const [organisationId, role] of Object.entries(roles)) await setMembership(db, id, organisationId, role);
  const token = await startSession(db, id);
  return { id, email, cookie: `${SESSION_COOKIE}=${token}` };
}

/** Mail captured in memory, so a test can follow the link in a reset email. */
export function capturingMailer(): Mailer & { sent: MailMessage[] } {
  const sent: MailMessage[] = [];
  return { kind: 'outbox', sent, send: async (message) => void sent.push(message) };
}

/** An app on a fresh SQLite database with one organisation and one open survey, built with the given options. */
export async function accountsApp(options: Partial<AppOptions> = {}) {
  const target = freshSqlite();
  const storage = openStorage(target);
  await migrate(storage);
  const organisationId = await createOrganisation(storage.db, { name: 'Test Council', type: 'district', nation: 'England', region: 'South West' });
  const instrumentVersionId = await publishInstrument(storage.db, standardInstrument());
  // A test wave: synthetic answers may be added to it.
  const survey = await createSurvey(storage.db, { organisationId, instrumentVersionId, title: 'Wave 1', synthetic: true });
  await openWave(storage.db, survey.id);
  const mailer = capturingMailer();
  const app = await buildApp({ storage, accounts: { mailer, publicUrl: 'https://sounding.example.org', ...options.accounts }, ...options });
  return { app, storage, target, organisationId, survey: { ...survey, instrumentVersionId }, mailer };
}

/** A cookie header for a new member of the survey's organisation with the given role (viewer reads results and reports, analyst exports). */
export async function memberCookie(db: Kysely<Database>, surveyId: string, role: TRole = 'viewer'): Promise<string> {
  const survey = await db.selectFrom('survey').select('organisation_id').where('id', '=', surveyId).executeTakeFirstOrThrow();
  return (await userWithRoles(db, { [survey.organisation_id]: role })).cookie;
}
