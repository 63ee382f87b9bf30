import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';

// The suite runs on the Node that package.json's engines asks for (.ci/run fetches Node 24
// when the machine's is older), and native modules load in it.
test('runs on the Node named by engines, with its native modules', async () => {
  const { engines } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };
  const minimum = Number(/^>=(\d+)/.exec(engines.node)?.[1]);
  expect(minimum).toBeGreaterThanOrEqual(24);
  expect(Number(process.versions.node.split('.')[0]), `Node ${process.version} at ${process.execPath}`).toBeGreaterThanOrEqual(minimum);
  const { default: SQLite } = await import('better-sqlite3');
  const db = new SQLite(':memory:');
  expect(db.prepare('select 1 as one').get()).toEqual({ one: 1 });
  db.close();
});
