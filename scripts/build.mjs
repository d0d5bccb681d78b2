/**
 * `npm run build`: compiles src/ to dist/ with tsc (tsconfig.build.json: no tests, no sandbox),
 * after removing what an earlier build left there.
 *
 *   node scripts/build.mjs
 *
 * A bundle (esbuild) started about 30% faster but held about 25 MB more memory after start-up,
 * and memory is budgeted too (README, Performance). Source maps are written beside each file;
 * `npm start` does not load them (Node 20 parses every map at start-up): run
 * `node --enable-source-maps dist/main.js` to see TypeScript positions in stack traces.
 * TypeScript is a devDependency: building needs a full install, running dist/ does not.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');

/**
 * What dist/ holds that this build does not write: the stamp files of build-if-stale.mjs and the
 * sandbox's web page (scripts/build-web.ts). Everything else is old output, removed so no file of
 * an earlier build lingers (a source deleted since, a bundle's chunks).
 */
const KEEP = new Set(['.build-stamp', '.build-started', 'sandbox-web']);

function cleanDist() {
  let entries;
  try {
    entries = readdirSync(DIST);
  } catch {
    return;
  }
  for (const name of entries) {
    if (!KEEP.has(name)) rmSync(join(DIST, name), { recursive: true, force: true });
  }
}

cleanDist();
// tsc from this project's node_modules, with the production tsconfig (no tests, no sandbox).
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const out = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], {
  cwd: ROOT,
  stdio: 'inherit',
});
process.exit(out.status ?? 1);
