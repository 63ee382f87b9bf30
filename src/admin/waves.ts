import type { Kysely } from 'kysely';
import { z } from 'zod';
import { cellKey, DEFAULT_THRESHOLD, MIN_THRESHOLD, suppressSegments, type CellStatus } from '../analysis/suppression.js';
import type { WorkforceProfile } from '../analysis/weighting.js';
import { hiddenSets, profileHiddenGroups, type ProfileHidden } from '../analysis/analyse.js';
import type { GroupRef } from '../analysis/segments.js';
import type { PublicationDocument } from '../publications/document.js';
import { readPublication } from '../publications/read.js';
import { shareableTarget } from '../storage/db.js';
import { responsesByCell } from '../storage/responses.js';
import { loadWorkforceProfile } from '../storage/workforce-profiles.js';
import type { SurveyWithDefinition } from '../storage/surveys.js';
import { today } from '../fieldwork/respondent.js';
import { findQuestion, type TDefinition } from '../instrument/definition.js';
import { localise } from '../instrument/text.js';
import type { DefinitionProblem } from '../instrument/problems.js';
import { readDefinitionFile } from '../instrument/xlsform/index.js';
import type { Database } from '../storage/schema.js';
import { createSurvey, findSurveyById, publishInstrument } from '../storage/surveys.js';
import { listSurveys } from '../storage/tables.js';
import { closeAndPublish, Refusal, republishWithin } from '../publications/service.js';
import { listOrganisationWaves, setWavePlan } from '../storage/waves.js';
import { saveWorkforceProfile } from '../storage/workforce-profiles.js';
import { auditBy, recordAudit, type Actor } from './audit.js';
export type { Actor } from './audit.js';
import { loadInstrumentFile, STANDARD_INSTRUMENT_PATH } from '../instrument/load.js';
import { linesWithBadBytes } from './invitations.js';
import { blankDefinition, missingWelsh } from './builder.js';
import { parseWorkforceProfile, type ProfileProblem } from './workforce-profile.js';
import { checkPlannedDates, planWaveJobs } from './wave-settings.js';

/** A problem with one form field; `field` is the id of the input, for the error summary's link. */
export interface FieldError {
  field: string;
  message: string;
}

export interface DayParts {
  day: string;
  month: string;
  year: string;
}

/** A GOV.UK date input's three fields as YYYY-MM-DD; blank is allowed (no planned date). */
export function readDate(parts: DayParts, field: string, label: string, errors: FieldError[]): string | null {
  if (parts.day === '' && parts.month === '' && parts.year === '') return null;
  const [d, m, y] = [parts.day, parts.month, parts.year].map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  const valid = [parts.day, parts.month, parts.year].every((p) => /^\d+$/.test(p)) && parts.year.length === 4 && date.getUTCDate() === d && date.getUTCMonth() === m - 1;
  if (!valid) {
    errors.push({ field: `${field}-day`, message: `${label} must be a real date, for example 18 12 2026` });
    return null;
  }
  return date.toISOString().slice(0, 10);
}

const ZWaveForm = z.object({
  title: z.string().trim().min(1, 'Enter a title for the survey').max(120, 'The title must be 120 characters or fewer'),
  source: z.enum(['standard', 'blank', 'upload'], { message: 'Choose the standard instrument, a blank survey or upload a definition' }),
  threshold: z
    .string()
    .trim()
    .regex(/^\d+$/, 'The threshold must be a whole number, such as 10')
    .transform(Number)
    .pipe(z.number().min(MIN_THRESHOLD, `The threshold must be at least ${MIN_THRESHOLD}: smaller groups cannot be kept anonymous`).max(1000, 'The threshold must be 1000 or less')),
  previousSurveyId: z.union([z.literal(''), z.uuid('Choose a previous wave from the list')]),
});

export interface WaveForm {
  title: string;
  source: string;
  threshold: string;
  previousSurveyId: string;
  opensOn: DayParts;
  closesOn: DayParts;
}

export function blankWaveForm(): WaveForm {
  const blank = { day: '', month: '', year: '' };
  return { title: '', source: 'standard', threshold: String(DEFAULT_THRESHOLD), previousSurveyId: '', opensOn: blank, closesOn: blank };
}

