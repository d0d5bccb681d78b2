/**
 * The environment, parsed once by one zod schema. A bad or missing variable stops start-up with a
 * single message that lists every problem; values are never echoed, because some are secrets.
 */
import { z } from 'zod';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  readonly slack: {
    readonly botToken: string;
    readonly signingSecret: string | undefined;
    readonly appToken: string | undefined;
    readonly apiUrl: string;
    readonly mode: 'http' | 'socket';
  };
  readonly port: number;
  readonly slots: {
    readonly channel: string;
    readonly approvers: readonly string[];
    readonly requesters: readonly string[];
    readonly maxQuantity: number;
    readonly requestTtlMs: number;
    readonly pollIntervalMs: number;
    /** How long one AWS read may answer `/slots status` again; 0: read for every command. */
    readonly statusMaxAgeMs: number;
    readonly renewalNoticeDays: readonly number[];
  };
  readonly database:
    | { readonly kind: 'sqlite'; readonly path: string }
    | {
        readonly kind: 'postgres';
        /** As given; `PG*` variables fill in what it leaves out, `?sslmode=` is honoured. */
        readonly url: string;
        /** Connections this process keeps open at most. */
        readonly poolSize: number;
      };
  readonly aws: {
    readonly region: string;
    readonly deviceFarmEndpoint: string | undefined;
    readonly mediaConnectEndpoint: string | undefined;
  };
  readonly logLevel: LogLevel;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems
        .map((p) => `  - ${p}`)
        .join('\n')}`,
    );
  }
}

const DURATION = /^(\d+)\s*(s|m|h|d)?$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses `90`, `30s`, `15m`, `24h`, `7d` into milliseconds; bare numbers are seconds. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = (match[2] ?? 's') as keyof typeof UNIT_MS;
  const ms = amount * UNIT_MS[unit];
  return Number.isSafeInteger(ms) && ms > 0 ? ms : undefined;
}

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const optionalText = z.preprocess(blankToUndefined, z.string().trim().optional());

function required(what: string) {
  return z.preprocess(blankToUndefined, z.string({ error: `is required: ${what}` }).trim());
}

function prefixedToken(prefix: string, what: string) {
  return z.string().refine((v) => v.startsWith(prefix) && v.length > prefix.length + 4, {
    message: `must be ${what} starting with "${prefix}"`,
  });
}

/**
 * The longest each duration may be, and why. A Node timer cannot hold more than 2^31-1 ms (about
 * 24.8 days; a longer one fires at once), so `startPeriodic` chains timers for any interval; these
 * limits are about what the bot does, and keep every date computed from them valid.
 */
export const DURATION_LIMITS = {
  /** Renewal notices open at most a day before the date (SLOTS_RENEWAL_NOTICE_DAYS ≥ 1). */
  SLOTS_POLL_INTERVAL: {
    maxMs: 86_400_000,
    max: '24h',
    why: 'the watcher must read AWS at least once a day, or a renewal notice window can pass unseen',
  },
  /** A status is a picture of money being spent: minutes old, it would mislead. */
  SLOTS_STATUS_MAX_AGE: {
    maxMs: 300_000,
    max: '5m',
    why: 'an older status could hide a purchase or renewal made meanwhile outside slots-bot',
  },
  /** Not a timer: stored as an expiry date, and the sweep that ends requests runs every 30 s. */
  SLOTS_REQUEST_TTL: {
    maxMs: 365 * 86_400_000,
    max: '365d',
    why: 'no request waits longer than a year for a decision',
  },
} as const;

function duration(
  fallback: string,
  limit: { readonly maxMs: number; readonly max: string; readonly why: string },
  opts: { readonly zeroTurnsOff?: boolean } = {},
) {
  return z.preprocess(blankToUndefined, z.string().default(fallback)).transform((v, ctx) => {
    if (opts.zeroTurnsOff && /^0+[smhd]?$/.test(v.trim())) return 0;
    const ms = parseDuration(v);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a ${opts.zeroTurnsOff ? 'duration (0 turns it off)' : 'positive duration'}: seconds (e.g. 900) or a number with s, m, h or d (e.g. 30s, 15m, 24h, 7d)`,
      });
      return z.NEVER;
    }
    if (ms > limit.maxMs) {
      ctx.addIssue({
        code: 'custom',
        message: `must be at most ${limit.max}: ${limit.why}`,
      });
      return z.NEVER;
    }
    return ms;
  });
}

