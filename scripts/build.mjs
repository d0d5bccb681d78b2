/**
 * `npm run build`: bundles src/main.ts into dist/ with esbuild, after removing what an earlier
 * build left there. Type checking is `npm run typecheck` (tsc), which `npm run check` and CI run.
 *
 *   node scripts/build.mjs
 *
 * Why a bundle: start-up is budgeted against a bare Bolt app (README, Performance), and most of a
 * Node service's start-up is finding, reading and compiling hundreds of module files. Three
 * choices keep the bundle's start-up and memory down:
 * - `mainFields: module, main`: the AWS SDK's ES modules, which esbuild tree-shakes to the
 *   commands the bot sends (about 120 kB instead of 1.7 MB of every command of both services);
 * - code splitting: what `src/` imports dynamically (each store backend, the AWS SDK) stays in
 *   chunks of its own, loaded only when used;
 * - Socket Mode is loaded when a `SocketModeClient` is first built (`lazySocketMode`): Bolt
 *   requires it, and undici with it (1 MB), even in an HTTP-mode app.
 * better-sqlite3 (a native addon) and pg-native (optional, never installed) stay outside.
 *
 * Source maps are written beside each file; `npm start` does not load them (Node 20 parses every
 * map at start-up): run `node --enable-source-maps dist/main.js` to see TypeScript positions in
 * stack traces. esbuild is a devDependency: building needs a full install, running dist/ does not.
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');

/**
 * What dist/ holds that this build does not write: the stamp files of build-if-stale.mjs and the
 * sandbox's web page (scripts/build-web.ts). Everything else is old output, removed so no file of
 * an earlier build lingers (a source deleted since, a chunk of an earlier bundle).
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

/**
 * Bolt's SocketModeReceiver requires `@slack/socket-mode` at its top and reads it only in its
 * constructor (`new socket_mode_1.SocketModeClient(…)`). This gives that one importer a stand-in
 * whose first property read requires the real package, so an HTTP-mode bot never evaluates it.
 * Every other importer gets the package itself. test/e2e/bundle.test.ts runs the bundle in both
 * modes.
 */
const LAZY = '@slack/socket-mode';
const lazySocketMode = {
  name: 'lazy-socket-mode',
  setup(b) {
    b.onResolve({ filter: /^@slack\/socket-mode$/ }, (args) =>
      /[\\/]@slack[\\/]bolt[\\/]dist[\\/]receivers[\\/]SocketModeReceiver\.js$/.test(args.importer)
        ? { path: LAZY, namespace: 'lazy', pluginData: { resolveDir: args.resolveDir } }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
      loader: 'js',
      resolveDir: args.pluginData.resolveDir,
      contents: `let real;
const load = () => (real ??= require(${JSON.stringify(LAZY)}));
module.exports = new Proxy({}, {
  get: (_, key) => load()[key],
});`,
    }));
  },
};

cleanDist();
let result;
try {
  result = await build({
    absWorkingDir: ROOT,
    entryPoints: ['src/main.ts'],
    outdir: DIST,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    mainFields: ['module', 'main'],
    external: ['better-sqlite3', 'pg-native'],
    // The bundled CommonJS packages call require() for Node's own modules.
    banner: {
      js: "import { createRequire as __slotsRequire } from 'node:module'; const require = __slotsRequire(import.meta.url);",
    },
    // Whitespace and syntax only: names stay readable in stack traces without the map.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    plugins: [lazySocketMode],
    metafile: true,
    logLevel: 'warning',
  });
} catch {
  // esbuild has printed what failed.
  process.exit(1);
}
// The project's own sources in the bundle: what build-if-stale.mjs must watch (its test checks).
const inputs = Object.keys(result.metafile.inputs).filter((path) => path.startsWith('src/'));
writeFileSync(join(DIST, 'bundle-inputs.json'), `${JSON.stringify(inputs.sort(), null, 1)}\n`);
