import { openWave } from './waves.js';
import type { Kysely } from 'kysely';
import type { DatabaseTarget } from '../../src/config.js';
import { migrate, openStorage } from '../../src/storage/db.js';
import { createOrganisation, createSurvey, publishInstrument } from '../../src/storage/surveys.js';
import { buildApp, type AppConfig, type AppServices } from '../../src/web/app.js';
import { freshSqlite } from '../storage/targets.js';
import { capturingMailer, standardInstrument, testConfig, testServices } from './app.js';
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

export { capturingMailer };

/**
 * An app on a fresh database (SQLite unless a target is given) with one organisation and one
 * open survey; links start with https://sounding.example.org, mail is captured, and settings or
 * services may be replaced.
 */
export async function accountsApp(options: { config?: Partial<AppConfig>; services?: Partial<Omit<AppServices, 'storage'>>; target?: DatabaseTarget } = {}) {
  const target = options.target ?? freshSqlite();
  const storage = openStorage(target);
  await migrate(storage);
  const organisationId = await createOrganisation(storage.db, { name: 'Test Council', type: 'district', nation: 'England', region: 'South West' });
  const instrumentVersionId = await publishInstrument(storage.db, standardInstrument());
  // A test wave: synthetic answers may be added to it.
  const survey = await createSurvey(storage.db, { organisationId, instrumentVersionId, title: 'Wave 1', synthetic: true });
  await openWave(storage.db, survey.id);
  const mailer = capturingMailer();
  const app = await buildApp(testConfig({ publicUrl: 'https://sounding.example.org', secureCookies: false, ...options.config }), testServices(storage, { mailer, ...options.services }));
  return { app, storage, target, organisationId, survey: { ...survey, instrumentVersionId }, mailer };
}

/** A cookie header for a new member of the survey's organisation with the given role (viewer reads results and reports, analyst exports). */
export async function memberCookie(db: Kysely<Database>, surveyId: string, role: TRole = 'viewer'): Promise<string> {
  const survey = await db.selectFrom('survey').select('organisation_id').where('id', '=', surveyId).executeTakeFirstOrThrow();
  return (await userWithRoles(db, { [survey.organisation_id]: role })).cookie;
}
