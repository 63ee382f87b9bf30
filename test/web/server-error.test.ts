import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsApp } from '../support/accounts.js';

/**
 * A fault of ours (a bug, not the request) must tell the person nothing about the server: no
 * message, no stack, no file path. The log gets the whole error, and the page or problem document
 * a reference to that log line. The throwing routes exist in this test only.
 */
const SECRET_MESSAGE = 'zz-internal-secret: token=s3cr3t-zz at pool.query';
const lines: string[] = [];
let t: Awaited<ReturnType<typeof accountsApp>>;
beforeAll(async () => {
  t = await accountsApp({ config: { logLevel: 'info' }, services: { logStream: { write: (line: string) => void lines.push(line) } } });
  const fail = () => {
    throw new Error(SECRET_MESSAGE);
  };
  t.app.get('/test-only/fail', fail);
  t.app.get('/api/test-only/fail', fail);
});
afterAll(async () => t.app.close());

/** The log record of the unhandled error for a request id. */
function loggedError(reference: string) {
  return lines
    .map((line) => JSON.parse(line) as { reqId?: string; msg?: string; err?: { message?: string; stack?: string } })
    .find((l) => l.reqId === reference && l.msg === 'unhandled error');
}

function expectNothingInternal(body: string) {
  expect(body).not.toContain('zz-internal-secret');
  expect(body).not.toContain('s3cr3t');
  expect(body).not.toContain('server-error.test');
  expect(body).not.toContain(process.cwd());
  expect(body).not.toMatch(/\bat .+:\d+:\d+/);
}

describe('an unhandled error', () => {
  it('gives a page with a plain message and a reference to the log line that holds the error', async () => {
    const response = await t.app.inject({ url: '/test-only/fail' });
    expect(response.statusCode).toBe(500);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toContain('Sorry, there is a problem with the service');
    expectNothingInternal(response.body);
    const reference = /quote the reference ([0-9a-f-]{36})/.exec(response.body)?.[1];
    expect(reference).toBeDefined();
    const logged = loggedError(reference!);
    expect(logged?.err?.message).toBe(SECRET_MESSAGE);
    expect(logged?.err?.stack).toContain('server-error.test');
  });

  it('gives the API a problem document with a plain detail and the reference', async () => {
    const response = await t.app.inject({ url: '/api/test-only/fail' });
    expect(response.statusCode).toBe(500);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expectNothingInternal(response.body);
    const problem = response.json<{ status: number; error: string; detail: string }>();
    expect(problem).toMatchObject({ status: 500, error: 'internal_server_error' });
    const reference = /reference ([0-9a-f-]{36})/.exec(problem.detail)?.[1];
    expect(loggedError(reference!)?.err?.message).toBe(SECRET_MESSAGE);
  });
});
