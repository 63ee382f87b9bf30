import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { createInvitationSender, importStaffList, invitationLink, plannedReminders } from '../../../admin/invitations.js';
import type { Mailer } from '../../../admin/mailer.js';
import {
  blankWaveForm,
  changeWaveState,
  createWave,
  setFreeTextRelease,
  waveResponseRates,
  uploadWorkforceProfile,
  profileUploadRepublishes,
  readWorkforceProfileUpload,
  waveFormFrom,
  WAVE_ACTIONS,
  type WaveAction,
  type FieldError,
  type WaveForm,
} from '../../../admin/waves.js';
import { readPublication } from '../../../publications/read.js';
import { Labels } from '../../../reporting/labels.js';
import { describeProblem, type DefinitionProblem } from '../../../instrument/problems.js';
import type { Storage } from '../../../storage/db.js';
import { invitationCounts } from '../../../storage/invitations.js';
import { findSurveyById, type SurveyWithDefinition } from '../../../storage/surveys.js';
import { listOrganisationWaves, organisationsNamed } from '../../../storage/waves.js';
import { loadWorkforceProfile } from '../../../storage/workforce-profiles.js';
import { surveyOrganisationId } from '../../../storage/users.js';
import { hasRole, pathOrganisation, requireOrganisationRole, requireSignIn, surveyOrganisation } from '../../plugins/auth.js';
import { mailDefaults } from '../../messages.js';
import { builderRoutes } from './builder.js';
import { invitationRoutes } from './invitations.js';
import { previewRoutes } from './preview.js';
import { settingsRoutes } from './settings.js';
import { acceptUploads, uploadedFileName, uploadedFiles } from './uploads.js';

export interface AdminRouteOptions {
  storage: Storage;
  mailer: Mailer;
  /** Base of invitation links: from configuration, never from the request's Host header. */
  publicUrl: string;
  secureCookies: boolean;
}

const ZSurveyParams = z.object({ id: z.uuid() });
const ZConfirmedProfile = z.looseObject({ confirmed: z.string().optional(), profile: z.string().optional() });
const ZOrganisationParams = z.object({ organisationId: z.uuid() });

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const sending = (n: number, what: string, kind: Mailer['kind']) =>
  n === 0
    ? `Nobody is waiting for ${what === 'invitation' ? 'an invitation' : 'a reminder today'}.`
    : `${plural(n, what)} being ${kind === 'outbox' ? 'written to the outbox file for mail merge' : 'sent'}. Refresh this page to see how many have gone.`;
const NOTICES = {
  open: () => 'The survey is open: its link and invitations now work.',
  closed: () => 'The survey is closed: no more answers are taken.',
  profile: () => 'Workforce profile saved: response rates are now shown against headcount.',
  // The same words whoever on the list has started: an address once invited counts as invited for good (admin/invitations.ts importStaffList).
  imported: (n: number, _kind: Mailer['kind'], alreadyInvited: number) =>
    `Staff list read: ${n} new ${n === 1 ? 'person' : 'people'} added, to be invited when you send invitations; ${alreadyInvited} already invited before, so not invited again.`,
  invitation: (n: number, kind: Mailer['kind']) => sending(n, 'invitation', kind),
  reminder: (n: number, kind: Mailer['kind']) => sending(n, 'reminder', kind),
  freeTextReleased: () => 'Free-text comments (redacted) are now included in respondent-level files for analysts.',
  freeTextWithheld: () => 'Free-text comments are no longer included in respondent-level files.',
  settings: () => 'Settings saved.',
  duplicated: () => 'This is a copy: the same questions, workforce profile and settings, with no responses. Set its dates before opening it.',
} satisfies Record<string, (n: number, kind: Mailer['kind'], m: number) => string>;
const COUNT = z.coerce.number().int().min(0).max(10_000_000).default(0);
const ZDone = z.object({ done: z.enum(Object.keys(NOTICES) as [keyof typeof NOTICES]).optional(), n: COUNT, m: COUNT });

/** The error summary's list: each message links to its field. */
const errorList = (errors: FieldError[]) => errors.map((e) => ({ text: e.message, href: `#${e.field}` }));
const problemList = (problems: { row?: number; column?: string; message: string }[]) =>
  problems.map((p) => ({ text: `${p.row ? `Row ${p.row}` : 'File'}${p.column ? `, ${p.column}` : ''}: ${p.message}`, href: '#file' }));

