/**
 * Results leave the system only once fieldwork has closed. While a survey is open its
 * figures change with each response, so anyone who reads them just before and just after a
 * colleague answers can work out that colleague's answers by subtraction, whatever the
 * suppression threshold. Once the survey is closed the figures are fixed.
 *
 * Every route that publishes figures or answers (results page, report, PDF, API, exports)
 * checks this before it loads anything.
 */
export function resultsReleased(survey: { state: 'draft' | 'open' | 'closed' }): boolean {
  return survey.state === 'closed';
}

export const WITHHELD_WHILE_OPEN =
  'Results are published when the survey closes. While it is open the figures change with every response, so comparing them before and after someone answers could reveal that person’s answers.';
