/**
 * The four SDK clients slots-bot uses, built once at start-up and passed down: a read and a
 * write client per service. Endpoints are never set here: the SDK itself honours
 * `AWS_ENDPOINT_URL_DEVICE_FARM` / `AWS_ENDPOINT_URL_MEDIACONNECT` (and `AWS_ENDPOINT_URL`),
 * which is how the simulator is plugged in. Also the paging helper the adapters share.
 */
import { performance } from 'node:perf_hooks';
import { format } from 'node:util';
import { DeviceFarmClient } from '@aws-sdk/client-device-farm';
import { MediaConnectClient } from '@aws-sdk/client-mediaconnect';
import { type AwsCallResult, awsCallResult, operationName } from './call-result.js';
import { notSentError } from './error-mapping.js';
import type { ServiceName } from './types.js';

/** Device Farm has a single endpoint, in us-west-2; any other region fails at DNS. */
export const DEVICE_FARM_REGION = 'us-west-2';

export interface AwsTimeouts {
  /** Time allowed to open the TCP/TLS connection. */
  readonly connectMs: number;
  /** Time allowed for one read request and its answer (each retry gets its own). */
  readonly readRequestMs: number;
  /**
   * Time allowed for one purchase/renewal. Longer than reads, since giving up early turns a
   * purchase into an `unknown` outcome that has to be reconciled.
   */
  readonly writeRequestMs: number;
}

export const DEFAULT_AWS_TIMEOUTS: AwsTimeouts = {
  connectMs: 3_000,
  readRequestMs: 10_000,
  writeRequestMs: 20_000,
};

/** What the SDK may report through us: only warnings (timeouts, socket exhaustion). */
export interface AwsClientsLogger {
  warn(obj: object, msg: string): void;
}

export interface AwsClientsConfig {
  /** MediaConnect region (config `AWS_REGION`). Device Farm always uses us-west-2. */
  readonly region: string;
  readonly logger?: AwsClientsLogger;
  readonly timeouts?: Partial<AwsTimeouts>;
  /** The bot's clock, in epoch ms: AWS's clock is measured against it. Default `Date.now`. */
  readonly now?: () => number;
  /** Told of every call of every client once it is over (metrics); must not throw. */
  readonly onCall?: (call: AwsCall) => void;
}

/** One SDK call as the clients saw it: retries included, timed on real time. */
export interface AwsCall {
  readonly service: ServiceName;
  /** The operation's name in the API, e.g. `PurchaseOffering`. */
  readonly operation: string;
  readonly result: AwsCallResult;
  readonly seconds: number;
}

export interface ServiceClients<C> {
  /** Default retries (standard mode, 3 attempts): safe because reads change nothing. */
  readonly read: C;
  /**
   * One attempt, never retried: PurchaseOffering/RenewOffering carry no idempotency token, so an
   * SDK retry after a timeout, a 5xx or Device Farm's LimitExceededException (which the SDK
   * treats as throttling) could buy twice.
   */
  readonly write: C;
}

export interface AwsClients {
  readonly devicefarm: ServiceClients<DeviceFarmClient>;
  readonly mediaconnect: ServiceClients<MediaConnectClient>;
  /** AWS's clock as its answers show it. */
  readonly clock: AwsClock;
  /** Closes the sockets of all four clients. */
  destroy(): void;
}

