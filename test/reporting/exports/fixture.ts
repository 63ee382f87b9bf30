import { openWave, closeWave } from '../../support/waves.js';
import type { DatabaseTarget } from '../../../src/config.js';
import { keepShownAnswers } from '../../../src/fieldwork/journey.js';
import { segmentCellOf, ZDefinition, type TDefinition } from '../../../src/instrument/definition.js';
import type { Answers } from '../../../src/instrument/question-types/index.js';
import { migrate, openStorage, type Storage } from '../../../src/storage/db.js';
import { submitResponse } from '../../../src/storage/responses.js';
import { createOrganisation, createSurvey, publishInstrument } from '../../../src/storage/surveys.js';

/**
 * A small survey whose answers follow a fixed pattern, so every count an export shows can
 * be worked out independently in the test. Role groups: frontline 24, manager 12 and a
 * small group, senior, of 4 (under the threshold of 10). Directorates: housing and
 * finance split every role group; a single respondent is in "planning".
 */
export const exportDefinition: TDefinition = ZDefinition.parse({
  code: 'exp',
  version: 1,
  title: 'Export test survey',
  estimatedMinutes: 2,
  segments: { roleGroup: 'role', directorate: 'directorate' },
  audiences: [
    { code: 'staff', label: 'Staff', roleGroups: ['frontline', 'manager'] },
    { code: 'leaders', label: 'Leaders', roleGroups: ['senior'] },
  ],
  sections: [
    {
      code: 'about',
      title: 'About you',
      questions: [
        {
          code: 'role',
          type: 'single',
          text: 'What is your role?',
          options: [
            { code: 'senior', label: 'Senior leader' },
            { code: 'manager', label: 'Manager' },
            { code: 'frontline', label: 'Frontline staff' },
          ],
        },
        {
          code: 'directorate',
          type: 'single',
          text: 'Which service area do you work in?',
          required: false,
          options: [
            { code: 'housing', label: 'Housing' },
            { code: 'finance', label: 'Finance' },
            { code: 'planning', label: 'Planning' },
          ],
        },
      ],
    },
    {
      code: 'views',
      title: 'Your views',
      questions: [
        {
          code: 'strategy',
          type: 'single',
          text: 'Does your organisation have a digital strategy?',
          options: [
            { code: 'yes', label: 'Yes' },
            { code: 'no', label: 'No' },
            { code: 'dont_know', label: "I don't know" },
          ],
        },
        { code: 'achievable', type: 'agree', text: 'Our digital strategy can be achieved', showIf: { question: 'strategy', anyOf: ['yes'] } },
        {
          code: 'tools',
          type: 'matrix',
          scale: 'agree',
          text: 'How far do you agree?',
          required: false,
          items: [
            { code: 'laptop', text: 'My laptop is good enough' },
            { code: 'wifi', text: 'The wifi works' },
          ],
        },
        {
          code: 'barriers',
          type: 'multiple',
          text: 'What holds digital change back?',
          options: [
            { code: 'skills', label: 'Skills' },
            { code: 'money', label: 'Money' },
            { code: 'none', label: 'None of these', exclusive: true },
          ],
          other: { code: 'other', label: 'Something else' },
        },
        { code: 'years', type: 'number', text: 'Years in local government', min: 0, max: 50, required: false },
        { code: 'comment', type: 'text', text: 'Anything else?', required: false },
        { code: 'lead_view', type: 'agree', text: 'Leaders see the way ahead', audiences: ['leaders'] },
      ],
    },
  ],
});

export const THRESHOLD = 10;
export const SIZES = { frontline: 24, manager: 12, senior: 4 } as const;
/** Written only by the small group, so it must never appear in an export. */
export const SMALL_GROUP_COMMENT = 'Only the top team went to the away day.';
export const PII_COMMENT = 'Ask Mrs Patel (patel.r@council.gov.uk, 07700 900123, staff no AB123456) at LS1 4AP about training.';

/** The i-th respondent of a role group: a fixed pattern the tests recompute. */
export function answersFor(role: keyof typeof SIZES, i: number): Answers {
  const directorate = role === 'frontline' && i === 0 ? 'planning' : i % 2 === 0 ? 'housing' : 'finance';
  const strategy = ['yes', 'no', 'dont_know'][i % 3]!;
  const answers: Answers = {
    role,
    directorate,
    strategy,
    achievable: ['strongly_agree', 'agree', 'dont_know', 'disagree'][i % 4]!,
    tools: { laptop: i % 2 === 0 ? 'agree' : 'disagree', wifi: 'neither' },
    barriers: i % 5 === 0 ? { selected: ['skills', 'other'], other: 'Mr Jones blocks everything' } : { selected: i % 2 === 0 ? ['skills', 'money'] : ['money'] },
    lead_view: 'agree',
  };
  if (i % 4 !== 3) answers.years = i;
  // Every other respondent comments: 12 frontline staff, enough for their comments to be published.
  if (i % 2 === 0) answers.comment = role === 'senior' ? SMALL_GROUP_COMMENT : i === 0 ? PII_COMMENT : `We need better training, comment ${i}.`;
  return keepShownAnswers(exportDefinition, answers);
}

export interface ExportFixture {
  storage: Storage;
  surveyId: string;
}

export async function exportFixture(target: DatabaseTarget): Promise<ExportFixture> {
  const storage = openStorage(target);
  await migrate(storage);
  const organisationId = await createOrganisation(storage.db, { name: 'Test Council', type: 'district', nation: 'England', region: 'North West' });
  const instrumentVersionId = await publishInstrument(storage.db, exportDefinition);
  const survey = await createSurvey(storage.db, { organisationId, instrumentVersionId, title: 'Export wave 1', suppressionThreshold: THRESHOLD });
  await openWave(storage.db, survey.id);
  for (const role of Object.keys(SIZES) as (keyof typeof SIZES)[]) {
    for (let i = 0; i < SIZES[role]; i++) {
      const answers = answersFor(role, i);
      await submitResponse(storage.db, `${role}-${i}`, {
        surveyId: survey.id,
        instrumentVersionId,
        roleGroup: role,
        directorate: segmentCellOf(exportDefinition, answers).directorate,
        submittedOn: `2026-11-${String(10 + (i % 9)).padStart(2, '0')}`,
        answers,
      });
    }
  }
  // Results (and so exports) are released only once a survey has closed.
  await closeWave(storage.db, survey.id);
  return { storage, surveyId: survey.id };
}
