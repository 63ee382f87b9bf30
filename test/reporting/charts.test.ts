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

  it('runs a signed axis out to the next 10 points beyond the widest interval, either way', async () => {
    const { intervalBarChart } = await freshCharts();
    const ticks = (svg: string) => [...svg.matchAll(/>(−?\d+)<\/text>/g)].map((m) => m[1]);
    const wide = await intervalBarChart(text, [{ label: 'A', value: 0.2, lower: 0.05, upper: 0.35 }], points);
    const narrow = await intervalBarChart(text, [{ label: 'A', value: -0.05, lower: -0.12, upper: 0.02 }], points);
    expect(ticks(wide)[0]).toBe('−40');
    expect(ticks(wide).at(-1)).toBe('40');
    expect(ticks(narrow)[0]).toBe('−20');
    expect(ticks(narrow).at(-1)).toBe('20');
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