export function createAwsClients(config: AwsClientsConfig): AwsClients {
  const timeouts = { ...DEFAULT_AWS_TIMEOUTS, ...config.timeouts };
  const handler = (requestMs: number) => ({
    connectionTimeout: timeouts.connectMs,
    requestTimeout: requestMs,
    // Newer @smithy/node-http-handler only logs a warning when requestTimeout passes unless
    // told to fail; older ones (MediaConnect's copy) ignore this flag and always fail.
    throwOnRequestTimeout: true,
  });
  const read = handler(timeouts.readRequestMs);
  const write = handler(timeouts.writeRequestMs);

  const clock = createAwsClock(config.now);
  const devicefarm = {
    read: new DeviceFarmClient({
      region: DEVICE_FARM_REGION,
      requestHandler: read,
      logger: sdkLogger(config.logger, 'devicefarm'),
    }),
    write: new DeviceFarmClient({
      region: DEVICE_FARM_REGION,
      maxAttempts: 1,
      requestHandler: write,
      logger: sdkLogger(config.logger, 'devicefarm'),
    }),
  };
  const mediaconnect = {
    read: new MediaConnectClient({
      region: config.region,
      requestHandler: read,
      logger: sdkLogger(config.logger, 'mediaconnect'),
    }),
    write: new MediaConnectClient({
      region: config.region,
      maxAttempts: 1,
      requestHandler: write,
      logger: sdkLogger(config.logger, 'mediaconnect'),
    }),
  };

  for (const [client, service] of [
    [devicefarm.read, 'devicefarm'],
    [devicefarm.write, 'devicefarm'],
    [mediaconnect.read, 'mediaconnect'],
    [mediaconnect.write, 'mediaconnect'],
  ] as const) {
    withoutResponseCopies(client);
    watchClock(client, clock, service);
    if (config.onCall) reportCalls(client, service, config.onCall);
  }

  return {
    devicefarm,
    mediaconnect,
    clock,
    destroy() {
      for (const client of [devicefarm.read, devicefarm.write]) client.destroy();
      for (const client of [mediaconnect.read, mediaconnect.write]) client.destroy();
    },
  };
}

/**
 * How far AWS's clock is from this host's, per service, from the `Date` header of its latest
 * answer. Reconciliation compares AWS's `createdOn` with the time of the bot's own call; a host
 * clock minutes off would otherwise make every lookup miss.
 */
export interface AwsClock {
  /** AWS's time minus the host's, in ms; 0 until AWS has answered once. */
  offsetMs(service: ServiceName): number;
  /** Records one answer's `Date` header, received at host time `receivedAtMs` (default now). */
  observe(service: ServiceName, dateHeader: string | undefined, receivedAtMs?: number): void;
}

export function createAwsClock(now: () => number = Date.now): AwsClock {
  const offsets = new Map<ServiceName, number>();
  return {
    offsetMs: (service) => offsets.get(service) ?? 0,
    observe(service, dateHeader, receivedAtMs = now()) {
      const at = dateHeader ? Date.parse(dateHeader) : Number.NaN;
      // The header has whole seconds: half a second is the best guess of the fraction.
      if (Number.isFinite(at)) offsets.set(service, at + 500 - receivedAtMs);
    },
  };
}

/**
 * Removes the SDK's logger middleware. Even with a logger that drops `info`, it copies every
 * answer through the model's sensitive-data filter before the logger is asked: for a page of a
 * few hundred items that is most of the CPU a read costs. The bot never logs AWS answers.
 */
export function withoutResponseCopies(client: DeviceFarmClient | MediaConnectClient): void {
  (client.middlewareStack as unknown as { remove(name: string): boolean }).remove(
    'loggerMiddleware',
  );
}

/** The one part of a client's middleware stack used here, typed for both services at once. */
interface RawAnswerStack {
  add(
    middleware: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>,
    options: { step: 'deserialize'; priority: 'low'; name: string },
  ): void;
}

/** Reads the `Date` header of every raw answer, before deserialising (so errors count too). */
function watchClock(
  client: DeviceFarmClient | MediaConnectClient,
  clock: AwsClock,
  service: ServiceName,
): void {
  (client.middlewareStack as unknown as RawAnswerStack).add(
    (next) => async (args) => {
      const out = (await next(args)) as { response?: { headers?: Record<string, string> } };
      clock.observe(service, out.response?.headers?.date);
      return out;
    },
    { step: 'deserialize', priority: 'low', name: 'slotsBotAwsClock' },
  );
}

