/**
 * Every entry point audits what it does, in the same transaction: each web and command-line
 * action leaves exactly one audit row naming who did it (the user's id on the web,
 * "command line (<os user>)" at the terminal), and when the audit row cannot be written the
 * change is not made either.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { blankWaveForm, changeWaveState, createWave, setFreeTextRelease, uploadWorkforceProfile } from '../../src/admin/waves.js';
import { addMember, removeMember } from '../../src/admin/members.js';
import { createApiToken, revokeApiToken } from '../../src/admin/api-tokens.js';
import { signOutEverywhere } from '../../src/admin/sessions.js';
import { authenticate, changePassword, createPlatformAdmin } from '../../src/admin/users.js';
import { prepareExport } from '../../src/reporting/exports/service.js';
import { findUserByEmail, findUserById, listMembers, loadSignedInUser } from '../../src/storage/users.js';
import { TEST_PASSWORD } from '../support/accounts.js';
import { findSurveyById } from '../../src/storage/surveys.js';
import { testDatabases } from '../support/app.js';
import { TEST_ACTOR } from '../support/waves.js';
import {
  answersFor,
  auditRows,
  cli,
  createWaveOnWeb,
  instrumentVersionOf,
  leadSetup,
  pressWaveButton,
  publications,
  refuseAuditInserts,
  roster,
  submitAll,
  surveyState,
  type Setup,
} from './support.js';

const INSTRUMENT = join(process.cwd(), 'instruments', 'digital-readiness.yaml');
const COMMAND_LINE = `command line (${userInfo().username})`;
const MIX = { frontline: 12, manager: 11 };
const PROFILE_CSV = 'role_group,headcount\nfrontline,300\nmanager,60\n';

/** The audit rows an action adds (compared by id, so rows written in the same millisecond are not missed). */
async function rowsAddedBy(s: Setup, action: () => Promise<unknown>) {
  const before = new Set((await auditRows(s.storage.db)).map((r) => r.id));
  await action();
  return (await auditRows(s.storage.db)).filter((r) => !before.has(r.id));
}

const byLead = (s: Setup, action: string, target: RegExp | string) => ({
  actor_id: s.leadId,
  actor_label: null,
  organisation_id: s.organisationId,
  action,
  target: typeof target === 'string' ? expect.stringContaining(target) : expect.stringMatching(target),
});
const byCommandLine = (s: Setup, action: string, target: string) => ({
  actor_id: null,
  actor_label: COMMAND_LINE,
  organisation_id: s.organisationId,
  action,
  target: expect.stringContaining(target),
});
const only = (rows: Awaited<ReturnType<typeof auditRows>>) =>
  rows.map(({ actor_id, actor_label, organisation_id, action, target }) => ({ actor_id, actor_label, organisation_id, action, target }));

async function addResponses(s: Setup, id: string) {
  await submitAll(
    s.storage.db,
    { id, instrumentVersionId: await instrumentVersionOf(s.storage.db, id) },
    roster(MIX).map((r, i) => answersFor(40 + i, r.role, r.directorate, { one_change: `More training ${i}` })),
  );
}

const profileCells = async (s: Setup, id: string) =>
  (await s.storage.db.selectFrom('workforce_profile_cell').select(['role_group', 'headcount']).where('survey_id', '=', id).orderBy('role_group').execute()).map((c) => [
    c.role_group,
    Number(c.headcount),
  ]);
const releaseFlag = async (s: Setup, id: string) =>
  Number((await s.storage.db.selectFrom('survey').select('release_free_text').where('id', '=', id).executeTakeFirstOrThrow()).release_free_text);

