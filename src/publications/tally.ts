import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { TableBuilder } from '../analysis/aggregate.js';
import { mergeTables, type SurveyTables } from '../analysis/tables.js';
import type { TDefinition } from '../instrument/definition.js';
import type { Answers } from '../instrument/question-types/index.js';
import type { TextVariableAnalysis } from '../analysis/index.js';
import { quotableTexts } from '../reporting/free-text.js';
import type { DatabaseTarget } from '../config.js';
import { responseShares, type IdRange, type StoredAnswersRow } from '../storage/publications.js';
import { AnswerPatterns, type PatternCounts } from './respondent-file.js';
import { startBuildWorker } from './threads.js';

/*
 * The one pass over a wave's responses that a publication is built from: each response
 * decoded, counted into the tables (TableBuilder, through the question-type modules), its
 * pattern of answered / not asked / skipped questions taken (AnswerPatterns) and its comments
 * counted and sampled (CommentSample). Every count is a sum over responses, so the pass can
 * be split: a large wave's rows are read and tallied in parts, by this thread and worker
 * threads, with this same code, and the parts added up in id order (mergeTallies). Which
 * thread counts a response changes no count: the tables are sums, the patterns counts, and a
 * comment's place in the sample is drawn from its response's id, not from the order a thread
 * met it.
 */

/** What a part of the responses adds up to; structured-cloneable, so a worker thread can hand it back. */
export interface TallyResult {
  tables: SurveyTables;
  /** Responses keyed from paper returns. */
  paper: number;
  patterns: PatternCounts;
  comments: CommentState;
}

/** Tallies responses one at a time; `result()` gives what they add up to. */
export class ResponseTally {
  private readonly builder: TableBuilder;
  private readonly patterns: AnswerPatterns;
  private readonly comments: CommentSample;
  private paper = 0;

  constructor(definition: TDefinition) {
    this.builder = new TableBuilder(definition);
    this.patterns = new AnswerPatterns(definition);
    this.comments = new CommentSample(textQuestions(definition));
  }

  /** One stored response. */
  add({ id, role_group: roleGroup, directorate, answers: storedAnswers, source }: StoredAnswersRow): void {
    if (source === 'paper') this.paper++;
    // Decoded, counted, then dropped: each response's answers die young, where collecting them costs next to nothing.
    const answers = JSON.parse(storedAnswers) as Answers;
    this.builder.addIn(roleGroup, directorate, answers);
    this.patterns.add({ roleGroup, directorate, answers });
    this.comments.add(id, roleGroup, answers);
  }

  result(): TallyResult {
    return { tables: this.builder.tables(), paper: this.paper, patterns: this.patterns.counted(), comments: this.comments.state() };
  }
}

/** The responses tallied: the tables, how many, the answer patterns and the comment sample. */
export interface Tallied {
  tables: SurveyTables;
  responses: number;
  /** How many of them are paper returns. */
  paperResponses: number;
  patterns: AnswerPatterns;
  comments: CommentSample;
}

/** What the threads counted, added up: one thread's as it is, several in one order whoever counted what. */
export function mergeTallies(definition: TDefinition, results: readonly TallyResult[]): Tallied {
  const tables = mergeTables(results.map((r) => r.tables));
  const patterns = new AnswerPatterns(definition);
  const comments = new CommentSample(textQuestions(definition));
  for (const r of results) {
    patterns.absorb(r.patterns);
    comments.absorb(r.comments);
  }
  if (results.length > 1) patterns.sortCells();
  return { tables, responses: tables.cells.reduce((n, c) => n + c.responses, 0), paperResponses: results.reduce((n, r) => n + r.paper, 0), patterns, comments };
}

const textQuestions = (definition: TDefinition) => definition.sections.flatMap((s) => s.questions.filter((q) => q.type === 'text').map((q) => q.code));

/** How a pass is split: between `workers` threads (this one included) when the wave has at least `parallelFrom` responses, else not. */
export interface TallyOptions {
  workers: number;
  parallelFrom: number;
}

/**
 * Split only where there are at least four cores, a thread per core up to four (this one and a
 * worker thread per other core), for waves of 10,000 responses or more. On two cores the split
 * gains nothing: measured on 100,000 responses of the standard instrument (2 vCPUs, idle), a
 * close took 3.8-4.0 s in one thread and 4.1 s in two, as two threads of one process reading
 * and parsing rows ran only about 1.3 times as fast as one, and the worker spends its first
 * second loading the counting code.
 */
export const DEFAULT_TALLY: TallyOptions = { workers: availableParallelism() >= 4 ? Math.min(availableParallelism(), 4) : 1, parallelFrom: 10_000 };

