/**
 * The local Slack's HTTP server on loopback: the Web API the bot calls (`/api/<method>`), the
 * response URLs it posts to (`/response/<id>`), the page's API (`/sandbox/*`, JSON in, snapshots
 * out over Server-Sent Events), the built page itself and `/healthz`. Transport only: the
 * workspace answers the API, the client plays the person, the checklist keeps score.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import type { z } from 'zod';
import { APPROVE_ACTION } from '../../slack/views/request-card.js';
import { type ActionResult, SANDBOX_PATHS, type Snapshot } from '../protocol.js';
import { APPROVER_GROUP, PEOPLE, SANDBOX_BOT, SANDBOX_CHANNEL } from '../workspace-setup.js';
import {
  type ChecklistEvent,
  type ChecklistState,
  cardRequestId,
  checklistItems,
  EMPTY_CHECKLIST,
  reduceChecklist,
  restoreChecklist,
} from './checklist.js';
import { createClient, findElement } from './client.js';
import {
  actionInput,
  awsAction,
  closeInput,
  commandInput,
  homeInput,
  parseInput,
  submitInput,
} from './page-api.js';
import type { LocalSlack, LocalSlackOptions, SavedWorkspace } from './types.js';
import { type Message, Workspace, type WorkspaceEvent } from './workspace.js';

export type { LocalSlack, LocalSlackOptions, RequestLookup, SavedWorkspace } from './types.js';

const SNAPSHOT_DEBOUNCE_MS = 30;
const SSE_PING_MS = 15_000;
const HEALTH_REFRESH_MS = 2_000;
const BODY_LIMIT = 1024 * 1024;

const STATIC_FILES: Readonly<Record<string, string>> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/app.js': 'app.js',
  '/app.css': 'app.css',
  '/app.js.map': 'app.js.map',
};
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};
const NOT_BUILT_PAGE =
  '<!doctype html><meta charset="utf-8"><title>slots-bot sandbox</title><h1>The page is not built</h1><p>the page is not built: run <code>npm run build:web</code>, then reload.</p>';

/**
 * The page may load and talk to this server only: nothing from the internet runs in it, and a
 * message that smuggled markup past the renderer still could not run a script or reach out.
 */
const PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export async function startLocalSlack(opts: LocalSlackOptions): Promise<LocalSlack> {
  const log = opts.logger;
  let eventsUrl: string | undefined;
  let baseUrl = '';
  let revision = 0;
  let botHealthy = false;
  let checklist: ChecklistState = EMPTY_CHECKLIST;

  const saved = opts.saved as Partial<SavedWorkspace> | undefined;
  const usable = saved?.version === 1 && saved.workspace !== undefined;
  if (saved && !usable)
    log.warn({ version: saved.version }, 'local slack: saved workspace ignored');

  const sse = new Set<ServerResponse>();
  let pushTimer: NodeJS.Timeout | undefined;
  const schedulePush = () => {
    revision += 1;
    pushTimer ??= setTimeout(() => {
      pushTimer = undefined;
      const data = `event: snapshot\ndata: ${JSON.stringify(snapshot())}\n\n`;
      for (const res of sse) res.write(data);
    }, SNAPSHOT_DEBOUNCE_MS);
  };
  const changed = () => {
    schedulePush();
    opts.onChange?.();
  };

  const workspace = new Workspace(
    { now: opts.now, onChange: changed, onEvent: (e) => void onWorkspaceEvent(e) },
    usable ? saved.workspace : undefined,
  );
  if (usable) checklist = restoreChecklist(saved.checklist);

  const applyChecklist = (event: ChecklistEvent) => {
    const next = reduceChecklist(checklist, event);
    if (next === checklist) return;
    checklist = next;
    changed();
  };

  /** Approvals by someone other than the requester count once the store shows them decided. */
  async function recheckApprovals(): Promise<void> {
    for (const id of checklist.approvalsClicked) {
      const request = await opts.requests(id).catch(() => undefined);
      if (request) applyChecklist({ kind: 'request-seen', request });
    }
  }

  async function onWorkspaceEvent(event: WorkspaceEvent): Promise<void> {
    try {
      switch (event.kind) {
        case 'bot-posted': {
          const m = event.message;
          applyChecklist({
            kind: 'bot-posted',
            ts: m.ts,
            threadTs: m.threadTs,
            inChannel: m.channel === SANDBOX_CHANNEL.id,
            requestId: approveValue(m),
          });
          const cardId =
            m.threadTs === undefined ? undefined : cardRequestId(checklist, m.threadTs);
          if (cardId !== undefined) {
            const request = await opts.requests(cardId).catch(() => undefined);
            if (request) applyChecklist({ kind: 'card-thread-reply', request });
          }
          await recheckApprovals();
          return;
        }
        case 'bot-updated':
          await recheckApprovals();
          return;
        case 'responded':
          if (event.record.tag === 'status') applyChecklist({ kind: 'status-answered' });
          if (event.record.tag === 'self-approval')
            applyChecklist({ kind: 'self-approval-answered' });
          return;
        case 'refused-blocks':
          log.warn(
            { method: event.method, problems: event.problems },
            'local slack: Slack would refuse these blocks (invalid_blocks)',
          );
          return;
      }
    } catch (err) {
      log.error({ err }, 'local slack: could not update the checklist');
    }
  }

  const client = createClient({
    workspace,
    eventsUrl: () => eventsUrl,
    baseUrl: () => baseUrl,
    requests: opts.requests,
    checklist: applyChecklist,
    logger: log,
  });

  function snapshot(): Snapshot {
    const { messages, modals, home } = workspace.view();
    return {
      revision,
      people: PEOPLE,
      groups: [APPROVER_GROUP],
      channel: { id: SANDBOX_CHANNEL.id, name: SANDBOX_CHANNEL.name },
      bot: { userId: SANDBOX_BOT.userId, name: SANDBOX_BOT.name },
      usageHint: opts.usageHint,
      messages,
      modals,
      home,
      aws: opts.aws.state(),
      checklist: checklistItems(checklist),
      botHealthy,
    };
  }

  const refreshHealth = async () => {
    const healthy = await opts.botHealth().catch(() => false);
    if (healthy !== botHealthy) {
      botHealthy = healthy;
      schedulePush();
    }
  };
  await refreshHealth();
  const healthTimer = setInterval(() => void refreshHealth(), HEALTH_REFRESH_MS);
  healthTimer.unref();
  const pingTimer = setInterval(() => {
    for (const res of sse) res.write(': ping\n\n');
  }, SSE_PING_MS);
  pingTimer.unref();
  const unsubscribeAws = opts.aws.onChange(schedulePush);

  const pageRoutes: Record<string, (body: unknown) => Promise<ActionResult | Parsed>> = {
    [SANDBOX_PATHS.command]: (b) => run(commandInput, b, client.command),
    [SANDBOX_PATHS.action]: (b) => run(actionInput, b, client.action),
    [SANDBOX_PATHS.submit]: (b) => run(submitInput, b, client.submit),
    [SANDBOX_PATHS.close]: (b) => run(closeInput, b, client.close),
    [SANDBOX_PATHS.home]: (b) => run(homeInput, b, client.home),
    [SANDBOX_PATHS.aws]: (b) =>
      run(awsAction, b, async (action) => {
        // Set first: the bot may post the notice while the period is still being advanced.
        if (action.kind === 'advance-period') applyChecklist({ kind: 'period-advanced' });
        return opts.aws.act(action);
      }),
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err, path: pathOf(req) }, 'local slack: request failed');
      if (!res.headersSent) json(res, 500, { ok: false, error: 'internal_error' });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req);
    if (!hostAllowed(req.headers.host, opts.host, port)) {
      return text(res, 403, 'This server only answers on its own loopback address.');
    }
    if (path === SANDBOX_PATHS.health && (req.method === 'GET' || req.method === 'HEAD')) {
      const healthy = await opts.botHealth().catch(() => false);
      return json(res, healthy ? 200 : 503, { ok: healthy });
    }
    if (path.startsWith('/api/') && req.method === 'POST') return webApi(req, res, path.slice(5));
    if (path.startsWith('/response/') && req.method === 'POST') {
      const raw = await readBody(req);
      if (raw === undefined) return json(res, 413, { ok: false, error: 'request_too_large' });
      const answer = workspace.respond(
        decodeURIComponent(path.slice('/response/'.length)),
        parseJson(raw),
      );
      log.debug({ status: answer.status, error: answer.body.error }, 'local slack: response url');
      return json(res, answer.status, answer.body);
    }
    if (path === SANDBOX_PATHS.events && req.method === 'GET') return openEvents(res);
    if (path === SANDBOX_PATHS.state && req.method === 'GET') return json(res, 200, snapshot());
    const route = pageRoutes[path];
    if (route && req.method === 'POST') {
      // A JSON content type cannot come from a plain cross-site form.
      if (!(req.headers['content-type'] ?? '').includes('application/json')) {
        return json(res, 415, { ok: false, message: 'send the body as application/json' });
      }
      const raw = await readBody(req);
      if (raw === undefined) return json(res, 413, { ok: false, message: 'body too large' });
      const body = parseJson(raw);
      if (body === undefined) return json(res, 400, { ok: false, message: 'body: not JSON' });
      const result = await route(body);
      if ('invalid' in result) return json(res, 400, { ok: false, message: result.invalid });
      return json(res, 200, result);
    }
    const file = STATIC_FILES[path];
    if (file && (req.method === 'GET' || req.method === 'HEAD')) return serveStatic(res, file);
    return text(res, 404, 'not found');
  }

  async function webApi(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    const raw = await readBody(req);
    if (raw === undefined) return json(res, 413, { ok: false, error: 'request_too_large' });
    const args = parseArgs(req.headers['content-type'] ?? '', raw);
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : (args.token as string | undefined);
    delete args.token;
    const answer = workspace.call(method, args, token);
    log.debug(
      { method, ok: answer.ok, ...(!answer.ok && { error: answer.error }) },
      'local slack: web api',
    );
    json(res, 200, answer);
  }

  function openEvents(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write(`event: snapshot\ndata: ${JSON.stringify(snapshot())}\n\n`);
    sse.add(res);
    res.on('close', () => sse.delete(res));
  }

  async function serveStatic(res: ServerResponse, file: string): Promise<void> {
    let content: Buffer;
    try {
      content = await readFile(join(opts.webRoot, file));
    } catch {
      if (file === 'index.html') {
        res.writeHead(503, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
        });
        res.end(NOT_BUILT_PAGE);
        return;
      }
      return text(res, 404, 'not found');
    }
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'content-security-policy': PAGE_POLICY,
    });
    res.end(content);
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
  baseUrl = `http://${opts.host}:${port}`;
  log.info({ port }, 'local slack listening');

  let closing: Promise<void> | undefined;
  return {
    url: baseUrl,
    apiUrl: `${baseUrl}/api/`,
    setEventsUrl(url) {
      eventsUrl = url;
      // The bot has just started: say so now rather than at the next refresh.
      void refreshHealth();
    },
    save: () => ({
      version: 1,
      workspace: workspace.save(),
      checklist: structuredClone(checklist),
    }),
    close() {
      closing ??= (async () => {
        clearInterval(healthTimer);
        clearInterval(pingTimer);
        if (pushTimer) clearTimeout(pushTimer);
        unsubscribeAws();
        for (const res of sse) res.end();
        sse.clear();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}

type Parsed = { readonly invalid: string };

async function run<T>(
  schema: z.ZodType<T>,
  body: unknown,
  act: (input: T) => Promise<ActionResult>,
): Promise<ActionResult | Parsed> {
  const parsed = parseInput(schema, body);
  return parsed.ok ? act(parsed.value) : { invalid: parsed.message };
}

/** The request id on a request card's Approve button, if the message is a card. */
function approveValue(m: Message): string | undefined {
  for (const block of m.blocks ?? []) {
    const element = findElement([block], String(block.block_id ?? ''), APPROVE_ACTION);
    if (element && typeof element.value === 'string') return element.value;
  }
  return undefined;
}

/** DNS rebinding: a page on another name that resolves to loopback must not reach this API. */
export function hostAllowed(header: string | undefined, host: string, port: number): boolean {
  if (header === undefined) return false;
  const allowed = new Set([
    `${host}:${port}`,
    `localhost:${port}`,
    `127.0.0.1:${port}`,
    `[::1]:${port}`,
  ]);
  return allowed.has(header.toLowerCase());
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0] ?? '/';
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= BODY_LIMIT) chunks.push(c);
    });
    req.on('end', () =>
      resolve(size > BODY_LIMIT ? undefined : Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Fields the Web API client sends as JSON strings inside a form; the rest stay text. */
const JSON_FIELDS = new Set(['blocks', 'view', 'attachments', 'metadata']);

/** The Web API client sends forms whose non-scalar fields (blocks, view) are JSON strings. */
export function parseArgs(contentType: string, body: string): Record<string, unknown> {
  if (contentType.includes('application/json')) {
    const v = parseJson(body);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...v } : {};
  }
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const parsed = JSON_FIELDS.has(key) ? parseJson(value) : undefined;
    args[key] = parsed === undefined ? value : parsed;
  }
  return args;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(JSON.stringify(body));
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(body);
}