for (const database of testDatabases) {
  describe.skipIf(database.skip)(`every entry point audits what it does ${database.title}`, () => {
    it('the web: create, open, profile upload, close and export each leave exactly one row naming the signed-in user', { timeout: 240_000 }, async () => {
      const s = await leadSetup(database);
      const { lead } = s;
      try {
        let id = '';
        expect(only(await rowsAddedBy(s, async () => (id = await createWaveOnWeb(lead, s.organisationId, 'Web wave'))))).toEqual([byLead(s, 'wave.create', `survey ${id}`)]);
        expect(only(await rowsAddedBy(s, async () => expect((await pressWaveButton(lead, id, 'open')).statusCode).toBe(303)))).toEqual([byLead(s, 'wave.open', `survey ${id}`)]);
        const upload = async () => {
          await lead.get(`/admin/surveys/${id}/profile`);
          let response = await lead.upload(`/admin/surveys/${id}/profile`, {}, { file: { name: 'profile.csv', content: PROFILE_CSV } });
          // On a closed wave the lead is asked first; confirming posts the checked file's text back.
          if (response.statusCode === 200) response = await lead.upload(`/admin/surveys/${id}/profile`, { confirmed: 'yes', profile: PROFILE_CSV }, {});
          expect(response.statusCode).toBe(303);
        };
        expect(only(await rowsAddedBy(s, upload))).toEqual([byLead(s, 'wave.profile', `survey ${id}`)]);
        // Answers are anonymous: submitting is not audited.
        expect(await rowsAddedBy(s, () => addResponses(s, id))).toEqual([]);
        expect(only(await rowsAddedBy(s, async () => expect((await pressWaveButton(lead, id, 'close')).statusCode).toBe(303)))).toEqual([byLead(s, 'wave.close', `survey ${id}`)]);
        for (const format of ['aggregates.csv', 'respondents.csv', 'respondents.sav'] as const) {
          const rows = await rowsAddedBy(s, async () => {
            const response = await s.app.inject({ method: 'GET', url: `/surveys/${id}/exports/${format}`, headers: { cookie: s.leadCookie } });
            expect(response.statusCode).toBe(200);
            expect(response.headers['content-disposition']).toContain(format);
          });
          expect(only(rows)).toEqual([byLead(s, 'export', new RegExp(`^survey ${id} .*: ${format.replace('.', '\\.')}$`))]);
        }
        // A new profile for a closed wave is one profile row, and the new publication it makes is recorded as such.
        const republished = only(await rowsAddedBy(s, upload));
        expect(republished.filter((r) => r.action === 'wave.profile')).toEqual([byLead(s, 'wave.profile', `survey ${id}`)]);
        expect(republished.filter((r) => r.action === 'publication.republish')).toEqual([byLead(s, 'publication.republish', 'publication version 2')]);
        expect(republished).toHaveLength(2);
      } finally {
        await s.app.close();
      }
    });

    it('the web: the lead can release free text on the wave’s page, audited once', async () => {
      const s = await leadSetup(database);
      try {
        const id = await createWaveOnWeb(s.lead, s.organisationId, 'Web wave');
        const page = await s.lead.get(`/admin/surveys/${id}`);
        // The exports refusal tells analysts "the survey lead decides, on the survey’s page": so the page must offer it.
        const form = /<form method="post" action="(\/admin\/surveys\/[^"]*free-text[^"]*)"/.exec(page.body);
        expect(form, 'the survey page has a form to release free text').not.toBeNull();
        const rows = await rowsAddedBy(s, async () => expect((await s.lead.post(form![1]!, { decision: 'release', release: '1' })).statusCode).toBe(303));
        expect(only(rows)).toEqual([byLead(s, 'wave.free-text.release', `survey ${id}`)]);
        expect(await releaseFlag(s, id)).toBe(1);
      } finally {
        await s.app.close();
      }
    });

    it('the web: making and revoking an API token each leave exactly one row naming the signed-in user', async () => {
      const s = await leadSetup(database);
      try {
        await s.lead.get('/account/api-tokens');
        const made = await rowsAddedBy(s, async () =>
          expect((await s.lead.post('/account/api-tokens', { name: 'R script', organisationId: s.organisationId, expiresInDays: '90' })).statusCode).toBe(200),
        );
        expect(only(made)).toEqual([byLead(s, 'api-token.create', /^API token "R script", expires \d{4}-\d{2}-\d{2}$/)]);
        const form = /action="(\/account\/api-tokens\/[0-9a-f-]{36}\/revoke)"/.exec((await s.lead.get('/account/api-tokens')).body);
        const revoked = await rowsAddedBy(s, async () => expect((await s.lead.post(form![1]!)).statusCode).toBe(303));
        expect(only(revoked)).toEqual([byLead(s, 'api-token.revoke', 'API token "R script"')]);
      } finally {
        await s.app.close();
      }
    });

    it('the command line: create, open, profile, close, free-text release and export each leave exactly one row naming the command line and the OS user', { timeout: 240_000 }, async () => {
      const s = await leadSetup(database);
      const dir = mkdtempSync(join(tmpdir(), 'sounding-rules-audit-'));
      const profile = join(dir, 'profile.csv');
      writeFileSync(profile, PROFILE_CSV);
      try {
        const ok = async (...args: string[]) => {
          const run = await cli(s.target, ...args);
          expect([run.status, run.stderr], args.join(' ')).toEqual([0, '']);
          return run;
        };
        let id = '';
        const created = await rowsAddedBy(
          s,
          async () => (id = (await ok('survey', 'create', '--org', s.organisationId, '--instrument', INSTRUMENT, '--title', 'CLI wave')).stdout.split('\n')[0]!.trim()),
        );
        expect(id).toMatch(/^[0-9a-f-]{36}$/);
        expect(only(created)).toEqual([byCommandLine(s, 'wave.create', `survey ${id}`)]);
        expect(only(await rowsAddedBy(s, () => ok('survey', 'open', id)))).toEqual([byCommandLine(s, 'wave.open', `survey ${id}`)]);
        expect(only(await rowsAddedBy(s, () => ok('survey', 'profile', id, profile)))).toEqual([byCommandLine(s, 'wave.profile', `survey ${id}`)]);
        await addResponses(s, id);
        expect(only(await rowsAddedBy(s, () => ok('survey', 'close', id)))).toEqual([byCommandLine(s, 'wave.close', `survey ${id}`)]);
        expect(only(await rowsAddedBy(s, () => ok('survey', 'free-text', id, 'release')))).toEqual([byCommandLine(s, 'wave.free-text.release', `survey ${id}`)]);
        const file = join(dir, 'aggregates.csv');
        expect(only(await rowsAddedBy(s, () => ok('survey', 'export', id, '--format', 'aggregates.csv', '--out', file)))).toEqual([
          byCommandLine(s, 'export', `survey ${id} (CLI wave): aggregates.csv`),
        ]);
        expect(readFileSync(file, 'utf8')).toContain('all respondents');
      } finally {
        await s.app.close();
      }
    });

    it('writes the audit row in the same transaction as the change: when it cannot be written, no entry point makes the change', { timeout: 300_000 }, async () => {
      const s = await leadSetup(database);
      const db = s.storage.db;
      const dir = mkdtempSync(join(tmpdir(), 'sounding-rules-audit-'));
      const profile = join(dir, 'profile.csv');
      writeFileSync(profile, PROFILE_CSV);
      try {
        // A draft, an open wave with responses and a closed one, made while the audit log still takes rows.
        const draft = await createWaveOnWeb(s.lead, s.organisationId, 'Draft wave');
        const open = await createWaveOnWeb(s.lead, s.organisationId, 'Open wave');
        expect((await pressWaveButton(s.lead, open, 'open')).statusCode).toBe(303);
        await addResponses(s, open);
        const closed = await createWaveOnWeb(s.lead, s.organisationId, 'Closed wave');
        expect((await pressWaveButton(s.lead, closed, 'open')).statusCode).toBe(303);
        await addResponses(s, closed);
        expect((await pressWaveButton(s.lead, closed, 'close')).statusCode).toBe(303);
        await s.lead.get(`/admin/organisations/${s.organisationId}/surveys/new`);
        await s.lead.get(`/admin/surveys/${draft}/profile`);
        const lead = (await loadSignedInUser(db, s.leadId))!;
        expect(await createApiToken(db, lead, { name: 'Kept', organisationId: s.organisationId, expiresInDays: '30' })).toMatchObject({ ok: true });
        const apiTokens = () => db.selectFrom('api_token').selectAll().execute();
        const [kept] = await apiTokens();
        await s.lead.get('/account/api-tokens');

        const surveys = async () =>
          (await db.selectFrom('survey').select(['id', 'state', 'release_free_text']).orderBy('id').execute()).map((r) => [r.id, r.state, Number(r.release_free_text)]);
        const before = { surveys: await surveys(), audit: await auditRows(db), open: await publications(db, open), closed: await publications(db, closed), apiTokens: await apiTokens() };
        const refusal = await refuseAuditInserts(s.target, db);
        try {
          // Services.
          const fails = (promise: Promise<unknown>) => expect(promise).rejects.toThrow(/audit log refused by the test/);
          await fails(createWave(db, TEST_ACTOR, s.organisationId, { ...blankWaveForm(), title: 'Never made' }));
          await fails(changeWaveState(db, TEST_ACTOR, draft, 'open'));
          await fails(changeWaveState(db, TEST_ACTOR, open, 'closed'));
          await fails(uploadWorkforceProfile(db, TEST_ACTOR, (await findSurveyById(db, draft))!, Buffer.from(PROFILE_CSV)));
          await fails(uploadWorkforceProfile(db, TEST_ACTOR, (await findSurveyById(db, closed))!, Buffer.from(PROFILE_CSV)));
          await fails(setFreeTextRelease(db, TEST_ACTOR, closed, true));
          await fails(prepareExport(db, TEST_ACTOR, closed, 'aggregates.csv', { freeText: false }));
          // Accounts and members: the change and its audit row go together too.
          await fails(addMember(db, TEST_ACTOR, s.organisationId, { email: 'never.added@example.org', name: 'Never added', role: 'viewer' }));
          await fails(removeMember(db, TEST_ACTOR, s.organisationId, s.leadId));
          await fails(createPlatformAdmin(db, TEST_ACTOR, { email: 'never.admin@example.org', name: 'Never admin', password: 'a long enough passphrase' }));
          await fails(changePassword(db, s.leadId, { current: TEST_PASSWORD, next: 'a different long passphrase', client: '192.0.2.1' }));
          await fails(signOutEverywhere(db, { id: s.leadId, email: 'lead' }));
          await fails(createApiToken(db, lead, { name: 'Never made', organisationId: s.organisationId, expiresInDays: '7' }));
          await fails(revokeApiToken(db, lead, kept!.id));

          // The web.
          const created = await s.lead.upload(`/admin/organisations/${s.organisationId}/surveys`, { title: 'Never made', source: 'standard', threshold: '10', previousSurveyId: '' }, {});
          expect(created.statusCode).toBe(500);
          expect((await s.lead.post(`/admin/surveys/${draft}/open`)).statusCode).toBe(500);
          expect((await s.lead.post(`/admin/surveys/${open}/close`)).statusCode).toBe(500);
          expect((await s.lead.upload(`/admin/surveys/${draft}/profile`, {}, { file: { name: 'profile.csv', content: PROFILE_CSV } })).statusCode).toBe(500);
          const exported = await s.app.inject({ method: 'GET', url: `/surveys/${closed}/exports/aggregates.csv`, headers: { cookie: s.leadCookie } });
          expect(exported.statusCode).toBe(500);
          expect(exported.headers['content-disposition']).toBeUndefined();
          expect(exported.body).not.toContain('all respondents');
          expect((await s.lead.post('/account/api-tokens', { name: 'Never made', organisationId: s.organisationId, expiresInDays: '7' })).statusCode).toBe(500);

          // The command line, one command at a time.
          for (const args of [
            ['survey', 'create', '--org', s.organisationId, '--instrument', INSTRUMENT, '--title', 'Never made'],
            ['survey', 'open', draft],
            ['survey', 'close', open],
            ['survey', 'profile', draft, profile],
            ['survey', 'free-text', closed, 'release'],
            ['survey', 'export', closed, '--format', 'aggregates.csv', '--out', join(dir, 'never.csv')],
          ]) {
            const run = await cli(s.target, ...args);
            expect([args.slice(0, 2).join(' '), run.status, run.stderr]).toEqual([args.slice(0, 2).join(' '), 1, expect.stringContaining('audit log refused by the test')]);
          }
          expect(existsSync(join(dir, 'never.csv'))).toBe(false);
        } finally {
          await refusal.allow();
        }

        // Nothing changed: no new wave, same states and release flags, no publication built, no profile saved, no audit row.
        expect(await surveys()).toEqual(before.surveys);
        expect(await surveyState(db, draft)).toBe('draft');
        expect(await surveyState(db, open)).toBe('open');
        expect(await publications(db, open)).toEqual([]);
        expect(await publications(db, closed)).toEqual(before.closed);
        expect(await profileCells(s, draft)).toEqual([]);
        expect(await profileCells(s, closed)).toEqual([]);
        expect(await auditRows(db)).toEqual(before.audit);
        expect(await apiTokens()).toEqual(before.apiTokens);
        expect(await findUserByEmail(db, 'never.added@example.org')).toBeUndefined();
        expect(await findUserByEmail(db, 'never.admin@example.org')).toBeUndefined();
        expect((await listMembers(db, s.organisationId)).map((m) => m.id)).toEqual([s.leadId]);
        // The password did not change and the lead is still signed in.
        expect(await authenticate(db, { email: (await findUserById(db, s.leadId))!.email, password: TEST_PASSWORD, client: '192.0.2.1' })).toEqual({ ok: true, userId: s.leadId });
        expect((await s.lead.get(`/admin/organisations/${s.organisationId}`)).statusCode).toBe(200);
      } finally {
        await s.app.close();
      }
    });
  });
}
