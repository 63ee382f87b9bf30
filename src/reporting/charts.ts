import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Runtime } from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { remember } from './cache.js';

/**
 * Charts for the report: vega-lite specs compiled to vega and rendered to SVG on the server
 * (no JavaScript in the browser, vectors in the PDF). Every chart is built only from figures
 * analysis has already published, and carries its accessible name and description; the
 * report puts the same figures in a table beside it.
 */

export interface IntervalRow {
  label: string;
  /** Proportion (0-1) or score, with its 95% interval. */
  value: number;
  lower: number;
  upper: number;
  /** A reference value drawn as a tick (e.g. a published national figure). */
  reference?: number;
}

export interface ChartText {
  id: string;
  title: string;
  /** What the chart shows, in words, for screen readers. */
  description: string;
}

const FONT = 'Arial, sans-serif';
const BLUE = '#1d70b8';
const DARK = '#0b0c0c';

/**
 * Every chart is drawn twice and both drawings are served; the report's stylesheet shows one
 * (an SVG cannot reflow to the width it is shown at, and scaled down to a phone its labels
 * would be a few pixels high):
 *
 * - **wide**, for desktops and print: each bar's label to its left, 12 px text; a long chart
 *   in parts (`drawWide`), so that printed it breaks between them;
 * - **narrow**, for phones and tablets: drawn at the width of a 320 px screen's content and
 *   shown at that size, so its text is body text (16 px); each label wrapped in full above its
 *   bar, the bars taking the whole width.
 *
 * Both are the same figures. The narrow drawings add about 14 KB, compressed, to a report
 * (the standard instrument's, 600 responses: 31 KB to 45 KB), less than a second set of chart
 * files with their own addresses and access checks would cost in requests.
 */
type Layout = 'wide' | 'narrow';

/**
 * Wide charts' labels are wrapped onto at most two lines of this many characters (the full
 * text is in the table). Without a canvas, vega estimates text widths generously, so the limit
 * in pixels is set from the characters rather than left to cut labels short.
 */
const LABEL_CHARS = 32;
const LABEL_LIMIT = LABEL_CHARS * 10;
/** A wide chart's row: room for a two-line label (14 px lines) and a little space between bars. */
const WIDE_STEP = 30;
/** Rows in one part of a long wide chart: a part, printed at four fifths, is about a third of an A4 page. */
const WIDE_PART_ROWS = 15;
const LABEL_AXIS = { labelLimit: LABEL_LIMIT, labelExpr: "split(datum.value, '\\n')" } as const;
const WIDE_CONFIG = {
  font: FONT,
  aria: false,
  view: { stroke: null },
  axis: { labelFontSize: 12, titleFontSize: 12, labelColor: DARK, titleColor: DARK, labelLimit: LABEL_LIMIT },
  legend: { labelFontSize: 12, titleFontSize: 12, labelLimit: 220 },
} as const;

/** A 320 px screen less GOV.UK's 15 px margins either side: a narrow chart is never scaled down on a phone. */
const NARROW_WIDTH = 290;
/** GOV.UK's body text on a phone, and its line height. */
const BODY_SIZE = 16;
const BODY_LINE = 20;
/** Characters of a label's line at body size across the narrow width (Arial averages about half an em; capitals are wider). */
const NARROW_CHARS = 30;
const NARROW_BAR = 16;
/** Space between a label and its bar, and between one bar and the next label. */
const NARROW_LABEL_GAP = 4;
const NARROW_ROW_GAP = 16;
/** Room either side of the bars for half an axis label ("100%") centred on the end of the axis. */
const NARROW_SIDE = 18;
const NARROW_CONFIG = {
  font: FONT,
  aria: false,
  view: { stroke: null },
  // No grid lines: they would run through the labels above the bars.
  axis: { labelFontSize: BODY_SIZE, titleFontSize: BODY_SIZE, labelColor: DARK, titleColor: DARK, titleFontWeight: 'normal', tickCount: 5, titleLineHeight: BODY_LINE, grid: false },
  legend: { labelFontSize: BODY_SIZE, labelLimit: 2 * NARROW_WIDTH, symbolSize: 200, rowPadding: 4 },
  text: { fontSize: BODY_SIZE, lineHeight: BODY_LINE, color: DARK, font: FONT },
} as const;

