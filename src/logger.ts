/**
 * pino, JSON by default. Secrets are removed two ways: by path (`redact`) for structured fields,
 * and by pattern for strings, because libraries (Bolt, the SDKs) log free text we do not shape.
 */
import { format } from 'node:util';
import type { Logger as SlackLogger } from '@slack/bolt';
import { LogLevel as SlackLogLevel } from '@slack/bolt';
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Field names that hold secrets, wherever they appear (top level or one level down). */
const SECRET_KEYS = [
  'token',
  'botToken',
  'appToken',
  'bot_token',
  'app_token',
  'signingSecret',
  'signing_secret',
  'clientSecret',
  'client_secret',
  'authorization',
  'Authorization',
  'accessKeyId',
  'secretAccessKey',
  'sessionToken',
  'credentials',
  'password',
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'x-slack-signature',
  // A Slack response URL lets anyone holding it post as the app for 30 minutes.
  'responseUrl',
  'response_url',
];

/** Header names that carry credentials, redacted like `SECRET_KEYS`. */
const SECRET_HEADERS = ['x-amz-security-token', 'x-slack-signature'];

const REDACTED_KEYS = new Set<string>([...SECRET_KEYS, ...SECRET_HEADERS]);

/** How deep secret keys are looked for: `a.token` and `a.headers.authorization`. */
const REDACT_DEPTH = 2;

/**
 * `fields` with every value under a secret key replaced, at the top level and up to two levels
 * down; the object itself when nothing had to change (the usual case, so nothing is copied).
 * pino's own `redact` with wildcard paths (`*.token`) clones each logged object and cost 50 µs a
 * line; a log line must cost what the work it describes does not notice.
 */
export function redactSecretFields<T extends object>(fields: T, depth = 0): T {
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(fields)) {
    const value = (fields as Record<string, unknown>)[key];
    let next = value;
    if (REDACTED_KEYS.has(key)) next = '[Redacted]';
    else if (depth < REDACT_DEPTH && isPlainObject(value))
      next = redactSecretFields(value, depth + 1);
    if (next !== value) {
      copy ??= { ...(fields as Record<string, unknown>) };
      copy[key] = next;
    }
  }
  return (copy as T | undefined) ?? fields;
}

/** Objects worth looking into; errors have their own serializer, arrays are never config. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Slack tokens, AWS key ids and Authorization headers inside free text. */
const SECRET_PATTERNS: readonly RegExp[] = [
  /\bxox[a-z]-[A-Za-z0-9-]+/g,
  /\bxapp-[A-Za-z0-9-]+/g,
  /\b(?:AKIA|ASIA)[A-Z0-9]{12,}/g,
  /\b(Bearer|AWS4-HMAC-SHA256)\s+[^\s"']+/g,
  /\bhttps:\/\/hooks\.slack\.com\/[^\s"'<>]+/g,
];

export function scrubSecrets(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, '[Redacted]');
  return out;
}

export interface LoggerOptions {
  readonly level?: string;
  /** Values that must never be printed (the configured tokens and secrets). */
  readonly secrets?: readonly (string | undefined)[];
  readonly destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const known = (opts.secrets ?? []).filter(
    (s): s is string => typeof s === 'string' && s.length >= 4,
  );
  const scrub = (text: string) => {
    let out = scrubSecrets(text);
    for (const secret of known) out = out.split(secret).join('[Redacted]');
    return out;
  };
  return pino(
    {
      level: opts.level ?? 'info',
      base: { service: 'slots-bot' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => redactSecretFields(fields),
      },
      serializers: { err: (e: unknown) => scrubError(e, scrub) },
      hooks: {
        logMethod(args, method) {
          const cleaned = args.map((a) => (typeof a === 'string' ? scrub(a) : a));
          return method.apply(this, cleaned as Parameters<typeof method>);
        },
      },
    },
    // Synchronous, as Node writes to a piped stdout on Linux anyway. An asynchronous stream keeps
    // lines in memory and writes them synchronously at exit; if stdout is a closed pipe by then,
    // that final write retries EPIPE for ever and the process never exits.
    opts.destination ?? outputDestination(pino.destination({ sync: true })),
  );
}

/** What `outputDestination` needs of pino's stdout stream (SonicBoom). */
export interface OutputStream {
  write(chunk: string): unknown;
  flush(cb: (err?: Error) => void): void;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/**
 * Standard output that can go away under the process (a closed pipe). Once a write has failed,
 * lines are dropped and `flush` answers at once. pino mutes its stream on EPIPE by itself, but
 * rethrows any other write error, which would end the process as an uncaught exception.
 */
export function outputDestination(stream: OutputStream): DestinationStream & {
  flush(cb: (err?: Error) => void): void;
} {
  let broken: Error | undefined;
  stream.on('error', (err) => {
    broken ??= err;
  });
  return {
    write(chunk: string) {
      if (!broken) stream.write(chunk);
    },
    flush(cb) {
      if (broken) return cb(broken);
      try {
        stream.flush(cb);
      } catch (err) {
        cb(err as Error);
      }
    },
  };
}

function scrubError(e: unknown, scrub: (s: string) => string): unknown {
  const serialized = pino.stdSerializers.err(e as Error);
  if (!serialized || typeof serialized !== 'object') return serialized;
  return {
    ...serialized,
    message: scrub(String(serialized.message ?? '')),
    stack: scrub(String(serialized.stack ?? '')),
  };
}

/** Bolt and the Slack SDK expect their own logger interface; this forwards it to pino. */
export function slackLogger(base: Logger): SlackLogger {
  const log = base.child({ module: 'slack-sdk' });
  const toSlackLevel = (): SlackLogLevel => {
    switch (log.level) {
      case 'trace':
      case 'debug':
      case 'info':
        return SlackLogLevel.INFO;
      case 'warn':
        return SlackLogLevel.WARN;
      default:
        return SlackLogLevel.ERROR;
    }
  };
  return {
    // The SDKs' debug output includes request and payload bodies, i.e. message text: never forwarded.
    debug: () => {},
    info: (...m: unknown[]) => log.info(format(...m)),
    warn: (...m: unknown[]) => log.warn(format(...m)),
    error: (...m: unknown[]) => log.error(format(...m)),
    // The app's LOG_LEVEL governs; Bolt's own level requests are ignored.
    setLevel: () => {},
    getLevel: toSlackLevel,
    setName: () => {},
  };
}