/** The form's fields from a posted body (anything missing or of the wrong type reads as blank). */
export function waveFormFrom(body: Record<string, unknown>): WaveForm {
  const text = (name: string) => (typeof body[name] === 'string' ? body[name] : '');
  const date = (name: string) => ({ day: text(`${name}-day`), month: text(`${name}-month`), year: text(`${name}-year`) });
  return { title: text('title'), source: text('source'), threshold: text('threshold'), previousSurveyId: text('previousSurveyId'), opensOn: date('opensOn'), closesOn: date('closesOn') };
}

export type CreateWaveResult = { ok: true; id: string } | { ok: false; errors: FieldError[]; definitionProblems: DefinitionProblem[] };

/**
 * Creates a draft wave from the standard instrument or an uploaded definition. Every problem
 * with the form, and every problem with the definition (by path and line), comes back at once.
 */
export async function createWave(
  db: Kysely<Database>,
  actor: Actor,
  organisationId: string,
  form: WaveForm,
  upload?: Buffer,
  /** synthetic: a demonstration or test wave, the only kind synthetic answers may be added to (command line only); fileName: the upload's, whose extension says its format (.xlsx, .yaml, .json). */
  options: { synthetic?: boolean; fileName?: string } = {},
): Promise<CreateWaveResult> {
  const errors: FieldError[] = [];
  const parsed = ZWaveForm.safeParse(form);
  if (!parsed.success) for (const issue of parsed.error.issues) errors.push({ field: String(issue.path[0]), message: issue.message });
  const opensOn = readDate(form.opensOn, 'opensOn', 'The opening date', errors);
  const closesOn = readDate(form.closesOn, 'closesOn', 'The closing date', errors);
  checkPlannedDates(opensOn, closesOn, errors);
  const waves = await listOrganisationWaves(db, organisationId);
  if (parsed.success && parsed.data.previousSurveyId !== '') {
    const previous = waves.find((w) => w.id === parsed.data.previousSurveyId);
    if (!previous) errors.push({ field: 'previousSurveyId', message: 'Choose a previous wave from the list' });
    // A trend compares published results; an open or draft wave has none, and reading its live figures would let them be differenced.
    else if (previous.state !== 'closed')
      errors.push({ field: 'previousSurveyId', message: 'The previous wave must be a closed one: only closed waves have published results to compare with' });
  }

  let definitionProblems: DefinitionProblem[] = [];
  let definition: TDefinition | undefined;
  if (form.source === 'upload') {
    if (!upload || upload.length === 0) errors.push({ field: 'definition', message: 'Choose a definition file (YAML or JSON) to upload' });
    else {
      const result = await readDefinitionFile(upload, options.fileName);
      if (result.ok) definition = result.definition;
      else {
        definitionProblems = result.problems;
        errors.push({ field: 'definition', message: `The definition has ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}: see the list below` });
      }
    }
  } else if (form.source === 'standard') {
    definition = loadInstrumentFile(STANDARD_INSTRUMENT_PATH);
  } else if (form.source === 'blank' && parsed.success) {
    // Built in the browser afterwards (the survey builder).
    definition = blankDefinition(parsed.data.title);
  }
  if (errors.length > 0 || !parsed.success || !definition) return { ok: false, errors, definitionProblems };

  const id = await db.transaction().execute(async (trx) => {
    const instrumentVersionId = await publishInstrument(trx, definition);
    const created = await createSurvey(trx, {
      organisationId,
      instrumentVersionId,
      title: parsed.data.title,
      suppressionThreshold: parsed.data.threshold,
      synthetic: options.synthetic ?? false,
    });
    await setWavePlan(trx, created.id, { opensOn, closesOn, previousSurveyId: parsed.data.previousSurveyId || null });
    await planWaveJobs(trx, created.id, 'draft', { opensOn, closesOn });
    await recordAudit(trx, auditBy(actor, { organisationId, action: 'wave.create', target: `survey ${created.id} (${parsed.data.title})${options.synthetic ? ', synthetic' : ''}` }));
    return created.id;
  });
  return { ok: true, id };
}

