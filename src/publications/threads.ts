import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread of the publication build from a module beside this one (`name`,
 * without extension): the compiled one, as a server or the CLI runs; from the sources (tsx,
 * vitest), the TypeScript one loaded through tsx.
 */
export function startBuildWorker(name: string, workerData: unknown): Worker {
  const compiled = new URL(`./${name}.js`, import.meta.url);
  if (existsSync(fileURLToPath(compiled))) return new Worker(compiled, { workerData });
  return new Worker(new URL(`./${name}.ts`, import.meta.url), { workerData, execArgv: ['--import', 'tsx'] });
}
