/**
 * Vitest's global setup: builds dist/ when it is older than its sources, as `npm start` does, so
 * the tests that run the bot as a process run the bundle that ships (test/helpers/bot-process.ts).
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

export default function buildDist(): void {
  const out = spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`building dist/ failed:\n${out.stdout}${out.stderr}`);
}
