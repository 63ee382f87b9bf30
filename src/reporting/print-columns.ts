import type { ReportTable } from './report.js';

/**
 * How much of the printed page's width (A4: 186 mm of text) a report table's row labels get.
 * Left to itself, the browser sizes columns by their longest line, so columns of figures holding
 * a long note ("withheld (fewer than 10 responses…)") or long columns of text could squeeze the
 * labels to a word a line. So the labels get their share of the room the figures leave (a set
 * share for each column of figures), in proportion to the text they hold against the table's
 * other columns of text, but no more than their longest needs on two lines (short labels
 * leave the room to the figures' headings); never less than `LABELS_AT_LEAST` nor more than `LABELS_AT_MOST`. The other
 * columns share the rest as the browser decides.
 *
 * The width is a class on the labels' header cell (`app-print-width-NN`, whole steps of
 * `STEP` percent, in report.css: the Content-Security-Policy allows no inline styles), used
 * only in print: on a screen tables take the width they need.
 */
const FIGURES_SHARE = 8;
const LABELS_AT_LEAST = 20;
const LABELS_AT_MOST = 60;
const STEP = 5;
/** A character of bold 8pt Arial, on average, as a share of the width; labels need no more than their longest on two lines. */
const CHARACTER_SHARE = 0.75;
const LABEL_LINES = 2;

/** The row labels' printed width in percent. */
export function printLabelWidth(table: ReportTable): number {
  const text = table.head.map((cell, i) => (cell.format === 'numeric' ? 0 : table.rows.reduce((sum, row) => sum + (row[i]?.text.length ?? 0), cell.text.length)));
  const figures = table.head.filter((cell) => cell.format === 'numeric').length;
  const room = 100 - FIGURES_SHARE * figures;
  const share = text[0]! / (text.reduce((sum, t) => sum + t, 0) || 1);
  const longest = Math.max(...table.rows.map((row) => row[0]?.text.length ?? 0));
  const needed = (longest * CHARACTER_SHARE) / LABEL_LINES;
  const width = Math.min(Math.floor((room * share) / STEP), Math.ceil(needed / STEP)) * STEP;
  return Math.min(LABELS_AT_MOST, Math.max(LABELS_AT_LEAST, width));
}

/**
 * The table with its row labels' printed width as a class on their header cell. Where the
 * labels are the only text, the columns of figures split the rest evenly (`app-print-even`):
 * sized by their longest line, one with long headings would leave another's a word a line.
 */
export function withPrintLabelWidth(table: ReportTable): ReportTable {
  const [labels, ...rest] = table.head;
  if (!labels) return table;
  const figuresOnly = rest.every((cell) => cell.format === 'numeric');
  return { ...table, ...(figuresOnly ? { classes: 'app-print-even' } : {}), head: [{ ...labels, classes: `app-print-width-${printLabelWidth(table)}` }, ...rest] };
}
