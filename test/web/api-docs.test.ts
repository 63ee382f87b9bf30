/**
 * docs/api.md against the real API: every address it names is in the OpenAPI document with
 * the statuses it lists, and its Python and R examples, run as written against a server
 * holding a published wave, print the figures the API gives (each language is run when it is
 * installed here, and reported skipped with the reason when it is not).
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/admin/api-tokens.js';
import { generateResponses } from '../../src/admin/demo.js';
import type { TApiResults } from '../../src/reporting/api.js';
import { migrate, openStorage } from '../../src/storage/db.js';
import { createOrganisation, createSurvey, publishInstrument } from '../../src/storage/surveys.js';
import { loadSignedInUser } from '../../src/storage/users.js';
import { buildApp } from '../../src/web/app.js';
import { userWithRoles } from '../support/accounts.js';
import { standardInstrument, testConfig, testServices } from '../support/app.js';
import { closeWave, openWave, TEST_ACTOR } from '../support/waves.js';
import { freshSqlite } from '../storage/targets.js';

const doc = readFileSync(join(process.cwd(), 'docs', 'api.md'), 'utf8');

/** The fenced code blocks of the document in a language. */
const blocks = (language: string) => [...doc.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].filter((m) => m[1] === language).map((m) => m[2]!);

/** An address with its variable parts ({id}, <id>, $SURVEY_ID, {survey_id}) as `{}`, to compare with OpenAPI path templates. */
const template = (path: string) =>
  path
    .split('/')
    .map((segment) => (/^(\{[^}]*\}|<[^>]*>|\$\w+)$/.test(segment) ? '{}' : segment))
    .join('/');

/** Every /api/ address a text names: written out (prose, shell, Python), or as httr2 path segments (R); "under /api/" names no address. */
function addressesIn(text: string): string[] {
  const written = [...text.matchAll(/\/api\/[^\s`"'),]*/g)].map((m) => m[0]).filter((address) => address !== '/api/');
  const segments = [...text.matchAll(/req_url_path_append\(([^)]*)\)/g)].map(
    (m) =>
      `/${m[1]!
        .split(',')
        .map((arg) => arg.trim())
        .map((arg) => (/^"[^"]*"$/.test(arg) ? arg.slice(1, -1) : '{}'))
        .join('/')}`,
  );
  return [...written, ...segments].map(template);
}

/** Whether a command runs here, and the reason to give when it does not. */
function available(command: string, args: string[], what: string): { skip: boolean; title: string } {
  const run = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000 });
  const ok = run.status === 0;
  return { skip: !ok, title: ok ? what : `${what} (skipped: ${command} ${args.join(' ')} failed here, so the example cannot be run)` };
}

const python = available('python3', ['-c', 'import requests'], 'the Python example (requests)');
const r = available('Rscript', ['-e', 'library(httr2); library(jsonlite)'], 'the R example (httr2 and jsonlite)');

function run(command: string, script: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, [script], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

let app: FastifyInstance;
let origin: string;
let surveyId: string;
let token: string;
let results: TApiResults;
let openApi: { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

beforeAll(async () => {
  const storage = openStorage(freshSqlite());
  await migrate(storage);
  const organisationId = await createOrganisation(storage.db, { name: 'Docs Council', type: 'district', nation: 'England', region: 'South West' });
  const survey = await createSurvey(storage.db, { organisationId, instrumentVersionId: await publishInstrument(storage.db, standardInstrument()), title: 'Docs wave', synthetic: true });
  await openWave(storage.db, survey.id);
  await generateResponses(storage.db, TEST_ACTOR, survey.id, 40);
  await closeWave(storage.db, survey.id);
  surveyId = survey.id;
  const analyst = await userWithRoles(storage.db, { [organisationId]: 'viewer' });
  const made = await createApiToken(storage.db, (await loadSignedInUser(storage.db, analyst.id))!, { name: 'Docs', organisationId, expiresInDays: '7' });
  if (!made.ok) throw new Error(made.message);
  token = made.token;
  app = await buildApp(testConfig(), testServices(storage));
  origin = await app.listen({ host: '127.0.0.1', port: 0 });
  const headers = { authorization: `Bearer ${token}` };
  results = (await app.inject({ url: `/api/surveys/${surveyId}/results`, headers })).json();
  openApi = (await app.inject({ url: '/api/openapi.json' })).json();
}, 180_000);
afterAll(async () => app?.close());

describe('docs/api.md', () => {
  it('names only addresses the OpenAPI document describes, and each example calls the results address', () => {
    const described = Object.keys(openApi.paths).map(template);
    const named = addressesIn(doc);
    expect(named).toContain('/api/openapi.json');
    for (const address of named) expect(described, address).toContain(address);
    for (const example of [blocks('sh')[0]!, blocks('python')[0]!, blocks('r')[0]!]) expect(addressesIn(example)).toEqual(['/api/surveys/{}/results']);
  });

  it('lists the statuses and error codes the results address answers with', () => {
    const statuses = [...doc.matchAll(/^\| (\d{3}) \| `(\w+)` \|/gm)].map((m) => [m[1]!, m[2]!] as const);
    const documented = openApi.paths['/api/surveys/{id}/results']!.get!.responses;
    expect([...new Set(statuses.map(([status]) => status))].sort()).toEqual(
      Object.keys(documented)
        .filter((s) => s !== '200')
        .sort(),
    );
    for (const [status, code] of statuses) expect((documented[status] as { description: string }).description, `${status} ${code}`).toContain(`\`${code}\``);
  });

  it('sends the token as the scheme the OpenAPI document describes', () => {
    const scheme = (openApi as unknown as { components: { securitySchemes: Record<string, { type: string; scheme?: string }> } }).components.securitySchemes.bearerToken;
    expect(scheme).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(blocks('sh').join('\n')).toContain('-H "Authorization: Bearer $SOUNDING_TOKEN"');
    expect(blocks('python')[0]).toContain('headers={"Authorization": f"Bearer {token}"}');
    expect(blocks('r')[0]).toContain('req_auth_bearer_token(token)');
  });
});

