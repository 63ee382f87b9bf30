/**
 * Publishing a large wave: for BENCH_PUBLICATION_SIZES (default "100000,1000000"; "600" with
 * --smoke) synthetic responses of the standard instrument, on SQLite and (with
 * TEST_DATABASE_URL) PostgreSQL:
 *
 * 1. generation with the CLI (`survey generate <id> --responses N --batch 1000`);
 * 2. closing the wave, which builds its publication in one pass over the response rows
 *    (bench/publication-child.ts, in a process of its own so its peak RSS is the build's; heap
 *    sampled every 5 ms; the compiled code in dist/, as a server runs it, a large wave's rows
 *    read and counted in worker threads), and a republish in the same process (the same build
 *    warm: code compiled, language model loaded); then, in another fresh process, each step of
 *    a build timed apart, in one thread;
 * 3. DuckDB (in memory, the same rows copied in beforehand, not timed) counting the same
 *    thing: every answer option by segment cell (role group × directorate), for every closed
 *    question and matrix row. Two query forms are timed, parsing the JSON into a typed struct
 *    (from_json) or extracting every path (json_extract_string), median of BENCH_DUCKDB_RUNS
 *    (3; 1 with --smoke) each; the faster is the reference. Both must give exactly the
 *    publication's counts (checked for every count; a sample printed). DuckDB's json_each
 *    form, the generic one, was some 60 times slower at 20,000 responses, so is not run;
 * 4. the report, results page and API of the published wave, cold (first request after a
 *    server process started and warmed up: the publication read and parsed from the database,
 *    the page rendered; one new process each) and warm (median of three more); and for each, in a fresh
 *    process, what its first answer is made of (CPU time by package: charts, templates, ...).
 *
 * Targets: the build within 2x of DuckDB's time; report, results page and API cold under 300 ms.
 * Each database made is removed afterwards (a million responses take some GB on SQLite).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { allQuestions, type TDefinition } from '../src/instrument/definition.js';
import type { Storage } from '../src/storage/db.js';
import { responsePages } from '../src/storage/exports.js';
import { userWithRoles } from '../test/support/accounts.js';
import { openSurveyDatabase, standardInstrument, testDatabases } from '../test/support/app.js';
import type { SuiteOptions, SuiteResult } from './run.js';
import { dropTarget, generate, mb, median, pageTimes, runScript, setting, timed } from './support.js';

const definition = standardInstrument();

interface Counts {
  cells: { roleGroup: string; directorate: string; responses: number }[];
  options: { roleGroup: string; directorate: string; question: string; item: string; option: string; n: number }[];
}

interface BuildResult {
  buildMs: number;
  warmBuildMs: number;
  rssBefore: number;
  rssPeak: number;
  heapBefore: number;
  heapPeak: number;
  documentBytes: number;
  responses: number;
}

interface StepsResult {
  steps: Record<'start' | 'read' | 'parse' | 'count' | 'patterns' | 'comments' | 'analyse' | 'themes' | 'disclosure' | 'stringify', number>;
  themed: number;
  comments: number;
}

interface ColdResult {
  documentBytes: number;
  readMs: number;
  parseMs: number;
  firstMs: number;
  secondMs: number;
  profile: Record<string, number>;
  charts: number;
}

// ---------------------------------------------------------------------------------------------
// DuckDB

/** What DuckDB counts: each closed question or matrix row ("slot"), and the multiple-choice questions. */
function duckPlan(def: TDefinition) {
  const segments = new Set([def.segments.roleGroup, def.segments.directorate]);
  const schema: Record<string, unknown> = {};
  const slots: { question: string; item: string; field: string; path: string }[] = [];
  const multiples: { question: string; field: string; path: string }[] = [];
  for (const { question: q } of allQuestions(def)) {
    if (segments.has(q.code)) continue;
    if (q.type === 'matrix') {
      schema[q.code] = Object.fromEntries(q.items.map((i) => [i.code, 'VARCHAR']));
      for (const i of q.items) slots.push({ question: q.code, item: i.code, field: `s."${q.code}"."${i.code}"`, path: `$.${q.code}.${i.code}` });
    } else if (q.type === 'multiple') {
      schema[q.code] = { selected: ['VARCHAR'] };
      multiples.push({ question: q.code, field: `s."${q.code}".selected`, path: `$.${q.code}.selected[*]` });
    } else if (q.type === 'single' || q.type === 'agree' || q.type === 'engagement') {
      schema[q.code] = 'VARCHAR';
      slots.push({ question: q.code, item: '', field: `s."${q.code}"`, path: `$.${q.code}` });
    }
  }
  const count = (from: string, scalars: string, lists: string[]) =>
    `with p as materialized (${from})
    select role_group, directorate, slot, option, count(*) as n
      from (select role_group, directorate, unnest(range(${slots.length})) as slot, unnest(${scalars}) as option from p)
      where option is not null group by all
    ${lists.map((list, i) => `union all select role_group, directorate, ${slots.length + i} as slot, option, count(*) as n from (select role_group, directorate, unnest(${list}) as option from p) group by all`).join('\n')}`;
  const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;
  return {
    variables: [...slots.map((s) => ({ question: s.question, item: s.item })), ...multiples.map((m) => ({ question: m.question, item: '' }))],
    queries: {
      'from_json struct': count(
        `select role_group, directorate, from_json(answers, ${quote(JSON.stringify(schema))}) as s from response`,
        `[${slots.map((s) => s.field).join(', ')}]`,
        multiples.map((m) => m.field),
      ),
      'json_extract_string paths': count(
        `select role_group, directorate, json_extract_string(answers, [${slots.map((s) => quote(s.path)).join(', ')}]) as v, ${multiples.map((m, i) => `json_extract_string(answers, ${quote(m.path)}) as m${i}`).join(', ')} from response`,
        'v',
        multiples.map((_, i) => `m${i}`),
      ),
    },
  };
}

