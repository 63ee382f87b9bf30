import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { GroupRef, SurveyAnalysis } from '../../analysis/index.js';
import type { TDefinition } from '../../instrument/definition.js';
import { responseBatches, type ExportedResponse } from '../../storage/exports.js';
import type { Database } from '../../storage/schema.js';
import { findSurveyById } from '../../storage/surveys.js';
import { readPublication } from '../../publications/read.js';
import { AGGREGATE_HEADER, aggregateRows } from './aggregates.js';
import { MERGED, type Coarsening } from './coarsen.js';
import type { RespondentFileMasks } from '../../publications/respondent-file.js';
import { CODEBOOK_HEADER, codebookRows } from './codebook.js';
import { MISSING, respondentDictionary, type ExportOptions, type RespondentDictionary } from './dictionary.js';
import { csvStream, staticRows, xlsxStream, type Cell, type Sheet } from './formats.js';
import { savStream, type SavVariable } from './sav.js';

export const EXPORT_FORMATS = {
  'respondents.csv': { contentType: 'text/csv; charset=utf-8', title: 'Respondent-level answers (CSV)', respondentLevel: true },
  'respondents.xlsx': {
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    title: 'Respondent-level answers with codebook (Excel)',
    respondentLevel: true,
  },
  'respondents.sav': { contentType: 'application/x-spss-sav', title: 'Respondent-level answers (SPSS .sav)', respondentLevel: true },
  'codebook.csv': { contentType: 'text/csv; charset=utf-8', title: 'Codebook (CSV)', respondentLevel: false },
  'aggregates.csv': { contentType: 'text/csv; charset=utf-8', title: 'Aggregate tables (CSV)', respondentLevel: false },
  'aggregates.xlsx': {
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    title: 'Aggregate tables (Excel)',
    respondentLevel: false,
  },
} as const;
export type ExportFormat = keyof typeof EXPORT_FORMATS;
export const EXPORT_FORMAT_NAMES = Object.keys(EXPORT_FORMATS) as ExportFormat[];

/** Answer scales are ordered; choices (including segments) are not. */
const ORDINAL = new Set(['agree', 'engagement', 'matrix']);

/** Free text in a .sav is cut to SPSS's short-string limit; CSV and XLSX carry it whole. */
const SAV_TEXT_WIDTH = 255;

/** What an export needs from a wave's publication. */
export interface PublishedData {
  survey: { id: string; title: string };
  definition: TDefinition;
  threshold: number;
  analysis: SurveyAnalysis;
  coarsening: Coarsening;
  masks: RespondentFileMasks;
  /** Responses in the publication, for progress. */
  responses: number;
}

/** Everything needed to write any export of one wave, except the responses themselves. */
export interface ExportPlan extends PublishedData {
  dictionary: RespondentDictionary;
  options: ExportOptions;
  /** Reads the responses in batches (from storage, or anything else in tests and benchmarks). */
  batches: () => AsyncIterable<ExportedResponse[]>;
}

/** Plans an export from a wave's publication: its suppressed analysis and the coarsening decided with it. */
export function planExport(data: PublishedData, options: ExportOptions, batches: () => AsyncIterable<ExportedResponse[]>): ExportPlan {
  // Free text is allowed where analysis shows it: the overall and the role group's results are published, and so is
  // the group's figure for the question (how many wrote a comment), or the file would give a count the tables withhold.
  const shown = (ref: GroupRef) => data.analysis.responses.some((r) => JSON.stringify(r.group) === JSON.stringify(ref) && r.figure.shown);
  const questionShown = (roleGroup: string, question: string) =>
    data.analysis.variables.every((v) => {
      if (v.question !== question) return true;
      const mine = (x: { group: GroupRef }) => x.group.kind === 'roleGroup' && x.group.code === roleGroup;
      return v.kind === 'text' ? (v.groups.find(mine)?.answered.shown ?? false) : (v.groups.find(mine)?.figure.shown ?? false);
    });
  const textAllowed = (roleGroup: string, question: string) => shown({ kind: 'total' }) && shown({ kind: 'roleGroup', code: roleGroup }) && questionShown(roleGroup, question);
  return {
    ...data,
    dictionary: respondentDictionary(data.definition, data.coarsening, options, textAllowed),
    options,
    batches,
  };
}

/**
 * Plans an export of a stored wave from its publication; undefined when there is no such
 * wave or it has no publication (it is not closed). The respondent rows are the closed
 * wave's own, read through the publication's coarsening: a closed wave never takes another.
 */
export async function planStoredExport(db: Kysely<Database>, surveyId: string, options: ExportOptions): Promise<ExportPlan | undefined> {
  const [survey, publication] = await Promise.all([findSurveyById(db, surveyId), readPublication(db, surveyId)]);
  if (!survey || !publication) return undefined;
  return planExport(
    {
      survey,
      definition: survey.definition,
      threshold: publication.threshold,
      analysis: publication.analysis,
      coarsening: publication.respondentFile,
      masks: publication.respondentMasks,
      responses: publication.responses,
    },
    options,
    () => responseBatches(db, surveyId),
  );
}

/** Why a respondent-level file cannot be given, or undefined when it can. */
export function respondentRefusal(plan: ExportPlan): string | undefined {
  return plan.coarsening.exportable ? undefined : `This survey has fewer than ${plan.threshold} responses, so no respondent-level file can be given without identifying people.`;
}

