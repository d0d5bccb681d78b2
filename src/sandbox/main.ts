/**
 * `npm run sandbox`: the AWS simulator, the real bot and the local Slack in one process, on
 * loopback, with nothing taken from the caller's environment. Wiring only, in numbered steps;
 * what each part does lives in its own module.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type SlotsBot, startSlotsBot } from '../bootstrap.js';
import { loadConfig } from '../config.js';
import { createLogger, scrubSecrets } from '../logger.js';
import { defaultSeed, startSimulator } from '../sim/index.js';
import { EVENTS_PATH, HEALTH_PATH } from '../slack/app.js';
import { createAwsPanel } from './aws-panel.js';
import { createSandboxClock } from './clock.js';
import {
  botLogLevel,
  parseSandboxArgs,
  SANDBOX_USAGE,
  SandboxArgsError,
  sandboxBotEnv,
  sandboxProcessEnv,
  scrubEnvironment,
  slotsUsageHint,
} from './settings.js';
import { startLocalSlack } from './slack/server.js';
import type { LocalSlack } from './slack/types.js';
import { SANDBOX_BOT_TOKEN, SANDBOX_SIGNING_SECRET } from './workspace-setup.js';
import {
  createWorldSaver,
  loadWorld,
  resetSandboxData,
  saveWorld,
  WORLD_VERSION,
} from './world.js';

const ROOT = resolve(import.meta.dirname, '../..');
const HOST = '127.0.0.1';
/** How long the page's health check waits for the bot's `/healthz`. */
const BOT_HEALTH_TIMEOUT_MS = 1_000;
/** A second signal this soon after the first is the same one delivered twice. */
const DUPLICATE_SIGNAL_MS = 500;

const say = (line: string) => process.stdout.write(`${line}\n`);
const complain = (line: string) => process.stderr.write(`${line}\n`);

/** Thrown for a failure already explained to the person; `main` only exits. */
class StartupFailure extends Error {}

