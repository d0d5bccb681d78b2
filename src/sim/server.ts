/**
 * The HTTP side: tells the two services apart, records every call, applies armed faults and
 * writes replies. Business rules stay in `device-farm.ts` and `media-connect.ts`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveDeviceFarm, runDeviceFarm } from './device-farm.js';
import type { FaultRegistry } from './faults.js';
import { resolveMediaConnect, runMediaConnect } from './media-connect.js';
import type { SimCall, SimFault, SimService, SimState } from './types.js';
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
  now: () => Date;
  pageSize: number;
  faults: FaultRegistry;
  calls: SimCall[];
  globalDelayMs: () => number;
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
    status: 0,
    at: deps.now(),
  };
  deps.calls.push(call);

  const fault = deps.faults.take(service, parsed.operation);
  const delay = deps.globalDelayMs() + (fault?.delayMs ?? 0);
  if (delay > 0) await sleep(delay);

  if (fault?.drop === 'before' && !fault.error) {
    req.socket.destroy();
    return;
  }
  const reply = fault?.error ? injectedError(service, fault.error) : execute(service, parsed, deps);
  if (fault?.drop === 'after' && !fault.error) {
    req.socket.destroy();
    return;
  }
  call.status = reply.status;
  res.writeHead(reply.status, commonHeaders(reply)).end(reply.body);
}

function execute(service: SimService, parsed: ParsedRequest, deps: SimServerDeps): Reply {
  try {
    if (parsed.parseError) throw parsed.parseError;
    const now = deps.now();
    if (service === 'devicefarm') {
      const ctx = { state: deps.state.deviceFarm, now, pageSize: deps.pageSize };
      return deviceFarmReply(runDeviceFarm(parsed.operation, parsed.input, ctx));
    }
    const ctx = { state: deps.state.mediaConnect, now, pageSize: deps.pageSize };
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

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