/**
 * A split pass reads the rows in this many parts by id (storage's responseShares: one per
 * leading hex digit of the random ids), each thread taking the next part not yet taken. A
 * worker thread starts late (it loads the counting code first: about a second on a small
 * machine), so fixed halves would leave this thread waiting for it; with parts taken as
 * threads come free, each counts as much as it can.
 */
export const TALLY_PARTS = 16;

/** A wave's response rows: how many, how to read them (all, or one part) in this thread, and where another thread can read them. */
export interface ResponseSource {
  responses: number;
  /** The rows in pages: every row, or those of one part. */
  pages(part?: IdRange): AsyncIterable<readonly StoredAnswersRow[]>;
  /** The database and wave, when other threads can open the database themselves (not an in-memory SQLite one). */
  shared?: { target: DatabaseTarget; surveyId: string };
}

/**
 * Tallies every response of a wave: in this thread, or for a wave of at least `parallelFrom`
 * responses in a database other threads can open, in TALLY_PARTS parts of the rows by id,
 * counted by this thread and `workers - 1` worker threads (each on a connection of its own),
 * each taking the next part from a shared counter. What the threads counted is added up in
 * one order whichever thread counted which part (mergeTallies): every count is the same;
 * sums of numbers and scores may differ in their last bits, as floating-point sums do.
 * The workers' reads see what the caller's transaction sees: a close holds the survey row (or,
 * on SQLite, the write lock) before building, so no response can be committed meanwhile, and
 * the transaction itself writes none.
 */
export async function tallyResponses(definition: TDefinition, source: ResponseSource, options: TallyOptions = DEFAULT_TALLY): Promise<Tallied> {
  const split = options.workers >= 2 && source.responses >= options.parallelFrom && source.shared;
  if (!split) {
    const here = new ResponseTally(definition);
    for await (const page of source.pages()) for (const row of page) here.add(row);
    return mergeTallies(definition, [here.result()]);
  }
  const parts = responseShares(TALLY_PARTS);
  const next = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const work: TallyWork = { definition, target: split.target, surveyId: split.surveyId, parts, next };
  const workers = Array.from({ length: options.workers - 1 }, () => startBuildWorker('tally-worker', work));
  try {
    // Each worker's failure is held until its result is awaited, so none goes unhandled meanwhile.
    // A worker's failure stops this thread taking more parts.
    const failed = new AbortController();
    const results = workers.map(resultOf);
    for (const result of results) result.catch((error: unknown) => failed.abort(error));
    const here = await tallyParts(definition, parts, next, (part) => source.pages(part), failed.signal);
    return mergeTallies(definition, [here, ...(await Promise.all(results))]);
  } catch (error) {
    // A worker that has handed back its counts closes its connection and ends by itself; one
    // still reading when the pass fails is stopped (stopping one inside the database driver's
    // close is what must not happen).
    for (const worker of workers) void worker.terminate();
    throw error;
  }
}

/**
 * Takes parts from the shared counter `next` until none is left (or `stop` is aborted) and
 * tallies their rows, as `read` gives them, into one tally: what this thread counted.
 */
export async function tallyParts(
  definition: TDefinition,
  parts: readonly IdRange[],
  next: Int32Array,
  read: (part: IdRange) => AsyncIterable<readonly StoredAnswersRow[]>,
  stop?: AbortSignal,
): Promise<TallyResult> {
  const tally = new ResponseTally(definition);
  for (let part = Atomics.add(next, 0, 1); part < parts.length; part = Atomics.add(next, 0, 1)) {
    stop?.throwIfAborted();
    for await (const page of read(parts[part]!)) for (const row of page) tally.add(row);
  }
  return tally.result();
}

/** What a worker thread is given: the definition, the parts of the wave's rows and the counter of parts taken (shared memory). */
export interface TallyWork {
  definition: TDefinition;
  target: DatabaseTarget;
  surveyId: string;
  parts: IdRange[];
  next: Int32Array;
}

function resultOf(worker: Worker): Promise<TallyResult> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`a publication tally thread stopped (exit code ${code}) before handing back its counts`)));
  });
}

/**
 * At most this many comments per free-text question are themed. Theming reads every comment
 * with a language model (wink-nlp; 28,000 comments took about 1.8 s) and needs them all in
 * memory, so the 1.4 million comments of a wave of a million responses would take over a
 * minute and hundreds of megabytes; a random thousand finds the same main themes, each
 * theme's share within a few percentage points.
 */
export const THEMED_COMMENTS = 1000;

interface KeptComment {
  /** Random, from the response's id and the question: the sample is the comments with the lowest keys. */
  key: number;
  /** The response's id (random): the themed list is in id order, the order the rows are read. */
  id: string;
  text: string;
}

