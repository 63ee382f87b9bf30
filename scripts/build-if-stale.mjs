/**
 * Builds dist/ (`npm run build:css`, `npm run build:js`) only when it is older than what it is
 * built from, so `npm start` (prestart) starts at once on an unchanged checkout and rebuilds
 * after a pull or an edit. `--always` builds regardless (`npm run build`).
 *
 * What dist/ is built from: every file under src/ (TypeScript, and the Sass under src/web/styles),
 * the TypeScript settings, and package-lock.json (a dependency's new version can change the
 * types or GOV.UK Frontend's styles). After a build, dist/.build-stamp is given the time the
 * build began: a file saved during the build is newer, so the next start builds again.
 *
 * Plain JavaScript with Node's modules only: it runs before anything is compiled.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

// The project's folder: npm runs scripts there (prestart, prepare, build), as does the benchmark.
const root = process.cwd();
const STAMP = join(root, 'dist', '.build-stamp');
/** Outputs whose absence means no build has finished, whatever the stamp says. */
const OUTPUTS = ['dist/web/server.js', 'dist/cli/index.js', 'dist/styles/govuk.css'].map((file) => join(root, file));
const INPUT_FILES = ['package-lock.json', 'tsconfig.json', 'tsconfig.build.json'].map((file) => join(root, file));

/** The most recently modified input, with its modification time. */
function newestInput() {
  const sources = readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
  let newest = { file: '', mtimeMs: 0 };
  for (const file of [...sources, ...INPUT_FILES.filter((f) => existsSync(f))]) {
    const { mtimeMs } = statSync(file);
    if (mtimeMs > newest.mtimeMs) newest = { file, mtimeMs };
  }
  return newest;
}

/** Why dist/ needs building, or undefined when it is up to date. */
function staleness() {
  const missing = OUTPUTS.find((file) => !existsSync(file));
  if (missing) return `${missing.slice(root.length + 1)} is missing`;
  if (!existsSync(STAMP)) return 'dist/ has no record of a finished build';
  const newest = newestInput();
  if (newest.mtimeMs > statSync(STAMP).mtimeMs) return `${newest.file.slice(root.length + 1)} is newer than the last build`;
  return undefined;
}

/** `npm run <script>` with the npm that is running us (npm_execpath), or the one on PATH. */
function npmRun(script) {
  const npm = process.env.npm_execpath;
  const { status } = npm
    ? spawnSync(process.execPath, [npm, 'run', '--silent', script], { cwd: root, stdio: 'inherit' })
    : spawnSync('npm', ['run', '--silent', script], { cwd: root, stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}

const { values } = parseArgs({ options: { always: { type: 'boolean', default: false } } });
const reason = values.always ? 'asked to build' : staleness();
if (!reason) {
  console.log('dist/ is up to date with src/: not rebuilding');
} else {
  console.log(`Building dist/ (${reason})`);
  const began = new Date();
  npmRun('build:css');
  npmRun('build:js');
  writeFileSync(STAMP, `${began.toISOString()}\n`);
  utimesSync(STAMP, began, began);
}
