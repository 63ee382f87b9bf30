import type { Kysely } from 'kysely';
import { auditBy, recordAudit, type Actor } from '../../admin/audit.js';
import { Refusal } from '../../publications/service.js';
import type { Database } from '../../storage/schema.js';
import { findSurveyById } from '../../storage/surveys.js';
import { EXPORT_FORMATS, planStoredExport, respondentRefusal, type ExportFormat, type ExportPlan } from './index.js';

/**
 * The rules for taking a file out of the system, for the web and the command line alike:
 * only from a wave's publication; respondent-level files only when the publication allows
 * one; free text only where the survey lead has released it for the wave. Audited.
 */
export async function prepareExport(db: Kysely<Database>, actor: Actor, surveyId: string, format: ExportFormat, request: { freeText: boolean }): Promise<ExportPlan> {
  const survey = await findSurveyById(db, surveyId);
  if (!survey) throw new Refusal(`No survey with id ${surveyId}`, 404);
  if (request.freeText && !survey.releaseFreeText) {
    throw new Refusal('Free-text comments are not released for this survey: the survey lead decides, on the survey’s page, whether they go into respondent-level files');
  }
  const plan = await planStoredExport(db, surveyId, { freeText: request.freeText });
  if (!plan) throw new Refusal(`${survey.title} is ${survey.state}: results, reports and exports are published when it closes`);
  const refusal = EXPORT_FORMATS[format].respondentLevel ? respondentRefusal(plan) : undefined;
  if (refusal) throw new Refusal(refusal);
  await recordAudit(
    db,
    auditBy(actor, { organisationId: survey.organisationId, action: 'export', target: `survey ${surveyId} (${survey.title}): ${format}${request.freeText ? ' with free text' : ''}` }),
  );
  return plan;
}
