import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  answerInvitation,
  blankRoundForm,
  closeRound,
  createRound,
  HOST_TYPE,
  invitableOrganisations,
  inviteToRound,
  leaveRound,
  linkWaveToRound,
  roundFormFrom,
  roundParticipation,
  type RoundForm,
} from '../../../admin/rounds.js';
import type { FieldError } from '../../../admin/waves.js';
import { Refusal } from '../../../publications/service.js';
import type { Storage } from '../../../storage/db.js';
import { findOrganisation, findRound, hostRounds, organisationRounds, roundParticipants } from '../../../storage/rounds.js';
import { listOrganisationWaves } from '../../../storage/waves.js';
import { findSurveyById } from '../../../storage/surveys.js';
import { hasRole, pathOrganisation, requireOrganisationRole, requireSignIn } from '../../plugins/auth.js';

export interface RoundRouteOptions {
  storage: Storage;
}

const ZOrganisationParams = z.object({ organisationId: z.uuid() });
const ZRoundParams = ZOrganisationParams.extend({ roundId: z.uuid() });
const ZInvite = z.object({ organisation: z.uuid({ message: 'Choose a council to invite' }) });
const ZLink = z.object({ survey: z.uuid({ message: 'Choose the wave to run in this round' }) });

const NOTICES = {
  created: 'Round created. Invite councils to it below.',
  invited: 'Council invited. Its admin accepts the invitation from their benchmark rounds page.',
  closed: 'Round closed: each council that took part now sees its benchmark in its report.',
  joined: 'You have joined the round. Choose the wave you will run in it.',
  declined: 'You have declined the invitation.',
  linked: 'Your wave is this council’s wave in the round.',
  left: 'This council has left the round. Its wave is its own again.',
} as const;
const ZDone = z.object({ done: z.enum(Object.keys(NOTICES) as [keyof typeof NOTICES]).optional() });

/**
 * Benchmark rounds on the web, through the services in admin/rounds.ts: a host's admin
 * creates rounds, invites councils, watches participation and closes the round; a council's
 * admin accepts or declines, links its one wave and may leave before publishing. Every page
 * is an organisation's (its id in the path, checked by requireOrganisationRole), and a round
 * is shown only to its host and to councils invited to it.
 */
