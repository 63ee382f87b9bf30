import type { Kysely } from 'kysely';
import { z } from 'zod';
import { DEFAULT_THRESHOLD } from '../analysis/suppression.js';
import { today } from '../fieldwork/respondent.js';
import { loadInstrumentFile, STANDARD_INSTRUMENT_PATH } from '../instrument/load.js';
import { Refusal } from '../publications/service.js';
import {
  findOrganisation,
  findParticipant,
  findRound,
  insertParticipant,
  insertRound,
  roundOfSurvey,
  roundParticipants,
  setRoundState,
  updateParticipant,
  type ParticipantState,
  type Round,
} from '../storage/rounds.js';
import { latestPublicationVersion } from '../storage/publications.js';
import type { Database } from '../storage/schema.js';
import { findSurveyById, publishInstrument } from '../storage/surveys.js';
import { auditBy, recordAudit, type Actor } from './audit.js';
import { readDate, waveResponseRates, type DayParts, type FieldError } from './waves.js';

/**
 * Benchmark rounds. A host organisation (type `host`: a regional partnership, an association,
 * a researcher) runs a round on one instrument version with a fieldwork window and invites
 * councils; a council's admin accepts and links one wave of the council's own to the round.
 * A council's benchmark comes only from its round (reporting/survey-data.ts): one publication
 * per organisation, the version recorded when the round closed, so a council's other waves,
 * or a later republish, never move what anyone was shown. The host sees who joined, opened
 * and closed and response counts by council type and nation, never a council's results or
 * respondents. Demonstration organisations (synthetic) take part only in the demo's round.
 */

/** The organisation type of hosts: they run rounds and are never benchmarked themselves. */
export const HOST_TYPE = 'host';

export type { Round } from '../storage/rounds.js';

const ZRoundForm = z.object({
  title: z.string().trim().min(1, 'Enter a title for the round').max(120, 'The title must be 120 characters or fewer'),
});

export interface RoundForm {
  title: string;
  opensOn: DayParts;
  closesOn: DayParts;
}

export function blankRoundForm(): RoundForm {
  const blank = { day: '', month: '', year: '' };
  return { title: '', opensOn: blank, closesOn: blank };
}

/** The form's fields from a posted body (anything missing or of the wrong type reads as blank). */
export function roundFormFrom(body: Record<string, unknown>): RoundForm {
  const text = (name: string) => (typeof body[name] === 'string' ? body[name] : '');
  const date = (name: string) => ({ day: text(`${name}-day`), month: text(`${name}-month`), year: text(`${name}-year`) });
  return { title: text('title'), opensOn: date('opensOn'), closesOn: date('closesOn') };
}

/** The form's dates as YYYY-MM-DD, for the command line (`--opens 2026-10-05`). */
export function roundFormOfDays(title: string, opensOn: string, closesOn: string): RoundForm {
  const parts = (day: string) => {
    const [year = '', month = '', d = ''] = day.split('-');
    return { day: d, month, year };
  };
  return { title, opensOn: parts(opensOn), closesOn: parts(closesOn) };
}

/**
 * A host creates a round on the standard instrument (or a given instrument version) with a
 * fieldwork window; every problem with the form comes back at once, by field.
 */
export async function createRound(
  db: Kysely<Database>,
  actor: Actor,
  hostOrganisationId: string,
  form: RoundForm,
  options: { synthetic?: boolean } = {},
): Promise<{ ok: true; id: string } | { ok: false; errors: FieldError[] }> {
  const host = await findOrganisation(db, hostOrganisationId);
  if (!host) throw new Refusal(`No organisation with id ${hostOrganisationId}`, 404);
  if (host.type !== HOST_TYPE) throw new Refusal(`${host.name} is a ${host.type.replace(/_/g, ' ')}, not a host: only a host organisation runs benchmark rounds`);
  if (host.synthetic !== (options.synthetic ?? false))
    throw new Refusal(`${host.name} is ${host.synthetic ? 'a demonstration organisation: it runs only the demo round' : 'a real organisation: only the demo runs synthetic rounds'}`);
  const errors: FieldError[] = [];
  const parsed = ZRoundForm.safeParse(form);
  if (!parsed.success) for (const issue of parsed.error.issues) errors.push({ field: String(issue.path[0]), message: issue.message });
  const opensOn = readDate(form.opensOn, 'opensOn', 'The opening date', errors);
  const closesOn = readDate(form.closesOn, 'closesOn', 'The closing date', errors);
  if (!opensOn && !errors.some((e) => e.field === 'opensOn-day')) errors.push({ field: 'opensOn-day', message: 'Enter the date fieldwork opens' });
  if (!closesOn && !errors.some((e) => e.field === 'closesOn-day')) errors.push({ field: 'closesOn-day', message: 'Enter the date fieldwork closes' });
  if (opensOn && closesOn && closesOn < opensOn) errors.push({ field: 'closesOn-day', message: 'The closing date must be on or after the opening date' });
  if (errors.length > 0 || !parsed.success || !opensOn || !closesOn) return { ok: false, errors };
  const id = await db.transaction().execute(async (trx) => {
    const instrumentVersionId = await publishInstrument(trx, loadInstrumentFile(STANDARD_INSTRUMENT_PATH));
    const created = await insertRound(trx, { hostOrganisationId, title: parsed.data.title, instrumentVersionId, opensOn, closesOn, synthetic: options.synthetic ?? false }, new Date());
    await recordAudit(trx, auditBy(actor, { organisationId: hostOrganisationId, action: 'round.create', target: `round ${created} (${parsed.data.title}), ${opensOn} to ${closesOn}` }));
    return created;
  });
  return { ok: true, id };
}

