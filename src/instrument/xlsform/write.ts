import type { TDefinition, TSection } from '../definition.js';
import type { TCondition, TOption } from '../question-types/base.js';
import type { QuestionType, TQuestion } from '../question-types/index.js';
import { matrixField } from '../question-types/matrix.js';
import { otherField } from '../question-types/multiple.js';
import type { TLanguage, TText } from '../text.js';
import { LANGUAGE_COLUMN, SCALE_LISTS, SPECIFY_LABEL, boundsConstraint, exclusiveConstraint, lengthConstraint, relevantOf, scaleListOf, type ScaleList } from './format.js';

type Row = Record<string, string | number | undefined>;

/** The survey sheet's columns; `label`, `hint`, `required_message` and `suffix` once per language. */
const SURVEY_COLUMNS = ['type', 'name', 'label*', 'hint*', 'required', 'required_message*', 'relevant', 'constraint', 'appearance', 'suffix*', 'audiences', 'references', 'polarity'];
const CHOICES_COLUMNS = ['list_name', 'name', 'label*', 'numeric_code', 'exclusive'];
const SETTINGS_COLUMNS = [
  'form_title*',
  'form_id',
  'version',
  'default_language',
  'description*',
  'estimated_minutes',
  'role_question',
  'directorate_question',
  'audiences',
  'perception_gap',
  'indices',
  'published_segments',
];

/** Writes a definition as an XLSForm workbook (survey, choices and settings sheets); see docs/xlsform.md. */
export async function writeXlsform(definition: TDefinition): Promise<Buffer> {
  const languages = definition.languages;
  const headers = (columns: string[]) => columns.flatMap((c) => (c.endsWith('*') ? languages.map((lang) => `${c.slice(0, -1)}::${LANGUAGE_COLUMN[lang]}`) : [c]));
  const text = (column: string, value: TText | undefined): Row => Object.fromEntries(languages.map((lang: TLanguage) => [`${column}::${LANGUAGE_COLUMN[lang]}`, value?.[lang]]));

  const survey: Row[] = [];
  const choices: Row[] = [];
  const lists = new Set<string>();
  const addList = (name: string, options: readonly TOption[]) => {
    if (lists.has(name)) return;
    lists.add(name);
    for (const o of options) choices.push({ list_name: name, name: o.code, ...text('label', o.label), numeric_code: o.value, exclusive: o.exclusive ? 'yes' : undefined });
  };
  // A single or multiple choice question's list is named after it, unless that name is a fixed scale's.
  const listFor = (question: TQuestion) => (Object.hasOwn(SCALE_LISTS, question.code) ? `${question.code}_list` : question.code);
  const scaleList = (name: ScaleList) => {
    addList(name, SCALE_LISTS[name].options);
    return name;
  };
  const relevant = (condition: TCondition | undefined) =>
    condition && relevantOf({ name: condition.item ? matrixField({ code: condition.question }, condition.item) : condition.question, anyOf: condition.anyOf, noneOf: condition.noneOf });
  const common = (question: TQuestion): Row => ({
    name: question.code,
    ...text('label', question.text),
    ...text('hint', question.hint),
    required: question.required ? 'yes' : undefined,
    ...text('required_message', question.requiredMessage),
    relevant: relevant(question.showIf),
    audiences: question.audiences?.join(' '),
    references: question.references && JSON.stringify(question.references),
  });

  const rowsOf: { [K in QuestionType]: (question: Extract<TQuestion, { type: K }>) => Row[] } = {
    single(question) {
      addList(listFor(question), question.options);
      return [{ type: `select_one ${listFor(question)}`, ...common(question) }];
    },
    multiple(question) {
      const options = question.other ? [...question.options, { code: question.other.code, label: question.other.label }] : question.options;
      addList(listFor(question), options);
      const exclusive = question.options.filter((o) => o.exclusive).map((o) => o.code);
      const rows: Row[] = [{ type: `select_multiple ${listFor(question)}`, ...common(question), constraint: exclusive.length > 0 ? exclusiveConstraint(exclusive) : undefined }];
      // The "please specify" box: a text question shown when the other option is chosen (ODK's pattern for translated forms).
      if (question.other) {
        rows.push({
          type: 'text',
          name: otherField(question),
          ...text('label', SPECIFY_LABEL),
          required: 'yes',
          relevant: `selected(\${${question.code}}, '${question.other.code}')`,
        });
      }
      return rows;
    },
    agree: (question) => [{ type: `select_one ${scaleList(scaleListOf('agree', question.dontKnow))}`, ...common(question), appearance: 'likert', polarity: question.polarity }],
    engagement: (question) => [{ type: `select_one ${scaleList(scaleListOf('engagement', false))}`, ...common(question), appearance: 'likert' }],
    number: (question) => [
      { type: question.integer ? 'integer' : 'decimal', ...common(question), constraint: boundsConstraint(question.min, question.max), ...text('suffix', question.suffix) },
    ],
    text: (question) => [{ type: 'text', ...common(question), constraint: lengthConstraint(question.maxLength), appearance: 'multiline' }],
    // A matrix is ODK's table-list: a group of select_one rows sharing the scale's list, one per item.
    matrix(question) {
      const list = scaleList(scaleListOf(question.scale, question.dontKnow));
      const { required, ...group } = common(question);
      const requiredMessage = text('required_message', question.requiredMessage);
      for (const key of Object.keys(requiredMessage)) delete group[key];
      return [
        { type: 'begin group', ...group, appearance: 'table-list' },
        ...question.items.map((item): Row => ({
          type: `select_one ${list}`,
          name: matrixField(question, item.code),
          ...text('label', item.text),
          required,
          ...requiredMessage,
          polarity: item.polarity,
        })),
        { type: 'end group' },
      ];
    },
  };
  const questionRows = <Q extends TQuestion>(question: Q) => (rowsOf[question.type] as (q: Q) => Row[])(question);

  const sectionRows = (section: TSection): Row[] => [
    {
      type: 'begin group',
      name: section.code,
      ...text('label', section.title),
      ...text('hint', section.description),
      relevant: relevant(section.showIf),
      // A section is one page, as field-list shows a group in ODK.
      appearance: 'field-list',
      audiences: section.audiences?.join(' '),
    },
    ...section.questions.flatMap(questionRows),
    { type: 'end group' },
  ];
  survey.push(...definition.sections.flatMap(sectionRows));

  const settings: Row = {
    ...text('form_title', definition.title),
    form_id: definition.code,
    version: definition.version,
    default_language: LANGUAGE_COLUMN.en,
    ...text('description', definition.description),
    estimated_minutes: definition.estimatedMinutes,
    role_question: definition.segments.roleGroup,
    directorate_question: definition.segments.directorate,
    audiences: JSON.stringify(definition.audiences),
    perception_gap: definition.perceptionGap && JSON.stringify(definition.perceptionGap),
    indices: definition.indices.length > 0 ? JSON.stringify(definition.indices) : undefined,
    published_segments: Object.keys(definition.publishedSegments).length > 0 ? JSON.stringify(definition.publishedSegments) : undefined,
  };

  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  const sheet = (name: string, columns: string[], rows: Row[]) => {
    const worksheet = workbook.addWorksheet(name);
    const header = headers(columns);
    worksheet.addRow(header).font = { bold: true };
    for (const row of rows) worksheet.addRow(header.map((column) => row[column] ?? null));
  };
  sheet('survey', SURVEY_COLUMNS, survey);
  sheet('choices', CHOICES_COLUMNS, choices);
  sheet('settings', SETTINGS_COLUMNS, [settings]);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
