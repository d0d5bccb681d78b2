/**
 * The whole bot on loopback, wired exactly as `main.ts` wires it (`startSlotsBot`): the real Bolt
 * app in HTTP mode, a real SQLite file, the real AWS SDK clients against the simulator behind
 * `AWS_ENDPOINT_URL_*`, and a fake Slack Web API behind `SLACK_API_URL`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SlotsBot, startSlotsBot } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import { OPEN_STATES } from '../../src/domain/requests.js';
import type { Clock } from '../../src/lifecycle/clock.js';
import { createLogger } from '../../src/logger.js';
import { defaultSeed, type SimSeed, type Simulator, startSimulator } from '../../src/sim/index.js';
import type { RunningSlackApp } from '../../src/slack/app.js';
import type { Store } from '../../src/store/store.js';
import { type FakeSlack, startFakeSlack } from './fake-slack.js';
import {
  SIGNING_SECRET,
  type SignedPostOptions,
  type SlackHttpResponse,
  sendInteraction,
  sendSlashCommand,
} from './slack-requests.js';

export const BOT_TOKEN = 'xoxb-000000000000-000000000000-TESTBOTTOKENVALUE';
export const FIXED_NOW = new Date('2026-11-22T12:00:00Z');

export interface HarnessOptions {
  readonly seed?: (now: Date) => SimSeed;
  readonly env?: Record<string, string>;
  readonly now?: Date;
  readonly pageSize?: number;
  /** An existing database file (to share one between harnesses); default a fresh temp file. */
  readonly databasePath?: string;
}

/** A clock tests can move. */
export interface TestClock extends Clock {
  advance(ms: number): void;
  set(at: Date): void;
}

export function testClock(start: Date): TestClock {
  let now = start.getTime();
  const clock = (() => new Date(now)) as TestClock;
  clock.advance = (ms) => {
    now += ms;
  };
  clock.set = (at) => {
    now = at.getTime();
  };
  return clock;
}

export interface Harness {
  readonly sim: Simulator;
  readonly slack: FakeSlack;
  /** The running bot; replaced by `restart()`. */
  readonly bot: SlotsBot;
  readonly app: RunningSlackApp;
  readonly clock: TestClock;
  readonly databasePath: string;
  readonly eventsUrl: string;
  readonly baseUrl: string;
  /** Every log line the app wrote, as raw text. */
  readonly logs: string[];
  /** Sends `/slots <text>` and returns the HTTP answer plus the `response_url` it carried. */
  command(
    text: string,
    opts?: SignedPostOptions & { userId?: string; triggerId?: string },
  ): Promise<SlackHttpResponse & { responseUrl: string }>;
  /** Sends a signed interactivity payload (block_actions, view_submission). */
  interact(payload: Record<string, unknown>): Promise<SlackHttpResponse>;
  /** Waits for the first message posted to a command's `response_url`. */
  answerTo(responseUrl: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Stops the bot (not the simulator or the fake Slack) and starts a new one on the same file. */
  restart(): Promise<void>;
  /** Starts a second bot on the same file, simulator and fake Slack (the caller stops it). */
  replica(): Promise<SlotsBot>;
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
  const clock = testClock(opts.now ?? FIXED_NOW);
  const sim = await startSimulator({
    seed: (opts.seed ?? defaultSeed)(clock()),
    now: clock,
    ...(opts.pageSize !== undefined && { pageSize: opts.pageSize }),
  });
  const slack = await startFakeSlack();
  const restoreEnv = pointAwsAt(sim);
  const databasePath =
    opts.databasePath ?? join(mkdtempSync(join(tmpdir(), 'slots-bot-test-')), 'slots.db');

  const config = loadConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    SLOTS_CHANNEL: 'C0SLOTS',
    SLOTS_APPROVERS: 'U0BOB,U0CAROL,S0APPROVERS',
    AWS_REGION: 'us-west-2',
    DATABASE_URL: `sqlite:${databasePath}`,
    // The test clock stands still: a reused status would never age. Tests that change AWS and
    // read the status again see the change; the reuse itself is tested with its own setting.
    SLOTS_STATUS_MAX_AGE: '0',
    ...opts.env,
  });
  const logs: string[] = [];
  const logger = createLogger({
    level: 'debug',
    secrets: [config.slack.botToken, config.slack.signingSecret],
    destination: { write: (line: string) => void logs.push(line) },
  });
  const start = async () => {
    const started = await startSlotsBot(config, {
      logger,
      clock,
      drainTimeoutMs: 5_000,
      outboxPollMs: 50,
      reconcile: { everyMs: 50 },
      expirySweepMs: 100,
    });
    // The watcher reads AWS once at start-up; tests count AWS calls from after that read.
    await started.watcher.pollOnce();
    return started;
  };
  let bot = await start();
  const urls = () => {
    const baseUrl = `http://127.0.0.1:${bot.slack.port}`;
    return { baseUrl, eventsUrl: `${baseUrl}/slack/events` };
  };

  const h: Harness = {
    sim,
    slack,
    clock,
    databasePath,
    logs,
    get bot() {
      return bot;
    },
    get app() {
      return bot.slack;
    },
    get baseUrl() {
      return urls().baseUrl;
    },
    get eventsUrl() {
      return urls().eventsUrl;
    },
    async command(text, o = {}) {
      const responseUrl = slack.responseUrl();
      const res = await sendSlashCommand(
        urls().eventsUrl,
        {
          text,
          responseUrl,
          ...(o.userId !== undefined && { userId: o.userId }),
          ...(o.triggerId !== undefined && { triggerId: o.triggerId }),
        },
        o,
      );
      return { ...res, responseUrl };
    },
    interact: (payload) => sendInteraction(urls().eventsUrl, payload),
    answerTo: (responseUrl, timeoutMs) => slack.answerTo(responseUrl, timeoutMs),
    async restart() {
      await bot.stop();
      bot = await start();
    },
    replica: start,
    async stop() {
      await bot.stop();
      await Promise.all([sim.close(), slack.close()]);
      restoreEnv();
    },
  };
  return h;
}

/**
 * Ends every open request (test set-up only: straight in the store, no Slack or AWS), since one
 * request per offering and action may be open at a time.
 */
export async function closeOpenRequests(store: Store): Promise<void> {
  for (const r of await store.listRequests({ states: OPEN_STATES, limit: 200 })) {
    await store.transition(r.id, {
      from: OPEN_STATES,
      to: 'cancelled',
      event: { actor: 'test', type: 'cleanup' },
    });
  }
}
