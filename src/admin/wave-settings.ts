import type { Kysely } from 'kysely';
import { z } from 'zod';
import { MIN_THRESHOLD } from '../analysis/suppression.js';
import { today } from '../fieldwork/respondent.js';
import { Refusal } from '../publications/service.js';
import type { Database } from '../storage/schema.js';
import { createSurvey } from '../storage/surveys.js';
import { auditBy, recordAudit, type Actor } from './audit.js';
import { cancelPendingJobs, scheduleJob, type JobHandler } from './schedule.js';
import { changeWaveState, readDate, type DayParts, type FieldError } from './waves.js';

/**
 * A wave's settings after it was created (title, planned dates, threshold), its planned
 * opening and closing done by the scheduler (admin/schedule.ts), duplicating a wave and
 * deleting a draft.
 */

/** Who the audit log names for what the server did by itself on a planned date. */
export const SCHEDULE_ACTOR: Actor = { userId: null, label: 'schedule (planned date)' };

/** The scheduler's jobs for waves: through the same state machine as the lead's buttons, so a planned close publishes exactly as a manual one. */
export const waveJobHandlers: Record<'wave.open' | 'wave.close', JobHandler> = {
  'wave.open': async (db, job) => {
    const result = await changeWaveState(db, SCHEDULE_ACTOR, job.subject, 'open');
    return result.ok ? 'opened' : `not opened: ${result.message}`;
  },
  'wave.close': async (db, job) => {
    const result = await changeWaveState(db, SCHEDULE_ACTOR, job.subject, 'closed');
    return result.ok ? 'closed and published' : `not closed: ${result.message}`;
  },
};
const WAVE_JOBS = Object.keys(waveJobHandlers);

/** The moment a UK day begins (midnight in London, GMT or BST), for a date YYYY-MM-DD. */
export function startOfUkDay(day: string): Date {
  const utcMidnight = new Date(`${day}T00:00:00Z`);
  const londonHour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', hourCycle: 'h23' }).format(utcMidnight));
  return new Date(utcMidnight.getTime() - londonHour * 3_600_000);
}

