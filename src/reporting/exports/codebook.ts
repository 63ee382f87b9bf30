import type { Coarsening } from './coarsen.js';
import type { RespondentDictionary } from './dictionary.js';

export const CODEBOOK_HEADER = ['variable', 'question', 'item', 'question_type', 'label', 'value', 'value_label', 'asked_when', 'missing_values', 'note'] as const;

export type CodebookRow = Record<(typeof CODEBOOK_HEADER)[number], string | number>;

/**
 * The codebook as rows: for each variable a row with its wording, type, when it is asked
 * and its missing codes, then one row per value label. The coarsening rule and the free-text
 * policy close it, so the file explains its own suppression.
 */
export function codebookRows(dictionary: RespondentDictionary, coarsening: Coarsening, freeText: boolean): CodebookRow[] {
  const rows: CodebookRow[] = [];
  for (const v of dictionary.variables) {
    rows.push({
      variable: v.name,
      question: v.question,
      item: v.item,
      question_type: v.questionType,
      label: v.label,
      value: '',
      value_label: '',
      asked_when: v.askedWhen,
      missing_values: v.missing.join(' '),
      note: v.note ?? '',
    });
    for (const value of v.values) {
      rows.push({ variable: v.name, question: '', item: '', question_type: '', label: '', value: value.value, value_label: value.label, asked_when: '', missing_values: '', note: value.code });
    }
  }
  const notes = [
    coarsening.rule,
    'Some answers are withheld and coded -1, as if not asked: questions asked of only some of the role groups merged into "Other", in every merged row; and, in a group where fewer than the threshold share a pattern of skipped questions, those questions in all of the group\'s rows.',
    freeText
      ? 'Free-text answers are included, with names, email addresses, phone numbers, postcodes and staff numbers replaced by placeholders, and left blank for role groups whose results are withheld.'
      : 'Free-text answers are not included.',
    'Rows are in random order and carry no response id; the submission date is given to the month only.',
  ];
  for (const note of notes) {
    rows.push({ variable: '', question: '', item: '', question_type: 'note', label: note, value: '', value_label: '', asked_when: '', missing_values: '', note: '' });
  }
  return rows;
}