function integer(fallback: number, min: number, max: number, what: string) {
  return z
    .preprocess(blankToUndefined, z.string().default(String(fallback)))
    .transform((v, ctx) => {
      const n = /^\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
      if (!Number.isSafeInteger(n) || n < min || n > max) {
        ctx.addIssue({
          code: 'custom',
          message: `must be ${what}, a whole number from ${min} to ${max}`,
        });
        return z.NEVER;
      }
      return n;
    });
}

const USER_OR_GROUP = /^[UWS][A-Z0-9]{2,}$/;

function idList(opts: { required: boolean }) {
  return z.preprocess(blankToUndefined, z.string().optional()).transform((v, ctx) => {
    const ids = (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = ids.filter((id) => !USER_OR_GROUP.test(id));
    if (bad.length > 0) {
      // Ids are not secret; naming the bad ones saves a hunt through a long list.
      ctx.addIssue({
        code: 'custom',
        message: `has ${bad.length} invalid id${bad.length === 1 ? '' : 's'} (${bad
          .slice(0, 5)
          .map((b) => JSON.stringify(b.slice(0, 20)))
          .join(', ')}): use Slack user ids (U…, W…) or user-group ids (S…), separated by commas`,
      });
      return z.NEVER;
    }
    if (opts.required && ids.length === 0) {
      ctx.addIssue({
        code: 'custom',
        message:
          'is required: a comma list of Slack user ids (U…, W…) or user-group ids (S…) who may approve',
      });
      return z.NEVER;
    }
    return [...new Set(ids)];
  });
}

function httpUrl(what: string) {
  return optionalText.refine((v) => v === undefined || isHttpUrl(v), {
    message: `must be an http(s) URL (${what})`,
  });
}

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

const envSchema = z.object({
  SLACK_BOT_TOKEN: required('the bot token (xoxb-…) from the Slack app settings').pipe(
    prefixedToken('xoxb-', 'a bot token'),
  ),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_APP_TOKEN: optionalText.pipe(prefixedToken('xapp-', 'an app-level token').optional()),
  SLACK_API_URL: z
    .preprocess(blankToUndefined, z.string().default('https://slack.com/api/'))
    .refine(isHttpUrl, { message: 'must be an http(s) URL, e.g. https://slack.com/api/' })
    .transform((v) => (v.endsWith('/') ? v : `${v}/`)),
  PORT: integer(3000, 0, 65535, 'the HTTP port'),
  SLOTS_CHANNEL: required('the Slack channel id (C…, G…) for requests and notices').refine(
    (v) => /^[CG][A-Z0-9]{2,}$/.test(v),
    { message: 'must be a Slack channel id such as C0123456789 (not a channel name)' },
  ),
  SLOTS_APPROVERS: idList({ required: true }),
  SLOTS_REQUESTERS: idList({ required: false }),
  SLOTS_MAX_QUANTITY: integer(50, 1, 1000, 'the largest quantity one request may ask for'),
  SLOTS_REQUEST_TTL: duration('24h', DURATION_LIMITS.SLOTS_REQUEST_TTL),
  SLOTS_POLL_INTERVAL: duration('15m', DURATION_LIMITS.SLOTS_POLL_INTERVAL),
  SLOTS_STATUS_MAX_AGE: duration('10s', DURATION_LIMITS.SLOTS_STATUS_MAX_AGE, {
    zeroTurnsOff: true,
  }),
  SLOTS_RENEWAL_NOTICE_DAYS: z
    .preprocess(blankToUndefined, z.string().default('7,1'))
    .transform((v, ctx) => {
      const parts = v.split(',').map((s) => s.trim());
      const days = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : Number.NaN));
      if (days.some((d) => !Number.isInteger(d) || d < 1 || d > 365)) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be a comma list of whole days from 1 to 365, e.g. 7,1',
        });
        return z.NEVER;
      }
      return [...new Set(days)].sort((a, b) => b - a);
    }),
  DATABASE_URL: z
    .preprocess(blankToUndefined, z.string().default('sqlite:./data/slots.db'))
    .transform((v, ctx) => {
      const db = parseDatabaseUrl(v);
      if (typeof db === 'string') {
        ctx.addIssue({ code: 'custom', message: db });
        return z.NEVER;
      }
      return db;
    }),
  DATABASE_POOL_SIZE: integer(10, 1, 100, 'the PostgreSQL connections one process may open'),
  AWS_REGION: optionalText,
  AWS_DEFAULT_REGION: optionalText,
  AWS_ENDPOINT_URL_DEVICE_FARM: httpUrl('the Device Farm endpoint override'),
  AWS_ENDPOINT_URL_MEDIACONNECT: httpUrl('the MediaConnect endpoint override'),
  LOG_LEVEL: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toLowerCase() || undefined : v),
    z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  ),
});

