import type { CellValue, Worksheet } from 'exceljs';
import type { TLanguage } from '../text.js';
import { formatPath, type DefinitionProblem } from '../problems.js';
import { validateDefinition, type ValidationResult } from '../validate.js';
import type { TPublishedFindings } from '../published-findings.js';
import { loadPublishedFindings } from '../published-findings.js';
import { LANGUAGE_COLUMN, OR_OTHER_LABEL, SCALE_LISTS, isScaleList, languageOf, parseBounds, parseExclusiveConstraint, parseLength, parseRelevant, type ScaleList } from './format.js';
import { checkXlsxZip } from './zip-guard.js';

/** Where in the workbook a value came from. */
interface Place {
  sheet: string;
  row?: number;
  column?: string;
}

interface Column {
  header: string;
  base: string;
  lang?: TLanguage;
}

interface Row {
  number: number;
  /** The cell of a column (the default language's for a translatable column without a language); '' when empty. */
  get(base: string, lang?: TLanguage): string;
  header(base: string, lang?: TLanguage): string;
}

interface Sheet {
  name: string;
  columns: Column[];
  rows: Row[];
}

/** Columns read from each sheet; those marked translatable may carry `::Language (xx)`. */
const COLUMNS: Record<string, { read: string[]; translatable: string[]; ignored?: string[] }> = {
  survey: {
    read: ['type', 'name', 'label', 'hint', 'required', 'required_message', 'relevant', 'constraint', 'appearance', 'suffix', 'audiences', 'references', 'polarity'],
    translatable: ['label', 'hint', 'required_message', 'suffix'],
  },
  choices: { read: ['list_name', 'name', 'label', 'numeric_code', 'exclusive'], translatable: ['label'] },
  settings: {
    read: [
      'form_title',
      'form_id',
      'version',
      'default_language',
      'description',
      'estimated_minutes',
      'role_question',
      'directorate_question',
      'audiences',
      'perception_gap',
      'indices',
      'published_segments',
    ],
    translatable: ['form_title', 'description'],
    // How ODK collects and sends a form: nothing Sounding does depends on them.
    ignored: ['style', 'instance_name', 'submission_url', 'public_key', 'auto_send', 'auto_delete', 'allow_choice_duplicates', 'namespaces', 'clean_text_values'],
  },
};

/** Reads an XLSForm workbook into a definition and validates it; every problem names its sheet, row and column. */
export async function readXlsform(bytes: Buffer, findings: TPublishedFindings = loadPublishedFindings()): Promise<ValidationResult> {
  const zip = checkXlsxZip(bytes);
  if (!zip.ok) return { ok: false, problems: [{ path: '', message: zip.message }] };
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (error) {
    return {
      ok: false,
      problems: [
        {
          path: '',
          message: `the .xlsx file cannot be read as a workbook (${error instanceof Error ? error.message.split('\n')[0] : 'unknown error'}); save it again from the spreadsheet program`,
        },
      ],
    };
  }
  const problems: DefinitionProblem[] = [];
  const report = (place: Place, message: string) => problems.push({ path: '', line: place.row, sheet: place.sheet, column: place.column, message });

  const sheets = new Map<string, Sheet>();
  // A column without a language is in the settings' default language, so the settings are read first.
  const language = { default: 'en' as TLanguage };
  const ordered = [...workbook.worksheets].sort((a, b) => Number(b.name.trim().toLowerCase() === 'settings') - Number(a.name.trim().toLowerCase() === 'settings'));
  for (const worksheet of ordered) {
    const name = worksheet.name.trim().toLowerCase();
    if (!(name in COLUMNS)) {
      const why = ['external_choices', 'entities'].includes(name) ? 'Sounding does not support it' : 'an XLSForm has only survey, choices and settings sheets';
      report({ sheet: worksheet.name }, `the workbook has a sheet "${worksheet.name}", which cannot be translated (${why}); remove the sheet`);
      continue;
    }
    sheets.set(name, readSheet(worksheet, name, report, language));
  }
  const survey = sheets.get('survey');
  if (!survey) {
    report({ sheet: 'survey' }, 'the workbook has no "survey" sheet, so no questions; an XLSForm lists its questions in a sheet named survey');
    return { ok: false, problems };
  }
  const { input, placeOf } = translate(survey, sheets.get('choices'), sheets.get('settings'), report);
  const result = validateDefinition(input, findings);
  if (result.ok && problems.length === 0) return result;
  // A cell already reported as untranslatable is not reported again for what its translation then lacks.
  const reported = new Set(problems.map(placeKey));
  const located = result.ok ? [] : result.problems.map((problem) => ({ ...problem, ...locate(problem, placeOf) })).filter((problem) => !reported.has(placeKey(problem)));
  return { ok: false, problems: [...problems, ...located] };
}

