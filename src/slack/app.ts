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
import { isStoreError } from '../store/errors.js';
import type { OutboxHealth } from '../store/store.js';
import { type HomeTab, registerHome } from './home.js';
import { registerNoticeActions } from './notice-actions.js';
import { screenedReceiver, screenHttpEvents } from './payload-guard.js';
import { registerRequestActions } from './request-actions.js';
import { registerRequestModal } from './request-modal.js';
import { registerSlashCommand, type SlashCommandDeps } from './slash-command.js';
import { type Installation, workspaceGuard } from './workspace-guard.js';

type WebClientOptions = webApi.WebClientOptions;

export const EVENTS_PATH = '/slack/events';
export const HEALTH_PATH = '/healthz';
export const METRICS_PATH = '/metrics';

export interface SlackAppDeps extends Omit<SlashCommandDeps, 'logger'> {
  /** `slots.channel`: where request cards are, for refusals when the store cannot say. */
  readonly config: Pick<Config, 'slack' | 'port' | 'slots'>;
  readonly logger: Logger;
  /** What the buttons on channel notices do. */
  readonly notices: NoticeDecisions;
  /** The App Home tab (published per person; answers clicks made on it). */
  readonly home: HomeTab;
  /** How long shutdown waits for acknowledged work to finish. */
  readonly drainTimeoutMs?: number;
  /** Overrides for tests (e.g. no retries against a fake Web API). */
  readonly clientOptions?: WebClientOptions;
  /** Dead and waiting Slack messages, for `/healthz`. */
  readonly outboxHealth?: () => Promise<OutboxHealth>;
  /** Resolves when the database answers now (the store's `ping`), for `/healthz`. */
  readonly databaseHealth?: () => Promise<void>;
  /** Prometheus metrics served on `GET /metrics`; absent (`SLOTS_METRICS=false`): 404. */
  readonly metrics?: MetricsEndpoint;
  /** Interface the HTTP server binds; default every interface (the sandbox binds loopback). */
  readonly listenHost?: string;
  /**
   * The bot token's check (`checkBotToken`), when the caller started it early so that Slack's
   * round trips overlap the rest of start-up. Without it, the check runs here. Either way the app
   * listens only once it has passed.
   */
  readonly identity?: Promise<BotIdentity>;
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

/**
 * Asks Slack whom the bot token belongs to (auth.test, and bots.info when needed). Every request
 * is checked against the answer, so it fails start-up on a bad token, and spares the first user
 * request an auth.test round trip before its ack.
 */
export function checkBotToken(
  config: Pick<Config, 'slack'>,
  logger: Logger,
  overrides?: WebClientOptions,
): Promise<BotIdentity> {
  return verifyBotToken(config.slack.botToken, slackClientOptions(config, logger, overrides));
}

export async function startSlackApp(deps: SlackAppDeps): Promise<RunningSlackApp> {
  const { config } = deps;
  const log = deps.logger.child({ module: 'slack-app' });
  const boltLogger = slackLogger(deps.logger);
  const clientOptions = slackClientOptions(config, deps.logger, deps.clientOptions);

  const identity = await (deps.identity ?? checkBotToken(config, deps.logger, deps.clientOptions));
  log.info(
    {
      team: identity.team,
      botUserId: identity.botUserId,
      teamId: identity.installation.teamId,
      enterpriseId: identity.installation.enterpriseId,
      appId: identity.installation.appId,
    },
    'bot token verified',
  );

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
    // Every request is checked for a shape Bolt and the listeners can read before Bolt sees it.
    receiver: screenedReceiver(receiver as Receiver, deps.logger),
    logger: boltLogger,
    clientOptions,
  });

  // First: nothing from another workspace, org or app goes further.
  app.use(workspaceGuard(identity.installation, deps.logger));
  // Everything after a listener's ack is tracked, so shutdown can wait for it.
  app.use(async ({ next }) => {
    await inFlight.track(next());
  });
  app.error(async (error) => {
    log.error({ err: error }, 'unhandled error in a Slack listener');
  });

  registerSlashCommand(app, { ...deps, logger: deps.logger });
  registerHome(app, deps.home);
  registerRequestActions(app, {
    requests: deps.requests,
    logger: deps.logger,
    channel: config.slots.channel,
    home: deps.home,
  });
  registerRequestModal(app, { ...deps, logger: deps.logger });
  registerNoticeActions(app, { ...deps, logger: deps.logger });

  const socket = mode === 'socket' ? watchSocket(receiver as SocketModeReceiver) : undefined;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === HEALTH_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      return void health(res, {
        phase,
        mode,
        socket,
        outboxHealth: deps.outboxHealth,
        databaseHealth: deps.databaseHealth,
      });
    }
    if (deps.metrics && path === METRICS_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      return void serveMetrics(res, deps.metrics);
    }
    if (mode === 'http' && path === EVENTS_PATH && req.method === 'POST') {
      if (phase !== 'ready') return plain(res, 503, 'not accepting requests');
      return void screenHttpEvents(
        req,
        res,
        { signingSecret: config.slack.signingSecret!, logger: deps.logger },
        () => (receiver as HTTPReceiver).requestListener(req, res),
      );
    }
    return plain(res, 404, 'not found');
  });
  // Slack sends each request on a fresh connection; idle keep-alives would only delay shutdown.
  server.keepAliveTimeout = 5_000;
  const port = await listen(server, config.port, deps.listenHost);

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

