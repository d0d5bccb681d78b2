/**
 * The Bolt app and the HTTP server around it. In HTTP mode one server answers Slack on
 * `POST /slack/events` and health checks on `GET /healthz`; in Socket Mode Slack arrives over the
 * WebSocket and the server only answers health checks. Listeners live in their own files.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, type Receiver, SocketModeReceiver, webApi } from '@slack/bolt';
import type { Config } from '../config.js';
import { InFlight } from '../lifecycle/in-flight.js';
import { type Logger, slackLogger } from '../logger.js';
import type { NoticeDecisions } from '../notices/decisions.js';
import { registerHome } from './home.js';
import { registerNoticeActions } from './notice-actions.js';
import { registerRequestActions } from './request-actions.js';
import { registerRequestModal } from './request-modal.js';
import { registerSlashCommand, type SlashCommandDeps } from './slash-command.js';

type WebClientOptions = webApi.WebClientOptions;

export const EVENTS_PATH = '/slack/events';
export const HEALTH_PATH = '/healthz';

export interface SlackAppDeps extends Omit<SlashCommandDeps, 'logger'> {
  readonly config: Pick<Config, 'slack' | 'port'>;
  readonly logger: Logger;
  /** What the buttons on channel notices do. */
  readonly notices: NoticeDecisions;
  /** How long shutdown waits for acknowledged work to finish. */
  readonly drainTimeoutMs?: number;
  /** Overrides for tests (e.g. no retries against a fake Web API). */
  readonly clientOptions?: WebClientOptions;
}

export interface RunningSlackApp {
  readonly app: App;
  /** The port the HTTP server listens on (useful when `PORT=0`). */
  readonly port: number;
  readonly mode: 'http' | 'socket';
  /** Stops taking requests, waits for in-flight work, disconnects. Safe to call twice. */
  stop(): Promise<void>;
}

type Phase = 'starting' | 'ready' | 'stopping';

/** Options for every Web API client of the app (Bolt's own, the outbox's, the directory's). */
export function slackClientOptions(
  config: Pick<Config, 'slack'>,
  logger: Logger,
  overrides: WebClientOptions = {},
): WebClientOptions {
  return {
    slackApiUrl: config.slack.apiUrl,
    logger: slackLogger(logger),
    // Slow retries would hold a listener long after the user stopped waiting; delivery that must
    // not be lost goes through the outbox, which retries on its own schedule, honouring
    // Retry-After from the error a 429 raises.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
    ...overrides,
  };
}

export function createSlackClient(
  config: Pick<Config, 'slack'>,
  logger: Logger,
  overrides?: WebClientOptions,
): webApi.WebClient {
  return new webApi.WebClient(config.slack.botToken, slackClientOptions(config, logger, overrides));
}

