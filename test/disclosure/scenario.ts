import { seededRandom } from '../../src/fieldwork/synthetic.js';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { changeWaveState, setFreeTextRelease } from '../../src/admin/waves.js';
import { keepShownAnswers } from '../../src/fieldwork/journey.js';
import { segmentCellOf, type TDefinition } from '../../src/instrument/definition.js';
import type { Answers } from '../../src/instrument/question-types/index.js';
import { validateDefinitionText } from '../../src/instrument/validate.js';
import { migrate, openStorage, type Storage } from '../../src/storage/db.js';
import { submitResponse } from '../../src/storage/responses.js';
import { createOrganisation, createSurvey, publishInstrument } from '../../src/storage/surveys.js';
import { setWavePlan } from '../../src/storage/waves.js';
import { buildApp } from '../../src/web/app.js';
import { memberCookie } from '../support/accounts.js';
import { testConfig, testServices } from '../support/app.js';
import { freshSqlite } from '../storage/targets.js';

/**
 * The scenario the adversarial disclosure test attacks: one council, two closed waves of a
 * small survey (test/disclosure/definition.yaml), about 90 responses each, generated from a
 * seeded random generator so every run is the same. Each wave has a role group of 3-9
 * (elected members, who alone are asked two questions), directorates of 1 and 2
 * respondents, and a role group × directorate cell of 1.
 */

export const THRESHOLD = 10;

export function scenarioDefinition(): TDefinition {
  const result = validateDefinitionText(readFileSync(new URL('./definition.yaml', import.meta.url), 'utf8'));
  if (!result.ok) throw new Error(`test/disclosure/definition.yaml is invalid: ${JSON.stringify(result.problems)}`);
  return result.definition;
}

/** A wave as the test stores it: what the survey is and the true answers behind its outputs. */
export interface StoredSurvey {
  id: string;
  slug: string;
  title: string;
  organisationId: string;
  instrumentVersionId: string;
  definition: TDefinition;
  /** The day every response of this wave is stored with. */
  submittedOn: string;
}

export interface Wave extends StoredSurvey {
  /** The true answers, one per respondent, as stored (role group and directorate included). */
  answers: Answers[];
}

export interface Scenario {
  storage: Storage;
  app: FastifyInstance;
  definition: TDefinition;
  threshold: number;
  previous: Wave;
  current: Wave;
  /** Session cookie of an analyst of the council (analysts get every output, exports included). */
  cookie: string;
}

/**
 * Stores one response through the production write path. Kept to this one function so the
 * write path can be swapped when storage changes.
 */
export async function storeAnswers(storage: Storage, survey: StoredSurvey, answers: Answers): Promise<void> {
  const outcome = await submitResponse(storage.db, randomUUID(), {
    surveyId: survey.id,
    instrumentVersionId: survey.instrumentVersionId,
    ...segmentCellOf(survey.definition, answers),
    submittedOn: survey.submittedOn,
    answers,
  });
  if (outcome !== 'stored') throw new Error(`response not stored: ${outcome}`);
}

/** Opens a draft wave as a survey lead would. */
export async function openWave(storage: Storage, survey: StoredSurvey): Promise<void> {
  const result = await changeWaveState(storage.db, { userId: null }, survey.id, 'open');
  if (!result.ok) throw new Error(result.message);
}

/** Closes an open wave as a survey lead would; its results are published from then on. */
export async function closeWave(storage: Storage, survey: StoredSurvey): Promise<void> {
  await setFreeTextRelease(storage.db, { userId: null }, survey.id, true);
  const result = await changeWaveState(storage.db, { userId: null }, survey.id, 'closed');
  if (!result.ok) throw new Error(result.message);
}

const AGREE = ['strongly_agree', 'agree', 'neither', 'disagree', 'strongly_disagree'];
const ENGAGEMENT = ['very', 'quite', 'not_very', 'not_at_all'];
const LEANING: Record<string, number> = { senior: 0.75, specialist: 0.65, manager: 0.5, member: 0.45, frontline: 0.35 };
const COMMENTS = [
  'One system for case notes instead of three.',
  'Laptops that start in less than ten minutes.',
  'Training that fits around shifts.',
  'Decent wifi in the depots.',
  'Fewer passwords and a single sign-in.',
  'Being asked before a new system is bought.',
];

/**
 * One wave's answers. Role group sizes are jittered around `sizes`; directorates are drawn
 * among the four large ones, except that one member is in legal (a directorate and a cell of
 * 1) and one frontline and one specialist respondent are in planning (a directorate of 2).
 */