async function mustFindRound(db: Kysely<Database>, roundId: string): Promise<Round> {
  const round = await findRound(db, roundId);
  if (!round) throw new Refusal(`No benchmark round with id ${roundId}`, 404);
  return round;
}

const PARTICIPATION: Record<ParticipantState, string> = {
  invited: 'has already been invited and has not answered yet',
  joined: 'has already joined',
  declined: 'has already been invited and declined',
  left: 'has already taken part and left',
};

/** The host invites a council: once per round, a council (not a host), real or demonstration as the round is. */
export async function inviteToRound(db: Kysely<Database>, actor: Actor, roundId: string, organisationId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const round = await mustFindRound(trx, roundId);
    const council = await findOrganisation(trx, organisationId);
    if (!council) throw new Refusal(`No organisation with id ${organisationId}`, 404);
    if (council.type === HOST_TYPE) throw new Refusal(`${council.name} is a host organisation: only councils take part in a round`);
    if (council.synthetic !== round.synthetic)
      throw new Refusal(
        council.synthetic
          ? `${council.name} is a demonstration organisation: its synthetic answers never go into a real round or benchmark`
          : `${round.title} is the demonstration round: only demonstration organisations take part in it`,
      );
    if (round.state === 'closed') throw new Refusal(`${round.title} has closed: no more councils can be invited`);
    const existing = await findParticipant(trx, roundId, organisationId);
    if (existing) throw new Refusal(`${council.name} ${PARTICIPATION[existing.state]} (invited on ${existing.invited_on}): a council is invited to a round once`);
    await insertParticipant(trx, roundId, organisationId, today());
    await recordAudit(trx, auditBy(actor, { organisationId: round.hostOrganisationId, action: 'round.invite', target: `round ${roundId} (${round.title}): ${council.name}` }));
    await recordAudit(trx, auditBy(actor, { organisationId, action: 'round.invited', target: `round ${roundId} (${round.title}) hosted by ${round.hostName}` }));
  });
}

/** The council's admin accepts or declines the host's invitation. */
export async function answerInvitation(db: Kysely<Database>, actor: Actor, roundId: string, organisationId: string, accept: boolean): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const round = await mustFindRound(trx, roundId);
    const participant = await findParticipant(trx, roundId, organisationId);
    if (!participant) throw new Refusal(`This council has not been invited to ${round.title}`, 404);
    if (participant.state !== 'invited')
      throw new Refusal(`This council ${PARTICIPATION[participant.state].replace('has already been invited and ', 'has already ')} ${round.title}: the invitation has been answered`);
    if (round.state === 'closed') throw new Refusal(`${round.title} has closed: its invitation can no longer be accepted`);
    await updateParticipant(trx, roundId, organisationId, accept ? { state: 'joined', joined_on: today() } : { state: 'declined' });
    const action = accept ? 'round.join' : 'round.decline';
    await recordAudit(trx, auditBy(actor, { organisationId, action, target: `round ${roundId} (${round.title}) hosted by ${round.hostName}` }));
    await recordAudit(trx, auditBy(actor, { organisationId: round.hostOrganisationId, action, target: `round ${roundId} (${round.title}): council ${organisationId}` }));
  });
}