/**
 * The wave state machine, for every entry point: a draft opens; an open wave closes, which
 * publishes its results in the same transaction; nothing else. A closed wave never reopens:
 * its publication is final, and reopening would let figures be compared before and after.
 */
export async function changeWaveState(db: Kysely<Database>, actor: Actor, surveyId: string, to: 'open' | 'closed'): Promise<{ ok: true } | { ok: false; message: string; status: 404 | 409 }> {
  try {
    if (to === 'closed') await closeAndPublish(db, actor, surveyId);
    else await openWave(db, actor, surveyId);
    return { ok: true };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, message: error.message, status: error.status };
    throw error;
  }
}

/**
 * What a lead may be asked to confirm on a wave, and the state each needs: opening a draft;
 * closing, inviting and reminding an open wave. The state machine itself (openWave,
 * closeAndPublish, sendInvitations) refuses anything else whatever is asked.
 */
export const WAVE_ACTIONS = { open: 'draft', close: 'open', send: 'open', remind: 'open' } as const satisfies Record<string, SurveyWithDefinition['state']>;
export type WaveAction = keyof typeof WAVE_ACTIONS;

async function openWave(db: Kysely<Database>, actor: Actor, surveyId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const opened = await trx.updateTable('survey').set({ state: 'open', opens_on: today() }).where('id', '=', surveyId).where('state', '=', 'draft').executeTakeFirst();
    const found = await trx.selectFrom('survey').select(['state', 'title', 'organisation_id']).where('id', '=', surveyId).executeTakeFirst();
    if (!found) throw new Refusal(`No survey with id ${surveyId}`, 404);
    if (Number(opened.numUpdatedRows) === 0) throw new Refusal(`This survey is ${found.state}, so it cannot be opened${found.state === 'closed' ? ': a closed survey never reopens' : ''}`);
    // A survey built in the browser may still lack Welsh; a bilingual survey opens only complete.
    const missing = missingWelsh((await findSurveyById(trx, surveyId))!.definition);
    if (missing.length > 0)
      throw new Refusal(
        `This survey is in English and Welsh, but ${missing.length} text${missing.length === 1 ? ' has' : 's have'} no Welsh yet: ${missing.slice(0, 5).join('; ')}${missing.length > 5 ? '; and more (the builder lists them all)' : ''}`,
      );
    await recordAudit(trx, auditBy(actor, { organisationId: found.organisation_id, action: 'wave.open', target: `survey ${surveyId} (${found.title})` }));
  });
}

/**
 * The survey lead's decision whether free-text comments (always redacted) may go into the
 * wave's respondent-level files; analysts can only ask for what the lead has released.
 */
export async function setFreeTextRelease(db: Kysely<Database>, actor: Actor, surveyId: string, release: boolean): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const found = await trx.selectFrom('survey').select(['title', 'organisation_id']).where('id', '=', surveyId).executeTakeFirst();
    if (!found) throw new Refusal(`No survey with id ${surveyId}`, 404);
    await trx
      .updateTable('survey')
      .set({ release_free_text: release ? 1 : 0 })
      .where('id', '=', surveyId)
      .execute();
    await recordAudit(
      trx,
      auditBy(actor, { organisationId: found.organisation_id, action: release ? 'wave.free-text.release' : 'wave.free-text.withhold', target: `survey ${surveyId} (${found.title})` }),
    );
  });
}

/**
 * A new workforce profile on a closed wave publishes a new version of its results (they are
 * weighted to it); on any other wave it only changes response rates. The lead is asked to
 * confirm the first.
 */
export function profileUploadRepublishes(survey: { state: string }): boolean {
  return survey.state === 'closed';
}

/** Reads and checks a workforce profile CSV without saving it: every problem by row, or the profile. */
export function readWorkforceProfileUpload(definition: TDefinition, bytes: Buffer): { ok: true; profile: WorkforceProfile } | { ok: false; problems: ProfileProblem[] } {
  const bad = linesWithBadBytes(bytes);
  if (bad.length > 0)
    return { ok: false, problems: bad.slice(0, 100).map((row) => ({ row, message: 'is not UTF-8 text; save the file as "CSV UTF-8 (comma delimited)" and upload it again' })) };
  return parseWorkforceProfile(bytes.toString('utf8'), definition);
}

