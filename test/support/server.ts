import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import type { DatabaseTarget } from '../../src/config.js';
import { keepShownAnswers, shownQuestions } from '../../src/fieldwork/journey.js';
import { seededRandom, syntheticAnswers } from '../../src/fieldwork/synthetic.js';
import type { TDefinition } from '../../src/instrument/definition.js';
import { moduleFor, type Answers } from '../../src/instrument/question-types/index.js';

/** A port nobody is listening on at the moment of asking. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** The environment that points a server process at a database (server.ts keeps SQLite in DATA_DIR/sounding.sqlite). */
export function databaseEnv(target: DatabaseTarget): Record<string, string> {
  if (target.kind === 'postgres') return { DATABASE_URL: target.url };
  if (!target.file.endsWith('/sounding.sqlite')) throw new Error('a server process needs its SQLite file named sounding.sqlite');
  return { DATA_DIR: dirname(target.file), DATABASE_URL: '' };
}

export interface ServerProcess {
  child: ChildProcess;
  origin: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output: () => string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/**
 * Runs src/web/server.ts (or another server script) in its own process (node with tsx's
 * loader, so a signal reaches the server itself, not a wrapper) and waits until /readyz
 * answers 200.
 */
export async function startServer(env: Record<string, string>, { timeoutMs = 60_000, script = 'src/web/server.ts' } = {}): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(process.cwd(), script)], {
    env: { ...process.env, LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const server: ServerProcess = { child, origin: `http://127.0.0.1:${port}`, output: () => output, exited };
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => (gone = true));
  while (!gone) {
    try {
      if ((await fetch(`${server.origin}/readyz`)).ok) return server;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become ready: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server exited before it was ready: ${output}`);
}

/**
 * A respondent's browser over real HTTP: keeps cookies and the CSRF token; each request
 * goes to the next of the given origins in turn (one origin: an ordinary browser).
 */
export class HttpRespondent {
  private jar = new Map<string, string>();
  private csrf = '';
  private turn = 0;
  constructor(
    public origins: string[],
    private readonly slug: string,
  ) {}

  cookie(name: string): string | undefined {
    return this.jar.get(name);
  }

  /** True once the server has given this browser an answer session. */
  hasStarted(): boolean {
    return this.jar.has('sounding_answers');
  }

  async call(path: string, form?: Record<string, string | string[]>) {
    const origin = this.origins[this.turn++ % this.origins.length]!;
    let body: URLSearchParams | undefined;
    if (form) {
      body = new URLSearchParams({ _csrf: this.csrf });
      for (const [key, value] of Object.entries(form)) for (const one of [value].flat()) body.append(key, one);
    }
    const response = await fetch(`${origin}/s/${this.slug}${path}`, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: body?.toString(),
    });
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const [name, ...value] = pair!.split('=');
      this.jar.set(name!, value.join('='));
    }
    const text = await response.text();
    this.csrf = /name="_csrf" value="([^"]+)"/.exec(text)?.[1] ?? this.csrf;
    return { status: response.status, location: response.headers.get('location') ?? '', body: text, origin };
  }
}

/** The answers of synthetic respondent number `seed`, as they will be stored. */
export function respondentAnswers(definition: TDefinition, seed: number): Answers {
  return keepShownAnswers(definition, syntheticAnswers(definition, seededRandom(seed)));
}

/** Answers in a form that compares equal whatever order their keys were written in. */
export function fingerprint(answers: unknown): string {
  const sortKeys = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(sortKeys)
      : value && typeof value === 'object'
        ? Object.fromEntries(
            Object.entries(value)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, v]) => [k, sortKeys(v)]),
          )
        : value;
  return JSON.stringify(sortKeys(answers));
}

/** The form fields a browser sends for one section's shown questions. */
export function sectionFields(definition: TDefinition, sectionCode: string, answers: Answers): Record<string, string | string[]> {
  const section = definition.sections.find((s) => s.code === sectionCode)!;
  const fields: Record<string, string | string[]> = {};
  for (const q of shownQuestions(definition, section, answers)) {
    const answer = answers[q.code];
    if (answer !== undefined) for (const [k, v] of Object.entries(moduleFor(q).formValues(q, answer))) if (v !== undefined) fields[k] = v;
  }
  return fields;
}

const isDone = (step: { status: number; location: string }) => step.status === 303 && step.location.endsWith('/done');

/**
 * Answers every shown section up to the check page; 'submitted' when this is a retry and
 * the answers were already sent. Called again after a failure, it carries on from where
 * the answers stand, as a person pressing Back and trying again would.
 */
export async function answerSections(respondent: HttpRespondent, definition: TDefinition, answers: Answers): Promise<'ready' | 'submitted'> {
  let step: Awaited<ReturnType<HttpRespondent['call']>> | undefined;
  if (respondent.hasStarted()) {
    // A retry: the first page says whether the answers were already sent (redirect to the
    // confirmation); if not, every section is answered again from the first, since a section
    // of optional questions left unanswered would not stop a submission.
    const first = `/q/${definition.sections[0]!.code}`;
    const opened = await respondent.call(first);
    if (isDone(opened)) return 'submitted';
    if (opened.status === 200) step = { ...opened, status: 303, location: first };
  }
  if (!step?.location.includes('/q/')) {
    await respondent.call('');
    step = await respondent.call('/start', {});
  }
  while (step.status === 303 && step.location.includes('/q/')) {
    const code = step.location.split('/q/')[1]!;
    await respondent.call(`/q/${code}`);
    step = await respondent.call(`/q/${code}`, { action: 'continue', ...sectionFields(definition, code, answers) });
  }
  await respondent.call('/check');
  return 'ready';
}

/** The whole journey over HTTP; true when the submission was acknowledged with the confirmation redirect. */
export async function completeJourney(respondent: HttpRespondent, definition: TDefinition, answers: Answers): Promise<boolean> {
  if ((await answerSections(respondent, definition, answers)) === 'submitted') return true;
  return isDone(await respondent.call('/submit', {}));
}
