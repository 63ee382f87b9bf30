import { databaseTarget, readConfig } from '../config.js';
import { seedDemoIfEmpty } from '../admin/demo.js';
import { migrate, openStorage } from '../storage/db.js';
import { buildApp } from './app.js';

/** Listens and handles signals; everything else is built by buildApp. */
async function main() {
  const config = readConfig();
  const target = databaseTarget(config);
  const storage = openStorage(target);
  try {
    await migrate(storage);
  } catch (error) {
    const where = target.kind === 'postgres' ? new URL(target.url).host : target.file;
    console.error(`Sounding cannot use the database at ${where}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  const demo = await seedDemoIfEmpty(storage.db);
  const app = await buildApp({
    storage,
    logger: {
      level: config.LOG_LEVEL,
      // Request logs carry method and URL only: no client address or browser details.
      serializers: { req: (request) => ({ id: request.id, method: request.method, url: request.url }) },
    },
  });
  await app.listen({ port: config.PORT, host: config.HOST });
  if (demo) app.log.info(`Demo survey ready: http://localhost:${config.PORT}/s/${demo.slug}`);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      app.log.info({ signal }, 'shutting down');
      void app.close().then(() => process.exit(0));
    });
  }
}

await main();