/**
 * A narrow chart's size, set rather than fitted: without a canvas vega overestimates text
 * widths by half, so it would shrink the bars to make room for labels that fit. The padding
 * holds what lies outside the bars: the axis under them and its title, and a legend above.
 */
function narrowSize(axisTitle: readonly string[], legendEntries = 0) {
  const axis = 8 + BODY_LINE + 4 + axisTitle.length * BODY_LINE + 4;
  const legend = legendEntries > 0 ? legendEntries * (BODY_LINE + 4) + 16 : 4;
  return {
    width: NARROW_WIDTH - 2 * NARROW_SIDE,
    height: NARROW_PLACEHOLDER_HEIGHT,
    autosize: { type: 'none' },
    padding: { left: NARROW_SIDE, right: NARROW_SIDE, top: legend, bottom: axis },
  } as const;
}

/** The words of a text in lines of at most `chars` characters (a longer word has a line of its own). */
function wrapWords(text: string, chars: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > chars) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines;
}

/** A wide chart's axis label: two lines at most, the second ending in an ellipsis when the text goes on. */
function wrapLabel(text: string): string {
  const lines = wrapWords(text, LABEL_CHARS);
  if (lines.length <= 2) return lines.join('\n');
  const second = lines[1]!.length > LABEL_CHARS - 1 ? lines[1]!.slice(0, LABEL_CHARS - 1) : lines[1]!;
  return `${lines[0]}\n${second}…`;
}

/** Where a narrow chart's row sits, in pixels from the top: its label's lines, then its bar. */
interface NarrowRow {
  lines: string[];
  labelTop: number;
  barTop: number;
  barMiddle: number;
  barBottom: number;
}

/** Rows one under another, each as tall as its wrapped label needs, and the height they take. */
function stackRows(labels: readonly string[]): { rows: NarrowRow[]; height: number } {
  let top = 0;
  const rows = labels.map((label) => {
    const lines = wrapWords(label, NARROW_CHARS);
    const barTop = top + lines.length * BODY_LINE + NARROW_LABEL_GAP;
    const row = { lines, labelTop: top, barTop, barMiddle: barTop + NARROW_BAR / 2, barBottom: barTop + NARROW_BAR };
    top = row.barBottom + NARROW_ROW_GAP;
    return row;
  });
  return { rows, height: Math.max(0, top - NARROW_ROW_GAP) };
}

/** Pixel positions down a narrow chart: the rows' own, unscaled. */
const pixels = (field: keyof NarrowRow) => ({ field, type: 'quantitative', scale: null }) as const;
/** Each row's label, above its bar from the chart's left edge; `filter` keeps one of a row's several data points. */
const narrowLabels = (filter?: string) => ({
  ...(filter ? { transform: [{ filter }] } : {}),
  mark: { type: 'text', align: 'left', baseline: 'top' },
  encoding: { x: { value: -NARROW_SIDE }, y: pixels('labelTop'), text: { field: 'lines' } },
});
/** A narrow chart's axis: its title wrapped to the width, a few ticks so that labels at body size do not collide. */
const narrowAxisTitle = (title: string) => wrapWords(title, NARROW_CHARS + 4);

export interface IntervalChartOptions {
  scale: 'percent' | 'score' | 'points';
  axisTitle: string;
}

/**
 * Horizontal bars with 95% interval whiskers: proportions on a 0-100% axis, or scores on 0-100.
 * With `signed`, bars run either way from zero (differences, such as the perception gap).
 */
