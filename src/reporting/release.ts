/**
 * Results leave the system only from a wave's publication, built when it closes. While a
 * wave is open its figures change with each response, so anyone who reads them just before
 * and just after a colleague answers can work out that colleague's answers by subtraction,
 * whatever the suppression threshold; a wave that has no publication has no results to show.
 */
export const WITHHELD_WHILE_OPEN =
  'Results are published when the survey closes. While it is open the figures change with every response, so comparing them before and after someone answers could reveal that person’s answers.';
