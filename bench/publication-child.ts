/**
 * Run by bench/publication.ts in a process of its own, so that its memory and its "cold" are
 * its own: the database comes from the environment (DATABASE_URL or DATA_DIR), as for the server.
 *
 *   build <survey id>: closes the open wave through the same service as the web and the CLI
 *     (closeAndPublish: the publication built from every response in the close's transaction)
 *     and times it, with the process's peak RSS and sampled peak heap; then times a republish
 *     (the same build again, warm: code compiled and the language model loaded). The code is
 *     the compiled code in dist/ (the suite brings it up to date), as a server or the CLI runs
 *     it: a large wave's worker threads load it, not TypeScript through tsx.
 *   steps <survey id> <counts file>: the steps of a build again, each timed apart, and the
 *     per-cell option counts written to the counts file (for the suite to check against DuckDB's).
 *   cold <survey id> <url> <cookie>: in a fresh process, warmed up as a listening server is
 *     (web/app.ts), what a first request for a page costs: the publication read and parsed
 *     (timed apart), then the app's first answer to the page with its CPU time by where the
 *     code comes from (charts, templates, ...), and a second.
 *
 * Prints one JSON object on stdout.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { getHeapStatistics } from 'node:v8';
import { gunzipSync } from 'node:zlib';
import { analyseSurvey, TableBuilder } from '../src/analysis/index.js';
import { buildServices } from '../src/composition.js';
import { readConfig } from '../src/config.js';
import { loadPublishedFindings } from '../src/instrument/published-findings.js';
import type { Answers } from '../src/instrument/question-types/index.js';
import { scaleThemes } from '../src/publications/build.js';
import { CommentSample } from '../src/publications/tally.js';
import { AnswerPatterns } from '../src/publications/respondent-file.js';
import { coarsenSegments } from '../src/reporting/exports/coarsen.js';
import { themeFreeText } from '../src/reporting/free-text.js';
import { openStorage } from '../src/storage/db.js';
import { latestPublicationVersion, publicationResponseRows, publicationVersion } from '../src/storage/publications.js';
import type * as Waves from '../src/admin/waves.js';
import type * as Service from '../src/publications/service.js';
import type * as Db from '../src/storage/db.js';
import { findSurveyById } from '../src/storage/surveys.js';
import { loadWorkforceProfile } from '../src/storage/workforce-profiles.js';
import { warmedUpApp } from './support.js';

const [mode, surveyId, countsFile] = process.argv.slice(2);
const config = readConfig();
const storage = openStorage(config.database);
const db = storage.db;
const now = () => performance.now();

/** Peak heap in use, sampled every 5 ms (the build lets timers run between pages of rows). */
function sampleHeap(): () => number {
  let peak = getHeapStatistics().used_heap_size;
  const timer = setInterval(() => (peak = Math.max(peak, getHeapStatistics().used_heap_size)), 5);
  return () => {
    clearInterval(timer);
    return Math.max(peak, getHeapStatistics().used_heap_size);
  };
}

async function build() {
  const compiled = async <Module>(path: string) => (await import(new URL(`../dist/${path}`, import.meta.url).href)) as Module;
  const { changeWaveState } = await compiled<typeof Waves>('admin/waves.js');
  const { republish } = await compiled<typeof Service>('publications/service.js');
  const { openStorage: openCompiled } = await compiled<typeof Db>('storage/db.js');
  const compiledStorage = openCompiled(config.database);
  try {
    const before = { rss: process.memoryUsage.rss(), heap: getHeapStatistics().used_heap_size };
    const peakHeap = sampleHeap();
    const start = now();
    const closed = await changeWaveState(compiledStorage.db, { userId: null, label: 'benchmark' }, surveyId!, 'closed');
    const buildMs = now() - start;
    const heapPeak = peakHeap();
    const rssPeak = process.resourceUsage().maxRSS * 1024;
    if (!closed.ok) throw new Error(closed.message);
    const stored = (await publicationVersion(db, surveyId!, (await latestPublicationVersion(db, surveyId!))!))!;
    // The same build again in this process (an audited republish): code compiled, language model loaded.
    const again = now();
    await republish(compiledStorage.db, { userId: null, label: 'benchmark' }, surveyId!);
    const warmBuildMs = now() - again;
    return {
      buildMs,
      warmBuildMs,
      rssBefore: before.rss,
      rssPeak,
      heapBefore: before.heap,
      heapPeak,
      documentBytes: stored.document.length,
      responses: (JSON.parse(stored.document) as { responses: number }).responses,
    };
  } finally {
    await compiledStorage.close();
  }
}

