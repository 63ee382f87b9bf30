import fastifyRateLimit, { type FastifyRateLimitStore, type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Storage } from '../../storage/db.js';
import { countHit, deleteSpentLimits, limitKey } from '../../storage/rate-limit.js';

/** How often each process drops spent counters, forgotten failures and old salts. */
const SWEEP_MS = 60_000;

/** A request refused by a limit: answered by the error handler (app.ts) with a 429 page saying how long to wait. */
export class TooManyAttempts extends Error {
  readonly statusCode = 429;
  constructor(readonly retryAfterSeconds: number) {
    super('Too many attempts');
  }
}

/**
 * A @fastify/rate-limit store in the database: its default store is per process, so with
 * several processes an attacker would get max attempts from each.
 */
function databaseStore(storage: Storage): FastifyRateLimitStoreCtor {
  return class DatabaseStore implements FastifyRateLimitStore {
    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number) {
      const now = new Date();
      countHit(storage.db, key, timeWindow, now).then(
        ({ current, windowEndsAt }) => callback(null, { current, ttl: Math.max(0, windowEndsAt.getTime() - now.getTime()) }),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    }
    child(): FastifyRateLimitStore {
      return new DatabaseStore();
    }
  };
}

/**
 * Attempts per client address on the routes that ask for a limit (sign-in and password
 * reset); request.ip is the proxy's client when TRUST_PROXY says the proxy is trusted. The
 * address is stored only as a keyed hash (storage/rate-limit.ts `limitKey`).
 */
function keyOf(storage: Storage) {
  return (request: FastifyRequest) => limitKey(storage.db, request.routeOptions.url ?? request.url, request.ip, new Date());
}

export const rateLimitPlugin = fp<{ storage: Storage }>(
  async (app, { storage }) => {
    await app.register(fastifyRateLimit, {
      global: false,
      store: databaseStore(storage),
      keyGenerator: keyOf(storage),
      errorResponseBuilder: (_request, context) => new TooManyAttempts(Math.ceil(context.ttl / 1000)),
    });
    let sweep: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      // unref: the sweep never keeps a process alive; a failed sweep is retried by the next one.
      sweep = setInterval(() => void deleteSpentLimits(storage.db, new Date()).catch(() => undefined), SWEEP_MS).unref();
    });
    app.addHook('onClose', async () => clearInterval(sweep));
  },
  { name: 'sounding-rate-limit' },
);
