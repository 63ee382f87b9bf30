/**
 * `npm run bench [-- --only <name>]`: runs each benchmark suite in turn and prints its rows as
 * a table. A suite is a module in bench/ exporting `run()`; add new ones to SUITES. Suites are
 * imported only when they run, so `--only` does not pay for loading the others.
 */
import { parseArgs } from 'node:util';

export interface SuiteResult {
  name: string;
  rows: Record<string, string | number>[];
}

const SUITES: Record<string, () => Promise<{ run: () => Promise<SuiteResult> }>> = {
  analysis: () => import('./analysis.js'),
  http: () => import('./http.js'),
  results: () => import('./results.js'),
  pages: () => import('./pages.js'),
  report: () => import('./report.js'),
  exports: () => import('./exports.js'),
  publication: () => import('./publication.js'),
};

const { values } = parseArgs({ options: { only: { type: 'string', multiple: true } } });
const only = values.only ?? Object.keys(SUITES);
const unknown = only.filter((name) => !(name in SUITES));
if (unknown.length > 0) {
  console.error(`Unknown suite${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}. Suites: ${Object.keys(SUITES).join(', ')}`);
  process.exit(1);
}

console.log(`Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; other work on the machine affects the figures.`);
for (const name of only) {
  const suite = await SUITES[name]!();
  const result = await suite.run();
  console.log(`\n${result.name}`);
  console.table(result.rows);
}
