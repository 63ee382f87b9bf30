import { z } from 'zod';
import { localise } from '../text.js';
import { ZCode } from '../codes.js';
import { ZText } from '../text.js';
import { ZOptions, questionBase, type TOption } from './base.js';
import { MISSING, type ExportColumn } from './coding.js';
import { allValues, firstValue, type QuestionTypeModule } from './contract.js';
import { fieldsetOf, hintText, pageText } from './view.js';

export const OTHER_TEXT_MAX = 200;

export const ZMultipleQuestion = z.strictObject({
  ...questionBase,
  type: z.literal('multiple'),
  options: ZOptions,
  /** Adds an "Other" option with a text box, "please specify". */
  other: z.strictObject({ code: ZCode.default('other'), label: ZText }).optional(),
});
export type TMultipleQuestion = z.output<typeof ZMultipleQuestion>;

export interface MultipleAnswer {
  selected: string[];
  other?: string;
}

export function multipleOptions(question: TMultipleQuestion): TOption[] {
  return question.other ? [...question.options, { code: question.other.code, label: question.other.label }] : question.options;
}

export function otherField(question: TMultipleQuestion): string {
  return `${question.code}_other`;
}

/** The "please specify" text synthetic respondents give. */
const SYNTHETIC_OTHER = 'Procurement rules';

export const multipleType: QuestionTypeModule<TMultipleQuestion, MultipleAnswer> = {
  kind: 'closed',
  read(question, body) {
    const options = multipleOptions(question);
    const selected = [...new Set(allValues(body[question.code]))];
    if (selected.length === 0) return { kind: 'empty' };
    if (selected.some((code) => !options.some((o) => o.code === code))) {
      return { kind: 'error', error: { field: question.code, code: 'invalid_option' } };
    }
    const exclusive = options.find((o) => o.exclusive && selected.includes(o.code));
    if (exclusive && selected.length > 1) {
      return { kind: 'error', error: { field: question.code, code: 'exclusive_combined' } };
    }
    // Keep the definition's order, whatever order the browser sent.
    const ordered = options.map((o) => o.code).filter((code) => selected.includes(code));
    if (question.other && ordered.includes(question.other.code)) {
      const other = firstValue(body[otherField(question)]).trim();
      if (other === '') return { kind: 'error', error: { field: otherField(question), code: 'other_missing' } };
      if (other.length > OTHER_TEXT_MAX) {
        return { kind: 'error', error: { field: otherField(question), code: 'other_too_long', params: { max: OTHER_TEXT_MAX } } };
      }
      return { kind: 'answer', value: { selected: ordered, other } };
    }
    return { kind: 'answer', value: { selected: ordered } };
  },
  formFields: (question) => [{ name: question.code, several: true }, ...(question.other ? [{ name: otherField(question), several: false }] : [])],
  formValues: (question, answer) => ({
    [question.code]: answer.selected,
    ...(answer.other === undefined ? {} : { [otherField(question)]: answer.other }),
  }),
  summarise(question, answer, lang) {
    return multipleOptions(question)
      .filter((o) => answer.selected.includes(o.code))
      .map((o) => (question.other && o.code === question.other.code ? `${localise(o.label, lang)}: ${answer.other ?? ''}` : localise(o.label, lang)));
  },
  closedVariables: (question) => [{ item: '', options: multipleOptions(question), multiple: true }],
  count(_question, answer, counter) {
    const selected = (answer as Partial<MultipleAnswer> | null)?.selected;
    if (!Array.isArray(selected) || selected.length === 0) return;
    counter.answered('');
    for (const option of selected) counter.option('', String(option));
  },
  view(question, page) {
    const other = otherField(question);
    // The service adds "Select all that apply" to every such question; a definition whose own hint already says it is not repeated.
    const selectAll = page.message('selectAllThatApply');
    const saysSelectAll = (pageText(page, question.hint) ?? '').toLowerCase().includes(selectAll.toLowerCase());
    const item = (o: TOption): Record<string, unknown> => {
      const shown: Record<string, unknown> = { value: o.code, text: pageText(page, o.label) };
      if (o.exclusive) shown.behaviour = 'exclusive';
      if (question.other && o.code === question.other.code) {
        shown.conditional = {
          otherField: other,
          otherLabel: page.message('pleaseSpecify'),
          otherValue: firstValue(page.values[other]),
          otherError: page.errorFor(other),
        };
      }
      return shown;
    };
    // GOV.UK order: the ordinary answers and "Something else (please specify)", then one "or" and the answers that exclude the others.
    const options = multipleOptions(question);
    const exclusive = options.filter((o) => o.exclusive);
    return {
      macro: 'checkboxes',
      params: {
        idPrefix: question.code,
        name: question.code,
        fieldset: fieldsetOf(question, page),
        hint: { text: hintText(question, page, saysSelectAll ? undefined : selectAll) },
        // A blank "please specify" is shown once, at its own box, not again on the whole group.
        errorMessage: page.errorFor(question.code),
        values: allValues(page.values[question.code]),
        items: [...options.filter((o) => !o.exclusive).map(item), ...(exclusive.length > 0 ? [{ divider: page.message('or') }, ...exclusive.map(item)] : [])],
      },
    };
  },
  exportColumns(question) {
    // One 0/1 column per option, "other" included; then the "please specify" text.
    const columns = multipleOptions(question).map((option): ExportColumn => ({
      name: `${question.code}_${option.code}`,
      label: `${question.text.en}: ${option.label.en}`,
      item: option.code,
      questionType: 'multiple',
      kind: 'numeric',
      values: [
        { value: 1, code: 'selected', label: 'Selected' },
        { value: 0, code: 'not_selected', label: 'Not selected' },
      ],
      missing: [],
      value(answer, asked) {
        if (!answer) return asked ? MISSING.notAnswered : MISSING.notAsked;
        return (answer as MultipleAnswer).selected.includes(option.code) ? 1 : 0;
      },
    }));
    if (question.other) {
      columns.push({
        name: `${question.code}_${question.other.code}_text`,
        label: `${question.text.en}: ${question.other.label.en} (please specify)`,
        item: question.other.code,
        questionType: 'text',
        kind: 'string',
        values: [],
        missing: [],
        freeText: true,
        value: (answer) => (answer as MultipleAnswer | undefined)?.other,
      });
    }
    return columns;
  },
  indexScore(_question, answer, _item, score) {
    // Mean of the scores of the selected options that carry one.
    if (typeof answer !== 'object' || answer === null || !Array.isArray((answer as { selected?: unknown }).selected)) return null;
    const scores = (answer as { selected: string[] }).selected.map((code) => score(code, undefined)).filter((s): s is number => s !== null);
    return scores.length > 0 ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
  },
  synthetic(question, { random, leaning }) {
    const plain = question.options.filter((o) => !o.exclusive);
    const selected = plain.filter(() => random() < 0.12 + 0.35 * (1 - leaning)).map((o) => o.code);
    if (question.other && random() < 0.05) return { selected: [...selected, question.other.code], other: SYNTHETIC_OTHER };
    const none = question.options.find((o) => o.exclusive);
    if (selected.length === 0) return none ? { selected: [none.code] } : { selected: [plain[0]!.code] };
    return { selected };
  },
};
