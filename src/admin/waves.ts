import type { Kysely } from 'kysely';
import { z } from 'zod';
import { cellKey, DEFAULT_THRESHOLD, MIN_THRESHOLD, suppressSegments, type CellStatus } from '../analysis/suppression.js';
import type { WorkforceProfile } from '../analysis/weighting.js';
import { today } from '../fieldwork/respondent.js';
import { findQuestion, type TDefinition } from '../instrument/definition.js';
import { localise } from '../instrument/text.js';
import { validateDefinitionText, type DefinitionProblem } from '../instrument/validate.js';
import type { Database } from '../storage/schema.js';
import { createSurvey, publishInstrument, setSurveyState } from '../storage/surveys.js';
import type { CountTables } from '../storage/tables.js';
import { listOrganisationWaves, setWavePlan } from '../storage/waves.js';
import { saveWorkforceProfile } from '../storage/workforce-profiles.js';
import { recordAudit } from './audit.js';
import { loadInstrumentFile, STANDARD_INSTRUMENT_PATH } from './demo.js';
import { linesWithBadBytes } from './invitations.js';
import { parseWorkforceProfile, type ProfileProblem } from './workforce-profile.js';

/** Who is acting, for the audit log. */
export interface Actor {
  userId: string | null;
}

/** A problem with one form field; `field` is the id of the input, for the error summary's link. */
export interface FieldError {
  field: string;
  message: string;
}

const ZDay = z.object({ day: z.string().trim(), month: z.string().trim(), year: z.string().trim() });

/** A GOV.UK date input's three fields as YYYY-MM-DD; blank is allowed (no planned date). */
function readDate(parts: z.infer<typeof ZDay>, field: string, label: string, errors: FieldError[]): string | null {
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
  source: z.enum(['standard', 'upload'], { message: 'Choose the standard instrument or upload a definition' }),
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
  opensOn: z.infer<typeof ZDay>;
  closesOn: z.infer<typeof ZDay>;
}

export function blankWaveForm(): WaveForm {
  const blank = { day: '', month: '', year: '' };
  return { title: '', source: 'standard', threshold: String(DEFAULT_THRESHOLD), previousSurveyId: '', opensOn: blank, closesOn: blank };
}

/** The form's fields from a posted body (anything missing or of the wrong type reads as blank). */
export function waveFormFrom(body: Record<string, unknown>): WaveForm {
  const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');
  const date = (name: string) => ({ day: text(`${name}-day`), month: text(`${name}-month`), year: text(`${name}-year`) });
  return { title: text('title'), source: text('source'), threshold: text('threshold'), previousSurveyId: text('previousSurveyId'), opensOn: date('opensOn'), closesOn: date('closesOn') };
}

export type CreateWaveResult = { ok: true; id: string } | { ok: false; errors: FieldError[]; definitionProblems: DefinitionProblem[] };

/**
 * Creates a draft wave from the standard instrument or an uploaded definition. Every problem
 * with the form, and every problem with the definition (by path and line), comes back at once.
 */
export async function createWave(db: Kysely<Database>, actor: Actor, organisationId: string, form: WaveForm, upload?: Buffer): Promise<CreateWaveResult> {
  const errors: FieldError[] = [];
  const parsed = ZWaveForm.safeParse(form);
  if (!parsed.success) for (const issue of parsed.error.issues) errors.push({ field: String(issue.path[0]), message: issue.message });
  const opensOn = readDate(form.opensOn, 'opensOn', 'The opening date', errors);
  const closesOn = readDate(form.closesOn, 'closesOn', 'The closing date', errors);
  if (opensOn && closesOn && closesOn < opensOn) errors.push({ field: 'closesOn-day', message: 'The closing date must be on or after the opening date' });
  const waves = await listOrganisationWaves(db, organisationId);
  if (parsed.success && parsed.data.previousSurveyId !== '' && !waves.some((w) => w.id === parsed.data.previousSurveyId)) {
    errors.push({ field: 'previousSurveyId', message: 'Choose a previous wave from the list' });
  }

  let definitionProblems: DefinitionProblem[] = [];
  let definition: TDefinition | undefined;
  if (form.source === 'upload') {
    if (!upload || upload.length === 0) errors.push({ field: 'definition', message: 'Choose a definition file (YAML or JSON) to upload' });
    else if (linesWithBadBytes(upload).length > 0) errors.push({ field: 'definition', message: 'The definition file must be UTF-8 text' });
    else {
      const result = validateDefinitionText(upload.toString('utf8'));
      if (result.ok) definition = result.definition;
      else {
        definitionProblems = result.problems;
        errors.push({ field: 'definition', message: `The definition has ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}: see the list below` });
      }
    }
  } else if (form.source === 'standard') {
    definition = loadInstrumentFile(STANDARD_INSTRUMENT_PATH);
  }
  if (errors.length > 0 || !parsed.success || !definition) return { ok: false, errors, definitionProblems };

  const instrumentVersionId = await publishInstrument(db, definition);
  const { id } = await createSurvey(db, { organisationId, instrumentVersionId, title: parsed.data.title, suppressionThreshold: parsed.data.threshold });
  await setWavePlan(db, id, { opensOn, closesOn, previousSurveyId: parsed.data.previousSurveyId || null });
  await recordAudit(db, { actorId: actor.userId, organisationId, action: 'wave.create', target: `survey ${id} (${parsed.data.title})` });
  return { ok: true, id };
}