/** Reads, checks and saves a workforce profile CSV, all or nothing. */
export async function uploadWorkforceProfile(
  db: Kysely<Database>,
  actor: Actor,
  survey: { id: string; organisationId: string; definition: TDefinition },
  bytes: Buffer,
): Promise<{ ok: true; profile: WorkforceProfile } | { ok: false; problems: ProfileProblem[] }> {
  const parsed = readWorkforceProfileUpload(survey.definition, bytes);
  if (!parsed.ok) return parsed;
  await db.transaction().execute(async (trx) => {
    await saveWorkforceProfile(trx, survey.id, parsed.profile);
    await recordAudit(trx, auditBy(actor, { organisationId: survey.organisationId, action: 'wave.profile', target: `survey ${survey.id}` }));
    // A closed wave's results are weighted to its profile: the new one takes effect through a new version of its publication.
    const current = await trx.selectFrom('survey').select('state').where('id', '=', survey.id).executeTakeFirstOrThrow();
    if (profileUploadRepublishes(current)) await republishWithin(trx, actor, survey.id, shareableTarget(db));
  });
  return { ok: true, profile: parsed.profile };
}

/** Completed responses in one segment cell, counted from response rows. */
export interface ResponseCell {
  roleGroup: string;
  directorate: string;
  responses: number;
}

/** A response count and rate, present only when the count may be published. */
export interface RateFigure {
  code: string;
  label: string;
  headcount: number | undefined;
  /** Undefined when withheld: fewer responses than the threshold, or hidden so another cannot be worked out. */
  responses: number | undefined;
  /** responses / headcount, when both are known. */
  rate: number | undefined;
}

export interface ResponseRates {
  threshold: number;
  total: RateFigure;
  roleGroups: RateFigure[];
  directorates: RateFigure[];
  /** Groups the workforce profile rules out (too few staff, or more responses than staff), for the lead to see why. */
  profileHidden: ProfileHidden[];
  /** Live: counted from the response rows of a wave still open; published: the closed wave's publication. */
  source: 'live' | 'published';
}

function optionsOf(definition: TDefinition, code: string | undefined): { code: string; label: string }[] {
  const question = code ? findQuestion(definition, code) : undefined;
  return question && question.type === 'single' ? question.options.map((o) => ({ code: o.code, label: localise(o.label, 'en') })) : [];
}

/**
 * A wave's response rates for its lead. While it is open, counted live from its response rows
 * (responseRates); once closed, the figures its publication released, so the page shows no
 * count the publication withholds.
 */
export async function waveResponseRates(db: Kysely<Database>, survey: SurveyWithDefinition): Promise<ResponseRates> {
  const publication = survey.state === 'closed' ? await readPublication(db, survey.id) : undefined;
  if (publication) return publishedResponseRates(survey.definition, publication);
  const [cells, profile] = await Promise.all([responsesByCell(db, survey.id), loadWorkforceProfile(db, survey.id)]);
  return responseRates(survey.definition, cells, profile, survey.suppressionThreshold);
}

/**
 * Surveys (those `keep` lets through) with their response totals as their leads see them
 * (waveResponseRates): undefined where withheld. The home page and the command line list
 * surveys this way, so neither prints a count the lead's page or the publication withholds.
 */
export async function listSurveysWithResponses(db: Kysely<Database>, keep: (survey: { organisationId: string }) => boolean = () => true) {
  const surveys = (await listSurveys(db)).filter(keep);
  return Promise.all(
    surveys.map(async (listed) => {
      const survey = await findSurveyById(db, listed.id);
      return { ...listed, responses: survey ? (await waveResponseRates(db, survey)).total.responses : undefined };
    }),
  );
}

