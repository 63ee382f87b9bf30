import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { GroupRef } from '../analysis/segments.js';
import { today } from '../fieldwork/respondent.js';
import { findQuestion, type TDefinition } from '../instrument/definition.js';
import { localise, type TLanguage } from '../instrument/text.js';
import type { PublicationDocument } from '../publications/document.js';
import { readPublication } from '../publications/read.js';
import { insertAction, insertActionNote, listActions, setActionStatus, type ActionWithNotes } from '../storage/actions.js';
import { ACTION_STATUSES, type ActionStatus, type Database } from '../storage/schema.js';
import { findSurveyById, type SurveyWithDefinition } from '../storage/surveys.js';
import { auditBy, recordAudit, type Actor } from './audit.js';
import { readDate, type DayParts, type FieldError } from './waves.js';

/**
 * "You said, we did": once a wave is published, its lead records what the organisation will do
 * about its findings (a question or a theme, optionally for one group whose results are shown),
 * who is responsible (a role), by when, how it stands and how it is going. Every change is
 * audited in its transaction. Staff read them, with the headline findings, on a page that
 * needs no sign-in (web/routes/actions.ts).
 */

/** A finding an action can be about: a question or a theme (index) of the publication, with a result shown for everyone. */
export interface Finding {
  key: string;
  kind: 'question' | 'theme';
  code: string;
  label: string;
}

/** What a finding and a group are called, in a language. */
export function findingLabel(definition: TDefinition, publication: PublicationDocument, kind: 'question' | 'theme', code: string, lang: TLanguage): string {
  if (kind === 'theme') {
    const index = publication.analysis.indices.find((i) => i.code === code);
    return index?.label ? localise(index.label, lang) : code;
  }
  const question = findQuestion(definition, code);
  return question ? localise(question.text, lang) : code;
}

export function groupLabel(definition: TDefinition, ref: { kind: 'roleGroup' | 'directorate'; code: string }, lang: TLanguage): string {
  const segment = ref.kind === 'roleGroup' ? definition.segments.roleGroup : definition.segments.directorate;
  const question = segment ? findQuestion(definition, segment) : undefined;
  const option = question && 'options' in question ? question.options.find((o) => o.code === ref.code) : undefined;
  return option ? localise(option.label, lang) : ref.code;
}

const shownForEveryone = (groups: { group: GroupRef; figure: { shown: boolean } }[]) => groups.some((g) => g.group.kind === 'total' && g.figure.shown);

/** The findings an action may be about: every question and theme with a result shown for everyone. */
export function findingsOf(definition: TDefinition, publication: PublicationDocument): Finding[] {
  const questions = [...new Set(publication.analysis.variables.filter((v) => v.kind !== 'text' && shownForEveryone(v.groups)).map((v) => v.question))];
  const themes = publication.analysis.indices.filter((i) => i.available && shownForEveryone(i.groups));
  return [
    ...themes.map((i) => ({ key: `theme:${i.code}`, kind: 'theme' as const, code: i.code, label: findingLabel(definition, publication, 'theme', i.code, 'en') })),
    ...questions.map((code) => ({ key: `question:${code}`, kind: 'question' as const, code, label: findingLabel(definition, publication, 'question', code, 'en') })),
  ];
}

/** The groups an action may name: those whose responses the publication shows. */
export function shownGroupsOf(definition: TDefinition, publication: PublicationDocument): { key: string; kind: 'roleGroup' | 'directorate'; code: string; label: string }[] {
  return publication.analysis.responses.flatMap((r) =>
    (r.group.kind === 'roleGroup' || r.group.kind === 'directorate') && r.figure.shown
      ? [{ key: `${r.group.kind}:${r.group.code}`, kind: r.group.kind, code: r.group.code, label: groupLabel(definition, { kind: r.group.kind, code: r.group.code }, 'en') }]
      : [],
  );
}

export interface ActionForm {
  finding: string;
  group: string;
  what: string;
  ownerRole: string;
  due: DayParts;
  status: string;
}

export function actionFormFrom(body: Record<string, unknown>): ActionForm {
  const text = (name: string) => (typeof body[name] === 'string' ? body[name] : '');
  return {
    finding: text('finding'),
    group: text('group'),
    what: text('what'),
    ownerRole: text('ownerRole'),
    due: { day: text('due-day'), month: text('due-month'), year: text('due-year') },
    status: text('status') || 'planned',
  };
}

const ZStatus = z.enum(ACTION_STATUSES, { message: 'Choose a status' });
const ZActionFields = z.object({
  what: z.string().trim().min(1, 'Say what will be done').max(1000, 'What will be done must be 1,000 characters or fewer'),
  ownerRole: z.string().trim().min(1, 'Enter the role responsible, such as “Head of ICT”').max(120, 'The role must be 120 characters or fewer'),
  status: ZStatus,
});

export type ActionResult = { ok: true; id: string } | { ok: false; errors: FieldError[] };

/** The wave's publication, or a refusal: actions are about published findings only. */
async function publicationOf(db: Kysely<Database>, survey: SurveyWithDefinition): Promise<PublicationDocument | undefined> {
  return survey.state === 'closed' ? readPublication(db, survey.id) : undefined;
}

