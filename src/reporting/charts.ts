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
/**
 * Axis labels are wrapped onto at most two lines of this many characters (the full text is in
 * the table). Without a canvas, vega estimates text widths generously, so the limit in pixels
 * is set from the characters rather than left to cut labels short.
 */
const LABEL_CHARS = 32;
const LABEL_LIMIT = LABEL_CHARS * 10;
const LABEL_AXIS = { labelLimit: LABEL_LIMIT, labelExpr: "split(datum.value, '\\n')" } as const;

function wrapLabel(text: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > LABEL_CHARS) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  if (lines.length <= 2) return lines.join('\n');
  const second = lines[1]!.length > LABEL_CHARS - 1 ? lines[1]!.slice(0, LABEL_CHARS - 1) : lines[1]!;
  return `${lines[0]}\n${second}…`;
}
const BLUE = '#1d70b8';
const DARK = '#0b0c0c';
const BASE_CONFIG = {
  font: FONT,
  aria: false,
  view: { stroke: null },
  axis: { labelFontSize: 12, titleFontSize: 12, labelColor: DARK, titleColor: DARK, labelLimit: LABEL_LIMIT },
  legend: { labelFontSize: 12, titleFontSize: 12, labelLimit: 220 },
} as const;

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
  const values = rows.map((r) => ({
    label: wrapLabel(r.label),
    value: r.value * factor,
    lower: r.lower * factor,
    upper: r.upper * factor,
    ...(r.reference === undefined ? {} : { reference: r.reference * factor }),
  }));
  // Differences run either way from zero, as far as the widest interval, to the next 10 points:
  // the range is a signal, so the spec (compiled once) does not depend on the figures.
  const signed = options.scale === 'points';
  const extent = signed ? Math.ceil(Math.max(10, ...values.map((v) => Math.max(Math.abs(v.lower), Math.abs(v.upper)))) / 10) * 10 : 100;
  const domain = signed ? { expr: `[-${EXTENT}, ${EXTENT}]` } : [0, 100];
  const y = { field: 'label', type: 'nominal', sort: null, title: null, axis: LABEL_AXIS } as const;
  const layers: Record<string, unknown>[] = [
    { mark: { type: 'bar', color: BLUE, height: { band: 0.6 } }, encoding: { y, x: { field: 'value', type: 'quantitative', scale: { domain }, title: options.axisTitle } } },
    { mark: { type: 'rule', color: DARK, strokeWidth: 1.5 }, encoding: { y, x: { field: 'lower', type: 'quantitative' }, x2: { field: 'upper' } } },
    { mark: { type: 'tick', color: DARK, thickness: 1.5, size: 10 }, encoding: { y, x: { field: 'lower', type: 'quantitative' } } },
    { mark: { type: 'tick', color: DARK, thickness: 1.5, size: 10 }, encoding: { y, x: { field: 'upper', type: 'quantitative' } } },
  ];
  if (values.some((v) => v.reference !== undefined)) {
    layers.push({
      transform: [{ filter: 'isValid(datum.reference)' }],
      mark: { type: 'point', shape: 'diamond', filled: true, color: '#d4351c', size: 90 },
      encoding: { y, x: { field: 'reference', type: 'quantitative' } },
    });
  }
  return render(
    text,
    {
      ...(signed ? { params: [{ name: EXTENT, value: 10 }] } : {}),
      width: 360,
      height: { step: 36 },
      data: { name: DATA },
      layer: layers,
      config: BASE_CONFIG,
    } as unknown as TopLevelSpec,
    values,
    signed ? { [EXTENT]: extent } : {},
  );
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
  const values = rows.flatMap((row) => {
    let start = -100 * (row.shares.slice(0, negatives).reduce((s, v) => s + v, 0) + (middle >= 0 ? (row.shares[middle] ?? 0) / 2 : 0));
    return answers.map((answer, k) => {
      const width = 100 * (row.shares[k] ?? 0);
      const segment = { label: wrapLabel(row.label), answer, order: k, start, end: start + width, percent: Math.round(width) };
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
  return render(
    text,
    {
      width: 360,
      height: { step: 36 },
      data: { name: DATA },
      mark: { type: 'bar', height: { band: 0.7 } },
      encoding: {
        y: { field: 'label', type: 'nominal', sort: null, title: null, axis: LABEL_AXIS },
        x: {
          field: 'start',
          type: 'quantitative',
          scale: { domain: [-100, 100] },
          title: 'Percentage answering (disagree to the left, agree to the right)',
          axis: { labelExpr: 'abs(datum.value) + "%"' },
        },
        x2: { field: 'end' },
        color: { field: 'answer', type: 'nominal', sort: [...answers], scale: { domain: [...answers], range }, legend: { orient: 'bottom', columns: 3, title: null } },
        order: { field: 'order' },
      },
      config: BASE_CONFIG,
    } as unknown as TopLevelSpec,
    values,
  );
}

/** The one data set of every chart: specs name it and the figures are given to the view, so a spec's compiled form does not depend on them. */
const DATA = 'figures';
/** The signal holding how far a signed axis runs from zero either way. */
const EXTENT = 'extent';

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

async function render(text: ChartText, spec: TopLevelSpec, values: readonly object[], signals: Record<string, unknown> = {}): Promise<string> {
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
    return accessible(await view.toSVG(), text);
  } finally {
    view.finalize();
  }
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The SVG as one image with a name and a description. Vega's own roles on inner groups are
 * dropped: inside role="img" they would only add noise for screen readers.
 */
function accessible(svg: string, text: ChartText): string {
  const inner = svg.replace(/ (role|aria-roledescription|aria-label)="[^"]*"/g, '');
  return inner.replace(
    /^<svg ([^>]*)>/,
    (_m, attrs: string) =>
      `<svg ${attrs.replace(/ ?class="marks"/, '')} class="app-chart" role="img" aria-labelledby="${text.id}-title ${text.id}-desc"><title id="${text.id}-title">${escapeXml(text.title)}</title><desc id="${text.id}-desc">${escapeXml(text.description)}</desc>`,
  );
}
