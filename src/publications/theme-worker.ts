/**
 * The worker thread that themes a build's free text (themes.ts): loads the language model as
 * soon as it starts, while the build's own thread counts the responses, then themes each
 * question's comments it is sent with the same themeFreeText as a build in one thread.
 */
import { parentPort } from 'node:worker_threads';
import { loadLanguageModel, themeFreeText } from '../reporting/free-text.js';
import type { ThemeRequest } from './themes.js';

loadLanguageModel();
parentPort!.on('message', ({ texts, options }: ThemeRequest) => parentPort!.postMessage(themeFreeText(texts, options)));
