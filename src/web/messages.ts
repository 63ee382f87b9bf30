import type { AnswerErrorCode } from '../instrument/question-types/contract.js';
import type { TLanguage } from '../instrument/text.js';

/** Error messages for answers, in GOV.UK style: say what to do, not what went wrong. */
const errors: Record<TLanguage, Record<AnswerErrorCode, string>> = {
  en: {
    required: 'Answer this question',
    invalid_option: 'Select one of the options given',
    exclusive_combined: 'Select either "none of these" or other options, not both',
    other_missing: 'Say what the other answer is',
    other_too_long: 'The other answer must be {max} characters or fewer',
    not_a_number: 'Enter a number, like 12',
    not_whole_number: 'Enter a whole number, like 12',
    below_min: 'Enter a number that is {min} or more',
    above_max: 'Enter a number that is {max} or less',
    too_long: 'Your answer must be {max} characters or fewer',
    matrix_incomplete: 'Choose an answer for every statement',
  },
  cy: {
    required: "Atebwch y cwestiwn hwn",
    invalid_option: "Dewiswch un o'r opsiynau a roddwyd",
    exclusive_combined: '"Dim un o\'r rhain" neu opsiynau eraill, nid y ddau',
    other_missing: "Dywedwch beth yw'r ateb arall",
    other_too_long: "Rhaid i'r ateb arall fod yn {max} nod neu lai",
    not_a_number: 'Rhowch rif, fel 12',
    not_whole_number: 'Rhowch rif cyfan, fel 12',
    below_min: 'Rhowch rif sy\'n {min} neu fwy',
    above_max: 'Rhowch rif sy\'n {max} neu lai',
    too_long: "Rhaid i'ch ateb fod yn {max} nod neu lai",
    matrix_incomplete: "Dewiswch ateb ar gyfer pob datganiad",
  },
};

export function errorMessage(lang: TLanguage, code: AnswerErrorCode, params: Record<string, string | number> = {}): string {
  return errors[lang][code].replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? ''));
}