export interface BotIdentity {
  readonly botId: string;
  readonly botUserId: string;
  readonly team: string | undefined;
  /** What every incoming request must match (see workspace-guard.ts). */
  readonly installation: Installation;
}

const errorCode = (e: unknown) => (e as { data?: { error?: string } }).data?.error;

async function verifyBotToken(token: string, options: WebClientOptions): Promise<BotIdentity> {
  const client = new webApi.WebClient(token, options);
  let result: webApi.AuthTestResponse;
  try {
    result = await client.auth.test();
  } catch (e) {
    const code = errorCode(e);
    throw new Error(
      code
        ? `Slack refused the bot token (auth.test: ${code}); check SLACK_BOT_TOKEN`
        : `Slack could not be reached to verify the bot token (${(e as Error).message}); check SLACK_API_URL and the network`,
    );
  }
  if (!result.bot_id || !result.user_id) {
    throw new Error('SLACK_BOT_TOKEN is not a bot token (auth.test returned no bot id)');
  }
  const isEnterpriseInstall = result.is_enterprise_install === true;
  const teamId = result.team_id || undefined;
  const enterpriseId = result.enterprise_id || undefined;
  if (isEnterpriseInstall ? !enterpriseId : !teamId) {
    throw new Error(
      `Slack did not say where the bot token is installed (auth.test returned no ${isEnterpriseInstall ? 'enterprise_id' : 'team_id'})`,
    );
  }
  const appId =
    result.app_id ||
    (await appIdOfBot(client, result.bot_id, isEnterpriseInstall ? enterpriseId : undefined));
  return {
    botId: result.bot_id,
    botUserId: result.user_id,
    team: result.team,
    installation: { appId, teamId, enterpriseId, isEnterpriseInstall },
  };
}

/**
 * auth.test does not always name the app a bot token belongs to; bots.info does (`bot.app_id`,
 * scope `users:read`). Without it no request could be checked, so start-up stops.
 */