/**
 * The council's admin links one of the council's own waves to the round: a draft or open wave
 * of the round's instrument version, real or demonstration as the round is. One wave per
 * council per round, and a wave in one round at most.
 */
export async function linkWaveToRound(db: Kysely<Database>, actor: Actor, roundId: string, organisationId: string, surveyId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const round = await mustFindRound(trx, roundId);
    const participant = await findParticipant(trx, roundId, organisationId);
    if (!participant || participant.state === 'declined' || participant.state === 'left') throw new Refusal(`This council is not taking part in ${round.title}`, 404);
    if (participant.state === 'invited') throw new Refusal(`Accept the invitation to ${round.title} before linking a wave to it`);
    if (round.state === 'closed') throw new Refusal(`${round.title} has closed: no more waves can join it`);
    const survey = await findSurveyById(trx, surveyId);
    if (!survey || survey.organisationId !== organisationId) throw new Refusal(`No survey of this council with id ${surveyId}`, 404);
    if (participant.survey_id === surveyId) throw new Refusal(`${survey.title} is already this council's wave in ${round.title}`);
    if (participant.survey_id !== null) {
      const linked = await findSurveyById(trx, participant.survey_id);
      throw new Refusal(
        `${linked?.title ?? 'Another wave'} is already this council's wave in ${round.title}: a council contributes one wave to a round, so ${survey.title} cannot join it too`,
      );
    }
    const elsewhere = await roundOfSurvey(trx, surveyId);
    if (elsewhere) throw new Refusal(`${survey.title} is already in another benchmark round: a wave belongs to one round at most`);
    if (survey.instrumentVersionId !== round.instrumentVersionId)
      throw new Refusal(`${survey.title} uses a different version of the survey from ${round.title}: a round compares councils on one instrument version`);
    if (survey.state === 'closed') throw new Refusal(`${survey.title} has already closed: a round takes a wave run during its fieldwork, so link a draft or open wave`);
    if (survey.synthetic !== round.synthetic)
      throw new Refusal(
        survey.synthetic
          ? `${survey.title} is a demonstration wave: synthetic answers never go into a real round`
          : `${round.title} is the demonstration round: only demonstration waves join it`,
      );
    await updateParticipant(trx, roundId, organisationId, { survey_id: surveyId });
    await recordAudit(trx, auditBy(actor, { organisationId, action: 'round.link-wave', target: `round ${roundId} (${round.title}): survey ${surveyId} (${survey.title})` }));
  });
}

/**
 * A council leaves a round: allowed until its wave in the round has closed. After that its
 * publication is part of the round's benchmark, which other councils may already have seen;
 * taking it out would move their figures by exactly its contribution.
 */
export async function leaveRound(db: Kysely<Database>, actor: Actor, roundId: string, organisationId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const round = await mustFindRound(trx, roundId);
    const participant = await findParticipant(trx, roundId, organisationId);
    if (!participant || participant.state !== 'joined') throw new Refusal(`This council is not taking part in ${round.title}`, 404);
    const wave = participant.survey_id ? await findSurveyById(trx, participant.survey_id) : undefined;
    if (round.state === 'closed' || wave?.state === 'closed')
      throw new Refusal(
        `This council cannot leave ${round.title}: ${wave?.state === 'closed' ? `its wave ${wave.title} has closed and its results are published into the round` : 'the round has closed'}, and taking them out now would change the benchmark other councils have been shown`,
      );
    await updateParticipant(trx, roundId, organisationId, { state: 'left', survey_id: null });
    const target = `round ${roundId} (${round.title})${wave ? `: survey ${wave.id} (${wave.title}) is no longer in the round` : ''}`;
    await recordAudit(trx, auditBy(actor, { organisationId, action: 'round.leave', target }));
    await recordAudit(trx, auditBy(actor, { organisationId: round.hostOrganisationId, action: 'round.leave', target: `round ${roundId} (${round.title}): council ${organisationId} left` }));
  });
}

/**
 * The host closes the round once no council is in fieldwork. The benchmark is computed only
 * from a closed round, from the publication version each closed wave has at that moment
 * (recorded here): while councils were still closing, each one's arrival would move the median
 * by an amount that tells the others its figure. Joined councils whose wave never opened or
 * was never linked take no part, and the audit entry says how many.
 */
