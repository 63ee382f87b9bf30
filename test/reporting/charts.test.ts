import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import nunjucks from 'nunjucks';
import { describe, expect, it, vi } from 'vitest';
import type { IntervalRow } from '../../src/reporting/charts.js';

/**
 * Charts are drawn from specs compiled once per shape (reporting/charts.ts), and a server warms
 * them and the report's templates up once it listens (web/routes/report.ts warmUpReporting):
 * neither may change what is drawn or served.
 */

const text = { id: 'chart-test', title: 'A test chart', description: 'Figures' };
const first: IntervalRow[] = [
  { label: 'Senior executives (the chief executive and directors)', value: 0.62, lower: 0.5, upper: 0.73 },
  { label: 'Frontline staff', value: 0.41, lower: 0.33, upper: 0.49 },
];
const second: IntervalRow[] = [
  { label: 'Heads of service', value: 0.2, lower: 0.1, upper: 0.3 },
  { label: 'Managers', value: 0.8, lower: 0.7, upper: 0.88 },
  { label: 'Lack of guidance and good practice to follow', value: 0.5, lower: 0.4, upper: 0.6 },
];
const percent = { scale: 'percent', axisTitle: 'Percentage' } as const;
const points = { scale: 'points', axisTitle: 'Difference' } as const;
const answers = ['Strongly disagree', 'Disagree', 'Neither', 'Agree', 'Strongly agree'];

/** The charts module as a new process has it: nothing compiled or drawn yet. */
async function freshCharts() {
  vi.resetModules();
  return import('../../src/reporting/charts.js');
}

describe('charts drawn from specs compiled once', () => {
  it('draws a chart the same whether or not charts of the same shape, with other figures, were drawn before it', async () => {
    const alone = await freshCharts();
    const expected = {
      bars: await alone.intervalBarChart(text, first, percent),
      gap: await (
        await freshCharts()
      ).intervalBarChart(
        text,
        first.map((r) => ({ ...r, value: r.value - 0.5, lower: r.lower - 0.5, upper: r.upper - 0.5 })),
        points,
      ),
      diverging: await (await freshCharts()).divergingChart(text, answers, [{ label: 'First', shares: [0.1, 0.2, 0.3, 0.2, 0.2] }]),
    };
    const shared = await freshCharts();
    await shared.intervalBarChart(text, second, percent);
    await shared.intervalBarChart(
      text,
      second.map((r) => ({ ...r, value: r.value - 0.1, lower: r.lower - 0.1, upper: r.upper + 0.3 })),
      points,
    );
    await shared.divergingChart(text, answers, [
      { label: 'Other', shares: [0.3, 0.3, 0.1, 0.2, 0.1] },
      { label: 'More', shares: [0, 0, 1, 0, 0] },
    ]);
    expect(await shared.intervalBarChart(text, first, percent)).toBe(expected.bars);
    expect(
      await shared.intervalBarChart(
        text,
        first.map((r) => ({ ...r, value: r.value - 0.5, lower: r.lower - 0.5, upper: r.upper - 0.5 })),
        points,
      ),
    ).toBe(expected.gap);
    expect(await shared.divergingChart(text, answers, [{ label: 'First', shares: [0.1, 0.2, 0.3, 0.2, 0.2] }])).toBe(expected.diverging);
  });

  it('draws charts of one shape asked for at the same time each with its own figures', async () => {
    const charts = await freshCharts();
    const [a, b] = await Promise.all([charts.intervalBarChart(text, first, percent), charts.intervalBarChart(text, second, percent)]);
    expect(a).toContain('Frontline staff');
    expect(a).not.toContain('Managers');
    expect(b).toContain('Managers');
    expect(b).not.toContain('Frontline staff');
  });

  it('runs a signed axis out to the next 10 points beyond the widest interval, either way, in both drawings', async () => {
    const { intervalBarChart } = await freshCharts();
    const ticks = (svg: string) => [...svg.matchAll(/>(−?\d+)<\/text>/g)].map((m) => m[1]);
    const far = drawings(await intervalBarChart(text, [{ label: 'A', value: 0.2, lower: 0.05, upper: 0.35 }], points));
    const near = drawings(await intervalBarChart(text, [{ label: 'A', value: -0.05, lower: -0.12, upper: 0.02 }], points));
    for (const layout of ['wide', 'narrow'] as const) {
      expect(ticks(far[layout])[0], layout).toBe('−40');
      expect(ticks(far[layout]).at(-1), layout).toBe('40');
      expect(ticks(near[layout])[0], layout).toBe('−20');
      expect(ticks(near[layout]).at(-1), layout).toBe('20');
    }
  });
});

/** A chart's two drawings as served, the wide one first. */
function drawings(html: string): { wide: string; narrow: string } {
  const svgs = html.split(/(?=<svg )/);
  expect(svgs).toHaveLength(2);
  return { wide: svgs[0]!, narrow: svgs[1]! };
}

/** Each text element of an SVG: its size, where it is drawn (its top-left corner's translation) and its lines. */
function texts(svg: string) {
  return [...svg.matchAll(/<text [^>]*transform="translate\(([-\d.]+),([-\d.]+)\)"[^>]*font-size="(\d+)px"[^>]*>(.*?)<\/text>/g)].map((m) => ({
    x: Number(m[1]),
    y: Number(m[2]),
    size: Number(m[3]),
    lines: m[4]!.includes('<tspan') ? [...m[4]!.matchAll(/<tspan[^>]*>(.*?)<\/tspan>/g)].map((t) => t[1]!) : [m[4]!],
  }));
}