function dayAfter(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

/**
 * Replaces a wave's planned jobs with those its dates now call for: a draft opens at the start
 * of its opening day; a draft or open wave closes at the end of its closing day (UK time).
 */
export async function planWaveJobs(trx: Kysely<Database>, surveyId: string, state: 'draft' | 'open' | 'closed', plan: { opensOn: string | null; closesOn: string | null }) {
  await cancelPendingJobs(trx, surveyId, WAVE_JOBS);
  if (state === 'draft' && plan.opensOn) await scheduleJob(trx, { kind: 'wave.open', subject: surveyId, dueAt: startOfUkDay(plan.opensOn) });
  if (state !== 'closed' && plan.closesOn) await scheduleJob(trx, { kind: 'wave.close', subject: surveyId, dueAt: startOfUkDay(dayAfter(plan.closesOn)) });
}

/** Planned dates the server would act on: not in the past, and the closing on or after the opening. */
export function checkPlannedDates(opensOn: string | null, closesOn: string | null, errors: FieldError[], now = new Date()) {
  const day = today(now);
  if (opensOn && opensOn < day) errors.push({ field: 'opensOn-day', message: 'The opening date must be today or later: the survey opens by itself on that day' });
  if (closesOn && closesOn < day) errors.push({ field: 'closesOn-day', message: 'The closing date must be today or later: the survey closes by itself at the end of that day' });
  if (opensOn && closesOn && closesOn < opensOn) errors.push({ field: 'closesOn-day', message: 'The closing date must be on or after the opening date' });
}

export interface WaveSettingsForm {
  title: string;
  threshold: string;
  opensOn: DayParts;
  closesOn: DayParts;
}

const blankDay: DayParts = { day: '', month: '', year: '' };
const partsOf = (date: string | null): DayParts => {
  if (!date) return blankDay;
  const [year, month, day] = date.split('-') as [string, string, string];
  return { day: String(Number(day)), month: String(Number(month)), year };
};

/** The settings form filled in with a wave's current settings. */
export function waveSettingsFormOf(survey: { title: string; suppressionThreshold: number; opensOn: string | null; closesOn: string | null }): WaveSettingsForm {
  return { title: survey.title, threshold: String(survey.suppressionThreshold), opensOn: partsOf(survey.opensOn), closesOn: partsOf(survey.closesOn) };
}

/** The form's fields from a posted body (anything missing or of the wrong type reads as blank). */
export function waveSettingsFormFrom(body: Record<string, unknown>): WaveSettingsForm {
  const text = (name: string) => (typeof body[name] === 'string' ? body[name] : '');
  const date = (name: string) => ({ day: text(`${name}-day`), month: text(`${name}-month`), year: text(`${name}-year`) });
  return { title: text('title'), threshold: text('threshold'), opensOn: date('opensOn'), closesOn: date('closesOn') };
}

const ZTitle = z.string().trim().min(1, 'Enter a title for the survey').max(120, 'The title must be 120 characters or fewer');
const ZThreshold = z
  .string()
  .trim()
  .regex(/^\d+$/, 'The threshold must be a whole number, such as 10')
  .transform(Number)
  .pipe(z.number().min(MIN_THRESHOLD, `The threshold must be at least ${MIN_THRESHOLD}: smaller groups cannot be kept anonymous`).max(1000, 'The threshold must be 1000 or less'));

export type SettingsResult = { ok: true; changed: string[] } | { ok: false; errors: FieldError[] };

/**
 * Changes a wave's title, planned dates and threshold, all or nothing, every problem at once.
 * A draft changes freely. Once open, the opening date is the day it opened and the threshold
 * can only be raised: lowering it would show groups respondents were told would stay hidden.
 * Once closed only the title changes: its results are published with the threshold and dates
 * they were closed with.
 */
export async function changeWaveSettings(db: Kysely<Database>, actor: Actor, surveyId: string, form: WaveSettingsForm, now = new Date()): Promise<SettingsResult> {
  return db.transaction().execute(async (trx) => {
    const found = await trx.selectFrom('survey').select(['state', 'title', 'organisation_id', 'suppression_threshold', 'opens_on', 'closes_on']).where('id', '=', surveyId).executeTakeFirst();
    if (!found) throw new Refusal(`No survey with id ${surveyId}`, 404);
    const errors: FieldError[] = [];
    const title = ZTitle.safeParse(form.title);
    if (!title.success) errors.push({ field: 'title', message: title.error.issues[0]!.message });
    const current = Number(found.suppression_threshold);
    const threshold = ZThreshold.safeParse(form.threshold);
    if (!threshold.success) errors.push({ field: 'threshold', message: threshold.error.issues[0]!.message });
    else if (found.state === 'open' && threshold.data < current)
      errors.push({ field: 'threshold', message: `The survey is open, so the threshold can only be raised from ${current}: respondents were told groups smaller than that stay hidden` });
    else if (found.state === 'closed' && threshold.data !== current)
      errors.push({ field: 'threshold', message: `The survey is closed: its results are published with a threshold of ${current}, which cannot change now` });

    let opensOn = found.opens_on;
    let closesOn = found.closes_on;
    if (found.state === 'draft') opensOn = readDate(form.opensOn, 'opensOn', 'The opening date', errors);
    if (found.state !== 'closed') closesOn = readDate(form.closesOn, 'closesOn', 'The closing date', errors);
    if (errors.length === 0) checkPlannedDates(found.state === 'draft' ? opensOn : null, found.state === 'closed' ? null : closesOn, errors, now);
    if (found.state === 'open' && opensOn && closesOn && closesOn < opensOn) errors.push({ field: 'closesOn-day', message: 'The closing date must be on or after the day the survey opened' });
    if (errors.length > 0 || !title.success || !threshold.success) return { ok: false, errors };

    const changed = [
      title.data !== found.title ? `title "${title.data}"` : '',
      threshold.data !== current ? `threshold ${current} to ${threshold.data}` : '',
      opensOn !== found.opens_on ? `opening date ${opensOn ?? 'none'}` : '',
      closesOn !== found.closes_on ? `closing date ${closesOn ?? 'none'}` : '',
    ].filter(Boolean);
    if (changed.length === 0) return { ok: true, changed };
    // Conditional on the state read above: a wave opened or closed meanwhile is not changed by rules for the state it had.
    const updated = await trx
      .updateTable('survey')
      .set({ title: title.data, suppression_threshold: threshold.data, opens_on: opensOn, closes_on: closesOn })
      .where('id', '=', surveyId)
      .where('state', '=', found.state)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) throw new Refusal('The survey was opened or closed while you were changing its settings: look at them again and save');
    await planWaveJobs(trx, surveyId, found.state, { opensOn, closesOn });
    await recordAudit(trx, auditBy(actor, { organisationId: found.organisation_id, action: 'wave.settings', target: `survey ${surveyId} (${title.data}): ${changed.join(', ')}` }));
    return { ok: true, changed };
  });
}