/**
 * The steps of a build, each timed apart, in a fresh process as the build was (the sum differs
 * from the build by what the close does besides: its transaction, storing the document).
 */
async function steps() {
  const survey = (await findSurveyById(db, surveyId!))!;
  const definition = survey.definition;
  const time = { start: 0, read: 0, parse: 0, count: 0, patterns: 0, comments: 0, analyse: 0, themes: 0, disclosure: 0, stringify: 0 };
  let t = now();
  // Loading wink-nlp's model, once per process, on first use (a server pays it at its first close).
  themeFreeText(['Loading the language model.']);
  time.start = now() - t;
  const builder = new TableBuilder(definition);
  const patterns = new AnswerPatterns(definition);
  const comments = new CommentSample(definition.sections.flatMap((s) => s.questions.filter((q) => q.type === 'text').map((q) => q.code)));
  const pages = publicationResponseRows(db, surveyId!)[Symbol.asyncIterator]();
  // As the build goes: one response at a time, decoded, counted, its pattern and comments taken (each step timed per response).
  for (;;) {
    t = now();
    const page = await pages.next();
    time.read += now() - t;
    if (page.done) break;
    for (const row of page.value) {
      const t0 = now();
      const answers = JSON.parse(row.answers) as Answers;
      const t1 = now();
      builder.addIn(row.role_group, row.directorate, answers);
      const t2 = now();
      patterns.add({ roleGroup: row.role_group, directorate: row.directorate, answers });
      const t3 = now();
      comments.add(row.id, row.role_group, answers);
      const t4 = now();
      time.parse += t1 - t0;
      time.count += t2 - t1;
      time.patterns += t3 - t2;
      time.comments += t4 - t3;
    }
  }
  t = now();
  const tables = builder.tables();
  const profile = await loadWorkforceProfile(db, surveyId!);
  const analysis = analyseSurvey(definition, tables, { threshold: survey.suppressionThreshold, findings: loadPublishedFindings(), ...(profile ? { profile } : {}) });
  time.analyse = now() - t;
  t = now();
  let themed = 0;
  let commentCount = 0;
  const freeText = [];
  for (const v of analysis.variables) {
    if (v.kind !== 'text') continue;
    const quotable = comments.quotable(v);
    themed += quotable.texts.length;
    commentCount += quotable.comments;
    freeText.push(quotable.texts.length > 0 ? scaleThemes(themeFreeText(quotable.texts).themes, quotable.texts.length, quotable.comments) : []);
  }
  time.themes = now() - t;
  t = now();
  const respondentFile = coarsenSegments(tables.cells, analysis, survey.suppressionThreshold);
  const masks = patterns.decide(respondentFile, survey.suppressionThreshold, analysis);
  time.disclosure = now() - t;
  t = now();
  JSON.stringify({ analysis, freeText, respondentFile, masks });
  time.stringify = now() - t;
  writeFileSync(countsFile!, JSON.stringify({ cells: tables.cells, options: tables.options }));
  return { steps: time, themed, comments: commentCount };
}