async function appIdOfBot(
  client: webApi.WebClient,
  botId: string,
  orgId: string | undefined,
): Promise<string> {
  let appId: string | undefined;
  try {
    const info = await client.bots.info({ bot: botId, ...(orgId && { team_id: orgId }) });
    appId = info.bot?.app_id || undefined;
  } catch (e) {
    const code = errorCode(e);
    throw new Error(
      code === 'missing_scope'
        ? 'Slack did not say which app the bot token belongs to (bots.info: missing_scope); add the users:read bot scope and reinstall the app'
        : `Slack did not say which app the bot token belongs to (bots.info: ${code ?? (e as Error).message})`,
    );
  }
  if (!appId) {
    throw new Error(
      'Slack did not say which app the bot token belongs to (bots.info returned no app_id)',
    );
  }
  return appId;
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

interface HealthInputs {
  readonly phase: Phase;
  readonly mode: string;
  readonly socket: SocketWatch | undefined;
  readonly outboxHealth: (() => Promise<OutboxHealth>) | undefined;
  readonly databaseHealth: (() => Promise<void>) | undefined;
}

/** How long `/healthz` waits for the store (the ping, the outbox counts) before answering. */
const HEALTH_STORE_TIMEOUT_MS = 1_000;

/**
 * 200 while the bot takes requests, 503 while starting, stopping, disconnected, or while the
 * database does not answer (with a short `reason`), and 200 again as soon as it does. Dead
 * messages do not make it unhealthy: the bot still works, a restart would not revive them, and an
 * orchestrator acting on a 503 would only restart it; they are reported in `outbox` for alerts.
 * The ping and the counts are read in parallel, each for at most a second.
 */
async function health(res: ServerResponse, inputs: HealthInputs): Promise<void> {
  const { phase, mode, socket } = inputs;
  const downFor = socket?.downForMs() ?? 0;
  const [database, outbox] = await Promise.all([
    inputs.databaseHealth ? checkDatabase(inputs.databaseHealth) : undefined,
    inputs.outboxHealth ? readOutboxHealth(inputs.outboxHealth) : undefined,
  ]);
  const databaseDown = database !== undefined && !database.ok;
  const connected = downFor < SOCKET_DOWN_GRACE_MS;
  const healthy = phase === 'ready' && connected && !databaseDown;
  const status =
    phase !== 'ready'
      ? phase
      : databaseDown
        ? 'database unreachable'
        : connected
          ? 'ok'
          : 'disconnected';
  const body = JSON.stringify({
    status,
    ...(database && !database.ok && { reason: database.reason }),
    mode,
    ...(socket && { socket: downFor === 0 ? 'connected' : 'reconnecting' }),
    ...(database && { database: database.ok ? 'reachable' : 'unreachable' }),
    ...(outbox && { outbox }),
  });
  res.writeHead(healthy ? 200 : 503, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
  });
  res.end(body);
}

type DatabaseCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

async function checkDatabase(ping: () => Promise<void>): Promise<DatabaseCheck> {
  try {
    await withTimeout(ping(), HEALTH_STORE_TIMEOUT_MS);
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: unreachableReason(err) };
  }
}

/** A code shaped like a driver's or the OS's (`ECONNREFUSED`, `57P01`), never free text. */
const ERROR_CODE = /^[A-Za-z0-9_]{1,40}$/;

/**
 * Why the database did not answer, for a health check anyone on the network may read: the
 * store's code and the driver's or the OS's code under it, never a message, which could name a
 * host, a URL or a password.
 */
export function unreachableReason(err: unknown): string {
  if (err instanceof TimedOut) return `no answer within ${err.ms} ms`;
  const codeOf = (e: unknown) => {
    const code = (e as { code?: unknown } | null | undefined)?.code;
    return typeof code === 'string' && ERROR_CODE.test(code) ? code : undefined;
  };
  if (isStoreError(err)) {
    const cause = codeOf(err.cause);
    return cause ? `${err.code} (${cause})` : err.code;
  }
  return codeOf(err) ?? 'unknown error';
}

/** The counts, or `"unavailable"` when the store does not answer quickly (locked, closed). */
async function readOutboxHealth(
  read: () => Promise<OutboxHealth>,
): Promise<Record<string, unknown> | 'unavailable'> {
  try {
    const h = await withTimeout(read(), HEALTH_STORE_TIMEOUT_MS);
    return {
      dead: h.dead,
      ...(h.lastDeadAt && { lastDeadAt: h.lastDeadAt.toISOString() }),
      waiting: h.waiting,
      ...(h.oldestWaitingSince && { oldestWaitingSince: h.oldestWaitingSince.toISOString() }),
    };
  } catch {
    return 'unavailable';
  }
}

/** What `GET /metrics` needs of the metrics (src/metrics/metrics.ts). */
export interface MetricsEndpoint {
  readonly contentType: string;
  scrape(): Promise<string>;
}

async function serveMetrics(res: ServerResponse, metrics: MetricsEndpoint): Promise<void> {
  let body: string;
  try {
    body = await metrics.scrape();
  } catch {
    return plain(res, 500, 'metrics unavailable');
  }
  res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
  res.end(body);
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(text);
}

class TimedOut extends Error {
  constructor(readonly ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut(ms)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function listen(server: Server, port: number, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