export async function intervalBarChart(text: ChartText, rows: readonly IntervalRow[], options: IntervalChartOptions): Promise<string> {
  // Proportions and differences of proportions are drawn in percentages and percentage points.
  const factor = options.scale === 'score' ? 1 : 100;
  const figures = rows.map((r) => ({
    value: r.value * factor,
    lower: r.lower * factor,
    upper: r.upper * factor,
    ...(r.reference === undefined ? {} : { reference: r.reference * factor }),
  }));
  // Differences run either way from zero, as far as the widest interval, to the next 10 points:
  // the range is a signal, so the spec (compiled once) does not depend on the figures.
  const signed = options.scale === 'points';
  const extent = signed ? Math.ceil(Math.max(10, ...figures.map((v) => Math.max(Math.abs(v.lower), Math.abs(v.upper)))) / 10) * 10 : 100;
  const domain = signed ? { expr: `[-${EXTENT}, ${EXTENT}]` } : [0, 100];
  const params = signed ? { params: [{ name: EXTENT, value: 10 }] } : {};
  const signals = signed ? { [EXTENT]: extent } : {};
  const references = figures.some((v) => v.reference !== undefined);
  const referenceMark = { transform: [{ filter: 'isValid(datum.reference)' }], mark: { type: 'point', shape: 'diamond', filled: true, color: '#d4351c', size: 90 } };
  const x = (field: string) => ({ field, type: 'quantitative' }) as const;

  const y = { field: 'label', type: 'nominal', sort: null, title: null, axis: LABEL_AXIS } as const;
  const wideLayers: Record<string, unknown>[] = [
    { mark: { type: 'bar', color: BLUE, height: { band: 0.6 } }, encoding: { y, x: { ...x('value'), scale: { domain }, title: options.axisTitle } } },
    { mark: { type: 'rule', color: DARK, strokeWidth: 1.5 }, encoding: { y, x: x('lower'), x2: { field: 'upper' } } },
    { mark: { type: 'tick', color: DARK, thickness: 1.5, size: 10 }, encoding: { y, x: x('lower') } },
    { mark: { type: 'tick', color: DARK, thickness: 1.5, size: 10 }, encoding: { y, x: x('upper') } },
  ];
  if (references) wideLayers.push({ ...referenceMark, encoding: { y, x: x('reference') } });
  const wide = drawWide(
    text,
    { ...params, width: 360, height: { step: WIDE_STEP }, data: { name: DATA }, layer: wideLayers, config: WIDE_CONFIG } as unknown as TopLevelSpec,
    figures.map((f, i) => [{ ...f, label: wrapLabel(rows[i]!.label) }]),
    signals,
  );

  const stacked = stackRows(rows.map((r) => r.label));
  const narrowTitle = narrowAxisTitle(options.axisTitle);
  const whiskerEnd = (field: string) => ({ mark: { type: 'rule', color: DARK, strokeWidth: 1.5 }, encoding: { x: x(field), y: pixels('barTop'), y2: { field: 'barBottom' } } });
  const narrowLayers: Record<string, unknown>[] = [
    narrowLabels(),
    {
      mark: { type: 'bar', color: BLUE },
      encoding: { y: pixels('barTop'), y2: { field: 'barBottom' }, x: { ...x('value'), scale: { domain }, title: narrowTitle }, x2: { datum: 0 } },
    },
    { mark: { type: 'rule', color: DARK, strokeWidth: 1.5 }, encoding: { y: pixels('barMiddle'), x: x('lower'), x2: { field: 'upper' } } },
    whiskerEnd('lower'),
    whiskerEnd('upper'),
  ];
  if (references) narrowLayers.push({ ...referenceMark, encoding: { y: pixels('barMiddle'), x: x('reference') } });
  const narrow = render(
    text,
    { layout: 'narrow', part: 0 },
    { ...params, ...narrowSize(narrowTitle), data: { name: DATA }, layer: narrowLayers, config: NARROW_CONFIG } as unknown as TopLevelSpec,
    figures.map((f, i) => ({ ...f, ...stacked.rows[i]! })),
    signals,
    stacked.height,
  );
  return (await wide) + (await narrow);
}

export interface DivergingRow {
  label: string;
  /** Shares (0-1) of each answer, in scale order from most negative to most positive. */
  shares: readonly number[];
}

