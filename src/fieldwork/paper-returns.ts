import type { Kysely } from 'kysely';
import { auditBy, recordAudit, type Actor } from '../admin/audit.js';
import { countLines, readCsvRecords } from '../admin/invitations.js';
import type { TDefinition } from '../instrument/definition.js';
import type { AnswerError, FormBody } from '../instrument/question-types/contract.js';
import { moduleFor, type Answers } from '../instrument/question-types/index.js';
import { storeKeyedResponses, type NewResponse, type SubmitOutcome } from '../storage/responses.js';
import type { Database } from '../storage/schema.js';
import type { SurveyWithDefinition } from '../storage/surveys.js';
import { readSection } from './answer-form.js';
import { isSectionShown } from './journey.js';
import { hashSecret } from '../storage/answer-sessions.js';
import { completedResponse } from './respondent.js';

/**
 * Paper questionnaires keyed in by a lead or analyst: one at a time through the same form
 * reading, checks and showIf as the online journey, or many at once from a CSV file. A keyed
 * return is stored as a response whose source is 'paper'; nothing says who keyed it (the audit
 * log says that a return was keyed, not which response it is).
 */

export type PaperReadResult = { ok: true; answers: Answers } | { ok: false; errors: AnswerError[]; answers: Answers };

/**
 * Reads a whole questionnaire from one form, section by section in keying order, each through
 * the journey's own `readSection` with the answers read so far: a section the respondent would
 * not have been shown (their audience, a showIf) is skipped as online, and an answer to a
 * question they should have skipped is dropped. Every error is reported at once, in order.
 */
export function readPaperReturn(definition: TDefinition, body: FormBody): PaperReadResult {
  let answers: Answers = {};
  const errors: AnswerError[] = [];
  for (const section of definition.sections) {
    if (!isSectionShown(definition, section, answers)) continue;
    const read = readSection(definition, section, body, answers);
    answers = read.answers;
    if (!read.ok) errors.push(...read.errors);
  }
  return errors.length > 0 ? { ok: false, errors, answers } : { ok: true, answers };
}

/** The form fields of every question in keying order: a CSV import's columns, and the template's header. */
export function paperColumns(definition: TDefinition): { name: string; several: boolean; question: string }[] {
  return definition.sections.flatMap((s) =>
    s.questions.flatMap((q) =>
      moduleFor(q)
        .formFields(q)
        .map((f) => ({ ...f, question: q.code })),
    ),
  );
}

/** An optional column for the number written on a questionnaire, so two with the same answers are not taken for one keyed twice. Never stored. */
export const RETURN_COLUMN = 'return';
/** Several answers in one cell (a checkbox question) are separated by semicolons. */
export const SEVERAL_SEPARATOR = ';';

export type KeyOutcome = { ok: true; outcome: SubmitOutcome } | { ok: false; errors: AnswerError[] };

/**
 * Stores one keyed questionnaire, with its audit entry in the same transaction. `entry` is the
 * keying form's own random key: the same form sent twice stores one return.
 */
export async function keyPaperReturn(db: Kysely<Database>, actor: Actor, survey: SurveyWithDefinition, body: FormBody, entry: string): Promise<KeyOutcome> {
  const read = readPaperReturn(survey.definition, body);
  if (!read.ok) return read;
  const response = completedResponse(survey, read.answers, 'paper');
  // readPaperReturn reports every unanswered required question, so a complete read is a complete response.
  if ('incomplete' in response) return { ok: false, errors: [{ field: response.incomplete.questions[0]!.code, code: 'required' }] };
  const outcome = await db.transaction().execute(async (trx) => {
    const stored = await storeKeyedResponses(trx, survey.id, [response], hashSecret(`paper:${entry}`));
    if (stored === 'stored') await recordAudit(trx, auditBy(actor, { organisationId: survey.organisationId, action: 'paper.key', target: `survey ${survey.id}: 1 paper return` }));
    return stored;
  });
  return { ok: true, outcome };
}