/** Checks that span several variables; run even when single variables already failed. */
function crossVariableProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const present = (name: string) => (env[name] ?? '').trim() !== '';
  if (!present('SLACK_APP_TOKEN') && !present('SLACK_SIGNING_SECRET')) {
    problems.push(
      'SLACK_SIGNING_SECRET is required in HTTP mode (the "Signing Secret" from the Slack app settings); or set SLACK_APP_TOKEN to use Socket Mode',
    );
  }
  const region = (env.AWS_REGION ?? '').trim() || (env.AWS_DEFAULT_REGION ?? '').trim();
  if (!region) {
    problems.push(
      'AWS_REGION is required: the AWS region of your MediaConnect reservations, e.g. us-east-1 (Device Farm always uses us-west-2)',
    );
  } else if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    problems.push('AWS_REGION must be an AWS region name such as us-east-1');
  }
  return problems;
}

const SSL_MODES = [
  'disable',
  'allow',
  'prefer',
  'require',
  'verify-ca',
  'verify-full',
  'no-verify',
];

/**
 * `sqlite:PATH`, `sqlite://PATH` or a plain path; or `postgres://` / `postgresql://` with anything
 * libpq accepts there. Messages never repeat the URL: it may hold a password.
 */
export function parseDatabaseUrl(
  url: string,
): { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string } | string {
  const text = url.trim();
  if (/^postgres(ql)?:\/\//i.test(text)) {
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      return 'must be a valid postgres://user:password@host:port/database URL';
    }
    const sslmode = parsed.searchParams.get('sslmode');
    if (sslmode !== null && !SSL_MODES.includes(sslmode)) {
      return `has an unknown sslmode; use one of ${SSL_MODES.join(', ')}`;
    }
    return { kind: 'postgres', url: text };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text) && !/^sqlite:/i.test(text)) {
    return 'must be sqlite:PATH, a file path or postgres://…';
  }
  const path = text.replace(/^sqlite:(\/\/)?/i, '');
  if (path === '') return 'must name a file: sqlite:PATH or a file path';
  return { kind: 'sqlite', path };
}

/** Parses the environment, throwing one `ConfigError` that names every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = envSchema.safeParse(env);
  const problems = result.success
    ? []
    : result.error.issues.map(
        (issue) => `${String(issue.path[0] ?? 'environment')} ${issue.message}`,
      );
  problems.push(...crossVariableProblems(env));
  if (!result.success || problems.length > 0) throw new ConfigError([...new Set(problems)]);
  const e = result.data;
  return {
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL,
      mode: e.SLACK_APP_TOKEN ? 'socket' : 'http',
    },
    port: e.PORT,
    slots: {
      channel: e.SLOTS_CHANNEL,
      approvers: e.SLOTS_APPROVERS,
      requesters: e.SLOTS_REQUESTERS,
      maxQuantity: e.SLOTS_MAX_QUANTITY,
      requestTtlMs: e.SLOTS_REQUEST_TTL,
      pollIntervalMs: e.SLOTS_POLL_INTERVAL,
      statusMaxAgeMs: e.SLOTS_STATUS_MAX_AGE,
      renewalNoticeDays: e.SLOTS_RENEWAL_NOTICE_DAYS,
    },
    database:
      e.DATABASE_URL.kind === 'postgres'
        ? { ...e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE }
        : e.DATABASE_URL,
    aws: {
      region: (e.AWS_REGION ?? e.AWS_DEFAULT_REGION)!,
      deviceFarmEndpoint: e.AWS_ENDPOINT_URL_DEVICE_FARM,
      mediaConnectEndpoint: e.AWS_ENDPOINT_URL_MEDIACONNECT,
    },
    logLevel: e.LOG_LEVEL,
  };
}
