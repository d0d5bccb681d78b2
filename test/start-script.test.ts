/**
 * `npm start` runs Node with heap flags (see README, Performance). A Node major that dropped one
 * would refuse to start the bot: this runs on every Node version CI tests.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFlags } from '../scripts/bench-bot.js';

const PACKAGE_JSON = join(import.meta.dirname, '..', 'package.json');

describe('the start script', () => {
  it('runs dist/main.js with flags this Node accepts', () => {
    const flags = startFlags(PACKAGE_JSON);
    // Node 20 would parse the bundle's 5 MB source map at every start: maps are for debugging.
    expect(flags).not.toContain('--enable-source-maps');
    const out = spawnSync(process.execPath, [...flags, '-e', 'process.exit(0)'], {
      encoding: 'utf8',
    });
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
  });
});