/** The most returns one file takes: more paper questionnaires than any council's wave sends out. */
export const MAX_PAPER_RETURNS = 20_000;
/** Problems listed for one file; a file wrong in every row says so once, not a million times. */
const MAX_PROBLEMS = 100;

export interface ImportProblem {
  /** Which keying, when two were uploaded. */
  keying?: 'first' | 'second';
  /** The line in the file (the header is row 1). */
  row?: number;
  column?: string;
  /** The message, or an answer error to be worded in the page's language. */
  message?: string;
  error?: AnswerError;
}

/** A cell where the two keyings disagree. */
export interface KeyingDifference {
  row: number;
  column: string;
  first: string;
  second: string;
}

export type ParsedReturns = { ok: true; returns: { row: number; answers: Answers; cells: string[] }[]; header: string[] } | { ok: false; problems: ImportProblem[] };

export type ImportOutcome = { ok: true; stored: number } | { ok: false; problems: ImportProblem[]; more: number } | { ok: false; differences: KeyingDifference[]; problems: []; more: 0 };

function failed(problems: ImportProblem[]) {
  return { ok: false as const, problems: problems.slice(0, MAX_PROBLEMS), more: Math.max(0, problems.length - MAX_PROBLEMS) };
}

/**
 * Reads a CSV of keyed returns: a header of question codes (the form fields: a matrix row is
 * `question__item`, a checkbox question's "other" text `question_other`; any order, any subset;
 * optionally a `return` column), then a row per questionnaire, each read by `readPaperReturn`
 * exactly as a keyed form. Every problem comes back with its row and column; nothing is
 * returned unless the whole file is right.
 */
export function parsePaperReturns(bytes: Buffer, definition: TDefinition): ParsedReturns {
  if (bytes.length === 0) return { ok: false, problems: [{ message: 'the file is empty: it needs a header row of question codes and a row per questionnaire' }] };
  const lines = countLines(bytes);
  if (lines > MAX_PAPER_RETURNS + 1) {
    return {
      ok: false,
      problems: [
        {
          message: `the file has ${lines.toLocaleString('en-GB')} rows; one import takes at most ${MAX_PAPER_RETURNS.toLocaleString('en-GB')} questionnaires, so split it into smaller files`,
        },
      ],
    };
  }
  const read = readCsvRecords(bytes);
  if (!read.ok) return read;
  const records = read.records;
  const [head, ...rows] = records;
  if (!head) return { ok: false, problems: [{ message: 'the file is empty: it needs a header row of question codes and a row per questionnaire' }] };

  const columns = new Map(paperColumns(definition).map((c) => [c.name, c]));
  const header = head.record;
  const problems: ImportProblem[] = [];
  const seen = new Set<string>();
  header.forEach((name, i) => {
    if (seen.has(name)) problems.push({ row: 1, column: name, message: `column "${name}" appears more than once` });
    seen.add(name);
    if (name !== RETURN_COLUMN && !columns.has(name)) {
      problems.push({ row: 1, column: name || `column ${i + 1}`, message: `"${name}" is not a question code of this survey; download the template for the columns it takes` });
    }
  });
  if (problems.length > 0) return { ok: false, problems };

  const returns: { row: number; answers: Answers; cells: string[] }[] = [];
  const firstRowOf = new Map<string, number>();
  for (const { record, info } of rows) {
    const row = info.lines;
    if (record.length !== header.length) {
      problems.push({ row, message: `has ${record.length} values for ${header.length} columns` });
      continue;
    }
    const same = firstRowOf.get(JSON.stringify(record));
    if (same !== undefined) {
      problems.push({
        row,
        message: `is the same as row ${same}: a questionnaire keyed twice? If it is another questionnaire with the same answers, number them in a "${RETURN_COLUMN}" column`,
      });
      continue;
    }
    firstRowOf.set(JSON.stringify(record), row);
    const body: FormBody = {};
    header.forEach((name, i) => {
      const column = columns.get(name);
      const value = record[i]!;
      if (!column || value === '') return;
      body[name] = column.several ? value.split(SEVERAL_SEPARATOR).map((v) => v.trim()) : value;
    });
    const read = readPaperReturn(definition, body);
    if (!read.ok) problems.push(...read.errors.map((error) => ({ row, column: error.field, error })));
    else returns.push({ row, answers: read.answers, cells: record });
  }
  if (rows.length === 0) problems.push({ message: 'the file has a header row but no questionnaires' });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, returns, header };
}

