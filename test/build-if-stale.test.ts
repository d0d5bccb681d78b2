/**
 * `scripts/build-if-stale.mjs`, run as `npm start` runs it, in a scratch copy of the project whose
 * `scripts/build.mjs` only records that it ran: builds when `dist/` is missing or older than a
 * source, stays silent when it is current.
 */
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Writes dist/main.js like the build, logs that it ran, and fails while `build-fails` exists. */
const FAKE_BUILD = `
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
appendFileSync('build-runs.log', 'built\\n');
mkdirSync('dist', { recursive: true });
writeFileSync('dist/main.js', '');
process.exit(existsSync('build-fails') ? 2 : 0);
`;

const PROJECT: Record<string, string> = {
  'package.json': '{ "type": "module" }',
  'tsconfig.json': '{}',
  'src/main.ts': 'export {};',
  'src/store/index.ts': 'export {};',
  'src/store/index.test.ts': 'export {};',
  'src/sandbox/main.ts': 'export {};',
  'package-lock.json': '{}',
  'scripts/build.mjs': FAKE_BUILD,
  // Only resolved, to tell whether the devDependencies are installed.
  'node_modules/esbuild/package.json': '{ "name": "esbuild", "main": "main.js" }',
  'node_modules/esbuild/main.js': '',
};

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'build-if-stale-'));
  const anHourAgo = new Date(Date.now() - 3_600_000);
  for (const [path, text] of Object.entries(PROJECT)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  // The project was last edited well before any build in the test.
  for (const path of [...Object.keys(PROJECT), 'src', 'src/store', 'src/sandbox']) {
    utimesSync(join(dir, path), anHourAgo, anHourAgo);
  }
  copyFileSync(join(ROOT, 'scripts/build-if-stale.mjs'), join(dir, 'scripts/build-if-stale.mjs'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]) {
  const out = spawnSync(process.execPath, ['scripts/build-if-stale.mjs', ...args], {
    cwd: dir,
    encoding: 'utf8',
  });
  return { status: out.status, output: out.stdout + out.stderr };
}

const builds = () => {
  const log = join(dir, 'build-runs.log');
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
};

/** Saves a file: JSON rewritten, a script edited in place (so it still runs), a source created. */
const touch = (path: string) => {
  const file = join(dir, path);
  if (path.endsWith('.json')) writeFileSync(file, '{ "private": true }');
  else if (existsSync(file)) appendFileSync(file, '\n');
  else writeFileSync(file, 'export {};\n');
};

/** A first build, after which `dist/` is current. */
function built() {
  expect(run().status).toBe(0);
  expect(builds()).toHaveLength(1);
}

describe('build-if-stale', () => {
  it('builds with scripts/build.mjs when dist/ was never built', () => {
    const first = run();
    expect(first.status).toBe(0);
    expect(first.output).toContain('building (node scripts/build.mjs)');
    expect(builds()).toEqual(['built']);
  });

  it('does nothing and prints nothing when dist/ is current', () => {
    built();
    const again = run();
    expect(again).toEqual({ status: 0, output: '' });
    expect(builds()).toHaveLength(1);
  });

  it.each([
    ['a source', 'src/store/index.ts'],
    ['the base configuration', 'tsconfig.json'],
    ['package.json', 'package.json'],
    ['the installed versions', 'package-lock.json'],
    ['the build script', 'scripts/build.mjs'],
  ])('builds again after %s changed, then is current', (_what, path) => {
    built();
    touch(path);
    const after = run();
    expect(after.status).toBe(0);
    expect(after.output).toContain(`${path} changed`);
    expect(builds()).toHaveLength(2);
    expect(run().output).toBe('');
    expect(builds()).toHaveLength(2);
  });

  it('builds again after a source is added or deleted', () => {
    built();
    touch('src/store/extra.ts');
    run();
    expect(builds()).toHaveLength(2);
    rmSync(join(dir, 'src/store/extra.ts'));
    run();
    expect(builds()).toHaveLength(3);
  });

  it('ignores what the bundle never holds: tests and the sandbox', () => {
    built();
    touch('src/store/index.test.ts');
    touch('src/sandbox/main.ts');
    expect(run().output).toBe('');
    expect(builds()).toHaveLength(1);
  });

  it('builds when dist/main.js is gone', () => {
    built();
    rmSync(join(dir, 'dist/main.js'));
    run();
    expect(builds()).toHaveLength(2);
  });

  it('fails with the build, and tries again next time: output of a failed build is never current', () => {
    writeFileSync(join(dir, 'build-fails'), '');
    expect(run().status).toBe(2);
    expect(run().status).toBe(2);
    rmSync(join(dir, 'build-fails'));
    expect(run().status).toBe(0);
    expect(builds()).toHaveLength(3);
  });

  it('stamps `npm run build` through its pre and post hooks', () => {
    run('--begin');
    writeFileSync(join(dir, 'dist/main.js'), '');
    run('--done');
    expect(run().output).toBe('');
    expect(builds()).toHaveLength(0);
  });

  it('counts a source saved while a build ran as newer than that build', () => {
    run('--begin');
    writeFileSync(join(dir, 'dist/main.js'), '');
    touch('src/main.ts');
    run('--done');
    run();
    expect(builds()).toHaveLength(1);
  });

  it('is what npm start and npm run build run', () => {
    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts;
    expect(scripts.prestart).toBe('node scripts/build-if-stale.mjs');
    expect(scripts.build).toBe('node scripts/build.mjs');
  });

  describe('without the devDependencies (npm ci --omit=dev)', () => {
    beforeEach(() => rmSync(join(dir, 'node_modules/esbuild'), { recursive: true }));

    it('starts a stale dist/ as it is, with a warning', () => {
      mkdirSync(join(dir, 'dist'));
      writeFileSync(join(dir, 'dist/main.js'), '');
      const after = run();
      expect(after.status).toBe(0);
      expect(after.output).toContain('esbuild is not installed: using dist/ as it is');
      expect(builds()).toHaveLength(0);
    });

    it('fails, saying what to run, when there is no dist/ to start', () => {
      const after = run();
      expect(after.status).toBe(1);
      expect(after.output).toContain('run `npm ci` and `npm run build` first');
      expect(builds()).toHaveLength(0);
    });
  });
});
