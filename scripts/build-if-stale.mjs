/**
 * `npm start` builds only when `dist/` is older than its sources.
 *
 *   node scripts/build-if-stale.mjs           build (node scripts/build.mjs) if stale
 *   node scripts/build-if-stale.mjs --begin   `prebuild`: forget the stamp, note the start time
 *   node scripts/build-if-stale.mjs --done    `postbuild`: the build succeeded, stamp it
 *
 * `dist/` is current when a stamp written after the last successful build is newer than every
 * input. A stamp, not `dist/main.js`'s own time: only a build that exited 0 may say `dist/` is
 * good, whatever a failed one left behind. The stamp holds the time the build started, so a file
 * saved while the build was running counts as newer. Prints nothing when current; exits with the
 * build's status when it builds. Plain Node, no dependencies.
 *
 * The build needs esbuild, a devDependency. On an install without it (`npm ci --omit=dev`) a
 * `dist/` that looks stale is started as it is, with a warning: it was built where the
 * devDependencies were, and checkouts and copies change the sources' times.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, '.build-stamp');
const PENDING = join(DIST, '.build-started');
const BUILD_SCRIPT = 'scripts/build.mjs';

/**
 * What the bundle can hold: src/ but its tests and the sandbox, which src/main.ts never imports
 * (test/e2e/bundle.test.ts checks that against the bundle's own list of inputs).
 */
const SOURCE_DIR = 'src';
const isExcluded = (path) =>
  path === 'src/sandbox' || path.startsWith('src/sandbox/') || path.endsWith('.test.ts');

/**
 * What else changes the output: compiler options (esbuild reads tsconfig.json), the scripts and
 * `type` in package.json, the bundled packages' versions, and the build script itself.
 */
const configFiles = () => [
  ...readdirSync(ROOT).filter((name) => /^tsconfig.*\.json$/.test(name)),
  'package.json',
  'package-lock.json',
  BUILD_SCRIPT,
];

/** The first input at least as new as `since` (ms), or undefined when there is none. */
function newerInput(since) {
  const isNewer = (path) => statSync(join(ROOT, path)).mtimeMs >= since;
  for (const file of configFiles()) {
    if (existsSync(join(ROOT, file)) && isNewer(file)) return file;
  }
  // Directories count too: deleting or renaming a source changes only its directory's time.
  const walk = (dir) => {
    if (isNewer(dir)) return dir;
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (isExcluded(path)) continue;
      const found = entry.isDirectory() ? walk(path) : isNewer(path) ? path : undefined;
      if (found) return found;
    }
    return undefined;
  };
  return walk(SOURCE_DIR);
}

/** Why `dist/` needs building, or undefined when it is current. */
function staleReason() {
  if (!existsSync(join(DIST, 'main.js'))) return 'dist/main.js is missing';
  const since = readStamp(STAMP);
  if (since === undefined) return 'no successful build is recorded';
  const newer = newerInput(since);
  return newer && `${newer} changed since the last build`;
}

function readStamp(path) {
  try {
    const at = Number(JSON.parse(readFileSync(path, 'utf8')).startedAt);
    return Number.isFinite(at) ? at : undefined;
  } catch {
    return undefined;
  }
}

function begin() {
  mkdirSync(DIST, { recursive: true });
  rmSync(STAMP, { force: true });
  // The start time on the file system's clock, which stamps the sources' times too: it can lag
  // Date.now() by a tick, so a source saved just after a Date.now() start could look older.
  writeFileSync(PENDING, '');
  const startedAt = statSync(PENDING).mtimeMs;
  writeFileSync(PENDING, JSON.stringify({ startedAt }));
}

function done() {
  const startedAt = readStamp(PENDING);
  rmSync(PENDING, { force: true });
  // Without a start time (postbuild run on its own) no stamp is safer than a wrong one.
  if (startedAt !== undefined) writeFileSync(STAMP, JSON.stringify({ startedAt }));
}

/** Whether the build's one dependency is installed. */
function canBuild() {
  try {
    createRequire(join(ROOT, 'package.json')).resolve('esbuild');
    return true;
  } catch {
    return false;
  }
}

function build(reason) {
  if (!canBuild()) {
    if (!existsSync(join(DIST, 'main.js'))) {
      process.stderr.write(
        `build-if-stale: ${reason}, and building needs the devDependencies (esbuild): ` +
          'run `npm ci` and `npm run build` first\n',
      );
      return 1;
    }
    process.stderr.write(
      `build-if-stale: ${reason}; esbuild is not installed: using dist/ as it is\n`,
    );
    return 0;
  }
  process.stderr.write(`build-if-stale: ${reason}; building (node ${BUILD_SCRIPT})\n`);
  begin();
  const run = spawnSync(process.execPath, [join(ROOT, BUILD_SCRIPT)], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (run.status === 0) done();
  else rmSync(PENDING, { force: true });
  return run.status ?? 1;
}

const [flag] = process.argv.slice(2);
if (flag === '--begin') begin();
else if (flag === '--done') done();
else if (flag === undefined) {
  const reason = staleReason();
  if (reason) process.exitCode = build(reason);
} else {
  process.stderr.write('usage: node scripts/build-if-stale.mjs [--begin|--done]\n');
  process.exitCode = 64;
}
