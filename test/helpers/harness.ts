/**
 * The whole app on loopback: the real Bolt app in HTTP mode with its real AWS SDK clients, the
 * AWS simulator behind `AWS_ENDPOINT_URL_*`, and a fake Slack Web API behind `SLACK_API_URL`.
 */
import { createAwsClients, createCapacityServices } from '../../src/aws/index.js';
import { createReports } from '../../src/capacity/reports.js';
import { loadConfig } from '../../src/config.js';
import type { Clock } from '../../src/lifecycle/clock.js';
import { createLogger } from '../../src/logger.js';
import { defaultSeed, type SimSeed, type Simulator, startSimulator } from '../../src/sim/index.js';
import { type RunningSlackApp, startSlackApp } from '../../src/slack/app.js';
import { type FakeSlack, startFakeSlack } from './fake-slack.js';
import {
  SIGNING_SECRET,
  type SignedPostOptions,
  type SlackHttpResponse,
  sendSlashCommand,
} from './slack-requests.js';

export const BOT_TOKEN = 'xoxb-000000000000-000000000000-TESTBOTTOKENVALUE';
export const FIXED_NOW = new Date('2026-11-22T12:00:00Z');

export interface HarnessOptions {
  readonly seed?: (now: Date) => SimSeed;
  readonly env?: Record<string, string>;
  readonly now?: Date;
  readonly pageSize?: number;
}

export interface Harness {
  readonly sim: Simulator;
  readonly slack: FakeSlack;
  readonly app: RunningSlackApp;
  readonly eventsUrl: string;
  readonly baseUrl: string;
  /** Every log line the app wrote, as raw text. */
  readonly logs: string[];
  /** Sends `/slots <text>` and returns the HTTP answer plus the `response_url` it carried. */
  command(
    text: string,
    opts?: SignedPostOptions & { userId?: string },
  ): Promise<SlackHttpResponse & { responseUrl: string }>;
  /** Waits for the first message posted to a command's `response_url`. */
  answerTo(responseUrl: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

const AWS_ENV = [
  'AWS_ENDPOINT_URL_DEVICE_FARM',
  'AWS_ENDPOINT_URL_MEDIACONNECT',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_REGION',
] as const;

export const TEST_AWS_SECRET = 'test-secret-access-key';

/**
 * Points the SDK at the simulator the way production is pointed at AWS: through the environment
 * (endpoint overrides and credentials). Returns a function that puts the environment back.
 */
export function pointAwsAt(sim: Simulator): () => void {
  const saved = Object.fromEntries(AWS_ENV.map((k) => [k, process.env[k]]));
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DEVICE_FARM: sim.url,
    AWS_ENDPOINT_URL_MEDIACONNECT: sim.url,
    AWS_ACCESS_KEY_ID: 'AKIATESTTESTTESTTEST',
    AWS_SECRET_ACCESS_KEY: TEST_AWS_SECRET,
  });
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const now = opts.now ?? FIXED_NOW;
  const clock: Clock = () => new Date(now);
  const sim = await startSimulator({
    seed: (opts.seed ?? defaultSeed)(now),
    now: clock,
    ...(opts.pageSize !== undefined && { pageSize: opts.pageSize }),
  });
  const slack = await startFakeSlack();

  const restoreEnv = pointAwsAt(sim);

  const config = loadConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    SLOTS_CHANNEL: 'C0SLOTS',
    SLOTS_APPROVERS: 'U0BOB,U0CAROL',
    AWS_REGION: 'us-west-2',
    ...opts.env,
  });
  const logs: string[] = [];
  const logger = createLogger({
    level: 'debug',
    secrets: [config.slack.botToken, config.slack.signingSecret],
    destination: { write: (line: string) => void logs.push(line) },
  });
  const aws = createAwsClients({ region: config.aws.region, logger });
  const reports = createReports(createCapacityServices(aws), clock);
  const app = await startSlackApp({ config, logger, reports, drainTimeoutMs: 5_000 });
  const baseUrl = `http://127.0.0.1:${app.port}`;
  const eventsUrl = `${baseUrl}/slack/events`;

  return {
    sim,
    slack,
    app,
    eventsUrl,
    baseUrl,
    logs,
    async command(text, o = {}) {
      const responseUrl = slack.responseUrl();
      const res = await sendSlashCommand(
        eventsUrl,
        { text, responseUrl, ...(o.userId !== undefined && { userId: o.userId }) },
        o,
      );
      return { ...res, responseUrl };
    },
    answerTo: (responseUrl, timeoutMs) => slack.answerTo(responseUrl, timeoutMs),
    async stop() {
      await app.stop();
      aws.destroy();
      await Promise.all([sim.close(), slack.close()]);
      restoreEnv();
    },
  };
}