/**
 * The columns each row of an exported segment has withheld (coded "not asked"), from the
 * publication's masks: merged role groups' audience-specific questions, and each segment's
 * questions withheld so that no pattern of answers is shared by fewer than the threshold.
 */
function withheldColumns(plan: ExportPlan): (r: ExportedResponse) => readonly number[] {
  const columnsOf = (questions: Iterable<string>) => {
    const wanted = new Set(questions);
    return plan.dictionary.variables.flatMap((v, i) => (wanted.has(v.question) ? [i] : []));
  };
  const merged = columnsOf(plan.masks.mergedRoleWithheld);
  const bySegment = new Map(plan.masks.segments.map((s) => [`${s.roleGroup}\u0000${s.directorate}`, s.questions]));
  const byGroup = new Map(plan.masks.groups.map((g) => [`${g.kind}\u0000${g.code}`, g.questions]));
  const cache = new Map<string, number[]>();
  return (r) => {
    const roleGroup = plan.coarsening.roleGroup[r.roleGroup] ?? r.roleGroup;
    const directorate = plan.coarsening.directorate[r.directorate] ?? r.directorate;
    const key = `${roleGroup}\u0000${directorate}`;
    let columns = cache.get(key);
    if (!columns) {
      columns = [
        ...new Set([
          ...(roleGroup === MERGED ? merged : []),
          ...columnsOf([...(bySegment.get(key) ?? []), ...(byGroup.get(`roleGroup\u0000${roleGroup}`) ?? []), ...(byGroup.get(`directorate\u0000${directorate}`) ?? [])]),
        ]),
      ];
      cache.set(key, columns);
    }
    return columns;
  };
}

/** The coded rows of the respondent-level file, batch by batch, reporting progress. */
async function* codedRows(plan: ExportPlan, onProgress?: (done: number, total: number) => void): AsyncGenerator<Cell[][]> {
  const withheld = withheldColumns(plan);
  let done = 0;
  for await (const batch of plan.batches()) {
    done += batch.length;
    yield batch.map((r) => {
      const row = plan.dictionary.row(r);
      for (const i of withheld(r)) row[i] = plan.dictionary.variables[i]!.kind === 'string' ? '' : MISSING.notAsked;
      return row;
    });
    onProgress?.(done, Math.max(done, plan.responses));
  }
}

function codebookSheet(plan: ExportPlan): Sheet {
  const rows = codebookRows(plan.dictionary, plan.coarsening, plan.options.freeText);
  return { name: 'Codebook', header: CODEBOOK_HEADER, rows: staticRows(rows.map((r) => CODEBOOK_HEADER.map((h) => r[h]))) };
}

function aggregateSheet(plan: ExportPlan): Sheet {
  const rows = aggregateRows(plan.definition, plan.analysis);
  return { name: 'Aggregates', header: AGGREGATE_HEADER, rows: staticRows(rows.map((r) => AGGREGATE_HEADER.map((h) => r[h]))) };
}

function respondentSheet(plan: ExportPlan, onProgress?: (done: number, total: number) => void): Sheet {
  return { name: 'Responses', header: plan.dictionary.variables.map((v) => v.name), rows: codedRows(plan, onProgress) };
}

export function savVariables(plan: ExportPlan): SavVariable[] {
  return plan.dictionary.variables.map((v) => ({
    name: v.name,
    label: v.label,
    width: v.kind === 'numeric' ? 0 : v.questionType === 'month' ? 7 : SAV_TEXT_WIDTH,
    decimals: v.questionType === 'number' ? 2 : 0,
    valueLabels: v.values.map((x) => ({ value: x.value, label: x.label })),
    missing: v.missing,
    measure: v.questionType === 'number' ? 'scale' : ORDINAL.has(v.questionType) ? 'ordinal' : 'nominal',
  }));
}

export interface WriteOptions {
  /** Byte-order mark at the start of CSV files, so Excel reads them as UTF-8. */
  bom?: boolean;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Streams one export. Respondent-level formats must only be asked for when
 * `respondentRefusal(plan)` is undefined.
 */
export function writeExport(plan: ExportPlan, format: ExportFormat, options: WriteOptions = {}): Readable {
  if (EXPORT_FORMATS[format].respondentLevel) {
    const refusal = respondentRefusal(plan);
    if (refusal) throw new Error(refusal);
  }
  switch (format) {
    case 'respondents.csv':
      return csvStream(respondentSheet(plan, options.onProgress), options);
    case 'respondents.xlsx':
      return xlsxStream([respondentSheet(plan, options.onProgress), codebookSheet(plan)]);
    case 'respondents.sav': {
      const rows = codedRows(plan, options.onProgress);
      return savStream(savVariables(plan), rows, plan.survey.title);
    }
    case 'codebook.csv':
      return csvStream(codebookSheet(plan), options);
    case 'aggregates.csv':
      return csvStream(aggregateSheet(plan), options);
    case 'aggregates.xlsx':
      return xlsxStream([aggregateSheet(plan)]);
  }
}

export function exportFileName(plan: ExportPlan, format: ExportFormat): string {
  const slug =
    plan.survey.title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'survey';
  return `${slug}-${format}`;
}