/**
 * A new draft wave with another wave's definition, workforce profile, threshold and previous
 * wave; no responses, staff list or dates (the lead plans the new wave's own).
 */
export async function duplicateWave(db: Kysely<Database>, actor: Actor, surveyId: string): Promise<{ id: string }> {
  return db.transaction().execute(async (trx) => {
    const found = await trx.selectFrom('survey').selectAll().where('id', '=', surveyId).executeTakeFirst();
    if (!found) throw new Refusal(`No survey with id ${surveyId}`, 404);
    const title = `Copy of ${found.title}`.slice(0, 120);
    const created = await createSurvey(trx, {
      organisationId: found.organisation_id,
      instrumentVersionId: found.instrument_version_id,
      title,
      suppressionThreshold: Number(found.suppression_threshold),
      synthetic: Number(found.synthetic) === 1,
    });
    await trx.updateTable('survey').set({ previous_survey_id: found.previous_survey_id }).where('id', '=', created.id).execute();
    const profile = await trx.selectFrom('workforce_profile_cell').select(['role_group', 'directorate', 'headcount']).where('survey_id', '=', surveyId).execute();
    if (profile.length > 0)
      await trx
        .insertInto('workforce_profile_cell')
        .values(profile.map((cell) => ({ ...cell, survey_id: created.id })))
        .execute();
    await recordAudit(trx, auditBy(actor, { organisationId: found.organisation_id, action: 'wave.duplicate', target: `survey ${created.id} (${title}) from survey ${surveyId}` }));
    return { id: created.id };
  });
}

/** Deletes a draft wave and what was prepared for it (profile, staff list, planned jobs); an open or closed wave is never deleted. */
export async function deleteDraftWave(db: Kysely<Database>, actor: Actor, surveyId: string): Promise<{ organisationId: string }> {
  return db.transaction().execute(async (trx) => {
    const found = await trx.selectFrom('survey').select(['state', 'title', 'organisation_id']).where('id', '=', surveyId).executeTakeFirst();
    if (!found) throw new Refusal(`No survey with id ${surveyId}`, 404);
    if (found.state !== 'draft')
      throw new Refusal(`This survey is ${found.state}: only a draft can be deleted, as ${found.state === 'open' ? 'people may be answering it' : 'its results are published'}`);
    const invitations = trx.selectFrom('invitation').select('id').where('survey_id', '=', surveyId);
    await trx.deleteFrom('invitation_token').where('invitation_id', 'in', invitations).execute();
    await trx.deleteFrom('invitation').where('survey_id', '=', surveyId).execute();
    await trx.deleteFrom('invited_address').where('survey_id', '=', surveyId).execute();
    await trx.deleteFrom('wave_message').where('survey_id', '=', surveyId).execute();
    await trx.deleteFrom('workforce_profile_cell').where('survey_id', '=', surveyId).execute();
    await trx.deleteFrom('answer_session').where('survey_id', '=', surveyId).execute();
    await trx.deleteFrom('scheduled_job').where('subject', '=', surveyId).execute();
    // Conditional on the state: a wave opened since the read above is left alone.
    const deleted = await trx.deleteFrom('survey').where('id', '=', surveyId).where('state', '=', 'draft').executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw new Refusal('This survey was opened meanwhile: only a draft can be deleted');
    await recordAudit(trx, auditBy(actor, { organisationId: found.organisation_id, action: 'wave.delete', target: `survey ${surveyId} (${found.title})` }));
    return { organisationId: found.organisation_id };
  });
}
