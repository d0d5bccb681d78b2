/**
 * Builds the sandbox's web page (`src/sandbox/web/`) into `dist/sandbox-web/`: `app.js` (one
 * ES module with Preact in it), `app.css` and a static `index.html`. Nothing on the page comes
 * from the internet. `npm run build:web` runs it; `npm run sandbox` builds before it starts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WEB = join(ROOT, 'src', 'sandbox', 'web');

export const DEFAULT_WEB_OUT = join(ROOT, 'dist', 'sandbox-web');

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>slots-bot sandbox</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app.css">
<script type="module" src="/app.js"></script>
</head>
<body>
<div id="app"></div>
<noscript>The slots-bot sandbox is a small web app: turn on JavaScript to use it.</noscript>
</body>
</html>
`;

export interface BuildWebOptions {
  readonly outDir?: string;
  readonly minify?: boolean;
}

/** Builds the page into `outDir` (default `dist/sandbox-web/`) and returns that directory. */
export async function buildWeb(opts: BuildWebOptions = {}): Promise<string> {
  const outDir = resolve(opts.outDir ?? DEFAULT_WEB_OUT);
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [
      { in: join(WEB, 'main.tsx'), out: 'app' },
      { in: join(WEB, 'styles.css'), out: 'app' },
    ],
    outdir: outDir,
    bundle: true,
    format: 'esm',
    target: ['chrome120', 'firefox120'],
    sourcemap: 'linked',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: join(WEB, 'tsconfig.json'),
    minify: opts.minify ?? false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  await writeFile(join(outDir, 'index.html'), INDEX_HTML);
  return outDir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const outDir = await buildWeb();
  console.log(`sandbox page built in ${Date.now() - started} ms: ${outDir}`);
}
