import { closeWave } from '../support/waves.js';
import type { FastifyInstance } from 'fastify';
import { keepShownAnswers } from '../../src/fieldwork/journey.js';
import { seededRandom, syntheticAnswers } from '../../src/fieldwork/synthetic.js';
import type { Answers } from '../../src/instrument/question-types/index.js';
import { submitResponse } from '../../src/storage/responses.js';

import { buildApp } from '../../src/web/app.js';
import { standardInstrument, testApp, testConfig, testServices, type TestApp } from '../support/app.js';

export const definition = standardInstrument();

/** Role groups and how many respond: procurement is the small group (7, under the threshold of 10). */
export const ROLE_COUNTS = { frontline: 45, manager: 20, senior_executive: 14, head_of_service: 12, procurement: 7 } as const;
export const SMALL_GROUP = { code: 'procurement', label: 'Procurement' } as const;

/** Written by every respondent in the small group: it must never be quoted. */
export const SMALL_GROUP_COMMENT = 'Zanzibar tender portal needs replacing';
/** Written by a few respondents in shown groups: quoted only with the email address redacted. */
export const PII_EMAIL = 'jo.bloggs@example.gov.uk';
export const PII_COMMENT = `Better laptops please, ask ${PII_EMAIL} about laptops`;

/** The planted gap: "I feel safe to say what I think about technology changes" (culture, speak_up). */
export const GAP_ANSWER: Record<string, string> = { senior_executive: 'strongly_agree', head_of_service: 'strongly_agree', frontline: 'disagree' };

export interface Fixture extends TestApp {
  /** Every response's answers as submitted, for independent checks. */
  answers: { role: string; answers: Answers }[];
}

/** A survey of the standard instrument with synthetic answers, index scores stored as the submit path's contract says. */
export async function reportFixture(): Promise<Fixture> {
  const t = await testApp(definition);
  return { ...t, answers: await addFixtureResponses(t) };
}

/** Adds the fixture's responses to a test app's survey; another seed gives other answers (same group sizes). */
export async function addFixtureResponses(t: Pick<TestApp, 'storage' | 'survey'>, firstSeed = 1): Promise<Fixture['answers']> {
  const answers: Fixture['answers'] = [];
  let seed = firstSeed;
  for (const [role, count] of Object.entries(ROLE_COUNTS)) {
    const random = seededRandom(seed++);
    for (let i = 0; i < count; i++) {
      const a = keepShownAnswers(definition, { ...syntheticAnswers(definition, random), role });
      // A real perception gap on one statement: every leader strongly agrees, every frontline respondent disagrees.
      const culture = a.culture as Record<string, string> | undefined;
      if (culture && GAP_ANSWER[role]) culture.speak_up = GAP_ANSWER[role];
      if (role === SMALL_GROUP.code) a.one_change = SMALL_GROUP_COMMENT;
      else if (i < 4) a.one_change = `${PII_COMMENT} (${role} ${i})`;
      answers.push({ role, answers: a });
      await submitResponse(t.storage.db, `${t.survey.id}-${role}-${i}`, {
        surveyId: t.survey.id,
        instrumentVersionId: t.survey.instrumentVersionId,
        roleGroup: role,
        directorate: typeof a.directorate === 'string' ? a.directorate : '',
        submittedOn: '2026-11-24',
        answers: a,
      });
    }
  }
  // Results are released only once a survey has closed.
  await closeWave(t.storage.db, t.survey.id);
  return answers;
}

/** A second app on the same database, with PDF pointed at a Chromium that does not exist. */
export function appWithoutChromium(t: TestApp): Promise<FastifyInstance> {
  return buildApp(testConfig({ chromiumPath: '/nonexistent/chromium' }), testServices(t.storage));
}

/** Half-up rounding of a percentage, independently of the code under test. */
export function pct(part: number, whole: number): string {
  return `${Math.floor((100 * part) / whole + 0.5)}%`;
}