export const roundRoutes: FastifyPluginAsync<RoundRouteOptions> = async (app, { storage }) => {
  const { db } = storage;
  app.addHook('onRequest', requireSignIn);
  const member = { preHandler: requireOrganisationRole('viewer', pathOrganisation()) };
  const admin = { preHandler: [requireOrganisationRole('org_admin', pathOrganisation()), app.csrfProtection] };
  const actorOf = (request: FastifyRequest) => ({ userId: request.user?.id ?? null });

  async function organisationOf(request: FastifyRequest) {
    const params = ZOrganisationParams.safeParse(request.params);
    return params.success ? findOrganisation(db, params.data.organisationId) : undefined;
  }

  /** The round in the path, with the organisation's part in it: its host, or a council invited to it; otherwise nothing (404). */
  async function roundOf(request: FastifyRequest) {
    const params = ZRoundParams.safeParse(request.params);
    if (!params.success) return undefined;
    const [organisation, round] = await Promise.all([findOrganisation(db, params.data.organisationId), findRound(db, params.data.roundId)]);
    if (!organisation || !round) return undefined;
    if (round.hostOrganisationId === organisation.id) return { organisation, round, role: 'host' as const };
    const participant = (await roundParticipants(db, round.id)).find((p) => p.organisationId === organisation.id);
    return participant ? { organisation, round, role: 'council' as const, participant } : undefined;
  }

  const base = (organisationId: string) => `/admin/organisations/${organisationId}/rounds`;
  const done = (reply: FastifyReply, organisationId: string, roundId: string, notice: keyof typeof NOTICES) => reply.redirect(`${base(organisationId)}/${roundId}?done=${notice}`, 303);

  app.get('/admin/organisations/:organisationId/rounds', member, async (request, reply) => {
    const organisation = await organisationOf(request);
    if (!organisation) return reply.callNotFound();
    const isHost = organisation.type === HOST_TYPE;
    return reply.render('admin/rounds/list.njk', {
      organisation,
      isHost,
      rounds: isHost ? await hostRounds(db, organisation.id) : await organisationRounds(db, organisation.id),
      canManage: hasRole(request.user!, organisation.id, 'org_admin'),
    });
  });

  async function renderNew(reply: FastifyReply, organisation: { id: string; name: string }, form: RoundForm, errors: FieldError[] = []) {
    return reply.render(
      'admin/rounds/new.njk',
      { organisation, form, errors: Object.fromEntries(errors.map((e) => [e.field, e.message])), errorList: errors.map((e) => ({ text: e.message, href: `#${e.field}` })) },
      errors.length > 0 ? 422 : 200,
    );
  }

  app.get('/admin/organisations/:organisationId/rounds/new', { preHandler: requireOrganisationRole('org_admin', pathOrganisation()) }, async (request, reply) => {
    const organisation = await organisationOf(request);
    if (!organisation) return reply.callNotFound();
    // A council's admin who follows this address is told who runs rounds, rather than shown a form they cannot use.
    if (organisation.type !== HOST_TYPE) return reply.render('admin/rounds/new.njk', { organisation, notHost: true });
    return renderNew(reply, organisation, blankRoundForm());
  });

  app.post('/admin/organisations/:organisationId/rounds', admin, async (request, reply) => {
    const organisation = await organisationOf(request);
    if (!organisation || organisation.type !== HOST_TYPE) return reply.callNotFound();
    const form = roundFormFrom((request.body ?? {}) as Record<string, unknown>);
    const result = await createRound(db, actorOf(request), organisation.id, form);
    if (!result.ok) return renderNew(reply, organisation, form, result.errors);
    return done(reply, organisation.id, result.id, 'created');
  });

  async function renderRound(request: FastifyRequest, reply: FastifyReply, problem?: { field?: string; message: string }) {
    const found = await roundOf(request);
    if (!found) return reply.callNotFound();
    const query = ZDone.safeParse(request.query ?? {});
    const notice = query.success && query.data.done ? NOTICES[query.data.done] : undefined;
    const canManage = hasRole(request.user!, found.organisation.id, 'org_admin');
    const errorList = problem ? [{ text: problem.message, ...(problem.field ? { href: `#${problem.field}` } : {}) }] : [];
    const status = problem ? 422 : 200;
    if (found.role === 'host') {
      const [participation, invitable] = await Promise.all([roundParticipation(db, found.round.id), invitableOrganisations(db, found.round.id)]);
      return reply.render('admin/rounds/host.njk', { organisation: found.organisation, participation, invitable, canManage, notice, errorList, problem }, status);
    }
    const linked = found.participant.surveyId ? await findSurveyById(db, found.participant.surveyId) : undefined;
    // Waves that may join: this council's draft or open waves of the round's instrument version.
    const waves = (await listOrganisationWaves(db, found.organisation.id)).filter((w) => w.state !== 'closed');
    const candidates = (await Promise.all(waves.map((w) => findSurveyById(db, w.id)))).filter(
      (s) => s && s.instrumentVersionId === found.round.instrumentVersionId && !s.synthetic === !found.round.synthetic,
    );
    return reply.render(
      'admin/rounds/council.njk',
      { organisation: found.organisation, round: found.round, participant: found.participant, linked, candidates, canManage, notice, errorList, problem },
      status,
    );
  }

  app.get('/admin/organisations/:organisationId/rounds/:roundId', member, (request, reply) => renderRound(request, reply));

  /** A change through a service; a refusal re-renders the round page with the reason (422 or 404), never a 500. */
  const change = (
    path: string,
    role: 'host' | 'council',
    act: (found: NonNullable<Awaited<ReturnType<typeof roundOf>>>, request: FastifyRequest) => Promise<keyof typeof NOTICES | { field: string; message: string }>,
  ) =>
    app.post(`/admin/organisations/:organisationId/rounds/:roundId/${path}`, admin, async (request, reply) => {
      const found = await roundOf(request);
      if (!found || found.role !== role) return reply.callNotFound();
      try {
        const outcome = await act(found, request);
        if (typeof outcome !== 'string') return renderRound(request, reply, outcome);
        return done(reply, found.organisation.id, found.round.id, outcome);
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
        return renderRound(request, reply, { message: error.message });
      }
    });

  change('invite', 'host', async ({ round }, request) => {
    const body = ZInvite.safeParse(request.body ?? {});
    if (!body.success) return { field: 'organisation', message: 'Choose a council to invite' };
    await inviteToRound(db, actorOf(request), round.id, body.data.organisation);
    return 'invited';
  });
  change('close', 'host', async ({ round }, request) => {
    await closeRound(db, actorOf(request), round.id);
    return 'closed';
  });
  change('accept', 'council', async ({ round, organisation }, request) => {
    await answerInvitation(db, actorOf(request), round.id, organisation.id, true);
    return 'joined';
  });
  change('decline', 'council', async ({ round, organisation }, request) => {
    await answerInvitation(db, actorOf(request), round.id, organisation.id, false);
    return 'declined';
  });
  change('link', 'council', async ({ round, organisation }, request) => {
    const body = ZLink.safeParse(request.body ?? {});
    if (!body.success) return { field: 'survey', message: 'Choose the wave to run in this round' };
    await linkWaveToRound(db, actorOf(request), round.id, organisation.id, body.data.survey);
    return 'linked';
  });
  change('leave', 'council', async ({ round, organisation }, request) => {
    await leaveRound(db, actorOf(request), round.id, organisation.id);
    return 'left';
  });
};
