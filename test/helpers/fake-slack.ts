/**
 * A local stand-in for the Slack Web API and for `response_url`s. It records every call so tests
 * can assert which method was called, how often and with what, and it can fail on demand.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebApiCall {
  readonly method: string;
  readonly args: Record<string, unknown>;
  readonly token: string | undefined;
  readonly at: number;
  /** Whether the fake answered this call with an injected failure. */
  failed: boolean;
}

export interface ResponseUrlPost {
  readonly id: string;
  readonly body: Record<string, unknown>;
  readonly at: number;
}

export interface WebApiFault {
  readonly status?: number;
  readonly error?: string;
  readonly retryAfterSeconds?: number;
  /** How many calls fail; default every call until cleared. */
  times?: number;
}

type Handler = (args: Record<string, unknown>) => Record<string, unknown>;

export interface FakeSlack {
  /** Base URL for `SLACK_API_URL`, ending in `/api/`. */
  readonly apiUrl: string;
  readonly calls: WebApiCall[];
  readonly responses: ResponseUrlPost[];
  /** A fresh `response_url` served by this fake. */
  responseUrl(id?: string): string;
  callsTo(method: string): WebApiCall[];
  /** `chat.postMessage` calls whose channel is this user id: direct messages from the app. */
  dmsTo(userId: string): WebApiCall[];
  responsesTo(url: string): ResponseUrlPost[];
  /** Waits for the first message posted to a `response_url` and returns its body. */
  answerTo(url: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  handle(method: string, handler: Handler): void;
  fail(method: string, fault: WebApiFault): void;
  clearFaults(): void;
  /** Waits until `predicate` holds, polling; throws with `what` after `timeoutMs`. */
  waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

/** The workspace and app the fake installs the bot in; the payload factories use the same ids. */
export const FAKE_TEAM_ID = 'T1';
export const FAKE_APP_ID = 'A1';
export const FAKE_BOT_ID = 'BBOT';

const DEFAULT_HANDLERS: Record<string, Handler> = {
  // A workspace outside Enterprise Grid: no enterprise_id. Like Slack, no app_id either: the bot
  // finds its app through bots.info.
  'auth.test': () => ({
    user_id: 'UBOT',
    bot_id: FAKE_BOT_ID,
    team: 'Test Team',
    team_id: FAKE_TEAM_ID,
    is_enterprise_install: false,
  }),
  'bots.info': (args) =>
    args.bot === FAKE_BOT_ID
      ? {
          bot: {
            id: FAKE_BOT_ID,
            app_id: FAKE_APP_ID,
            user_id: 'UBOT',
            name: 'slots',
            deleted: false,
          },
        }
      : { ok: false, error: 'bot_not_found' },
  // Like Slack, a user id as the channel posts in the app's DM with them and names that DM.
  'chat.postMessage': (args) => ({
    channel: isUserId(args.channel) ? `D${args.channel}` : args.channel,
    ts: nextTs(),
    message: args,
  }),
  'chat.update': (args) => ({ channel: args.channel, ts: args.ts }),
  'chat.postEphemeral': () => ({ message_ts: nextTs() }),
  'views.publish': () => ({ view: { id: 'V1' } }),
  'views.open': () => ({ view: { id: 'V1', hash: 'h1' } }),
  'views.update': () => ({ view: { id: 'V1', hash: 'h2' } }),
};

function isUserId(channel: unknown): channel is string {
  return typeof channel === 'string' && /^[UW][A-Z0-9]{2,}$/.test(channel);
}

let tsCounter = 0;
function nextTs(): string {
  tsCounter += 1;
  return `${Math.floor(Date.now() / 1000)}.${String(tsCounter).padStart(6, '0')}`;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: WebApiCall[] = [];
  const responses: ResponseUrlPost[] = [];
  const handlers = new Map(Object.entries(DEFAULT_HANDLERS));
  const faults = new Map<string, WebApiFault>();

  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };
    if (url.pathname.startsWith('/response/')) {
      const id = decodeURIComponent(url.pathname.slice('/response/'.length));
      responses.push({ id, body: parseJson(body), at: Date.now() });
      return send(200, { ok: true });
    }
    if (!url.pathname.startsWith('/api/')) return send(404, { ok: false, error: 'not_found' });
    const method = url.pathname.slice('/api/'.length);
    const args = parseArgs(req.headers['content-type'] ?? '', body);
    const auth = req.headers.authorization;
    const call: WebApiCall = {
      method,
      args,
      token: auth?.startsWith('Bearer ') ? auth.slice(7) : (args.token as string | undefined),
      at: Date.now(),
      failed: false,
    };
    calls.push(call);
    const fault = faults.get(method);
    if (fault && (fault.times === undefined || fault.times > 0)) {
      if (fault.times !== undefined) fault.times -= 1;
      call.failed = true;
      const status = fault.status ?? 200;
      const headers: Record<string, string> =
        fault.retryAfterSeconds !== undefined
          ? { 'retry-after': String(fault.retryAfterSeconds) }
          : {};
      return send(status, { ok: false, error: fault.error ?? 'internal_error' }, headers);
    }
    const handler = handlers.get(method);
    return send(200, { ok: true, ...(handler ? handler(args) : {}) });
  });

  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
  const base = `http://127.0.0.1:${port}`;

  const responsesTo = (responseUrl: string) => {
    const id = decodeURIComponent(responseUrl.split('/response/')[1] ?? '');
    return responses.filter((r) => r.id === id);
  };
  return {
    apiUrl: `${base}/api/`,
    calls,
    responses,
    responseUrl: (id = randomUUID()) => `${base}/response/${encodeURIComponent(id)}`,
    callsTo: (method) => calls.filter((c) => c.method === method),
    dmsTo: (userId) =>
      calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === userId),
    responsesTo,
    answerTo: async (responseUrl, timeoutMs = 5_000) => {
      const posts = await waitFor(
        `an answer on ${responseUrl}`,
        () => {
          const p = responsesTo(responseUrl);
          return p.length > 0 && p;
        },
        timeoutMs,
      );
      return posts[0]!.body;
    },
    handle: (method, handler) => void handlers.set(method, handler),
    fail: (method, fault) => void faults.set(method, { ...fault }),
    clearFaults: () => faults.clear(),
    waitFor: (what, probe, timeoutMs = 5_000) => waitFor(what, probe, timeoutMs),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { raw: text };
  }
}

/** The Web API client sends forms whose non-scalar fields (blocks, view) are JSON strings. */
function parseArgs(contentType: string, body: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return parseJson(body);
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    args[key] = /^[[{]/.test(value) ? parseJsonOr(value) : value;
  }
  return args;
}

function parseJsonOr(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Like `waitFor`, for probes that must await (the store, the service). */
export async function waitForAsync<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