/** The survey's stored rows in an in-memory DuckDB table (not timed). */
async function copyToDuckDB(storage: Storage, surveyId: string): Promise<DuckDBConnection> {
  const instance = await DuckDBInstance.create(':memory:');
  const duck = await instance.connect();
  await duck.run('create table response (role_group varchar, directorate varchar, answers varchar)');
  const appender = await duck.createAppender('response');
  for await (const page of responsePages(storage.db, surveyId, 5000)) {
    for (const row of page) {
      appender.appendVarchar(row.role_group);
      appender.appendVarchar(row.directorate);
      appender.appendVarchar(row.answers);
      appender.endRow();
    }
  }
  appender.closeSync();
  return duck;
}

const countKey = (c: { roleGroup: string; directorate: string; question: string; item: string; option: string }) =>
  `${c.roleGroup} | ${c.directorate || '-'} | ${c.question}${c.item ? `.${c.item}` : ''} | ${c.option}`;

async function duckCounts(duck: DuckDBConnection, query: string, variables: { question: string; item: string }[]): Promise<Map<string, number>> {
  const reader = await duck.runAndReadAll(query);
  const out = new Map<string, number>();
  for (const row of reader.getRowObjects() as { role_group: string; directorate: string; slot: bigint | number; option: string; n: bigint }[]) {
    const variable = variables[Number(row.slot)]!;
    out.set(countKey({ roleGroup: row.role_group, directorate: row.directorate, question: variable.question, item: variable.item, option: row.option }), Number(row.n));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

const round = (x: number) => Math.round(x);
const seconds = (ms: number) => +(ms / 1000).toFixed(2);

export async function run(options: SuiteOptions): Promise<SuiteResult> {
  // The build runs the compiled code, as a server does (publication-child.ts): dist/ brought up to date first, not timed.
  execFileSync(process.execPath, ['scripts/build-if-stale.mjs'], { stdio: 'inherit' });
  const sizes = setting('BENCH_PUBLICATION_SIZES', { full: '100000,1000000', smoke: '600' }, options).split(',').map(Number);
  const duckdbRuns = Number(setting('BENCH_DUCKDB_RUNS', { full: '3', smoke: '1' }, options));
  const rows: SuiteResult['rows'] = [];
  const pages: SuiteResult['rows'] = [];
  const plan = duckPlan(definition);
  for (const size of sizes) {
    for (const database of testDatabases) {
      if (database.skip) {
        rows.push({ database: database.kind, responses: size, note: 'skipped: set TEST_DATABASE_URL to include PostgreSQL' });
        continue;
      }
      const target = await database.fresh();
      const { storage, survey } = await openSurveyDatabase(definition, target);
      const countsFile = join(tmpdir(), `sounding-bench-counts-${process.pid}.json`);
      try {
        console.log(`\n${database.kind}, ${size.toLocaleString('en-GB')} responses: generating…`);
        const generateMs = await generate(target, survey.id, size);

        console.log(`${database.kind}, ${size.toLocaleString('en-GB')} responses: closing the wave (building the publication)…`);
        const build = JSON.parse(await runScript('bench/publication-child.ts', ['build', survey.id], target)) as BuildResult;
        if (build.responses !== size) throw new Error(`the publication counted ${build.responses} responses of ${size}`);
        const { steps: s, themed, comments } = JSON.parse(await runScript('bench/publication-child.ts', ['steps', survey.id, countsFile], target)) as StepsResult;
        const ours = JSON.parse(readFileSync(countsFile, 'utf8')) as Counts;

        console.log(`${database.kind}, ${size.toLocaleString('en-GB')} responses: DuckDB…`);
        const duck = await copyToDuckDB(storage, survey.id);
        const oursByKey = new Map(ours.options.map((o) => [countKey(o), o.n]));
        const forms: { form: string; ms: number; same: boolean }[] = [];
        let duckByKey = new Map<string, number>();
        for (const [form, query] of Object.entries(plan.queries)) {
          const times: number[] = [];
          for (let i = 0; i < duckdbRuns; i++) {
            const t = await timed(() => duckCounts(duck, query, plan.variables));
            times.push(t.ms);
            duckByKey = t.value;
          }
          const same = duckByKey.size === oursByKey.size && [...oursByKey].every(([key, n]) => duckByKey.get(key) === n);
          forms.push({ form, ms: median(times), same });
        }
        const cellsInDuck = (await duck.runAndReadAll('select role_group, directorate, count(*) as n from response group by all')).getRowObjects() as {
          role_group: string;
          directorate: string;
          n: bigint;
        }[];
        const sameCells =
          cellsInDuck.length === ours.cells.length &&
          cellsInDuck.every((c) => ours.cells.find((o) => o.roleGroup === c.role_group && o.directorate === c.directorate)?.responses === Number(c.n));
        duck.closeSync();
        const best = forms.reduce((a, b) => (b.ms < a.ms ? b : a));
        const same = forms.every((f) => f.same) && sameCells;

        // A few counts side by side: spread over the table, sorted for a stable pick.
        const keys = [...oursByKey.keys()].sort();
        console.log(`\nSame figures, a sample of ${keys.length.toLocaleString('en-GB')} counts (role group | directorate | variable | option):`);
        console.table(Array.from({ length: 8 }, (_, i) => keys[Math.floor((i * keys.length) / 8)]!).map((key) => ({ count: key, Sounding: oursByKey.get(key), DuckDB: duckByKey.get(key) })));
        console.log(`DuckDB query forms (median of ${duckdbRuns}): ${forms.map((f) => `${f.form} ${round(f.ms)} ms${f.same ? '' : ' (DIFFERENT FIGURES)'}`).join('; ')}`);

        const parts = Object.values(s).reduce((a, b) => a + b, 0);
        console.log(`\nBuild steps, each timed apart in a fresh process (${database.kind}, ${size.toLocaleString('en-GB')} responses):`);
        console.table([
          { step: 'load the language model (wink-nlp; once per process)', ms: round(s.start) },
          { step: 'read rows (PostgreSQL: a cursor; SQLite: keyset pages)', ms: round(s.read) },
          { step: 'JSON.parse answers (one response at a time)', ms: round(s.parse) },
          { step: 'count (TableBuilder: question-type modules, index scores)', ms: round(s.count) },
          { step: 'answer patterns (respondent file masks)', ms: round(s.patterns) },
          { step: 'free text: count comments, keep the sample', ms: round(s.comments) },
          { step: 'analyseSurvey', ms: round(s.analyse) },
          { step: `themes (${themed.toLocaleString('en-GB')} of ${comments.toLocaleString('en-GB')} quotable comments)`, ms: round(s.themes) },
          { step: 'coarsening and masks decided', ms: round(s.disclosure) },
          { step: 'JSON.stringify the document', ms: round(s.stringify) },
          { step: 'sum of the steps', ms: round(parts) },
          { step: 'the build (close, end to end, first in its process)', ms: round(build.buildMs) },
          { step: 'the same build again in that process (republish)', ms: round(build.warmBuildMs) },
        ]);

        console.log(`${database.kind}, ${size.toLocaleString('en-GB')} responses: report, results page and API cold and warm…`);
        const { organisation_id } = await storage.db.selectFrom('survey').select('organisation_id').where('id', '=', survey.id).executeTakeFirstOrThrow();
        const { cookie } = await userWithRoles(storage.db, { [organisation_id]: 'viewer' });
        const report = await pageTimes(target, `/surveys/${survey.id}/report`, cookie, '<svg');
        const results = await pageTimes(target, `/surveys/${survey.id}/results`, cookie, 'govuk-table');
        const api = await pageTimes(target, `/api/surveys/${survey.id}/results`, cookie, '"questions"');
        console.log(`\nFirst request in a fresh process (app.inject, no HTTP), CPU ms by where the code comes from (${database.kind}, ${size.toLocaleString('en-GB')} responses):`);
        const columns = new Map<string, Record<string, number>>();
        let document = 0;
        for (const [page, url] of [
          ['report', `/surveys/${survey.id}/report`],
          ['results page', `/surveys/${survey.id}/results`],
          ['API', `/api/surveys/${survey.id}/results`],
        ] as const) {
          const cold = JSON.parse(await runScript('bench/publication-child.ts', ['cold', survey.id, url, cookie], target)) as ColdResult;
          document = cold.documentBytes;
          const { idle: _idle, ...profile } = cold.profile;
          columns.set(cold.charts > 0 ? `${page} (${cold.charts} charts)` : page, {
            'publication read (apart)': cold.readMs,
            'JSON.parse (apart)': cold.parseMs,
            'first answer': cold.firstMs,
            ...Object.fromEntries(Object.entries(profile).map(([where, ms]) => [`  CPU: ${where}`, ms])),
            'second answer': cold.secondMs,
          });
        }
        const measures = [...new Set([...columns.values()].flatMap((c) => Object.keys(c)))];
        const cpu = measures.filter((m) => m.startsWith('  CPU')).sort((a, b) => [...columns.values()].reduce((t, c) => t + (c[b] ?? 0) - (c[a] ?? 0), 0));
        console.table(
          [...measures.filter((m) => !m.startsWith('  CPU') && m !== 'second answer'), ...cpu, 'second answer'].map((measure) => ({
            ms: measure,
            ...Object.fromEntries([...columns].flatMap(([page, c]) => (c[measure] === undefined ? [] : [[page, round(c[measure])]]))),
          })),
        );

        rows.push({
          database: database.kind,
          responses: size,
          'generate resp/s': Math.round(size / (generateMs / 1000)),
          'build s': seconds(build.buildMs),
          'republish s': seconds(build.warmBuildMs),
          'DuckDB s': seconds(best.ms),
          'build/DuckDB': +(build.buildMs / best.ms).toFixed(2),
          'republish/DuckDB': +(build.warmBuildMs / best.ms).toFixed(2),
          'peak RSS MB (before)': `${mb(build.rssPeak)} (${mb(build.rssBefore)})`,
          'peak heap MB (before)': `${mb(build.heapPeak)} (${mb(build.heapBefore)})`,
          'same figures': same ? 'yes' : 'NO',
        });
        pages.push({
          database: database.kind,
          responses: size,
          'report cold ms': round(report.cold),
          'report warm ms': round(report.warm),
          'results cold ms': round(results.cold),
          'results warm ms': round(results.warm),
          'API cold ms': round(api.cold),
          'API warm ms': round(api.warm),
          'publication MB': +(document / 1048576).toFixed(1),
        });
      } finally {
        await storage.close();
        rmSync(countsFile, { force: true });
        await dropTarget(target);
      }
    }
  }
  console.log('\nReport, results page and API of the published wave, one new server process for each cold request (target: cold under 300 ms)');
  console.table(pages);
  return { name: 'Publication build, streaming over every response, against DuckDB counting the same (target: within 2x of DuckDB)', rows };
}