async function main(): Promise<void> {
  // 0. A closed stdout or stderr must not end the process mid-shutdown (see src/main.ts).
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

  // 1. Flags.
  let args: ReturnType<typeof parseSandboxArgs>;
  try {
    args = parseSandboxArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof SandboxArgsError)) throw err;
    complain(`${err.message}\nSee: npm run sandbox -- --help`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(SANDBOX_USAGE);
    return;
  }

  // 2. Nothing from the caller's environment may point the bot or the SDK elsewhere. No `.env`
  //    is read either: the sandbox's settings are all below.
  const ignored = scrubEnvironment(process.env);

  // 3. The data directory and what the last run left there.
  const dataDir = resolve(args.dataDir);
  mkdirSync(dataDir, { recursive: true });
  if (args.reset) resetSandboxData(dataDir);
  const world = loadWorld(dataDir, say);
  // The bot's database without the world it belongs to (a run that died before its first save, a
  // world set aside) would hold requests and notices about an account and a channel that are
  // gone; both start again together.
  if (world === undefined && existsSync(resolve(dataDir, 'slots.db'))) {
    say('No saved sandbox world beside the database: starting again from a fresh seed.');
    resetSandboxData(dataDir);
  }

  // 4. The sandbox clock, where the last run left it.
  const clock = createSandboxClock(world?.clockOffsetMs ?? 0);

  const closers: (() => Promise<void>)[] = [];
  /** Closes what was opened, newest first; false when something did not close cleanly. */
  const closeAll = async (): Promise<boolean> => {
    let clean = true;
    for (const close of closers.splice(0).reverse()) {
      await close().catch((err: unknown) => {
        clean = false;
        complain(`Could not stop cleanly: ${reasonOf(err)}`);
      });
    }
    return clean;
  };
  let bot: SlotsBot | undefined;
  let localSlack: LocalSlack | undefined;
  try {
    // 5. The AWS simulator, and the SDK pointed at it with fake credentials.
    const sim = await startSimulator({
      now: clock,
      seed: world?.sim ?? defaultSeed(clock()),
      host: HOST,
      port: 0,
      recordAnswers: true,
      // The panel shows the last 300; a sandbox left running for days must not grow without end.
      maxCalls: 1_000,
    });
    closers.push(() => sim.close());
    Object.assign(process.env, sandboxProcessEnv(dataDir, sim.url));

    // 6. The AWS panel; the bot it asks to poll starts after it.
    const aws = createAwsPanel({
      sim,
      clock,
      pollNow: async () => {
        await bot?.watcher.pollOnce();
      },
    });
    closers.push(async () => aws.close());

    // 7. The local Slack: the bot's Web API and the person's page.
    const logger = createLogger({
      level: botLogLevel(args.verbose),
      secrets: [SANDBOX_BOT_TOKEN, SANDBOX_SIGNING_SECRET],
    });
    process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
    const saver = createWorldSaver({
      write: () => {
        // Changes during start-up are written by the first save after it.
        if (!localSlack) return;
        saveWorld(dataDir, {
          version: WORLD_VERSION,
          clockOffsetMs: clock.offsetMs,
          sim: sim.state,
          slack: localSlack.save(),
        });
      },
      onError: (err) => logger.error({ err }, 'could not save the sandbox'),
    });
    const slack = await startLocalSlack({
      port: args.port,
      host: HOST,
      now: clock,
      webRoot: resolve(ROOT, 'dist/sandbox-web'),
      usageHint: slotsUsageHint(readFileSync(resolve(ROOT, 'manifest.yml'), 'utf8')),
      aws,
      requests: async (id: string) => bot?.store.getRequest(id),
      botHealth: () => botHealthy(bot),
      ...(world !== undefined && { saved: world.slack }),
      onChange: () => saver.schedule(),
      logger: logger.child({ module: 'local-slack' }),
    }).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      const other = args.port === 65535 ? 0 : args.port + 1;
      complain(
        `Port ${args.port} is in use. Stop what uses it, or run: npm run sandbox -- --port ${other}`,
      );
      throw new StartupFailure();
    });
    localSlack = slack;
    closers.push(() => slack.close());
    // Registered after the local Slack so the last save happens before it closes.
    closers.push(async () => saver.stop());

    // 8. The real bot, over signed HTTP on a loopback port of its own.
    const config = loadConfig(
      sandboxBotEnv({ dataDir, slackApiUrl: slack.apiUrl, simUrl: sim.url, verbose: args.verbose }),
    );
    bot = await startSlotsBot(config, { logger, clock, listenHost: HOST });
    const running = bot;
    closers.push(() => running.stop());
    const eventsUrl = `http://${HOST}:${running.slack.port}${EVENTS_PATH}`;
    slack.setEventsUrl(eventsUrl);

    // 9. Where everything is; never a token or a value from the environment.
    say(
      [
        'slots-bot sandbox: a local imitation of Slack and AWS. Nothing here reaches real Slack or AWS.',
        `  Open ${slack.url}`,
        `  Local Slack  ${slack.apiUrl}  (the bot is at ${eventsUrl})`,
        `  AWS          simulator at ${sim.url} with fake credentials (Device Farm, MediaConnect)`,
        `  Data         ${args.dataDir.replace(/\/+$/, '')}/  (npm run sandbox -- --reset starts again from a fresh seed)`,
        ...(ignored.length > 0 ? [`  Ignored from your environment: ${ignored.join(', ')}`] : []),
        'Ctrl-C stops it.',
      ].join('\n'),
    );

    // 10. Keep the world on every change (at most twice a second), and once now.
    aws.onChange(() => saver.schedule());
    saver.schedule();

    // 11. Stop in reverse order: the bot first, as it may still be talking to the local Slack.
    let signalledAt: number | undefined;
    const shutdown = () => {
      if (signalledAt !== undefined) {
        // A signal sent to the whole process group reaches this process twice, directly and
        // relayed by tsx, within a few ms; only a later one is a person insisting.
        if (Date.now() - signalledAt < DUPLICATE_SIGNAL_MS) return;
        process.exit(1);
      }
      signalledAt = Date.now();
      void closeAll().then((clean) => {
        say('Sandbox stopped.');
        process.exit(clean ? 0 : 1);
      });
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** Whether the bot answers its own health check now. */
async function botHealthy(bot: SlotsBot | undefined): Promise<boolean> {
  if (!bot) return false;
  try {
    const res = await fetch(`http://${HOST}:${bot.slack.port}${HEALTH_PATH}`, {
      signal: AbortSignal.timeout(BOT_HEALTH_TIMEOUT_MS),
    });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

function reasonOf(err: unknown): string {
  return scrubSecrets(err instanceof Error ? err.message : String(err));
}

main().catch((err: unknown) => {
  if (!(err instanceof StartupFailure)) {
    complain(`The sandbox could not start: ${reasonOf(err)}`);
  }
  process.exit(1);
});
