import { createHash } from 'node:crypto';
import fastifyRateLimit, { type FastifyRateLimitStore, type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Storage } from '../../storage/db.js';
import { countHit, deleteExpiredCounters } from '../../storage/rate-limit.js';

/**
 * A @fastify/rate-limit store in the database: its default store is per process, so with
 * several processes an attacker would get max attempts from each.
 */
function databaseStore(storage: Storage): FastifyRateLimitStoreCtor {
  return class DatabaseStore implements FastifyRateLimitStore {
    private hits = 0;
    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number) {
      const now = new Date();
      if (++this.hits % 1000 === 0) void deleteExpiredCounters(storage.db, now).catch(() => undefined);
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
 * The client address is hashed before it is stored, and only sign-in and reset routes are
 * limited; respondents are never counted.
 */
function keyOf(request: FastifyRequest): string {
  return `${request.routeOptions.url ?? request.url}:${createHash('sha256').update(request.ip).digest('hex')}`;
}

export const rateLimitPlugin = fp<{ storage: Storage }>(
  async (app, { storage }) => {
    await app.register(fastifyRateLimit, {
      global: false,
      store: databaseStore(storage),
      keyGenerator: keyOf,
      errorResponseBuilder: (_request, context) => ({
        statusCode: 429,
        message: `Too many attempts. Wait ${Math.ceil(context.ttl / 60_000)} minutes and try again.`,
      }),
    });
  },
  { name: 'sounding-rate-limit' },
);