/** Self time of a CPU profile (ms) by where the code comes from. */
function byPackage(profile: { nodes: { id: number; callFrame: { url: string; functionName: string }; children?: number[] }[]; samples: number[]; timeDeltas: number[] }) {
  const time = new Map<number, number>();
  profile.samples.forEach((id, i) => time.set(id, (time.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  // The profiler's own work (stopping it, under node:inspector) is left out.
  const profiler = new Set<number>();
  const mark = (id: number) => {
    profiler.add(id);
    for (const child of profile.nodes.find((n) => n.id === id)?.children ?? []) mark(child);
  };
  for (const node of profile.nodes) if (node.callFrame.url === 'node:inspector') mark(node.id);
  const out: Record<string, number> = {};
  for (const node of profile.nodes) {
    if (profiler.has(node.id)) continue;
    const { url, functionName } = node.callFrame;
    const where = /node_modules\/(vega|d3-)/.test(url)
      ? 'charts (vega, d3)'
      : /node_modules\/nunjucks/.test(url)
        ? 'templates (nunjucks)'
        : /node_modules\/(fastify|@fastify|find-my-way|light-my-request|avvio|pino)/.test(url)
          ? 'fastify'
          : /node_modules\//.test(url)
            ? 'other packages'
            : functionName === '(garbage collector)'
              ? 'garbage collection'
              : functionName === '(idle)'
                ? 'idle'
                : url.includes('/src/')
                  ? 'Sounding code'
                  : 'Node, V8 and native (JSON, zlib, SQLite)';
    out[where] = (out[where] ?? 0) + (time.get(node.id) ?? 0) / 1000;
  }
  return out;
}

/** The functions with the most self time (ms), for looking closer (BENCH_PROFILE_TOP=n). */
function topFunctions(profile: { nodes: { id: number; callFrame: { url: string; functionName: string; lineNumber: number } }[]; samples: number[]; timeDeltas: number[] }, n: number): string {
  const time = new Map<string, number>();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  profile.samples.forEach((id, i) => {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.split('/').slice(-3).join('/')}:${lineNumber}`;
    time.set(key, (time.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...time]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([key, ms]) => `${ms.toFixed(1).padStart(8)} ms  ${key}`)
    .join('\n');
}

/**
 * A first request in a fresh process: the publication read and parsed apart (not cached),
 * then the app answers `url` with the CPU profiled (publication read and parsed again by the
 * app, as a server's first request does).
 */
async function cold(url: string, cookie: string) {
  let t = now();
  const stored = (await publicationVersion(db, surveyId!, (await latestPublicationVersion(db, surveyId!))!))!;
  const readMs = now() - t;
  t = now();
  JSON.parse(stored.document);
  const parseMs = now() - t;
  // Warmed up as a listening server is; its log goes to warmedUpApp (standard output is the measurements).
  const app = await warmedUpApp(config, buildServices(config, storage));
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  t = now();
  const response = await app.inject({ url, headers: { cookie, 'accept-encoding': 'gzip' } });
  const firstMs = now() - t;
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}`);
  if (process.env.BENCH_PROFILE_TOP) console.error(topFunctions(profile as never, Number(process.env.BENCH_PROFILE_TOP)));
  t = now();
  await app.inject({ url, headers: { cookie, 'accept-encoding': 'gzip' } });
  const secondMs = now() - t;
  await app.close();
  return {
    documentBytes: stored.document.length,
    readMs,
    parseMs,
    firstMs,
    secondMs,
    profile: byPackage(profile as never),
    charts: ((response.headers['content-encoding'] === 'gzip' ? gunzipSync(response.rawPayload).toString() : response.body).match(/<svg/g) ?? []).length,
  };
}

try {
  const result = mode === 'build' ? await build() : mode === 'steps' ? await steps() : mode === 'cold' ? await cold(process.argv[4]!, process.argv[5]!) : undefined;
  if (!result) throw new Error(`unknown mode ${mode}: build, steps or cold`);
  process.stdout.write(JSON.stringify(result));
} finally {
  await storage.close();
}