/** The response figures a publication released, against the profile it was weighted to. */
export function publishedResponseRates(definition: TDefinition, publication: PublicationDocument): ResponseRates {
  const { analysis, profile } = publication;
  const released = (ref: Extract<GroupRef, { kind: 'total' | 'roleGroup' | 'directorate' }>) => {
    const found = analysis.responses.find((r) => r.group.kind === ref.kind && (ref.kind === 'total' || ('code' in r.group && r.group.code === ref.code)));
    return found?.figure.shown ? found.figure.value : undefined;
  };
  const headcount = headcountsOf(profile);
  return {
    threshold: publication.threshold,
    total: rateFigure(
      '',
      'All staff',
      released({ kind: 'total' }),
      headcount(() => true),
    ),
    roleGroups: optionsOf(definition, definition.segments.roleGroup).map((r) =>
      rateFigure(
        r.code,
        r.label,
        released({ kind: 'roleGroup', code: r.code }),
        headcount((c) => c.roleGroup === r.code),
      ),
    ),
    directorates: (definition.segments.directorate ? optionsOf(definition, definition.segments.directorate) : []).map((d) =>
      rateFigure(d.code, d.label, released({ kind: 'directorate', code: d.code }), headcount.ofDirectorate(d.code)),
    ),
    profileHidden: analysis.disclosure.profileHidden,
    source: 'published',
  };
}

/**
 * Staff in the profile matching a test (undefined without a profile); by directorate only when
 * the profile gives directorates at all.
 */
function headcountsOf(profile: WorkforceProfile | undefined) {
  const of = (match: (c: WorkforceProfile['cells'][number]) => boolean) => (profile ? profile.cells.filter(match).reduce((n, c) => n + c.headcount, 0) : undefined);
  const byDirectorate = profile?.cells.some((c) => c.directorate !== '') ?? false;
  return Object.assign(of, { ofDirectorate: (code: string) => (byDirectorate ? of((c) => c.directorate === code) : undefined) });
}

function rateFigure(code: string, label: string, responses: number | undefined, staff: number | undefined): RateFigure {
  return { code, label, headcount: staff || undefined, responses, rate: responses !== undefined && staff ? responses / staff : undefined };
}

/**
 * Live response rates by role group and directorate against the workforce profile. Counts go
 * through the same rules as the publication: groups the profile rules out are withheld
 * (profileHiddenGroups), then the same segment suppression: a group with fewer responses than
 * the threshold, or one that could be worked out from the total and the others, is withheld.
 */
export function responseRates(definition: TDefinition, cells: readonly ResponseCell[], profile: WorkforceProfile | undefined, threshold: number): ResponseRates {
  const roleGroups = optionsOf(definition, definition.segments.roleGroup);
  const directorates = definition.segments.directorate ? optionsOf(definition, definition.segments.directorate) : [];
  const counts = new Map(cells.map((c) => [cellKey(c.roleGroup, c.directorate), c.responses]));
  // Responses without a directorate ('' : not stated) are a column of their own, so margins add up.
  const directorateCodes = directorates.length > 0 ? [...directorates.map((d) => d.code), ''] : [''];
  const profileHidden = profile ? profileHiddenGroups(cells, { roleGroups: roleGroups.map((r) => r.code), directorates: directorateCodes, threshold }, profile) : [];
  const pattern = suppressSegments(
    { roleGroups: roleGroups.map((r) => r.code), directorates: directorateCodes, base: (r, d) => counts.get(cellKey(r, d)) ?? 0 },
    threshold,
    hiddenSets(profileHidden),
  );
  const sum = (match: (c: ResponseCell) => boolean) => cells.filter(match).reduce((s, c) => s + c.responses, 0);
  const headcount = headcountsOf(profile);
  const figure = (code: string, label: string, status: CellStatus | undefined, responses: number, staff: number | undefined) =>
    rateFigure(code, label, status === 'shown' ? responses : undefined, staff);
  return {
    threshold,
    total: figure(
      '',
      'All staff',
      pattern.total,
      sum(() => true),
      headcount(() => true),
    ),
    roleGroups: roleGroups.map((r) =>
      figure(
        r.code,
        r.label,
        pattern.roleGroups.get(r.code),
        sum((c) => c.roleGroup === r.code),
        headcount((c) => c.roleGroup === r.code),
      ),
    ),
    directorates: directorates.map((d) =>
      figure(
        d.code,
        d.label,
        pattern.directorates.get(d.code),
        sum((c) => c.directorate === d.code),
        headcount.ofDirectorate(d.code),
      ),
    ),
    profileHidden,
    source: 'live',
  };
}