export async function closeRound(db: Kysely<Database>, actor: Actor, roundId: string): Promise<{ contributing: number; notContributing: number }> {
  return db.transaction().execute(async (trx) => {
    const round = await mustFindRound(trx, roundId);
    if (round.state === 'closed') throw new Refusal(`${round.title} has already closed`);
    const joined = (await roundParticipants(trx, roundId)).filter((p) => p.state === 'joined');
    const inFieldwork = joined.filter((p) => p.waveState === 'open');
    if (inFieldwork.length > 0)
      throw new Refusal(
        `${round.title} cannot close while ${inFieldwork.length === 1 ? 'a council is' : `${inFieldwork.length} councils are`} still in fieldwork (${inFieldwork
          .map((p) => p.name)
          .join(', ')}): each council's lead closes its own wave first, so the round takes every published result at once`,
      );
    let contributing = 0;
    for (const p of joined) {
      if (p.waveState !== 'closed' || !p.surveyId) continue;
      const version = await latestPublicationVersion(trx, p.surveyId);
      if (version === undefined) continue;
      await updateParticipant(trx, roundId, p.organisationId, { publication_version: version });
      contributing++;
    }
    await setRoundState(trx, roundId, 'closed');
    const notContributing = joined.length - contributing;
    await recordAudit(
      trx,
      auditBy(actor, {
        organisationId: round.hostOrganisationId,
        action: 'round.close',
        target: `round ${roundId} (${round.title}): ${contributing} council${contributing === 1 ? '' : 's'} contribute a publication${notContributing > 0 ? `; ${notContributing} joined without a closed wave and take no part` : ''}`,
      }),
    );
    return { contributing, notContributing };
  });
}

/** A count the host may see: undefined when under the threshold. */
export interface GroupCount {
  value: string;
  councils: number;
  /** Responses in the group's councils' waves, undefined when fewer than the threshold. */
  responses: number | undefined;
}

export interface RoundParticipation {
  round: Round;
  threshold: number;
  councils: { name: string; state: ParticipantState; wave: 'none' | 'draft' | 'open' | 'closed' }[];
  totals: { invited: number; joined: number; opened: number; closed: number };
  byType: GroupCount[];
  byNation: GroupCount[];
}

/**
 * What the host sees of a round: which councils joined, opened and closed, and responses by
 * council type and nation. Each council's count is the one its own lead sees (suppressed by
 * the wave's rules); a group's sum is shown only from the threshold up. Never a result or a
 * respondent's row.
 */
export async function roundParticipation(db: Kysely<Database>, roundId: string): Promise<RoundParticipation> {
  const round = await mustFindRound(db, roundId);
  const participants = await roundParticipants(db, roundId);
  const joined = participants.filter((p) => p.state === 'joined');
  const counted = await Promise.all(
    joined.map(async (p) => {
      const survey = p.surveyId && p.waveState !== 'draft' ? await findSurveyById(db, p.surveyId) : undefined;
      return { ...p, responses: survey ? ((await waveResponseRates(db, survey)).total.responses ?? 0) : 0 };
    }),
  );
  const group = (key: 'type' | 'nation'): GroupCount[] => {
    const groups = new Map<string, { councils: number; responses: number }>();
    for (const p of counted) {
      const g = groups.get(p[key]) ?? { councils: 0, responses: 0 };
      g.councils++;
      g.responses += p.responses;
      groups.set(p[key], g);
    }
    return [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([value, g]) => ({ value, councils: g.councils, responses: g.responses >= DEFAULT_THRESHOLD ? g.responses : undefined }));
  };
  return {
    round,
    threshold: DEFAULT_THRESHOLD,
    councils: participants.map((p) => ({ name: p.name, state: p.state, wave: p.state === 'joined' ? (p.waveState ?? 'none') : 'none' })),
    totals: {
      invited: participants.length,
      joined: joined.length,
      opened: joined.filter((p) => p.waveState === 'open' || p.waveState === 'closed').length,
      closed: joined.filter((p) => p.waveState === 'closed').length,
    },
    byType: group('type'),
    byNation: group('nation'),
  };
}

/** Organisations a host may invite to a round: councils (not hosts), real or demonstration as the round is, not yet invited. */
export async function invitableOrganisations(db: Kysely<Database>, roundId: string): Promise<{ id: string; name: string }[]> {
  const round = await mustFindRound(db, roundId);
  const invited = new Set((await roundParticipants(db, roundId)).map((p) => p.organisationId));
  const rows = await db
    .selectFrom('organisation')
    .select(['id', 'name'])
    .where('type', '!=', HOST_TYPE)
    .where('synthetic', '=', round.synthetic ? 1 : 0)
    .orderBy('name')
    .execute();
  return rows.filter((r) => !invited.has(r.id));
}
