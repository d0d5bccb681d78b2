/**
 * The HTTP side: tells the two services apart, records every call, applies armed faults and
 * writes replies. Business rules stay in `device-farm.ts` and `media-connect.ts`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { awsTime } from './behaviour.js';
import { resolveDeviceFarm, runDeviceFarm } from './device-farm.js';
import type { FaultRegistry } from './faults.js';
import type { ListingDelay } from './listing.js';
import { resolveMediaConnect, runMediaConnect } from './media-connect.js';
import type { SimBehaviour, SimCall, SimFault, SimService, SimState } from './types.js';
import {
  commonHeaders,
  defaultErrorStatus,
  deviceFarmReply,
  errorReply,
  mediaConnectReply,
  type ParsedRequest,
  type Reply,
  readBody,
  SimError,
} from './wire.js';

/** What the server reads and writes; owned by the `Simulator`. */
export interface SimServerDeps {
  state: SimState;
  /** The host clock; AWS's clock is this moved by the behaviour's offset. */
  now: () => Date;
  behaviour: () => Readonly<SimBehaviour>;
  listing: ListingDelay;
  pageSize: number;
  faults: FaultRegistry;
  globalDelayMs: () => number;
  /** Keep each reply's parsed body on its call (`SimCall.answer`). */
  recordAnswers: boolean;
  /** Called as a call arrives, before any fault or delay (status 0). */
  callStarted: (call: SimCall) => void;
  /** Called once per call when it is over: answered (status set) or dropped. */
  callEnded: (call: SimCall) => void;
}

/** A listening server and its loopback address. */
export interface SimServer {
  readonly address: AddressInfo;
  close(): Promise<void>;
}

/** Starts listening on `host:port` (port 0 picks a free one). */
export async function listenSimServer(
  deps: SimServerDeps,
  port: number,
  host: string,
): Promise<SimServer> {
  const timers = new Set<NodeJS.Timeout>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const server = createServer((req, res) => {
    handle(req, res, deps, sleep).catch(() => {
      // The request could not even be read (client went away); nobody is left to answer.
      if (!res.headersSent && !res.destroyed) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    address: server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        // Delayed answers would otherwise hold the process open; their callers are gone anyway.
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  deps: SimServerDeps,
  sleep: (ms: number) => Promise<void>,
): Promise<void> {
  const body = await readBody(req);
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://sim.invalid');
  // awsJson1_1 always posts to `/`; restJson1 operations all live under `/v1/`.
  const service: SimService = url.pathname === '/' ? 'devicefarm' : 'mediaconnect';
  const parsed =
    service === 'devicefarm'
      ? resolveDeviceFarm(headerOf(req, 'x-amz-target') ?? '', body)
      : resolveMediaConnect(method, url, body);

  const call: SimCall = {
    service,
    operation: parsed.operation,
    input: parsed.input,
    sdkRequest: headerOf(req, 'amz-sdk-request'),
    accessKeyId: signedBy(headerOf(req, 'authorization')),
    status: 0,
    at: deps.now(),
  };
  deps.callStarted(call);

  const fault = deps.faults.take(service, parsed.operation);
  const delay = deps.globalDelayMs() + (fault?.delayMs ?? 0);
  if (delay > 0) await sleep(delay);

  if (fault?.drop === 'before' && !fault.error) {
    req.socket.destroy();
    deps.callEnded(call);
    return;
  }
  const reply = fault?.error ? injectedError(service, fault.error) : execute(service, parsed, deps);
  if (fault?.drop === 'after' && !fault.error) {
    req.socket.destroy();
    deps.callEnded(call);
    return;
  }
  call.status = reply.status;
  if (deps.recordAnswers) call.answer = parsedAnswer(reply.body);
  res.writeHead(reply.status, { ...commonHeaders(reply), ...clockHeaders(deps) }).end(reply.body);
  deps.callEnded(call);
}

function parsedAnswer(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    // Every reply is JSON today; should one not be, the panel still shows what was sent.
    return body;
  }
}

/**
 * `Date` on AWS's clock (Node would stamp the machine's), so a caller can measure AWS's offset
 * from its own clock. `Age: 0` keeps the SDK from doing the same: it compares `Date` with the
 * machine's time and, once 4 minutes apart, marks every error "clock skew corrected" and retries
 * it. A test clock is days from the machine's, so without `Age` (which makes the SDK skip the
 * sample) every 4xx on a retrying client would be sent up to `maxAttempts` times.
 */
function clockHeaders(deps: SimServerDeps): Record<string, string> {
  return { date: awsTime(deps.now(), deps.behaviour()).toUTCString(), age: '0' };
}

function execute(service: SimService, parsed: ParsedRequest, deps: SimServerDeps): Reply {
  try {
    if (parsed.parseError) throw parsed.parseError;
    const behaviour = deps.behaviour();
    const shared = {
      now: awsTime(deps.now(), behaviour),
      pageSize: deps.pageSize,
      behaviour,
      listing: deps.listing,
    };
    if (service === 'devicefarm') {
      const ctx = { ...shared, state: deps.state.deviceFarm };
      return deviceFarmReply(runDeviceFarm(parsed.operation, parsed.input, ctx));
    }
    const ctx = { ...shared, state: deps.state.mediaConnect };
    const result = runMediaConnect(parsed.operation, parsed.input, ctx);
    return mediaConnectReply(result.status, result.body);
  } catch (error) {
    if (error instanceof SimError) return errorReply(service, error);
    // A bug or a test's malformed state must not take the server down; answer like AWS would.
    const name = service === 'devicefarm' ? 'InternalFailure' : 'InternalServerErrorException';
    return errorReply(service, new SimError(name, 500, String(error)));
  }
}

function injectedError(service: SimService, error: NonNullable<SimFault['error']>): Reply {
  const status = error.status ?? defaultErrorStatus(service, error.name);
  return errorReply(service, new SimError(error.name, status, error.message ?? 'Injected fault'));
}

/** `AWS4-HMAC-SHA256 Credential=AKIA…/20261201/us-west-2/devicefarm/aws4_request, …` → `AKIA…`. */
function signedBy(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  return /Credential=([^/,\s]+)\//.exec(authorization)?.[1];
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