const placeKey = (problem: DefinitionProblem) => `${problem.sheet ?? ''}\u0000${problem.line ?? ''}\u0000${problem.column ?? ''}`;

/** The place of a definition path: the nearest enclosing path the translation recorded. */
function locate(problem: DefinitionProblem, placeOf: Map<string, Place>): { line?: number; sheet: string; column?: string } {
  for (let path = problem.path; ; path = path.replace(/(\.?[^.[\]]+|\[\d+\])$/, '')) {
    const place = placeOf.get(path);
    if (place) {
      const lang = problem.language;
      return { line: place.row, sheet: place.sheet, column: lang && place.column ? `${place.column.replace(/::.*$/, '')}::${LANGUAGE_COLUMN[lang]}` : place.column };
    }
    if (path === '') return { sheet: 'survey' };
  }
}

function readSheet(worksheet: Worksheet, name: string, report: (place: Place, message: string) => void, language: { default: TLanguage }): Sheet {
  const spec = COLUMNS[name]!;
  const headerRow = worksheet.getRow(1);
  const columns = new Map<number, Column>();
  const unread = new Map<number, string>();
  headerRow.eachCell((cell, index) => {
    const header = cellText(cell.value).trim();
    if (header === '') return;
    const [base = '', suffix] = header.split('::').map((part) => part.trim());
    const key = base.toLowerCase();
    if (suffix !== undefined) {
      const lang = languageOf(suffix);
      if (spec.translatable.includes(key) && lang) columns.set(index, { header, base: key, lang });
      else unread.set(index, spec.translatable.includes(key) ? `Sounding has English (en) and Welsh (cy) only` : 'it is not a column Sounding reads');
    } else if (spec.read.includes(key)) columns.set(index, { header, base: key });
    else if (!spec.ignored?.includes(key)) unread.set(index, 'it is not a column Sounding reads');
  });

  for (const range of worksheet.model.merges) {
    const first = /^([A-Z]+)(\d+)/.exec(range);
    report({ sheet: worksheet.name, row: first ? Number(first[2]) : undefined }, `cells ${range} are merged; unmerge them (XLSForm reads one value per cell)`);
  }

  const headerOf = (index: number) => columns.get(index)?.header ?? (cellText(headerRow.getCell(index).value).trim() || worksheet.getColumn(index).letter);
  const rows: Row[] = [];
  const unreadSeen = new Map<number, { row: number; count: number }>();
  worksheet.eachRow((row, number) => {
    if (number === 1) return;
    const cells = new Map<string, string>();
    const headers = new Map<string, string>();
    row.eachCell((cell, index) => {
      const value = cell.value;
      if (value !== null && typeof value === 'object' && ('formula' in value || 'sharedFormula' in value)) {
        report({ sheet: worksheet.name, row: number, column: headerOf(index) }, `cell ${cell.address} holds a formula; type its text or value instead (an XLSForm is read as written)`);
        return;
      }
      const text = cellText(value).trim();
      if (text === '') return;
      const column = columns.get(index);
      if (!column) {
        const seen = unreadSeen.get(index);
        if (seen) seen.count++;
        else unreadSeen.set(index, { row: number, count: 1 });
        return;
      }
      const key = column.lang ? `${column.base}::${column.lang}` : column.base;
      cells.set(key, text);
      headers.set(key, column.header);
    });
    if (cells.size === 0) return;
    rows.push({
      number,
      get: (base, lang) => cells.get(lang ? `${base}::${lang}` : base) ?? (lang === language.default ? (cells.get(base) ?? '') : ''),
      header: (base, lang) => headers.get(lang ? `${base}::${lang}` : base) ?? (lang ? `${base}::${LANGUAGE_COLUMN[lang]}` : base),
    });
  });
  for (const [index, { row, count }] of unreadSeen) {
    const more = count > 1 ? ` (and ${count - 1} more row${count > 2 ? 's' : ''})` : '';
    report({ sheet: worksheet.name, row, column: headerOf(index) }, `column "${headerOf(index)}" cannot be translated: ${unread.get(index) ?? 'it has no heading'}; empty or remove it${more}`);
  }
  if (name === 'settings') {
    const declared = rows[0]?.get('default_language') ?? '';
    const lang = declared === '' ? 'en' : languageOf(declared);
    if (lang) language.default = lang;
    else report({ sheet: worksheet.name, row: rows[0]?.number, column: 'default_language' }, `"${declared}" is not a language Sounding has: write English (en) or Welsh (cy)`);
  }
  return { name: worksheet.name, columns: [...columns.values()], rows };
}