/** A draft opens; an open survey closes; nothing else (a closed survey is never reopened, so its results stay final). */
export async function changeWaveState(
  db: Kysely<Database>,
  actor: Actor,
  survey: { id: string; title: string; state: 'draft' | 'open' | 'closed'; organisationId: string },
  to: 'open' | 'closed',
): Promise<{ ok: true } | { ok: false; message: string }> {
  const allowed = (survey.state === 'draft' && to === 'open') || (survey.state === 'open' && to === 'closed');
  if (!allowed) return { ok: false, message: `This survey is ${survey.state}, so it cannot be ${to === 'open' ? 'opened' : 'closed'}` };
  await setSurveyState(db, survey.id, to, today());
  await recordAudit(db, { actorId: actor.userId, organisationId: survey.organisationId, action: to === 'open' ? 'wave.open' : 'wave.close', target: `survey ${survey.id} (${survey.title})` });
  return { ok: true };
}

/** Reads, checks and saves a workforce profile CSV, all or nothing. */
export async function uploadWorkforceProfile(
  db: Kysely<Database>,
  actor: Actor,
  survey: { id: string; organisationId: string; definition: TDefinition },
  bytes: Buffer,
): Promise<{ ok: true } | { ok: false; problems: ProfileProblem[] }> {
  const bad = linesWithBadBytes(bytes);
  if (bad.length > 0) return { ok: false, problems: bad.slice(0, 100).map((row) => ({ row, message: 'is not UTF-8 text; save the file as "CSV UTF-8 (comma delimited)" and upload it again' })) };
  const parsed = parseWorkforceProfile(bytes.toString('utf8'), survey.definition);
  if (!parsed.ok) return parsed;
  await saveWorkforceProfile(db, survey.id, parsed.profile);
  await recordAudit(db, { actorId: actor.userId, organisationId: survey.organisationId, action: 'wave.profile', target: `survey ${survey.id}` });
  return { ok: true };
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
}

function optionsOf(definition: TDefinition, code: string | undefined): { code: string; label: string }[] {
  const question = code ? findQuestion(definition, code) : undefined;
  return question && question.type === 'single' ? question.options.map((o) => ({ code: o.code, label: localise(o.label, 'en') })) : [];
}

/**
 * Live response rates by role group and directorate against the workforce profile. Counts go
 * through the same segment suppression as results: a group with fewer responses than the
 * threshold, or one that could be worked out from the total and the others, is withheld.
 */
export function responseRates(definition: TDefinition, cells: CountTables['cells'], profile: WorkforceProfile | undefined, threshold: number): ResponseRates {
  const roleGroups = optionsOf(definition, definition.segments.roleGroup);
  const directorates = definition.segments.directorate ? optionsOf(definition, definition.segments.directorate) : [];
  const counts = new Map(cells.map((c) => [cellKey(c.roleGroup, c.directorate), c.responses]));
  // Responses without a directorate ('' : not stated) are a column of their own, so margins add up.
  const directorateCodes = directorates.length > 0 ? [...directorates.map((d) => d.code), ''] : [''];
  const pattern = suppressSegments(
    { roleGroups: roleGroups.map((r) => r.code), directorates: directorateCodes, base: (r, d) => counts.get(cellKey(r, d)) ?? 0 },
    threshold,
  );
  const sum = (match: (c: CountTables['cells'][number]) => boolean) => cells.filter(match).reduce((s, c) => s + c.responses, 0);
  const headcount = (match: (c: WorkforceProfile['cells'][number]) => boolean) => (profile ? profile.cells.filter(match).reduce((s, c) => s + c.headcount, 0) : undefined);
  const figure = (code: string, label: string, status: CellStatus | undefined, responses: number, staff: number | undefined): RateFigure => {
    const shown = status === 'shown' ? responses : undefined;
    return { code, label, headcount: staff || undefined, responses: shown, rate: shown !== undefined && staff ? shown / staff : undefined };
  };
  return {
    threshold,
    total: figure('', 'All staff', pattern.total, sum(() => true), headcount(() => true)),
    roleGroups: roleGroups.map((r) => figure(r.code, r.label, pattern.roleGroups.get(r.code), sum((c) => c.roleGroup === r.code), headcount((c) => c.roleGroup === r.code))),
    directorates: directorates.map((d) =>
      figure(d.code, d.label, pattern.directorates.get(d.code), sum((c) => c.directorate === d.code), profile?.cells.some((c) => c.directorate !== '') ? headcount((c) => c.directorate === d.code) : undefined),
    ),
  };
}
