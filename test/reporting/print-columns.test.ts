import { describe, expect, it } from 'vitest';
import { printLabelWidth, withPrintLabelWidth } from '../../src/reporting/print-columns.js';
import type { ReportTable, TableCell } from '../../src/reporting/report.js';

const num = (text: string): TableCell => ({ text, format: 'numeric' });
const text = (length: number, word = 'word'): TableCell => ({
  text: Array.from({ length: Math.ceil(length / (word.length + 1)) }, () => word)
    .join(' ')
    .slice(0, length),
});

/**
 * The printed width of a table's row labels (reporting/print-columns.ts), worked by hand from
 * its rule: 8% of the width for each column of figures; the labels' share of the rest as their
 * share of the table's text, in whole 5%, but no more than their longest label needs on two
 * lines (0.75% a character), rounded up to 5%; between 20% and 60%.
 */
describe('the printed width of row labels', () => {
  it('gives labels beside figures alone what their longest needs on two lines', () => {
    // Room 100 - 4 x 8 = 68%, all the text is the labels'; the longest, 80 characters, needs 80 x 0.75 / 2 = 30%.
    const table: ReportTable = { caption: 'c', head: [{ text: 'Statement' }, num('A'), num('B'), num('C'), num('D')], rows: [[text(80), num('1'), num('2'), num('3'), num('4')]] };
    expect(printLabelWidth(table)).toBe(30);
    // Longer labels take the room, in whole 5%: 68 -> 65%, then the most, 60%.
    expect(printLabelWidth({ ...table, rows: [[text(400), num('1'), num('2'), num('3'), num('4')]] })).toBe(60);
    // Short labels keep the least, 20%.
    expect(printLabelWidth({ ...table, rows: [[text(12), num('1'), num('2'), num('3'), num('4')]] })).toBe(20);
  });

  it('shares the room with other columns of text by how much each holds', () => {
    // Room 100 - 2 x 8 = 84%. Text: labels 9 + 200 = 209 characters (heading and cell), the other column 7 + 400 = 407: 84 x 209 / 616 = 28.5 -> 25%.
    // The longest label, 200 characters, would need 75%.
    const table: ReportTable = { caption: 'c', head: [{ text: 'Statement' }, { text: 'Comment' }, num('A'), num('B')], rows: [[text(200), text(400), num('1'), num('2')]] };
    expect(printLabelWidth(table)).toBe(25);
  });

  it('marks the labels’ header cell with the width, and a table of figures alone to split the rest evenly', () => {
    const figures: ReportTable = { caption: 'c', head: [{ text: 'Group' }, num('Yes'), num('No')], rows: [[text(12), num('1'), num('2')]] };
    expect(withPrintLabelWidth(figures)).toEqual({ ...figures, classes: 'app-print-even', head: [{ text: 'Group', classes: 'app-print-width-20' }, num('Yes'), num('No')] });
    const mixed: ReportTable = { caption: 'c', head: [{ text: 'Theme' }, num('Comments'), { text: 'Typical comments' }], rows: [[text(12), num('3'), text(300)]] };
    expect(withPrintLabelWidth(mixed)).toEqual({ ...mixed, head: [{ text: 'Theme', classes: 'app-print-width-20' }, num('Comments'), { text: 'Typical comments' }] });
  });
});