/** The rows both examples should print: the whole organisation's figure for every option of every closed question. */
function expectedRows() {
  return results.questions.flatMap((q) => {
    const figure = q.groups.find((g) => g.group.kind === 'total')!.figure;
    if (!figure.shown) return [{ question: q.question, item: q.item, option: '', estimate: NaN, lower: NaN, upper: NaN, withheld: figure.reason }];
    return figure.value.options.map((o) => ({ question: q.question, item: q.item, option: o.option, ...o.proportion, withheld: '' }));
  });
}

function compare(csv: string) {
  const printed = parse<Record<string, string>>(csv, { columns: true });
  const expected = expectedRows();
  expect(expected.length).toBeGreaterThan(20);
  expect(expected.some((row) => row.withheld === '')).toBe(true);
  expect(printed.map((row) => [row.question, row.item, row.option, row.withheld])).toEqual(expected.map((row) => [row.question, row.item, row.option, row.withheld]));
  printed.forEach((row, k) => {
    for (const field of ['estimate', 'lower', 'upper'] as const) {
      const want = expected[k]![field];
      if (Number.isNaN(want)) expect(row[field], `${row.question} ${field}`).toBe('');
      else expect(Number(row[field]), `${row.question} ${row.option} ${field}`).toBeCloseTo(want, 12);
    }
  });
}

const examples = [
  { ...python, command: 'python3', file: 'results.py', code: () => blocks('python')[0]! },
  { ...r, command: 'Rscript', file: 'results.R', code: () => blocks('r')[0]! },
];

for (const example of examples) {
  describe.skipIf(example.skip)(example.title, () => {
    it('run as written with a token, prints the published figures; with a token that is not valid, stops with the problem', { timeout: 240_000 }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sounding-docs-'));
      const script = join(dir, example.file);
      writeFileSync(script, example.code());
      const env = { SOUNDING_URL: origin, SOUNDING_TOKEN: token, SURVEY_ID: surveyId };
      const ok = await run(example.command, script, env);
      expect([ok.code, ok.stderr], ok.stderr).toEqual([0, '']);
      compare(ok.stdout);
      const refused = await run(example.command, script, { ...env, SOUNDING_TOKEN: `snd_${'x'.repeat(43)}` });
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('401 invalid_token: The API token is not valid.');
      expect(refused.stdout).toBe('');
    });
  });
}