export async function startSlackApp(deps: SlackAppDeps): Promise<RunningSlackApp> {
  const { config } = deps;
  const log = deps.logger.child({ module: 'slack-app' });
  const boltLogger = slackLogger(deps.logger);
  const clientOptions = slackClientOptions(config, deps.logger, deps.clientOptions);

  // Checking the token first fails start-up on a bad token, and spares the first user request an
  // auth.test round trip before its ack.
  const identity = await verifyBotToken(config.slack.botToken, clientOptions);
  log.info({ team: identity.team, botUserId: identity.botUserId }, 'bot token verified');

  let phase: Phase = 'starting';
  const inFlight = new InFlight();
  const mode = config.slack.mode;
  const receiver: HTTPReceiver | SocketModeReceiver =
    mode === 'socket'
      ? new SocketModeReceiver({
          appToken: config.slack.appToken!,
          logger: boltLogger,
          // The socket client reconnects through apps.connections.open; unlike listener calls,
          // that call must keep retrying, or one failed reconnect leaves the app deaf for good.
          installerOptions: {
            clientOptions: { ...clientOptions, retryConfig: SOCKET_RECONNECT_RETRIES },
          },
        })
      : new HTTPReceiver({
          signingSecret: config.slack.signingSecret!,
          logger: boltLogger,
          endpoints: [EVENTS_PATH],
        });

  const app = new App({
    token: config.slack.botToken,
    botId: identity.botId,
    botUserId: identity.botUserId,
    receiver: receiver as Receiver,
    logger: boltLogger,
    clientOptions,
  });

  // Everything after a listener's ack is tracked, so shutdown can wait for it.
  app.use(async ({ next }) => {
    await inFlight.track(next());
  });
  app.error(async (error) => {
    log.error({ err: error }, 'unhandled error in a Slack listener');
  });

  registerSlashCommand(app, { ...deps, logger: deps.logger });
  registerHome(app, { ...deps, logger: deps.logger });
  registerRequestActions(app, { requests: deps.requests, logger: deps.logger });
  registerRequestModal(app, { ...deps, logger: deps.logger });
  registerNoticeActions(app, { ...deps, logger: deps.logger });

  const socket = mode === 'socket' ? watchSocket(receiver as SocketModeReceiver) : undefined;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === HEALTH_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      return health(res, phase, mode, socket);
    }
    if (mode === 'http' && path === EVENTS_PATH && req.method === 'POST') {
      if (phase !== 'ready') return plain(res, 503, 'not accepting requests');
      return (receiver as HTTPReceiver).requestListener(req, res);
    }
    return plain(res, 404, 'not found');
  });
  // Slack sends each request on a fresh connection; idle keep-alives would only delay shutdown.
  server.keepAliveTimeout = 5_000;
  const port = await listen(server, config.port);

  if (mode === 'socket') {
    try {
      await (receiver as SocketModeReceiver).start();
    } catch (e) {
      server.close();
      const code = (e as { data?: { error?: string } }).data?.error;
      throw new Error(
        code
          ? `Slack refused the app-level token (apps.connections.open: ${code}); check SLACK_APP_TOKEN and its connections:write scope`
          : `Socket Mode could not connect to Slack (${(e as Error).message})`,
      );
    }
  }
  phase = 'ready';
  log.info({ port, mode }, 'slots-bot is ready');

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      phase = 'stopping';
      log.info({ inFlight: inFlight.size }, 'stopping: no new requests');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Bolt's receiver.stop() does not wait for the socket to close; the client's disconnect does.
      if (mode === 'socket') {
        await withTimeout((receiver as SocketModeReceiver).client.disconnect(), 5_000).catch(
          (err: unknown) => log.warn({ err }, 'socket did not close cleanly'),
        );
      }
      const drained = await inFlight.drain(deps.drainTimeoutMs ?? 15_000);
      if (!drained) log.warn({ inFlight: inFlight.size }, 'stopped before in-flight work finished');
      server.closeAllConnections();
      await closed;
      log.info('stopped');
    })();
    return stopping;
  };

  return { app, port, mode, stop };
}

interface BotIdentity {
  readonly botId: string;
  readonly botUserId: string;
  readonly team: string | undefined;
}

async function verifyBotToken(token: string, options: WebClientOptions): Promise<BotIdentity> {
  const client = new webApi.WebClient(token, options);
  let result: webApi.AuthTestResponse;
  try {
    result = await client.auth.test();
  } catch (e) {
    const code = (e as { data?: { error?: string } }).data?.error;
    throw new Error(
      code
        ? `Slack refused the bot token (auth.test: ${code}); check SLACK_BOT_TOKEN`
        : `Slack could not be reached to verify the bot token (${(e as Error).message}); check SLACK_API_URL and the network`,
    );
  }
  if (!result.bot_id || !result.user_id) {
    throw new Error('SLACK_BOT_TOKEN is not a bot token (auth.test returned no bot id)');
  }
  return { botId: result.bot_id, botUserId: result.user_id, team: result.team };
}

/** Retries for apps.connections.open: about ten minutes, then the health check says so. */
const SOCKET_RECONNECT_RETRIES = {
  retries: 20,
  factor: 1.5,
  minTimeout: 1_000,
  maxTimeout: 30_000,
};

/** A reconnect takes Slack's client about 5 s; only a longer outage makes the app unhealthy. */
const SOCKET_DOWN_GRACE_MS = 60_000;

interface SocketWatch {
  /** Milliseconds the socket has been down, 0 while connected. */
  downForMs(): number;
}

function watchSocket(receiver: SocketModeReceiver): SocketWatch {
  let downSince: number | undefined = Date.now();
  receiver.client.on('connected', () => {
    downSince = undefined;
  });
  const down = () => {
    downSince ??= Date.now();
  };
  receiver.client.on('reconnecting', down);
  receiver.client.on('disconnected', down);
  return { downForMs: () => (downSince === undefined ? 0 : Date.now() - downSince) };
}

function health(
  res: ServerResponse,
  phase: Phase,
  mode: string,
  socket: SocketWatch | undefined,
): void {
  const downFor = socket?.downForMs() ?? 0;
  const healthy = phase === 'ready' && downFor < SOCKET_DOWN_GRACE_MS;
  const body = JSON.stringify({
    status: phase === 'ready' ? (healthy ? 'ok' : 'disconnected') : phase,
    mode,
    ...(socket && { socket: downFor === 0 ? 'connected' : 'reconnecting' }),
  });
  res.writeHead(healthy ? 200 : 503, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
  });
  res.end(body);
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(text);
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