/** The one part of a client's middleware stack `reportCalls` uses. */
interface WholeCallStack {
  add(
    middleware: (
      next: (args: unknown) => Promise<unknown>,
      context: { readonly commandName?: string },
    ) => (args: unknown) => Promise<unknown>,
    options: { step: 'initialize'; priority: 'high'; name: string },
  ): void;
}

/**
 * Times each call from the outermost step, so that its retries, signing and the wait for a
 * socket count, as the caller waits for them; then reports its result, errors included.
 */
function reportCalls(
  client: DeviceFarmClient | MediaConnectClient,
  service: ServiceName,
  onCall: (call: AwsCall) => void,
): void {
  (client.middlewareStack as unknown as WholeCallStack).add(
    (next, context) => async (args) => {
      const operation = operationName(context.commandName);
      const started = performance.now();
      const report = (error: unknown) => {
        const seconds = (performance.now() - started) / 1_000;
        try {
          onCall({ service, operation, result: awsCallResult(error), seconds });
        } catch {
          // Counting a call must never change its outcome.
        }
      };
      try {
        const out = await next(args);
        report(undefined);
        return out;
      } catch (error) {
        report(error ?? null);
        throw error;
      }
    },
    { step: 'initialize', priority: 'high', name: 'slotsBotAwsCalls' },
  );
}

/**
 * The SDK logs every call (input and output) at info and every failure at error; the adapters
 * already report failures as `AwsError`s, so only the SDK's own warnings are passed on.
 */
function sdkLogger(logger: AwsClientsLogger | undefined, service: ServiceName) {
  const ignore = () => {};
  return {
    debug: ignore,
    info: ignore,
    error: ignore,
    warn: (...content: unknown[]) => logger?.warn({ service }, format(...content)),
  };
}

// Paging. AWS ends a list by leaving the next token out; a service bug that hands back a token
// already seen would otherwise loop forever, so a repeat ends the walk (and is reported).

/**
 * Yields the pages of an SDK paginator, ending after a page without a next token or whose token
 * was seen before. Leaving the loop early stops the paginator: no further page is fetched.
 */
export async function* walkPages<P>(
  pages: AsyncIterable<P>,
  tokenOf: (page: P) => string | undefined,
  onRepeat: (token: string) => void,
): AsyncGenerator<P> {
  const seen = new Set<string>();
  for await (const page of pages) {
    yield page;
    const token = tokenOf(page);
    if (!token) return;
    if (seen.has(token)) {
      onRepeat(token);
      return;
    }
    seen.add(token);
  }
}

/** Collects every page of an SDK paginator, stopping early if a next token repeats. */
export async function collectPages<P>(
  pages: AsyncIterable<P>,
  tokenOf: (page: P) => string | undefined,
  onRepeat: (token: string) => void,
): Promise<P[]> {
  const all: P[] = [];
  for await (const page of walkPages(pages, tokenOf, onRepeat)) all.push(page);
  return all;
}

/** Wraps an operation the SDK has no paginator for, to walk it with `collectPages`. */
export async function* pagesByHand<P>(
  fetchPage: (nextToken: string | undefined) => Promise<P>,
  tokenOf: (page: P) => string | undefined,
): AsyncGenerator<P> {
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    yield page;
    token = tokenOf(page) || undefined;
  } while (token !== undefined);
}

/**
 * Refuses to send a purchase or renewal through a client that could retry it (for example the
 * read client passed by mistake). Throws an `AwsError` (`rejected`: nothing was sent).
 */
export async function assertSingleAttempt(
  client: { readonly config: { maxAttempts: () => Promise<number> } },
  service: ServiceName,
  operation: string,
): Promise<void> {
  const maxAttempts = await client.config.maxAttempts();
  if (maxAttempts !== 1) {
    throw notSentError(
      service,
      operation,
      'aws_unknown',
      `its AWS client would retry the call (maxAttempts ${maxAttempts}), which could buy twice; slots-bot's AWS set-up must be fixed.`,
    );
  }
}
