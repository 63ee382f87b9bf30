/**
 * `npm run bench [-- --only <name>] [-- --smoke]`: runs each benchmark suite in turn and prints
 * its rows as a table. A suite is a module in bench/ exporting `run(options)`; add new ones to
 * SUITES. Suites are imported only when they run, so `--only` does not pay for loading the others.
 *
 * `--smoke` runs every suite at a tiny scale (a few hundred responses, one short run), only to
 * show that it still runs to completion: .ci/run does this after the tests so no suite rots.
 * Its figures mean nothing. A suite's BENCH_* variables still override its smoke sizes.
 */
import { parseArgs } from 'node:util';

export interface SuiteOptions {
  /** Tiny sizes, one run: checks the suite works, measures nothing. */
  smoke: boolean;
}

export interface SuiteResult {
  name: string;
  rows: Record<string, string | number>[];
}

const SUITES: Record<string, () => Promise<{ run: (options: SuiteOptions) => Promise<SuiteResult> }>> = {
  start: () => import('./start.js'),
  analysis: () => import('./analysis.js'),
  http: () => import('./http.js'),
  results: () => import('./results.js'),
  pages: () => import('./pages.js'),
  report: () => import('./report.js'),
  exports: () => import('./exports.js'),
  publication: () => import('./publication.js'),
};

const { values } = parseArgs({ options: { only: { type: 'string', multiple: true }, smoke: { type: 'boolean', default: false } } });
const only = values.only ?? Object.keys(SUITES);
const unknown = only.filter((name) => !(name in SUITES));
if (unknown.length > 0) {
  console.error(`Unknown suite${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}. Suites: ${Object.keys(SUITES).join(', ')}`);
  process.exit(1);
}

console.log(
  values.smoke
    ? `Smoke run (tiny sizes, figures meaningless): ${only.join(', ')}`
    : `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; other work on the machine affects the figures.`,
);
for (const name of only) {
  const suite = await SUITES[name]!();
  const started = performance.now();
  const result = await suite.run({ smoke: values.smoke });
  if (values.smoke) console.log(`\n${name}: ran to completion in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(`\n${result.name}`);
  console.table(result.rows);
}
