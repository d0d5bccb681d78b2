/**
 * Wiring only: read the configuration, build the dependencies, start, and stop on a signal.
 */

import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { startSlotsBot } from './bootstrap.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger, type Logger, scrubSecrets } from './logger.js';

/** How long exit waits for the last log lines; stdout may be a pipe nobody reads any more. */
const FLUSH_LIMIT_MS = 2_000;

async function main(): Promise<void> {
  // 0. A closed stdout or stderr (the reader of a pipe went away) raises EPIPE on the next
  //    write; unhandled, that error would end the process before work under way is finished.
  //    There is nowhere left to report it, so it is dropped.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

  // 1. Configuration: every problem reported at once, before anything starts. A `.env` file in
  //    the working directory fills in what the environment does not set.
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`slots-bot cannot start.\n${e.message}\n`);
      process.exit(78);
    }
    throw e;
  }

  // 2. Logging, told which values must never be printed.
  const logger = createLogger({
    level: config.logLevel,
    secrets: [
      config.slack.botToken,
      config.slack.appToken,
      config.slack.signingSecret,
      process.env.AWS_SECRET_ACCESS_KEY,
      process.env.AWS_SESSION_TOKEN,
    ],
  });
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));

  // 3. Store, AWS, Slack, outbox and background work, in that order.
  const bot = await startSlotsBot(config, { logger });

  // 4. From now on the old generation grows in 20% steps, not V8's default of up to several
  //    times, so the garbage of a burst of commands is collected rather than kept as memory
  //    (README, Performance). Not from the start: while the heap grows from nothing, small steps
  //    cost a full collection every few megabytes of start-up. V8 reads the flag each time it sets
  //    the next heap limit; where it did not, the bot would work the same with more memory.
  setFlagsFromString('--heap-growing-percent=20');

  // 5. Graceful shutdown: stop taking requests, finish acknowledged work, exit 0.
  let signalled = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    signalled = true;
    logger.info({ signal }, 'shutting down');
    void bot.stop().then(
      () => exitAfterFlush(logger, 0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        exitAfterFlush(logger, 1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

function exitAfterFlush(logger: Pick<Logger, 'flush'>, code: number): void {
  setTimeout(() => process.exit(code), FLUSH_LIMIT_MS);
  logger.flush(() => process.exit(code));
}

main().catch((err: unknown) => {
  const reason = scrubSecrets(err instanceof Error ? err.message : String(err));
  process.stderr.write(`slots-bot failed to start: ${reason}\n`);
  process.exit(1);
});