/** CommentSample's counts and kept comments, by question then role group. */
export interface CommentState {
  counts: Map<string, Map<string, number>>;
  kept: Map<string, Map<string, KeptComment[]>>;
}

/**
 * The free-text comments of a pass over the responses, counted exactly and kept for theming
 * up to a bound. Each comment's key is a hash of its response's id and its question (the
 * same rows give the same sample, however the pass is split and in whatever order it reads); for each question and role group the `limit` comments with the lowest keys are
 * kept (a max-heap). Which role groups may be quoted is known only after analysis; the
 * `limit` lowest keys of the comments of those groups together are among each group's `limit`
 * lowest, so they can still be picked then: a uniform random sample of the quotable comments.
 * With `limit` or fewer quotable comments, every one is kept, in id order (the order the
 * rows are read), exactly as if none were dropped.
 */
export class CommentSample {
  private readonly kept = new Map<string, Map<string, KeptComment[]>>();
  private readonly counts = new Map<string, Map<string, number>>();

  constructor(
    private readonly questions: readonly string[],
    private readonly limit = THEMED_COMMENTS,
  ) {
    for (const q of questions) {
      this.kept.set(q, new Map());
      this.counts.set(q, new Map());
    }
  }

  /** A response's comments, `id` the response's. */
  add(id: string, roleGroup: string, answers: Answers): void {
    for (let q = 0; q < this.questions.length; q++) {
      const question = this.questions[q]!;
      const text = answers[question];
      if (typeof text !== 'string' || text.trim() === '') continue;
      const counts = this.counts.get(question)!;
      counts.set(roleGroup, (counts.get(roleGroup) ?? 0) + 1);
      this.keep(question, roleGroup, { key: sampleKey(id, q), id, text });
    }
  }

  private keep(question: string, roleGroup: string, comment: KeptComment): void {
    const byGroup = this.kept.get(question)!;
    let heap = byGroup.get(roleGroup);
    if (!heap) byGroup.set(roleGroup, (heap = []));
    if (heap.length < this.limit) pushHeap(heap, comment);
    else if (comment.key < heap[0]!.key) replaceTop(heap, comment);
  }

  state(): CommentState {
    return { counts: this.counts, kept: this.kept };
  }

  /** Adds another part's comments: counts summed, and the lowest keys of both kept. */
  absorb(other: CommentState): void {
    for (const [question, byGroup] of other.counts) {
      const counts = this.counts.get(question)!;
      for (const [roleGroup, n] of byGroup) counts.set(roleGroup, (counts.get(roleGroup) ?? 0) + n);
    }
    for (const [question, byGroup] of other.kept) for (const [roleGroup, comments] of byGroup) for (const c of comments) this.keep(question, roleGroup, c);
  }

  /**
   * The question's quotable comments (`quotableTexts` decides whose: only groups whose results
   * are shown): how many there are, and those to theme, in the order read.
   */
  quotable(variable: TextVariableAnalysis): { comments: number; texts: string[] } {
    const counts = this.counts.get(variable.question) ?? new Map<string, number>();
    // Asked with each role group's name as its one "comment", quotableTexts answers which groups may be quoted.
    const shown = new Set(
      quotableTexts(
        variable,
        [...counts.keys()].map((roleGroup) => ({ roleGroup, text: roleGroup })),
      ),
    );
    let comments = 0;
    const candidates: KeptComment[] = [];
    for (const [roleGroup, n] of counts) {
      if (!shown.has(roleGroup)) continue;
      comments += n;
      candidates.push(...this.kept.get(variable.question)!.get(roleGroup)!);
    }
    const sample = comments <= this.limit ? candidates : candidates.sort((a, b) => a.key - b.key).slice(0, this.limit);
    return { comments, texts: sample.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((c) => c.text) };
  }
}

/** Uniform in [0, 1), from a response's id and a question's number (FNV-1a over both, then MurmurHash3's finaliser). */
function sampleKey(id: string, question: number): number {
  let h = 0x811c9dc5 ^ question;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

function pushHeap(heap: KeptComment[], comment: KeptComment): void {
  let i = heap.push(comment) - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent]!.key >= comment.key) break;
    heap[i] = heap[parent]!;
    i = parent;
  }
  heap[i] = comment;
}

function replaceTop(heap: KeptComment[], comment: KeptComment): void {
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= heap.length) break;
    const right = left + 1;
    const larger = right < heap.length && heap[right]!.key > heap[left]!.key ? right : left;
    if (heap[larger]!.key <= comment.key) break;
    heap[i] = heap[larger]!;
    i = larger;
  }
  heap[i] = comment;
}
