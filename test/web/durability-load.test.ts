import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { shownQuestions } from '../../src/fieldwork/journey.js';
import { seededRandom, syntheticAnswers } from '../../src/fieldwork/synthetic.js';
import { moduleFor } from '../../src/instrument/question-types/index.js';
import { standardInstrument } from '../support/app.js';

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');

function startServer(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(tsx, ['src/web/server.ts'], { env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' }, stdio: 'pipe' });
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 60_000;
    const poll = async () => {
      try {
        await fetch(`http://127.0.0.1:${port}/`);
        resolve(child);
      } catch {
        if (Date.now() > deadline) reject(new Error('server did not start'));
        else setTimeout(poll, 200);
      }
    };
    void poll();
  });
}

const definition = standardInstrument();

/** One synthetic respondent's whole journey over real HTTP, with its own cookies; true when the submission was acknowledged. */
async function respond(port: number, slug: string, seed: number): Promise<boolean> {
  const jar = new Map<string, string>();
  let csrf = '';
  const call = async (path: string, form?: URLSearchParams) => {
    form?.set('_csrf', csrf);
    const response = await fetch(`http://127.0.0.1:${port}/s/${slug}${path}`, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: form?.toString(),
    });
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const [name, ...value] = pair!.split('=');
      jar.set(name!, value.join('='));
    }
    csrf = /name="_csrf" value="([^"]+)"/.exec(await response.text())?.[1] ?? csrf;
    return { status: response.status, location: response.headers.get('location') ?? '' };
  };
  const answers = syntheticAnswers(definition, seededRandom(seed));
  await call('');
  let step = await call('/start', new URLSearchParams());
  while (step.status === 303 && step.location.includes('/q/')) {
    const code = step.location.split('/q/')[1]!;
    await call(`/q/${code}`);
    const section = definition.sections.find((s) => s.code === code)!;
    const form = new URLSearchParams({ action: 'continue' });
    for (const q of shownQuestions(definition, section, answers)) {
      const answer = answers[q.code];
      if (answer === undefined) continue;
      for (const [k, v] of Object.entries(moduleFor(q).formValues(q, answer))) for (const one of [v ?? []].flat()) form.append(k, one);
    }
    step = await call(`/q/${code}`, form);
  }
  await call('/check');
  const done = await call('/submit', new URLSearchParams());
  return done.status === 303 && done.location.endsWith('/done');
}

describe('durability', () => {
  it('keeps every acknowledged response after the server is killed with SIGKILL and restarted', { timeout: 180_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sounding-crash-'));
    const port = 39_000 + (process.pid % 500);
    let server = await startServer(dataDir, port);
    const home = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    const slug = /\/s\/([a-z0-9]+)/.exec(home)![1]!;
    const db = () => new SQLite(join(dataDir, 'sounding.sqlite'), { readonly: true });
    const before = Number((db().prepare('select count(*) as n from response').get() as { n: number }).n);

    let acknowledged = 0;
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < 8; i++) {
      inFlight.push(
        respond(port, slug, 100 + i)
          .then((ok) => {
            if (ok) acknowledged++;
          })
          .catch(() => undefined),
      );
    }
    // Kill once a few have been acknowledged, while others are still mid-journey.
    while (acknowledged < 3) await new Promise((r) => setTimeout(r, 20));
    server.kill('SIGKILL');
    await Promise.all(inFlight);
    const acknowledgedAtKill = acknowledged;

    server = await startServer(dataDir, port);
    const after = Number((db().prepare('select count(*) as n from response').get() as { n: number }).n);
    server.kill('SIGTERM');
    expect(acknowledgedAtKill).toBeGreaterThanOrEqual(3);
    expect(after - before).toBeGreaterThanOrEqual(acknowledgedAtKill);
    expect(after - before).toBeLessThanOrEqual(8);
  });
});