/**
 * Diverging stacked bars for a scale: negative answers to the left of zero, positive to the
 * right, the middle answer (if the scale has one) straddling zero.
 */
export async function divergingChart(text: ChartText, answers: readonly string[], rows: readonly DivergingRow[]): Promise<string> {
  const middle = answers.length % 2 === 1 ? (answers.length - 1) / 2 : -1;
  const negatives = Math.floor(answers.length / 2);
  const segments = rows.map((row) => {
    let start = -100 * (row.shares.slice(0, negatives).reduce((s, v) => s + v, 0) + (middle >= 0 ? (row.shares[middle] ?? 0) / 2 : 0));
    return answers.map((answer, k) => {
      const width = 100 * (row.shares[k] ?? 0);
      const segment = { answer, order: k, start, end: start + width, percent: Math.round(width) };
      start += width;
      return segment;
    });
  });
  const colours = ['#942514', '#d4351c', '#f47738', '#b1b4b6', '#5694ca', '#1d70b8', '#003078'];
  const range =
    answers.length === 5
      ? [colours[0], colours[2], colours[3], colours[4], colours[6]]
      : answers.length === 4
        ? [colours[0], colours[2], colours[4], colours[6]]
        : colours.slice(0, answers.length);
  const axisTitle = 'Percentage answering (disagree to the left, agree to the right)';
  const x = { field: 'start', type: 'quantitative', scale: { domain: [-100, 100] }, axis: { labelExpr: 'abs(datum.value) + "%"' } } as const;
  const color = (legend: object) => ({ field: 'answer', type: 'nominal', sort: [...answers], scale: { domain: [...answers], range }, legend: { title: null, ...legend } });

  const wide = drawWide(
    text,
    {
      width: 360,
      height: { step: WIDE_STEP },
      data: { name: DATA },
      mark: { type: 'bar', height: { band: 0.7 } },
      encoding: {
        y: { field: 'label', type: 'nominal', sort: null, title: null, axis: LABEL_AXIS },
        x: { ...x, title: axisTitle },
        x2: { field: 'end' },
        color: color({ orient: 'bottom', columns: 3 }),
        order: { field: 'order' },
      },
      config: WIDE_CONFIG,
    } as unknown as TopLevelSpec,
    segments.map((row, i) => row.map((segment) => ({ ...segment, label: wrapLabel(rows[i]!.label) }))),
  );

  const stacked = stackRows(rows.map((r) => r.label));
  const narrowTitle = narrowAxisTitle(axisTitle);
  const narrow = render(
    text,
    { layout: 'narrow', part: 0 },
    {
      ...narrowSize(narrowTitle, answers.length),
      data: { name: DATA },
      layer: [
        narrowLabels('datum.order === 0'),
        {
          mark: { type: 'bar' },
          encoding: {
            y: pixels('barTop'),
            y2: { field: 'barBottom' },
            x: { ...x, title: narrowTitle },
            x2: { field: 'end' },
            // Above the bars, so the colours are known before the first of them.
            color: color({ orient: 'top', direction: 'vertical' }),
          },
        },
      ],
      config: NARROW_CONFIG,
    } as unknown as TopLevelSpec,
    segments.flatMap((row, i) => row.map((segment) => ({ ...segment, ...stacked.rows[i]! }))),
    {},
    stacked.height,
  );
  return (await wide) + (await narrow);
}

/** The one data set of every chart: specs name it and the figures are given to the view, so a spec's compiled form does not depend on them. */
const DATA = 'figures';
/** The signal holding how far a signed axis runs from zero either way. */
const EXTENT = 'extent';
/** A narrow chart's height in its spec; each drawing sets its own (its rows' labels take as many lines as they need). */
const NARROW_PLACEHOLDER_HEIGHT = 100;

