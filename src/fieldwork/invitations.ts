import type { Kysely } from 'kysely';
import type { TDefinition } from '../instrument/definition.js';
import type { Answers } from '../instrument/question-types/index.js';
import { findInvitationByToken, redeemInvitation } from '../storage/invitations.js';
import type { Database } from '../storage/schema.js';
import { findSurveyById, type SurveyWithDefinition } from '../storage/surveys.js';
import { newToken, SESSION_DAYS, today } from './respondent.js';
import { INVITATION_GUESSES, limitGuesses, type GuessRefused } from './guess-limit.js';

/** Invitation links carry a 32-character base64url token. */
export const INVITATION_TOKEN = /^[A-Za-z0-9_-]{32}$/;

export type InvitationStart =
  { outcome: 'started'; survey: SurveyWithDefinition; sessionToken: string } | { outcome: 'used' | 'closed'; survey: SurveyWithDefinition } | { outcome: 'unknown' } | GuessRefused;
export type InvitationFound = Exclude<InvitationStart, { outcome: 'started' }> | { outcome: 'ready'; survey: SurveyWithDefinition };

/** The segment from the staff list, as the answers to the survey's own segment questions. */
export function segmentAnswers(definition: TDefinition, segment: { roleGroup: string; directorate: string }): Answers {
  const { roleGroup, directorate } = definition.segments;
  return { ...(roleGroup ? { [roleGroup]: segment.roleGroup } : {}), ...(directorate && segment.directorate ? { [directorate]: segment.directorate } : {}) };
}

/**
 * What a link leads to, without spending it (a mail scanner opening the link must not use it
 * up). A client address that has tried too many unknown links waits (INVITATION_GUESSES).
 */
export function lookUpInvitation(db: Kysely<Database>, token: string, client: string): Promise<InvitationFound> {
  return limitGuesses(
    db,
    INVITATION_GUESSES,
    client,
    async (): Promise<InvitationFound> => {
      const invitation = INVITATION_TOKEN.test(token) ? await findInvitationByToken(db, token) : undefined;
      const survey = invitation && (await findSurveyById(db, invitation.surveyId));
      if (!invitation || !survey || survey.state === 'draft') return { outcome: 'unknown' };
      if (survey.state === 'closed') return { outcome: 'closed', survey };
      return { outcome: invitation.used ? 'used' : 'ready', survey };
    },
    (found) => found.outcome !== 'unknown',
  );
}

/**
 * Spends the link and starts the respondent's answers with their role group and directorate
 * already given from the staff list. From here on the journey is the open link's journey.
 */
export async function startFromInvitation(db: Kysely<Database>, token: string, client: string): Promise<InvitationStart> {
  const found = await lookUpInvitation(db, token, client);
  if (found.outcome !== 'ready') return found;
  const sessionToken = newToken();
  const expiresOn = today(new Date(Date.now() + SESSION_DAYS * 86_400_000));
  const started = await redeemInvitation(db, token, { token: sessionToken, expiresOn }, (segment) => segmentAnswers(found.survey.definition, segment));
  return started ? { outcome: 'started', survey: found.survey, sessionToken } : { outcome: 'used', survey: found.survey };
}