describe('a chart for phones beside each chart', () => {
  const long = 'How far do you agree or disagree with these statements about senior managers in your organisation? – They understand how important technology is to our work';
  const rows: IntervalRow[] = [
    { label: long, value: 0.62, lower: 0.5, upper: 0.73 },
    { label: 'Frontline staff', value: 0.41, lower: 0.33, upper: 0.49 },
  ];

  it('draws the wide chart with labels beside the bars, cut to two lines, and the narrow one 290 px wide with every label whole above its bar, all text at 16 px', async () => {
    const { intervalBarChart, divergingChart } = await freshCharts();
    for (const chart of [
      await intervalBarChart(text, rows, percent),
      await divergingChart(
        text,
        answers,
        rows.map((r) => ({ label: r.label, shares: [0.1, 0.2, 0.3, 0.2, 0.2] })),
      ),
    ]) {
      const { wide, narrow } = drawings(chart);
      expect(wide).toMatch(/^<svg [^>]*class="app-chart app-chart--wide" role="img" aria-labelledby="chart-test-title chart-test-desc"><title id="chart-test-title">A test chart<\/title>/);
      expect(narrow).toMatch(
        /^<svg [^>]*class="app-chart app-chart--narrow" role="img" aria-labelledby="chart-test-narrow-title chart-test-narrow-desc"><title id="chart-test-narrow-title">A test chart<\/title>/,
      );
      expect(texts(wide).find((t) => t.lines[0] === 'How far do you agree or disagree')?.lines).toEqual(['How far do you agree or disagree', 'with these statements about…']);

      expect(narrow).toMatch(/^<svg [^>]*width="290"/);
      const all = texts(narrow);
      expect(all.length).toBeGreaterThan(5);
      for (const t of all) expect(t.size, t.lines.join(' ')).toBe(16);
      // The labels, whole, in lines of at most 30 characters, one under another from the left edge.
      const labels = all.filter((t) => t.x === -18);
      expect(labels.map((t) => t.lines.join(' '))).toEqual([long, 'Frontline staff']);
      for (const line of labels[0]!.lines) expect(line.length).toBeLessThanOrEqual(30);
      // Each bar lies below its own label and above the next one.
      // Bars are paths from their top-left corner; a stacked bar's first segment stands for it.
      const bars = [...narrow.matchAll(/<path d="M[-\d.]+,([-\d.]+)h[^"]*" fill="#(?:1d70b8|942514)"/g)].map((m) => Number(m[1]));
      expect(bars).toHaveLength(2);
      expect(bars[0]).toBeGreaterThan(labels[0]!.y + 20 * (labels[0]!.lines.length - 1));
      expect(bars[0]).toBeLessThan(labels[1]!.y);
      expect(bars[1]).toBeGreaterThan(labels[1]!.y);
    }
  });
});

describe('warming up the report and results pages', () => {
  it('compiles their templates, with the layout and the GOV.UK macros they use, and draws every report chart, without error', async () => {
    vi.resetModules();
    const { warmUpReporting } = await import('../../src/web/routes/report.js');
    const govukDist = join(dirname(createRequire(import.meta.url).resolve('govuk-frontend/package.json')), 'dist');
    // Configured as the app configures its environment (web/app.ts).
    const loader = new nunjucks.FileSystemLoader(['src/web/views', govukDist]);
    const views = new nunjucks.Environment(loader, { autoescape: true, throwOnUndefined: false });
    const rendered: string[] = [];
    await warmUpReporting({ render: (name, context) => (rendered.push(name), views.render(name, context)) });
    expect(rendered).toEqual(expect.arrayContaining(['report/report.njk', 'results.njk']));
    // The loader keeps each compiled template by its path.
    const compiled = Object.keys((loader as unknown as { cache: Record<string, unknown> }).cache);
    for (const name of ['report/report.njk', 'results.njk', 'layout.njk', 'govuk/template.njk', 'govuk/components/table/macro.njk']) {
      expect(
        compiled.some((path) => path.endsWith(name)),
        name,
      ).toBe(true);
    }
  });
});

describe('a long chart', () => {
  it('is drawn wide in parts of at most 15 rows, each with its axis, the first one the image screen readers meet, and narrow whole', async () => {
    const { intervalBarChart } = await freshCharts();
    const rows: IntervalRow[] = Array.from({ length: 40 }, (_, i) => ({ label: `Finding ${i + 1}`, value: 0.5, lower: 0.4, upper: 0.6 }));
    const svgs = (await intervalBarChart(text, rows, percent)).split(/(?=<svg )/);
    const wide = svgs.filter((svg) => svg.includes('app-chart--wide'));
    const narrow = svgs.filter((svg) => svg.includes('app-chart--narrow'));
    expect(wide).toHaveLength(3);
    expect(narrow).toHaveLength(1);
    // 40 rows in three even parts: 14, 14 and 12, in order, every row once.
    const labels = (svg: string) => [...svg.matchAll(/>(Finding \d+)</g)].map((m) => m[1]);
    expect(wide.map((svg) => labels(svg).length)).toEqual([14, 14, 12]);
    expect(wide.flatMap(labels)).toEqual(rows.map((r) => r.label));
    expect(labels(narrow[0]!)).toEqual(rows.map((r) => r.label));
    for (const part of wide) expect(part).toContain('>Percentage</text>');
    expect(wide[0]).toMatch(/^<svg [^>]*role="img" aria-labelledby="chart-test-title chart-test-desc">/);
    for (const part of wide.slice(1)) {
      expect(part).toMatch(/^<svg [^>]*aria-hidden="true">/);
      expect(part).not.toContain('role="img"');
      expect(part).not.toContain('<title');
    }
  });
});
