import { readConfig } from '../config.js';
import { seedDemoIfEmpty } from '../admin/demo.js';
import { buildServices, prepareStorage, startScheduler } from '../composition.js';
import { describeTarget, openStorage } from '../storage/db.js';
import { buildApp } from './app.js';

/** In-flight requests get this long to finish after SIGTERM before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

/** The first line of an error, with any password from the URL removed (AggregateError carries its message in its parts). */
function oneLine(error: unknown, secret: string | undefined): string {
  const first: unknown = error instanceof AggregateError && error.errors[0] ? error.errors[0] : error;
  const text = (first instanceof Error ? first.message || (first as { code?: string }).code || first.name : String(first)).split('\n')[0]!;
  return secret ? text.split(secret).join('***') : text;
}

/**
 * The web entry point: reads the configuration (the only place besides the CLI that does),
 * builds the services from it, hands both to buildApp, then listens and handles signals.
 */
async function main() {
  let config;
  try {
    config = readConfig();
  } catch (error) {
    console.error(oneLine(error, undefined));
    process.exit(1);
  }
  const target = config.database;
  const storage = openStorage(target);
  try {
    await storage.ping();
    await prepareStorage(storage);
  } catch (error) {
    const password = target.kind === 'postgres' ? decodeURIComponent(new URL(target.url).password) : undefined;
    console.error(`Sounding cannot use the database at ${describeTarget(target)}: ${oneLine(error, password || undefined)}`);
    await storage.close().catch(() => undefined);
    process.exit(1);
  }
  const demo = config.seedDemo ? await seedDemoIfEmpty(storage.db) : undefined;
  const services = buildServices(config, storage);
  const app = await buildApp(config, services);
  let closing = false;
  // A response finished while shutting down closes its connection: Node only closes connections
  // idle at the moment of close(), so a keep-alive client would otherwise hold the process open.
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  await app.listen({ port: config.port, host: config.host });
  const scheduler = startScheduler(config, services, app.log);
  if (demo) {
    app.log.info(`Demo survey ready: ${config.publicUrl}/s/${demo.slug}`);
    app.log.info(`Last year's closed wave has published results: ${config.publicUrl}/surveys/${demo.resultsOf}/report`);
    app.log.info('To see its results, create an account: npm run cli -- user create-admin --email you@example.org --name "Your name" (then sign in at /sign-in)');
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      closing = true;
      app.log.info({ signal }, 'shutting down: no new requests, finishing those in flight');
      // unref: a clean close exits at once; the timer only ends a close stuck on a hung request.
      setTimeout(() => {
        app.log.error('in-flight requests did not finish in time; exiting');
        process.exit(1);
      }, SHUTDOWN_GRACE_MS).unref();
      // A scheduled job under way finishes first; app.close then stops listening, waits for in-flight requests and closes the database (onClose).
      scheduler
        .stop()
        .then(() => app.close())
        .then(
          () => process.exit(0),
          (error: unknown) => {
            app.log.error({ err: error }, 'error while shutting down');
            process.exit(1);
          },
        );
    });
  }
}

await main();