export function waveAnswers(definition: TDefinition, seed: number, sizes: Record<string, number>): Answers[] {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const leaningPick = (scale: readonly string[], leaning: number) => {
    const noise = (random() + random() + random() - 1.5) * 0.6;
    const position = Math.min(0.999, Math.max(0, 1 - leaning + noise));
    return scale[Math.floor(position * scale.length)]!;
  };
  const agree = (leaning: number, dontKnow = 0.08) => (random() < dontKnow ? 'dont_know' : leaningPick(AGREE, leaning));
  const out: Answers[] = [];
  for (const [role, size] of Object.entries(sizes)) {
    const n = size + Math.floor(random() * 3);
    for (let i = 0; i < n; i++) {
      const leaning = LEANING[role] ?? 0.5;
      let directorate = pick(['housing', 'care', 'environment', 'finance']);
      if (role === 'member' && i === 0) directorate = 'legal';
      if ((role === 'frontline' || role === 'specialist') && i === 0) directorate = 'planning';
      const answers: Answers = {
        role,
        directorate,
        strategy: random() < 0.3 + 0.4 * leaning ? 'yes' : random() < 0.6 ? 'no' : 'dont_know',
        achievable: agree(leaning),
        engaged: leaningPick(ENGAGEMENT, leaning),
        manager_support: agree(leaning),
        spend: pick(['up', 'same', 'down']),
        scrutiny: agree(leaning),
      };
      // An optional matrix, skipped by some and answered in part by others.
      if (random() < 0.75) {
        const tools: Record<string, string> = {};
        if (random() < 0.9) tools.laptop = agree(leaning, 0.05);
        if (random() < 0.85) tools.wifi = agree(leaning, 0.1);
        if (Object.keys(tools).length === 0) tools.laptop = agree(leaning, 0.05);
        answers.tools = tools;
      }
      if (random() < 0.12) answers.barriers = { selected: ['none'] };
      else {
        const selected = ['skills', 'money', 'culture', 'other'].filter((_, k) => random() < [0.45, 0.55, 0.35, 0.12][k]!);
        if (selected.length === 0) selected.push(pick(['skills', 'money', 'culture']));
        answers.barriers = selected.includes('other') ? { selected, other: 'Old contracts lock us in.' } : { selected };
      }
      if (random() < 0.75) answers.years = Math.floor(random() * 35);
      if (random() < 0.7) answers.ward_online = agree(leaning);
      if (random() < 0.35) answers.comment = pick(COMMENTS);
      out.push(keepShownAnswers(definition, answers));
    }
  }
  return out;
}

/** Two closed waves of the scenario survey on a fresh SQLite database, and an app serving them. */
export async function buildScenario(): Promise<Scenario> {
  const definition = scenarioDefinition();
  const storage = openStorage(freshSqlite());
  await migrate(storage);
  const organisationId = await createOrganisation(storage.db, { name: 'Test Borough Council', type: 'district', nation: 'England', region: 'South East' });
  const instrumentVersionId = await publishInstrument(storage.db, definition);

  const makeWave = async (title: string, submittedOn: string, seed: number, sizes: Record<string, number>, previousSurveyId: string | null): Promise<Wave> => {
    const created = await createSurvey(storage.db, { organisationId, instrumentVersionId, title, suppressionThreshold: THRESHOLD });
    if (previousSurveyId) await setWavePlan(storage.db, created.id, { opensOn: null, closesOn: null, previousSurveyId });
    const wave: Wave = { ...created, title, organisationId, instrumentVersionId, definition, submittedOn, answers: waveAnswers(definition, seed, sizes) };
    await openWave(storage, wave);
    for (const answers of wave.answers) await storeAnswers(storage, wave, answers);
    await closeWave(storage, wave);
    return wave;
  };

  const previous = await makeWave('Disclosure test 2025', '2025-11-12', 2025, { senior: 10, manager: 17, frontline: 33, specialist: 11, member: 4 }, null);
  const current = await makeWave('Disclosure test 2026', '2026-11-12', 2026, { senior: 11, manager: 19, frontline: 38, specialist: 12, member: 5 }, previous.id);
  const app = await buildApp(testConfig(), testServices(storage));
  const cookie = await memberCookie(storage.db, current.id, 'analyst');
  return { storage, app, definition, threshold: THRESHOLD, previous, current, cookie };
}
