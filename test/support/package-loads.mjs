/**
 * Preloaded into a server process (NODE_OPTIONS=--import, by test/web/start.test.ts): appends
 * to the file named by PACKAGE_LOADS_FILE one JSON line for each package the process loads,
 * when it first resolves a module inside it, saying whether the process was listening for
 * connections by then. Lines are written as they happen, so the test can read them while the
 * process runs. Plain JavaScript: it is loaded before tsx is.
 */
import { appendFileSync } from 'node:fs';
import { tracingChannel } from 'node:diagnostics_channel';
import { registerHooks } from 'node:module';

const file = process.env.PACKAGE_LOADS_FILE;
if (!file) throw new Error('package-loads.mjs needs PACKAGE_LOADS_FILE');

let listening = false;
// net.Server#listen reports through this channel; asyncEnd comes once the socket is bound.
tracingChannel('net.server.listen').subscribe({
  start() {},
  end() {},
  asyncStart() {},
  asyncEnd() {
    listening = true;
  },
  error() {},
});

const seen = new Set();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    const name = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(resolved.url)?.[1];
    if (name && !seen.has(name)) {
      seen.add(name);
      appendFileSync(file, `${JSON.stringify({ name, listening })}\n`);
    }
    return resolved;
  },
});