/** Cell by cell, where a second keying of the same batch differs from the first (by row and column). */
export function keyingDifferences(first: Extract<ParsedReturns, { ok: true }>, second: Extract<ParsedReturns, { ok: true }>): KeyingDifference[] | ImportProblem[] {
  if (first.header.join(',') !== second.header.join(',')) return [{ keying: 'second', row: 1, message: 'has different columns from the first keying: key both into the same template' }];
  if (first.returns.length !== second.returns.length) {
    return [{ keying: 'second', message: `has ${second.returns.length} questionnaires and the first keying ${first.returns.length}: both must key the same batch` }];
  }
  const differences: KeyingDifference[] = [];
  first.returns.forEach((a, r) => {
    const b = second.returns[r]!;
    first.header.forEach((column, i) => {
      if (a.cells[i] !== b.cells[i]) differences.push({ row: a.row, column, first: a.cells[i]!, second: b.cells[i]! });
    });
  });
  return differences;
}

/**
 * Imports a CSV of keyed returns into an open wave: all or nothing, in one transaction with its
 * audit entry. With a second keying of the same batch (double entry), nothing is stored until
 * the two agree cell for cell; the differences come back by row and column for the lead to
 * check against the paper and correct.
 */
export async function importPaperReturns(db: Kysely<Database>, actor: Actor, survey: SurveyWithDefinition, first: Buffer, second?: Buffer): Promise<ImportOutcome> {
  if (survey.state !== 'open') return failed([{ message: 'paper returns can be keyed only while the survey is open: a closed survey’s results are already published' }]);
  const parsedFirst = parsePaperReturns(first, survey.definition);
  const parsedSecond = second ? parsePaperReturns(second, survey.definition) : undefined;
  const problems = [
    ...(parsedFirst.ok ? [] : parsedFirst.problems.map((p) => (second ? { ...p, keying: 'first' as const } : p))),
    ...(parsedSecond && !parsedSecond.ok ? parsedSecond.problems.map((p) => ({ ...p, keying: 'second' as const })) : []),
  ];
  if (problems.length > 0 || !parsedFirst.ok || (parsedSecond && !parsedSecond.ok)) return failed(problems);
  if (parsedSecond?.ok) {
    const differences = keyingDifferences(parsedFirst, parsedSecond);
    if (differences.length > 0) return 'first' in differences[0]! ? { ok: false, differences: differences as KeyingDifference[], problems: [], more: 0 } : failed(differences);
  }
  const responses: NewResponse[] = [];
  for (const r of parsedFirst.returns) {
    const response = completedResponse(survey, r.answers, 'paper');
    if ('incomplete' in response) return failed([{ row: r.row, message: `is incomplete: ${response.incomplete.code}` }]);
    responses.push(response);
  }
  const outcome = await db.transaction().execute(async (trx) => {
    const stored = await storeKeyedResponses(trx, survey.id, responses);
    if (stored === 'stored') {
      await recordAudit(
        trx,
        auditBy(actor, { organisationId: survey.organisationId, action: 'paper.import', target: `survey ${survey.id}: ${responses.length} paper returns${second ? ', keyed twice' : ''}` }),
      );
    }
    return stored;
  });
  if (outcome !== 'stored') return failed([{ message: 'the survey closed before the returns could be stored; nothing was stored' }]);
  return { ok: true, stored: responses.length };
}