function cellText(value: CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if ('richText' in value) return value.richText.map((part) => part.text).join('');
  if ('text' in value && typeof value.text === 'string') return value.text;
  if ('error' in value) return String(value.error);
  return '';
}

type Json = Record<string, unknown>;

/**
 * Translates the sheets into a definition object (not yet validated) and records, for each of
 * its paths, the place it came from. Whatever cannot be translated is reported, and the rest
 * translated all the same, so every problem comes at once.
 */
function translate(survey: Sheet, choices: Sheet | undefined, settingsSheet: Sheet | undefined, report: (place: Place, message: string) => void) {
  const placeOf = new Map<string, Place>();
  const at = (path: (string | number)[], place: Place) => placeOf.set(formatPath(path), place);
  const cell = (sheet: Sheet, row: Row, column: string): Place => ({
    sheet: sheet.name,
    row: row.number,
    column: row.header(column, COLUMNS[sheet.name.toLowerCase()]?.translatable.includes(column) ? 'en' : undefined),
  });
  const languages = new Set<TLanguage>(['en']);
  for (const sheet of [survey, choices]) for (const column of sheet?.columns ?? []) if (column.lang === 'cy' && sheet?.rows.some((r) => r.get(column.base, 'cy') !== '')) languages.add('cy');
  const textOf = (row: Row, base: string) => {
    const text: Json = {};
    for (const lang of languages) if (row.get(base, lang) !== '') text[lang] = row.get(base, lang);
    return Object.keys(text).length > 0 ? text : undefined;
  };

  // Choice lists, with where each choice came from.
  const lists = new Map<string, { option: Json; row: Row }[]>();
  for (const row of choices?.rows ?? []) {
    const list = row.get('list_name');
    if (list === '') {
      report(cell(choices!, row, 'list_name'), 'this choice has no list_name; name the list it belongs to');
      continue;
    }
    const numeric = row.get('numeric_code');
    const option: Json = { code: row.get('name'), label: textOf(row, 'label') };
    if (numeric !== '') option.value = /^-?\d+(\.\d+)?$/.test(numeric) ? Number(numeric) : numeric;
    if (isYes(row.get('exclusive'))) option.exclusive = true;
    lists.set(list, [...(lists.get(list) ?? []), { option, row }]);
  }
  const checkedScales = new Set<string>();
  const checkScale = (name: ScaleList) => {
    const given = lists.get(name);
    if (!given || checkedScales.has(name)) return;
    checkedScales.add(name);
    const expected = SCALE_LISTS[name].options;
    const same =
      given.length === expected.length &&
      given.every(({ option }, i) => {
        const label = option.label as Partial<Record<TLanguage, string>> | undefined;
        return option.code === expected[i]!.code && label?.en === expected[i]!.label.en && (label.cy === undefined || label.cy === expected[i]!.label.cy);
      });
    if (!same) {
      report(
        cell(choices!, given[0]!.row, 'name'),
        `list "${name}" is Sounding's fixed ${SCALE_LISTS[name].scale} scale, whose choices cannot change: ${expected.map((o) => `${o.code} (${o.label.en})`).join(', ')}; use another list name for other choices`,
      );
    }
  };

  // The survey sheet: groups are sections, a table-list group inside one is a matrix question.
  type Frame = { kind: 'section' | 'matrix' | 'nested' | 'repeat'; row: Row; rows: Row[] };
  const stack: Frame[] = [];
  const sections: Json[] = [];
  const matrixRows = new Map<string, { question: string; item: string }>();
  let current: { section: Json; index: number } | undefined;
  let note: { text: Json; row: Row } | undefined;
  let previous: { question: Json; path: (string | number)[] } | undefined;

  const openSection = (row: Row, implicit: boolean) => {
    const index = sections.length;
    const section: Json = implicit ? { code: `section_${index + 1}` } : { code: row.get('name'), title: textOf(row, 'label') };
    if (!implicit) {
      const description = textOf(row, 'hint');
      if (description) section.description = description;
      condition(section, row, ['sections', index]);
      audiencesOf(section, row, ['sections', index]);
      at(['sections', index, 'code'], cell(survey, row, 'name'));
      at(['sections', index, 'title'], cell(survey, row, 'label'));
      at(['sections', index, 'description'], cell(survey, row, 'hint'));
    }
    section.questions = [];
    at(['sections', index], { sheet: survey.name, row: row.number });
    sections.push(section);
    current = { section, index };
    previous = undefined;
  };
  const condition = (target: Json, row: Row, path: (string | number)[]) => {
    const relevant = row.get('relevant');
    if (relevant === '') return;
    at([...path, 'showIf'], cell(survey, row, 'relevant'));
    const comparison = parseRelevant(relevant);
    if (!comparison) {
      report(
        cell(survey, row, 'relevant'),
        `"${relevant}" cannot be translated: a condition must compare one earlier answer with option codes, e.g. \${q} = 'x', selected(\${q}, 'x') or \${q} != 'x'`,
      );
      return;
    }
    // A matrix row's name stands for the matrix question and that item.
    const { name, ...codes } = comparison;
    target.showIf = { ...(matrixRows.get(name) ?? { question: name }), ...codes };
  };
  const audiencesOf = (target: Json, row: Row, path: (string | number)[]) => {
    const audiences = row.get('audiences');
    if (audiences !== '') target.audiences = audiences.split(/[\s,]+/).filter(Boolean);
    at([...path, 'audiences'], cell(survey, row, 'audiences'));
  };
  const jsonOf = (sheet: Sheet, row: Row, column: string): unknown => {
    const text = row.get(column);
    if (text === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      report(cell(sheet, row, column), `column "${column}" must hold JSON, as Sounding writes it; this cannot be read`);
      return undefined;
    }
  };
  const common = (row: Row, path: (string | number)[]): Json => {
    const question: Json = { code: row.get('name'), text: textOf(row, 'label') };
    const hint = textOf(row, 'hint');
    const noted = note?.text;
    note = undefined;
    if (noted || hint) question.hint = joinTexts(noted, hint);
    question.required = requiredOf(row);
    const message = textOf(row, 'required_message');
    if (message) question.requiredMessage = message;
    condition(question, row, path);
    audiencesOf(question, row, path);
    const references = jsonOf(survey, row, 'references');
    if (references !== undefined) question.references = references;
    for (const [field, column] of Object.entries({ code: 'name', text: 'label', hint: 'hint', required: 'required', requiredMessage: 'required_message', references: 'references' })) {
      at([...path, field], cell(survey, row, column));
    }
    at(path, { sheet: survey.name, row: row.number });
    return question;
  };
  const requiredOf = (row: Row) => {
    const value = row.get('required').toLowerCase();
    if (['yes', 'true', 'true()', '1'].includes(value)) return true;
    if (['', 'no', 'false', 'false()', '0'].includes(value)) return false;
    report(cell(survey, row, 'required'), `required must be yes or no, not "${row.get('required')}" (a condition on required cannot be translated)`);
    return false;
  };
  const optionsOf = (row: Row, list: string, path: (string | number)[]) => {
    const entries = lists.get(list);
    if (!entries) {
      report(cell(survey, row, 'type'), `list "${list}" is not in the choices sheet; add its choices there`);
      return [];
    }
    at([...path, 'options'], cell(survey, row, 'type'));
    return entries.map(({ option, row: choiceRow }, k) => {
      at([...path, 'options', k], { sheet: choices!.name, row: choiceRow.number });
      at([...path, 'options', k, 'code'], cell(choices!, choiceRow, 'name'));
      at([...path, 'options', k, 'label'], cell(choices!, choiceRow, 'label'));
      return { ...option };
    });
  };
  const constraintProblem = (row: Row, what: string) => report(cell(survey, row, 'constraint'), `the constraint "${row.get('constraint')}" cannot be translated: ${what}`);

  const addQuestion = (row: Row, build: (path: (string | number)[]) => Json | undefined) => {
    if (!current) openSection(row, true);
    const questions = current!.section.questions as Json[];
    const path = ['sections', current!.index, 'questions', questions.length];
    const question = build(path);
    if (!question) return;
    questions.push(question);
    previous = { question, path };
  };

  for (const row of survey.rows) {
    const rawType = row.get('type').replace(/\s+/g, ' ');
    // Keywords may be written with a space or an underscore, in any case; list names are kept as written.
    const select = /^select[ _](one|multiple) (\S+)(?: (\S+))?$/i.exec(rawType);
    const type = select ? `select ${select[1]!.toLowerCase()}` : rawType.toLowerCase().replace(/_/g, ' ');
    const top = stack.at(-1);
    if (top?.kind === 'repeat') {
      if (type === 'begin repeat' || type === 'begin group') stack.push({ kind: 'nested', row, rows: [] });
      else if (type === 'end repeat' || type === 'end group') stack.pop();
      continue;
    }
    if (type === '') {
      report(cell(survey, row, 'type'), 'this row has no type; give it one (such as text or select_one) or clear the row');
      continue;
    }
    if (note && !['note', 'select one', 'select multiple', 'integer', 'decimal', 'text', 'begin group'].includes(type)) flushNote();
    if (type === 'begin repeat') {
      report(cell(survey, row, 'type'), 'a repeat (begin repeat) cannot be translated: Sounding asks each question once; remove the repeat or ask its questions once');
      stack.push({ kind: 'repeat', row, rows: [] });
    } else if (type === 'begin group') {
      if (stack.length === 0) {
        flushNote();
        openSection(row, false);
        stack.push({ kind: 'section', row, rows: [] });
      } else if (top?.kind === 'section' && /\btable-list\b/.test(row.get('appearance'))) {
        stack.push({ kind: 'matrix', row, rows: [] });
      } else {
        report(cell(survey, row, 'type'), 'a group inside a group cannot be translated: sections do not nest (only a table-list group of scale questions, a matrix, may be inside a section)');
        stack.push({ kind: 'nested', row, rows: [] });
      }
    } else if (type === 'end group' || type === 'end repeat') {
      const frame = stack.pop();
      if (!frame) report(cell(survey, row, 'type'), `"${rawType}" has no matching begin group`);
      else if (frame.kind === 'section') {
        flushNote();
        current = undefined;
      } else if (frame.kind === 'matrix') closeMatrix(frame);
    } else if (top?.kind === 'matrix') {
      const list = type === 'select one' ? select![2]! : '';
      if (!isScaleList(list) || select![3] !== undefined) {
        report(cell(survey, row, 'type'), 'a table-list group is a matrix question: every row in it must be a select_one from scale_agree, scale_agree_dk or scale_engagement');
      } else top.rows.push(row);
    } else if (type === 'note') {
      const text = textOf(row, 'label');
      note = { text: joinTexts(note?.text, text) ?? {}, row };
    } else if (select) {
      const kind = type === 'select one' ? 'one' : 'multiple';
      const [, , list = '', orOther] = select;
      addQuestion(row, (path) => {
        const question = common(row, path);
        if (kind === 'one' && isScaleList(list)) {
          checkScale(list);
          const scale = SCALE_LISTS[list];
          if (scale.scale === 'agree') return { ...question, type: 'agree', dontKnow: scale.dontKnow, ...(row.get('polarity') ? { polarity: row.get('polarity') } : {}) };
          return { ...question, type: 'engagement' };
        }
        if (orOther !== undefined && orOther.toLowerCase() !== 'or_other') report(cell(survey, row, 'type'), `"${rawType}" cannot be translated: after the list name only or_other may follow`);
        if (kind === 'one') {
          if (orOther !== undefined) report(cell(survey, row, 'type'), 'or_other on a select_one cannot be translated: Sounding offers "other, please specify" on select_multiple only');
          if (row.get('constraint') !== '') constraintProblem(row, 'a select_one takes no constraint in Sounding');
          return { ...question, type: 'single', options: optionsOf(row, list, path) };
        }
        const options = optionsOf(row, list, path);
        if (row.get('constraint') !== '') {
          const exclusive = parseExclusiveConstraint(row.get('constraint'));
          if (!exclusive) constraintProblem(row, "only not(selected(., 'none') and count-selected(.) > 1), which makes a choice exclusive, is translated on a select_multiple");
          for (const option of options) if (exclusive?.includes(String(option.code))) option.exclusive = true;
        }
        const multiple: Json = { ...question, type: 'multiple', options };
        if (orOther !== undefined) {
          multiple.other = { code: 'other', label: Object.fromEntries([...languages].map((lang) => [lang, OR_OTHER_LABEL[lang]])) };
          at([...path, 'other'], cell(survey, row, 'type'));
        }
        return multiple;
      });
    } else if (type === 'integer' || type === 'decimal') {
      addQuestion(row, (path) => {
        const integer = type === 'integer';
        const question: Json = { ...common(row, path), type: 'number', integer };
        const bounds = parseBounds(row.get('constraint'), integer);
        at([...path, 'min'], cell(survey, row, 'constraint'));
        at([...path, 'max'], cell(survey, row, 'constraint'));
        if (bounds) Object.assign(question, bounds);
        else if (row.get('constraint') === '') report(cell(survey, row, 'constraint'), `${type} questions need both bounds, such as ". >= 0 and . <= 100"`);
        else constraintProblem(row, `only bounds such as ". >= 0 and . <= 100" are translated`);
        const suffix = textOf(row, 'suffix');
        if (suffix) question.suffix = suffix;
        at([...path, 'suffix'], cell(survey, row, 'suffix'));
        return question;
      });
    } else if (type === 'text') {
      const other = previous && previous.question.type === 'multiple' && !previous.question.other && row.get('name') === `${String(previous.question.code)}_other` ? previous : undefined;
      const specify = other ? parseRelevant(row.get('relevant')) : undefined;
      if (other && specify?.anyOf?.length === 1 && specify.name === other.question.code) {
        // ODK's "please specify" pattern: the choice it follows becomes the multiple choice's other option.
        const options = other.question.options as Json[];
        const chosen = options.findIndex((o) => o.code === specify.anyOf![0]);
        if (chosen >= 0) {
          other.question.other = { code: options[chosen]!.code, label: options[chosen]!.label };
          options.splice(chosen, 1);
          at([...other.path, 'other'], { sheet: survey.name, row: row.number });
          continue;
        }
      }
      addQuestion(row, (path) => {
        const question: Json = { ...common(row, path), type: 'text' };
        const constraint = row.get('constraint');
        if (constraint !== '') {
          const length = parseLength(constraint);
          if (length === undefined) constraintProblem(row, 'only a length limit such as "string-length(.) <= 500" is translated on text');
          else question.maxLength = length;
        }
        at([...path, 'maxLength'], cell(survey, row, 'constraint'));
        return question;
      });
    } else {
      const what = ['start', 'end', 'today', 'deviceid', 'username', 'phonenumber', 'simserial', 'subscriberid', 'email', 'audit', 'start-geopoint'].includes(type)
        ? 'Sounding collects no device or timing metadata'
        : 'Sounding has single and multiple choice (select_one, select_multiple), scales, integer, decimal, text and note';
      report(cell(survey, row, 'type'), `type "${rawType}" cannot be translated: ${what}; remove the row`);
    }
  }
  flushNote();
  for (const frame of stack) report(cell(survey, frame.row, 'type'), `"${frame.row.get('type')}" at row ${frame.row.number} has no matching end`);

  function flushNote() {
    if (!note) return;
    report(cell(survey, note.row, 'label'), 'a note is translated as the hint of the question after it, and no question follows this one in its group; move it before a question');
    note = undefined;
  }
  function closeMatrix(frame: Frame) {
    const groupRow = frame.row;
    const rows = frame.rows;
    addQuestion(groupRow, (path) => {
      const question = common(groupRow, path);
      const lists = new Set(rows.map((r) => /^select[ _]one\s+(\S+)/i.exec(r.get('type'))?.[1] ?? ''));
      const list = [...lists][0];
      if (lists.size > 1) report(cell(survey, groupRow, 'type'), 'the rows of a table-list group (a matrix) must all use the same scale list');
      const scale = list && isScaleList(list) ? SCALE_LISTS[list] : SCALE_LISTS.scale_agree_dk;
      if (list && isScaleList(list)) checkScale(list);
      const prefix = `${String(question.code)}__`;
      const required = rows.map(requiredOf);
      question.required = required.length > 0 && required.every(Boolean);
      const message = rows.map((r) => textOf(r, 'required_message')).find(Boolean);
      if (message) question.requiredMessage = message;
      const items = rows.map((r, k) => {
        const name = r.get('name');
        const code = name.startsWith(prefix) ? name.slice(prefix.length) : name;
        matrixRows.set(name, { question: String(question.code), item: code });
        at([...path, 'items', k], { sheet: survey.name, row: r.number });
        at([...path, 'items', k, 'code'], cell(survey, r, 'name'));
        at([...path, 'items', k, 'text'], cell(survey, r, 'label'));
        const polarity = r.get('polarity');
        return { code, text: textOf(r, 'label'), ...(polarity ? { polarity } : {}) };
      });
      return { ...question, type: 'matrix', scale: scale.scale, ...(scale.scale === 'agree' ? { dontKnow: scale.dontKnow } : {}), items };
    });
  }

  // The settings sheet: the survey's own fields, and Sounding's (segments, audiences, indices) where it wrote them.
  const settingsRow = settingsSheet?.rows[0];
  const settings = (column: string) => settingsRow?.get(column) ?? '';
  const settingsPlace = (column: string): Place => (settingsRow && settingsSheet ? cell(settingsSheet, settingsRow, column) : { sheet: 'settings', column });
  const title = settingsRow ? textOf(settingsRow, 'form_title') : undefined;
  for (const section of sections) if (!section.title && title) section.title = title;
  const questionCount = sections.reduce((n, s) => n + (s.questions as unknown[]).length, 0);
  const numberOf = (text: string) => (/^\d+$/.test(text) ? Number(text) : text === '' ? undefined : text);
  const input: Json = {
    code: settings('form_id') || undefined,
    version: numberOf(settings('version')) ?? 1,
    title,
    description: settingsRow ? textOf(settingsRow, 'description') : undefined,
    languages: [...languages],
    // Without Sounding's own column, about four questions a minute.
    estimatedMinutes: numberOf(settings('estimated_minutes')) ?? Math.min(120, Math.max(1, Math.ceil(questionCount / 4))),
    segments: settings('role_question') ? { roleGroup: settings('role_question'), ...(settings('directorate_question') ? { directorate: settings('directorate_question') } : {}) } : undefined,
    audiences: settingsRow && settingsSheet ? jsonOf(settingsSheet, settingsRow, 'audiences') : undefined,
    perceptionGap: settingsRow && settingsSheet ? jsonOf(settingsSheet, settingsRow, 'perception_gap') : undefined,
    indices: settingsRow && settingsSheet ? jsonOf(settingsSheet, settingsRow, 'indices') : undefined,
    publishedSegments: settingsRow && settingsSheet ? jsonOf(settingsSheet, settingsRow, 'published_segments') : undefined,
    sections,
  };
  for (const [field, column] of Object.entries({
    code: 'form_id',
    version: 'version',
    title: 'form_title',
    description: 'description',
    estimatedMinutes: 'estimated_minutes',
    segments: 'role_question',
    'segments.directorate': 'directorate_question',
    audiences: 'audiences',
    perceptionGap: 'perception_gap',
    indices: 'indices',
    publishedSegments: 'published_segments',
    languages: 'default_language',
  })) {
    placeOf.set(field, settingsPlace(column));
  }
  placeOf.set('', { sheet: 'settings', row: settingsRow?.number });
  placeOf.set('sections', { sheet: survey.name });
  for (const key of Object.keys(input)) if (input[key] === undefined) delete input[key];
  return { input, placeOf };
}

function joinTexts(first: Json | undefined, second: Json | undefined): Json | undefined {
  if (!first) return second;
  if (!second) return first;
  const langs = new Set([...Object.keys(first), ...Object.keys(second)]);
  return Object.fromEntries([...langs].map((lang) => [lang, [first[lang], second[lang]].filter(Boolean).join(' ')]));
}

function isYes(value: string): boolean {
  return ['yes', 'true', 'true()', '1'].includes(value.toLowerCase());
}