/** The survey lead's pages: waves, their workforce profile, invitations and live response rates. */
export const adminRoutes: FastifyPluginAsync<AdminRouteOptions> = async (app, { storage, mailer, publicUrl, secureCookies }) => {
  const { db } = storage;
  // Checked before any body is read, so nobody signed out can make the server parse an upload.
  app.addHook('onRequest', requireSignIn);
  acceptUploads(app);

  // The survey builder's pages share this scope's sign-in check and upload parser.
  await app.register(builderRoutes, { storage });

  const viewer = { preHandler: requireOrganisationRole('viewer', surveyOrganisation(storage)) };
  const lead = { preHandler: [requireOrganisationRole('org_admin', surveyOrganisation(storage)), app.csrfProtection] };
  const actorOf = (request: FastifyRequest) => ({ userId: request.user?.id ?? null });

  async function surveyOf(request: FastifyRequest): Promise<(SurveyWithDefinition & { organisationId: string }) | undefined> {
    const params = ZSurveyParams.safeParse(request.params);
    if (!params.success) return undefined;
    const { id } = params.data;
    const [survey, organisationId] = await Promise.all([findSurveyById(db, id), surveyOrganisationId(db, id)]);
    return survey && organisationId ? { ...survey, organisationId } : undefined;
  }

  /** After a change the page is fetched again (so a refresh repeats nothing); the notice is chosen by code, never taken as text from the URL. */
  const done = (reply: FastifyReply, survey: { id: string }, notice: keyof typeof NOTICES, n = 0, m = 0) => reply.redirect(`/admin/surveys/${survey.id}?done=${notice}&n=${n}&m=${m}`, 303);

  async function renderSurvey(request: FastifyRequest, reply: FastifyReply, survey: SurveyWithDefinition & { organisationId: string }, problem?: string) {
    const query = ZDone.safeParse(request.query ?? {});
    const notice = query.success && query.data.done ? NOTICES[query.data.done](query.data.n, mailer.kind, query.data.m) : undefined;
    const [waves, rates, profile, invitations, publication, reminders, outboxWaiting] = await Promise.all([
      listOrganisationWaves(db, survey.organisationId),
      waveResponseRates(db, survey),
      loadWorkforceProfile(db, survey.id),
      invitationCounts(db, survey.id),
      readPublication(db, survey.id),
      plannedReminders(db, survey.id),
      mailer.outbox?.has(survey.id) ?? false,
    ]);
    const wave = waves.find((w) => w.id === survey.id)!;
    return reply.render(
      'admin/survey.njk',
      {
        survey,
        wave,
        previous: waves.find((w) => w.id === wave.previousSurveyId),
        rates,
        profileHidden: rates.profileHidden.map((h) => ({
          label: new Labels(survey.definition).group(h.kind === 'roleGroup' ? { kind: 'roleGroup', code: h.code } : { kind: 'directorate', code: h.code }),
          reason:
            h.reason === 'responses_exceed_headcount'
              ? 'more responses than staff in the workforce profile: check that the open link was not shared outside this group, and that the profile is right'
              : `fewer than ${survey.suppressionThreshold} staff in the workforce profile`,
        })),
        hasProfile: profile !== undefined,
        publication: publication && { version: publication.version, builtOn: publication.builtOn },
        invitations,
        canManage: hasRole(request.user!, survey.organisationId, 'org_admin'),
        openLink: `${publicUrl}/s/${survey.slug}`,
        mailKind: mailer.kind,
        sending: sender.status(survey.id),
        reminders,
        outboxWaiting,
        notice,
        errorList: problem ? [{ text: problem }] : [],
      },
      problem ? 422 : 200,
    );
  }

  app.get('/admin', async (request, reply) => {
    const user = request.user!;
    const organisations = await organisationsNamed(db, user.platformAdmin ? undefined : user.memberships.map((m) => m.organisationId));
    if (organisations.length === 1 && !user.platformAdmin) return reply.redirect(`/admin/organisations/${organisations[0]!.id}`, 303);
    return reply.render('admin/organisations.njk', { organisations });
  });

  app.get('/admin/organisations/:organisationId', { preHandler: requireOrganisationRole('viewer', pathOrganisation()) }, async (request, reply) => {
    const params = ZOrganisationParams.safeParse(request.params);
    if (!params.success) return reply.callNotFound();
    const { organisationId } = params.data;
    const [organisation] = await organisationsNamed(db, [organisationId]);
    if (!organisation) return reply.callNotFound();
    return reply.render('admin/surveys.njk', {
      organisation,
      waves: await listOrganisationWaves(db, organisationId),
      canManage: hasRole(request.user!, organisationId, 'org_admin'),
      deleted: (request.query as Record<string, unknown>).deleted === '1',
    });
  });

  async function renderNewWave(reply: FastifyReply, organisationId: string, form: WaveForm, errors: FieldError[] = [], definitionProblems: DefinitionProblem[] = []) {
    const [organisation] = await organisationsNamed(db, [organisationId]);
    if (!organisation) return reply.callNotFound();
    const summary = [
      ...errorList(errors.filter((e) => e.field !== 'definition' || definitionProblems.length === 0)),
      ...definitionProblems.map((p) => ({ text: describeProblem(p), href: '#definition' })),
    ];
    // Only a closed wave can be the previous one (createWave refuses any other): it alone has a publication to compare with.
    const closedWaves = (await listOrganisationWaves(db, organisationId)).filter((w) => w.state === 'closed');
    return reply.render(
      'admin/new-survey.njk',
      { organisation, form, closedWaves, errors: Object.fromEntries(errors.map((e) => [e.field, e.message])), errorList: summary },
      summary.length > 0 ? 422 : 200,
    );
  }

  const leadOfPath = { preHandler: [requireOrganisationRole('org_admin', pathOrganisation()), app.csrfProtection] };
  app.get('/admin/organisations/:organisationId/surveys/new', { preHandler: requireOrganisationRole('org_admin', pathOrganisation()) }, async (request, reply) => {
    const params = ZOrganisationParams.safeParse(request.params);
    return params.success ? renderNewWave(reply, params.data.organisationId, blankWaveForm()) : reply.callNotFound();
  });

  app.post('/admin/organisations/:organisationId/surveys', leadOfPath, async (request, reply) => {
    const params = ZOrganisationParams.safeParse(request.params);
    if (!params.success) return reply.callNotFound();
    const { organisationId } = params.data;
    const definition = uploadedFiles(request.body).definition;
    const form = waveFormFrom((request.body ?? {}) as Record<string, unknown>);
    const result = await createWave(db, actorOf(request), organisationId, form, definition, { fileName: uploadedFileName(request.body, 'definition') });
    if (!result.ok) return renderNewWave(reply, organisationId, form, result.errors, result.definitionProblems);
    return reply.redirect(`/admin/surveys/${result.id}`, 303);
  });

  app.get('/admin/surveys/:id', viewer, async (request, reply) => {
    const survey = await surveyOf(request);
    return survey ? renderSurvey(request, reply, survey) : reply.callNotFound();
  });

  // Each action that cannot be taken back is asked for on a page of its own first (GOV.UK confirmation pattern): it says what will
  // happen and whether it can be undone, and its button posts to the action. A survey not in the state the action needs goes back
  // to its page, where the action is not offered.
  const confirmPaths: Record<WaveAction, string> = { open: 'open', close: 'close', send: 'invitations/send', remind: 'invitations/remind' };
  for (const action of Object.keys(confirmPaths) as WaveAction[]) {
    app.get(`/admin/surveys/:id/${confirmPaths[action]}`, { preHandler: requireOrganisationRole('org_admin', surveyOrganisation(storage)) }, async (request, reply) => {
      const survey = await surveyOf(request);
      if (!survey) return reply.callNotFound();
      if (survey.state !== WAVE_ACTIONS[action]) return reply.redirect(`/admin/surveys/${survey.id}`, 303);
      const { waiting, refused } = action === 'send' || action === 'remind' ? await sender.waiting(survey, action === 'send' ? 'invitation' : 'reminder') : { waiting: 0 };
      return reply.render('admin/confirm.njk', { survey, action, postTo: `/admin/surveys/${survey.id}/${confirmPaths[action]}`, waiting, refused, mailKind: mailer.kind });
    });
  }

  for (const to of ['open', 'closed'] as const) {
    app.post(`/admin/surveys/:id/${to === 'open' ? 'open' : 'close'}`, lead, async (request, reply) => {
      const survey = await surveyOf(request);
      if (!survey) return reply.callNotFound();
      const result = await changeWaveState(db, actorOf(request), survey.id, to);
      if (!result.ok) return renderSurvey(request, reply, survey, result.message);
      return done(reply, survey, to);
    });
  }

  const ZFreeText = z.object({ decision: z.enum(['release', 'withhold']) });
  app.post('/admin/surveys/:id/free-text', lead, async (request, reply) => {
    const survey = await surveyOf(request);
    if (!survey) return reply.callNotFound();
    const body = ZFreeText.safeParse(request.body ?? {});
    if (!body.success) return renderSurvey(request, reply, survey, 'Choose whether to release or withhold free-text comments');
    await setFreeTextRelease(db, actorOf(request), survey.id, body.data.decision === 'release');
    return done(reply, survey, body.data.decision === 'release' ? 'freeTextReleased' : 'freeTextWithheld');
  });

  settingsRoutes(app, {
    storage,
    leadPage: requireOrganisationRole('org_admin', surveyOrganisation(storage)),
    leadPosting: [requireOrganisationRole('org_admin', surveyOrganisation(storage)), app.csrfProtection],
    surveyOf,
    actorOf,
    showProblem: (request, reply, survey, problem) => renderSurvey(request, reply, survey, problem),
    done,
  });

  previewRoutes(app, {
    secureCookies,
    viewer: requireOrganisationRole('viewer', surveyOrganisation(storage)),
    viewerPosting: [requireOrganisationRole('viewer', surveyOrganisation(storage)), app.csrfProtection],
    surveyOf,
  });

  invitationRoutes(app, {
    storage,
    mailer,
    publicUrl,
    leadPage: requireOrganisationRole('org_admin', surveyOrganisation(storage)),
    leadPosting: [requireOrganisationRole('org_admin', surveyOrganisation(storage)), app.csrfProtection],
    surveyOf,
    actorOf,
    showProblem: (request, reply, survey, problem) => renderSurvey(request, reply, survey, problem),
  });

  const renderUpload = (reply: FastifyReply, survey: SurveyWithDefinition, kind: 'profile' | 'invitations', problems: { row?: number; column?: string; message: string }[] = [], more = 0) =>
    reply.render(`admin/upload-${kind}.njk`, { survey, errorList: problemList(problems), more, fieldError: problems.length > 0 }, problems.length > 0 ? 422 : 200);

  app.get('/admin/surveys/:id/profile', { preHandler: requireOrganisationRole('org_admin', surveyOrganisation(storage)) }, async (request, reply) => {
    const survey = await surveyOf(request);
    return survey ? renderUpload(reply, survey, 'profile') : reply.callNotFound();
  });

  app.post('/admin/surveys/:id/profile', lead, async (request, reply) => {
    const survey = await surveyOf(request);
    if (!survey) return reply.callNotFound();
    // On a closed wave the upload publishes a new version of the results: the file is checked, then the lead is asked to confirm,
    // and the confirmation posts the same file's text back with `confirmed`.
    const fields = ZConfirmedProfile.safeParse(request.body ?? {});
    const confirmed = fields.success && fields.data.confirmed === 'yes' && fields.data.profile !== undefined;
    const file = confirmed ? Buffer.from(fields.data.profile!, 'utf8') : uploadedFiles(request.body).file;
    if (!file || file.length === 0) return renderUpload(reply, survey, 'profile', [{ message: 'choose a CSV file to upload' }]);
    if (profileUploadRepublishes(survey) && !confirmed) {
      const checked = readWorkforceProfileUpload(survey.definition, file);
      if (!checked.ok) return renderUpload(reply, survey, 'profile', checked.problems);
      return reply.render('admin/confirm-republish.njk', { survey, profile: file.toString('utf8'), cells: checked.profile.cells.length });
    }
    const result = await uploadWorkforceProfile(db, actorOf(request), survey, file);
    if (!result.ok) return renderUpload(reply, survey, 'profile', result.problems);
    return done(reply, survey, 'profile');
  });

  app.get('/admin/surveys/:id/invitations', { preHandler: requireOrganisationRole('org_admin', surveyOrganisation(storage)) }, async (request, reply) => {
    const survey = await surveyOf(request);
    return survey ? renderUpload(reply, survey, 'invitations') : reply.callNotFound();
  });

  app.post('/admin/surveys/:id/invitations', lead, async (request, reply) => {
    const survey = await surveyOf(request);
    if (!survey) return reply.callNotFound();
    const file = uploadedFiles(request.body).file;
    if (!file || file.length === 0) return renderUpload(reply, survey, 'invitations', [{ message: 'choose a CSV file to upload' }]);
    const result = await importStaffList(db, actorOf(request), survey, file);
    if (!result.ok) return renderUpload(reply, survey, 'invitations', result.problems, result.more);
    return done(reply, survey, 'imported', result.added, result.alreadyInvited);
  });

  const sender = createInvitationSender(
    db,
    mailer,
    (token) => invitationLink(publicUrl, token),
    mailDefaults,
    async (survey, run) => {
      if (run.outcome.failed) app.log.warn({ survey: survey.id, sent: run.outcome.sent, remaining: run.outcome.failed.remaining }, run.outcome.failed.message);
    },
  );
  // Runs still sending finish before the database closes.
  app.addHook('onClose', () => sender.idle());

  for (const kind of ['invitation', 'reminder'] as const) {
    app.post(`/admin/surveys/:id/invitations/${kind === 'invitation' ? 'send' : 'remind'}`, lead, async (request, reply) => {
      const survey = await surveyOf(request);
      if (!survey) return reply.callNotFound();
      const started = await sender.start(survey, kind, actorOf(request));
      if ('refused' in started) return renderSurvey(request, reply, survey, started.refused);
      return done(reply, survey, kind, started.started);
    });
  }
};
