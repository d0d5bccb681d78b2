/**
 * Posts to a Slack `response_url`: the one way to reach a user who ran a command or clicked a
 * button, whether or not they are in the channel. A response URL is a bearer credential (anyone
 * holding it can post as the app for 30 minutes), so it is only ever sent to Slack's own host, and
 * it never appears in an error message or a log line.
 */

import http from 'node:http';
import https from 'node:https';

/** Slack's host for response URLs. */
export const RESPONSE_URL_HOST = 'hooks.slack.com';
const DEFAULT_TIMEOUT_MS = 10_000;

/** Why a post to a response URL did not land. Carries no part of the URL. */
export class ResponseUrlError extends Error {
  override readonly name = 'ResponseUrlError';
  readonly code = 'slots_response_url_failed';
  constructor(
    message: string,
    readonly detail: {
      /** The URL is not one slots-bot posts to; nothing was sent. */
      readonly refused?: boolean;
      /** The HTTP status Slack answered, if it answered. */
      readonly status?: number;
      /** Slack's error code from the answer's body (`expired_url`, `used_url`, …). */
      readonly error?: string;
      readonly retryAfterSeconds?: number;
      /** No answer: the network failed or the call timed out. */
      readonly network?: boolean;
    },
  ) {
    super(message);
  }
}

export interface ResponseUrlPoster {
  /** Posts `body` as JSON; throws `ResponseUrlError` unless Slack accepted it. */
  post(url: string, body: Readonly<Record<string, unknown>>): Promise<void>;
  /**
   * Posts JSON already encoded, over Node's own HTTP client with kept-alive connections: the
   * same answer to many commands is encoded once and sent as is (see `encodeAnswer`). Same
   * checks and errors as `post`.
   */
  postEncoded(url: string, json: Uint8Array): Promise<void>;
}

const encoded = new WeakMap<object, Uint8Array>();

/** `body` as UTF-8 JSON, encoded once per object however many times it is sent. */
export function encodeAnswer(body: Readonly<Record<string, unknown>>): Uint8Array {
  let bytes = encoded.get(body);
  if (!bytes) {
    bytes = Buffer.from(JSON.stringify(body));
    encoded.set(body, bytes);
  }
  return bytes;
}

export interface ResponseUrlPosterOptions {
  /**
   * `SLACK_API_URL`: response URLs on its origin are accepted too, so a local stand-in for Slack
   * works (the tests' fake serves both).
   */
  readonly slackApiUrl?: string;
  readonly timeoutMs?: number;
  /** Injected for tests; the global `fetch` by default. */
  readonly fetch?: typeof fetch;
}

/**
 * True for `https://hooks.slack.com/…` on the default port and with no credentials in it, or for
 * a URL on the configured Slack API origin. Anything else would hand a message, and whatever the
 * URL carries, to a host that is not Slack.
 */
export function isAllowedResponseUrl(url: string, slackApiUrl?: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.username !== '' || parsed.password !== '') return false;
  if (parsed.protocol === 'https:' && parsed.hostname === RESPONSE_URL_HOST && parsed.port === '') {
    return true;
  }
  if (slackApiUrl === undefined) return false;
  try {
    const api = new URL(slackApiUrl);
    return (api.protocol === 'https:' || api.protocol === 'http:') && parsed.origin === api.origin;
  } catch {
    return false;
  }
}

export function createResponseUrlPoster(opts: ResponseUrlPosterOptions = {}): ResponseUrlPoster {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fetchFn = opts.fetch ?? fetch;
  const agents = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true }),
  };
  return {
    async postEncoded(url, json) {
      if (!isAllowedResponseUrl(url, opts.slackApiUrl)) {
        throw new ResponseUrlError('the response URL is not on Slack; nothing was sent', {
          refused: true,
        });
      }
      const target = new URL(url);
      const protocol = target.protocol as keyof typeof agents;
      const answer = await new Promise<{ status: number; text: string; retryAfter?: string }>(
        (resolve, reject) => {
          const req = (protocol === 'https:' ? https : http).request(
            target,
            {
              method: 'POST',
              agent: agents[protocol],
              headers: {
                'content-type': 'application/json; charset=utf-8',
                'content-length': json.byteLength,
              },
              timeout: timeoutMs,
            },
            (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () =>
                resolve({
                  status: res.statusCode ?? 0,
                  text: Buffer.concat(chunks).toString('utf8'),
                  ...(typeof res.headers['retry-after'] === 'string' && {
                    retryAfter: res.headers['retry-after'],
                  }),
                }),
              );
              res.on('error', () =>
                reject(new ResponseUrlError('network error', { network: true })),
              );
            },
          );
          // The cause is dropped on purpose: socket errors can quote the host.
          req.on('timeout', () =>
            req.destroy(new ResponseUrlError('timed out', { network: true })),
          );
          req.on('error', (err) =>
            reject(
              err instanceof ResponseUrlError
                ? err
                : new ResponseUrlError('network error', { network: true }),
            ),
          );
          req.end(json);
        },
      );
      // A redirect is a failure here as with `post`: nothing follows it to another host.
      const ok = answer.status >= 200 && answer.status < 300;
      const error = slackErrorIn(answer.text);
      if (ok && error === undefined) return;
      const retryAfter = Number(answer.retryAfter);
      throw new ResponseUrlError(
        `response URL answered ${answer.status}${error ? ` ${error}` : ''}`,
        {
          status: answer.status,
          ...(error !== undefined && { error }),
          ...(Number.isFinite(retryAfter) && retryAfter > 0 && { retryAfterSeconds: retryAfter }),
        },
      );
    },
    async post(url, body) {
      if (!isAllowedResponseUrl(url, opts.slackApiUrl)) {
        throw new ResponseUrlError('the response URL is not on Slack; nothing was sent', {
          refused: true,
        });
      }
      let res: Response;
      try {
        res = await fetchFn(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: JSON.stringify(body),
          // A redirect would send the message on to a host nobody checked.
          redirect: 'error',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        // The cause is dropped on purpose: fetch errors can quote the URL.
        const timedOut = (err as { name?: string }).name === 'TimeoutError';
        throw new ResponseUrlError(timedOut ? 'timed out' : 'network error', { network: true });
      }
      const text = await res.text().catch(() => '');
      const error = slackErrorIn(text);
      if (res.ok && error === undefined) return;
      const retryAfter = Number(res.headers.get('retry-after'));
      throw new ResponseUrlError(`response URL answered ${res.status}${error ? ` ${error}` : ''}`, {
        status: res.status,
        ...(error !== undefined && { error }),
        ...(Number.isFinite(retryAfter) && retryAfter > 0 && { retryAfterSeconds: retryAfter }),
      });
    },
  };
}

/**
 * Slack answers a response URL with `ok`, `{"ok":true}`, or an error as JSON
 * (`{"ok":false,"error":"expired_url"}`) or as a bare code (`expired_url`).
 */
function slackErrorIn(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'ok') return undefined;
  try {
    const json = JSON.parse(trimmed) as { ok?: unknown; error?: unknown };
    if (json && typeof json === 'object' && json.ok === false) {
      return typeof json.error === 'string' ? codeOnly(json.error) : 'unknown_error';
    }
    return undefined;
  } catch {
    return /^[a-z_]{2,64}$/.test(trimmed) ? trimmed : undefined;
  }
}

/** Keeps only a code-shaped string, so nothing Slack echoes back ends up in a log. */
function codeOnly(error: string): string {
  return /^[a-z0-9_]{1,64}$/.test(error) ? error : 'unknown_error';
}