/**
 * Vega's runtime dataflow for each chart spec (without its figures), compiled from vega-lite
 * and parsed once: that costs more than drawing, and a report's charts are a handful of shapes
 * (whether national figures are drawn changes the spec; the gap chart's range is a signal),
 * the same for every wave. The runtime is a plain description that each view instantiates
 * afresh, so sharing it is safe. (Views themselves cannot be kept and given new figures: vega
 * keeps axis labels from the previous figures.)
 */
const runtimes = new Map<string, Runtime>();

/**
 * vega and vega-lite, with the thirty-odd d3 packages behind them, are loaded with the first
 * chart rather than at start-up: they take about a second and 30 MB to load, and most requests
 * draw no chart. (A server loads them soon after it listens, warming up: web/routes/report.ts.)
 * Loading a package holds the event loop until it is done, so the two are loaded one at a
 * time with a turn of the loop between them, in which other requests are answered.
 */
let chartLibraries: Promise<{ vega: typeof import('vega'); vegaLite: typeof import('vega-lite') }> | undefined;
function loadChartLibraries() {
  chartLibraries ??= (async () => {
    const vegaLite = await import('vega-lite');
    await nextTurn();
    return { vega: await import('vega'), vegaLite };
  })();
  return chartLibraries;
}

/**
 * The wide drawing, in parts of at most `WIDE_PART_ROWS` rows, each with its axis: printed, a
 * long chart breaks between parts, as a table between rows, rather than being shrunk to fit a
 * page. Parts share the spec, so its compiled form is reused. The first part is the image
 * screen readers meet (its name and description cover every row); the rest are hidden from them.
 */
async function drawWide(text: ChartText, spec: TopLevelSpec, rows: readonly (readonly object[])[], signals: Record<string, unknown> = {}): Promise<string> {
  const parts = Math.max(1, Math.ceil(rows.length / WIDE_PART_ROWS));
  const size = Math.ceil(rows.length / parts);
  const drawings = Array.from({ length: parts }, (_, part) => render(text, { layout: 'wide', part }, spec, rows.slice(part * size, (part + 1) * size).flat(), signals));
  return (await Promise.all(drawings)).join('');
}

/** Which drawing of a chart: its layout, and for a wide one drawn in parts, which part (0 for the first or only). */
interface Drawing {
  layout: Layout;
  part: number;
}

async function render(text: ChartText, drawing: Drawing, spec: TopLevelSpec, values: readonly object[], signals: Record<string, unknown> = {}, height?: number): Promise<string> {
  const { vega, vegaLite } = await loadChartLibraries();
  const key = JSON.stringify(spec);
  let runtime = runtimes.get(key);
  if (!runtime) {
    runtime = vega.parse(vegaLite.compile(spec).spec);
    remember(runtimes, key, runtime);
  }
  const view = new vega.View(runtime, { renderer: 'none' });
  try {
    view.data(DATA, values as object[]);
    for (const [name, value] of Object.entries(signals)) view.signal(name, value);
    if (height !== undefined) view.height(height);
    return accessible(await view.toSVG(), text, drawing);
  } finally {
    view.finalize();
  }
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The SVG as one image with a name and a description. Vega's own roles on inner groups are
 * dropped: inside role="img" they would only add noise for screen readers. The class says
 * which layout it is, for the stylesheet; the narrow drawing's ids are its own. A wide chart's
 * later parts are hidden from screen readers: the first part's description covers them.
 */
function accessible(svg: string, text: ChartText, { layout, part }: Drawing): string {
  const inner = svg.replace(/ (role|aria-roledescription|aria-label)="[^"]*"/g, '');
  const id = layout === 'wide' ? text.id : `${text.id}-narrow`;
  const image =
    part > 0
      ? 'aria-hidden="true">'
      : `role="img" aria-labelledby="${id}-title ${id}-desc"><title id="${id}-title">${escapeXml(text.title)}</title><desc id="${id}-desc">${escapeXml(text.description)}</desc>`;
  return inner.replace(/^<svg ([^>]*)>/, (_m, attrs: string) => `<svg ${attrs.replace(/ ?class="marks"/, '')} class="app-chart app-chart--${layout}" ${image}`);
}
