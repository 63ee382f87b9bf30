import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { themeFreeText, type FreeTextTheme, type ThemeOptions } from '../reporting/free-text.js';
import { startBuildWorker } from './threads.js';

/** Themes a question's comments for a publication build. */
export interface Themer {
  theme(texts: readonly string[], options: ThemeOptions): Promise<{ themes: FreeTextTheme[] }>;
  /** Lets the thread, if any, end. */
  close(): void;
}

/** What a theming thread is sent for one question. */
export interface ThemeRequest {
  texts: readonly string[];
  options: ThemeOptions;
}

/**
 * From this many responses, with a second core, a build themes its free text in a thread of
 * its own, started with the build: the language model (wink-nlp) takes the thread 0.3-0.6 s to
 * load, which it does while the build's thread counts the responses, instead of after. A
 * smaller wave's build loads it in its own thread, as a server that has themed before already has it.
 */
export const THEME_THREAD_FROM = 10_000;

/** The themer a build of `responses` responses uses. */
export function themerFor(responses: number, cores = availableParallelism()): Themer {
  return responses >= THEME_THREAD_FROM && cores >= 2 ? threadThemer() : { theme: async (texts, options) => themeFreeText(texts, options), close: () => undefined };
}

function threadThemer(): Themer {
  const worker = startBuildWorker('theme-worker', undefined);
  // The requests are answered in the order sent; each waits for the one before it.
  let last: Promise<unknown> = Promise.resolve();
  return {
    theme(texts, options) {
      const answer = last.then(() => nextAnswer(worker, { texts, options }));
      last = answer.catch(() => undefined);
      return answer;
    },
    close: () => void worker.terminate(),
  };
}

function nextAnswer(worker: Worker, request: ThemeRequest): Promise<{ themes: FreeTextTheme[] }> {
  return new Promise((resolve, reject) => {
    const stopped = (code: number) => reject(new Error(`the thread theming free text stopped (exit code ${code})`));
    worker.once('message', (answer: { themes: FreeTextTheme[] }) => {
      worker.off('error', reject).off('exit', stopped);
      resolve(answer);
    });
    worker.once('error', reject).once('exit', stopped);
    worker.postMessage(request);
  });
}