/** Records an action against a finding of a published wave; every problem with the form comes back at once. */
export async function recordAction(db: Kysely<Database>, actor: Actor, survey: SurveyWithDefinition, form: ActionForm): Promise<ActionResult> {
  const publication = await publicationOf(db, survey);
  if (!publication) return { ok: false, errors: [{ field: 'finding', message: 'Actions can be recorded once the survey has closed and its results are published' }] };
  const errors: FieldError[] = [];
  const finding = findingsOf(survey.definition, publication).find((f) => f.key === form.finding);
  if (!finding) errors.push({ field: 'finding', message: 'Choose the finding the action is about' });
  const group = form.group === '' ? undefined : shownGroupsOf(survey.definition, publication).find((g) => g.key === form.group);
  if (form.group !== '' && !group) errors.push({ field: 'group', message: 'Choose a group from the list, or everyone' });
  const fields = ZActionFields.safeParse(form);
  if (!fields.success) for (const issue of fields.error.issues) errors.push({ field: String(issue.path[0]), message: issue.message });
  const due = readDate(form.due, 'due', 'The due date', errors);
  if (!due && !errors.some((e) => e.field === 'due-day')) errors.push({ field: 'due-day', message: 'Enter the date it is due by, for example 31 3 2027' });
  if (errors.length > 0 || !finding || !fields.success || !due) return { ok: false, errors };
  const id = randomUUID();
  const day = today();
  await db.transaction().execute(async (trx) => {
    await insertAction(trx, {
      organisation_id: survey.organisationId,
      survey_id: survey.id,
      id,
      finding_kind: finding.kind,
      finding_code: finding.code,
      group_kind: group?.kind ?? null,
      group_code: group?.code ?? null,
      what: fields.data.what,
      owner_role: fields.data.ownerRole,
      due_on: due,
      status: fields.data.status,
      created_on: day,
      updated_on: day,
    });
    await recordAudit(trx, auditBy(actor, { organisationId: survey.organisationId, action: 'action.add', target: `survey ${survey.id}: action ${id} on ${finding.key}` }));
  });
  return { ok: true, id };
}

const ZProgress = z.object({
  status: ZStatus,
  note: z.string().trim().max(2000, 'The progress note must be 2,000 characters or fewer').default(''),
});

/** Sets an action's status and adds a progress note (either or both), audited in the same transaction. */
export async function updateAction(
  db: Kysely<Database>,
  actor: Actor,
  survey: SurveyWithDefinition,
  actionId: string,
  body: Record<string, unknown>,
): Promise<{ ok: true } | { ok: false; errors: FieldError[]; notFound?: true }> {
  const parsed = ZProgress.safeParse({ status: body.status, note: typeof body.note === 'string' ? body.note : '' });
  if (!parsed.success) return { ok: false, errors: parsed.error.issues.map((i) => ({ field: `${String(i.path[0])}-${actionId}`, message: i.message })) };
  const { status, note } = parsed.data;
  const key = { organisationId: survey.organisationId, surveyId: survey.id, id: actionId };
  return db.transaction().execute(async (trx) => {
    if (!(await setActionStatus(trx, key, status, today()))) return { ok: false as const, errors: [], notFound: true as const };
    if (note !== '')
      await insertActionNote(trx, { organisation_id: key.organisationId, survey_id: key.surveyId, action_id: actionId, id: randomUUID(), written_at: new Date().toISOString(), text: note });
    await recordAudit(
      trx,
      auditBy(actor, { organisationId: survey.organisationId, action: 'action.update', target: `survey ${survey.id}: action ${actionId} ${status}${note ? ', progress note added' : ''}` }),
    );
    return { ok: true as const };
  });
}

export interface ActionView {
  id: string;
  about: string;
  what: string;
  ownerRole: string;
  dueOn: string;
  status: ActionStatus;
  notes: { writtenAt: string; text: string }[];
}

/** A wave's actions as a page shows them, in a language: what each is about named from the definition. */
export async function actionViews(db: Kysely<Database>, survey: SurveyWithDefinition, publication: PublicationDocument, lang: TLanguage): Promise<ActionView[]> {
  const actions: ActionWithNotes[] = await listActions(db, survey.organisationId, survey.id);
  return actions.map((a) => ({
    id: a.id,
    about: `${findingLabel(survey.definition, publication, a.finding_kind, a.finding_code, lang)}${a.group_kind && a.group_code ? ` (${groupLabel(survey.definition, { kind: a.group_kind, code: a.group_code }, lang)})` : ''}`,
    what: a.what,
    ownerRole: a.owner_role,
    dueOn: a.due_on,
    status: a.status,
    notes: a.notes.map((n) => ({ writtenAt: n.written_at.slice(0, 10), text: n.text })),
  }));
}

/** The headline findings staff see beside the actions: nothing the publication withholds. */
export function headlineFindings(survey: SurveyWithDefinition, publication: PublicationDocument, lang: TLanguage): { responses?: number; themes: { label: string; score: number }[] } {
  const total = publication.analysis.responses.find((r) => r.group.kind === 'total')?.figure;
  const themes = publication.analysis.indices.flatMap((i) => {
    const figure = i.groups.find((g) => g.group.kind === 'total')?.figure;
    return i.available && figure?.shown ? [{ label: findingLabel(survey.definition, publication, 'theme', i.code, lang), score: Math.round(figure.value.score.mean) }] : [];
  });
  return { ...(total?.shown ? { responses: total.value } : {}), themes };
}

export { publicationOf as publishedFindingsOf };

/** The actions recorded on the wave this one follows, for its report: what was promised last time, and how it stands. */
export async function previousWaveActions(db: Kysely<Database>, survey: SurveyWithDefinition): Promise<{ title: string; actions: ActionView[] } | undefined> {
  const previous = survey.previousSurveyId ? await findSurveyById(db, survey.previousSurveyId) : undefined;
  const publication = previous ? await publicationOf(db, previous) : undefined;
  if (!previous || !publication || previous.organisationId !== survey.organisationId) return undefined;
  return { title: previous.title, actions: await actionViews(db, previous, publication, 'en') };
}
