import { randomBytes, randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Answers } from '../instrument/question-types/index.js';
import type { FormBody } from '../instrument/question-types/contract.js';
import { segmentCellOf, type TSection } from '../instrument/definition.js';
import { findAnswerSession, isSubmitted, hashSecret, resumeWithCode, saveAnswers, setResumeCode, startAnswerSession, type AnswerSession } from '../storage/answer-sessions.js';
import { submitResponse, type NewResponse, type SubmitOutcome } from '../storage/responses.js';
import type { Database, ResponseSource } from '../storage/schema.js';
import { findSurveyBySlugWithSession, type SurveyWithDefinition } from '../storage/surveys.js';
import { readSection, type SectionResult } from './answer-form.js';
import { firstIncompleteSection, keepShownAnswers, nextSection } from './journey.js';
import { limitGuesses, RESUME_GUESSES, type GuessRefused } from './guess-limit.js';

/** Unfinished answers are kept for 30 days, then forgotten. */
export const SESSION_DAYS = 30;
/** Letters and digits that cannot be mistaken for each other when read aloud or written down. */
const RESUME_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

export function today(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function newResumeCode(): string {
  return Array.from({ length: 8 }, () => RESUME_ALPHABET[randomInt(RESUME_ALPHABET.length)]).join('');
}

/** Accepts a code as people type it: any case, with spaces or dashes. */
export function normaliseResumeCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '');
}

/**
 * A finished set of answers as the response to store: only the answers to questions the
 * respondent was shown, with its segment cell and the day; or the first section with a required
 * question still unanswered. Online submissions and keyed paper returns both come through here.
 */
export function completedResponse(survey: SurveyWithDefinition, given: Answers, source: ResponseSource): NewResponse | { incomplete: TSection } {
  const answers: Answers = keepShownAnswers(survey.definition, given);
  const incomplete = firstIncompleteSection(survey.definition, answers);
  if (incomplete) return { incomplete };
  return { surveyId: survey.id, instrumentVersionId: survey.instrumentVersionId, ...segmentCellOf(survey.definition, answers), submittedOn: today(), answers, source };
}

export type ResumeOutcome = { outcome: 'resumed'; token: string } | { outcome: 'no-match' } | GuessRefused;

export function createRespondentService(db: Kysely<Database>) {
  return {
    async start(survey: SurveyWithDefinition): Promise<string> {
      const token = newToken();
      const expires = new Date(Date.now() + SESSION_DAYS * 86_400_000);
      await startAnswerSession(db, token, survey.id, today(expires));
      return token;
    },

    session: (survey: SurveyWithDefinition, token: string) => findAnswerSession(db, token, survey.id),

    /** A survey by its link, with the answers the respondent's cookie token holds for it (one query: every page needs both). */
    open: (slug: string, token: string | undefined) => findSurveyBySlugWithSession(db, slug, token ? hashSecret(token) : ''),

    hasSubmitted: (token: string) => isSubmitted(db, hashSecret(token)),

    async answerSection(survey: SurveyWithDefinition, session: AnswerSession, section: TSection, body: FormBody): Promise<SectionResult & { next?: TSection }> {
      const result = readSection(survey.definition, section, body, session.answers);
      if (!result.ok) return result;
      await saveAnswers(db, session.key, result.answers);
      return { ...result, next: nextSection(survey.definition, section.code, result.answers) };
    },

    /**
     * "Save and come back later" from a page: its answers are kept as far as they are valid (one
     * missing or not valid is left out, the rest kept), then a resume code is made. `wholePage`
     * says whether every answer on the page was kept.
     */
    async saveForLater(survey: SurveyWithDefinition, session: AnswerSession, section: TSection, body: FormBody): Promise<{ code: string; wholePage: boolean }> {
      const result = readSection(survey.definition, section, body, session.answers);
      await saveAnswers(db, session.key, keepShownAnswers(survey.definition, result.answers));
      const code = newResumeCode();
      await setResumeCode(db, session.key, code);
      return { code, wholePage: result.ok };
    },

    /** Carries on with saved answers on a new device; a client address with too many wrong codes waits (RESUME_GUESSES). */
    resume(survey: SurveyWithDefinition, code: string, client: string): Promise<ResumeOutcome> {
      return limitGuesses(
        db,
        RESUME_GUESSES,
        client,
        async (): Promise<ResumeOutcome> => {
          const token = newToken();
          return (await resumeWithCode(db, survey.id, normaliseResumeCode(code), token)) ? { outcome: 'resumed', token } : { outcome: 'no-match' };
        },
        (result) => result.outcome === 'resumed',
      );
    },

    /** Submits, unless a required question is still unanswered (then returns that section). */
    async submit(survey: SurveyWithDefinition, session: AnswerSession): Promise<SubmitOutcome | { incomplete: TSection }> {
      const response = completedResponse(survey, session.answers, 'online');
      return 'incomplete' in response ? response : submitResponse(db, session.key, response);
    },
  };
}
export type RespondentService = ReturnType<typeof createRespondentService>;
