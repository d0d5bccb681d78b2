/** What a test or the benchmark needs to run slots-bot as a separate process on loopback. */
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { startFlags } from '../../scripts/bench-bot.js';
import type { Simulator } from '../../src/sim/index.js';
import type { FakeSlack } from './fake-slack.js';
import { BOT_TOKEN } from './harness.js';
import { SIGNING_SECRET } from './slack-requests.js';

export const PROCESS_AWS_SECRET = 'process-secret-access-key';

const ROOT = resolve(import.meta.dirname, '../..');
/** The bundle `npm start` runs; test/build-dist.ts builds it before any test file runs. */
export const DIST_MAIN = join(ROOT, 'dist/main.js');

/**
 * The arguments of `node` that run the bot as `npm start` does: its node flags, then the bundle.
 * Process tests run what is shipped, not the TypeScript sources.
 */
export function botArgs(): string[] {
  return [...startFlags(join(ROOT, 'package.json')), DIST_MAIN];
}

/** A port nobody listens on right now (loopback), for the child's `PORT`. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/**
 * The complete environment of a bot process pointed at a fake Slack and the simulator. Nothing of
 * the user's leaks in: no ~/.aws files, profile or instance metadata (`workDir` stands in as HOME).
 */
export function botProcessEnv(opts: {
  readonly workDir: string;
  readonly port: number;
  readonly slack: FakeSlack;
  readonly sim: Pick<Simulator, 'url'>;
  readonly logLevel?: string;
}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: opts.workDir,
    AWS_CONFIG_FILE: join(opts.workDir, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(opts.workDir, 'aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: opts.slack.apiUrl,
    PORT: String(opts.port),
    SLOTS_CHANNEL: 'C0SLOTS',
    SLOTS_APPROVERS: 'U0BOB',
    LOG_LEVEL: opts.logLevel ?? 'info',
    AWS_ENDPOINT_URL_DEVICE_FARM: opts.sim.url,
    AWS_ENDPOINT_URL_MEDIACONNECT: opts.sim.url,
    AWS_ACCESS_KEY_ID: 'AKIATESTTESTTESTTEST',
    AWS_SECRET_ACCESS_KEY: PROCESS_AWS_SECRET,
    AWS_REGION: 'us-west-2',
  };
}
