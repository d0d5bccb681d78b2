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
    /** More approvers above an amount, ascending by amount; empty: one approver for every request. */
    readonly approvals: readonly ApprovalRule[];
    /** When approvers are reminded of a pending request; 0: never. */
    readonly remindAfterMs: number;
    /** Everything but the purchase and renew calls, which are shown instead of made. */
    readonly dryRun: boolean;
  };
  /** Whether `GET /metrics` answers (Prometheus text format). */
  readonly metrics: boolean;
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

/**
 * A request committing at least `atLeastMicros` (in the offering's currency, the cost its card
 * shows) needs `approvers` different approvers. The highest rule the amount reaches applies.
 */
export interface ApprovalRule {
  readonly atLeastMicros: bigint;
  readonly approvers: number;
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

/**
 * Slack's token kinds by prefix. A wrong token is named by its kind only: the prefix says what
 * was pasted without giving any of the secret away.
 */
const SLACK_TOKEN_KINDS: readonly (readonly [prefix: string, kind: string])[] = [
  ['xoxe.xoxb-', 'a rotating bot token'],
  ['xoxe.xoxp-', 'a rotating user token'],
  ['xoxe-', 'a refresh token'],
  ['xoxb-', 'a bot token'],
  ['xoxp-', 'a user token'],
  ['xapp-', 'an app-level token'],
  ['xoxa-', 'a legacy workspace-app token'],
  ['xoxc-', 'a browser session token'],
  ['xoxd-', 'a browser session cookie'],
  ['xoxs-', 'a legacy session token'],
];

interface TokenKind {
  readonly prefix: 'xoxb-' | 'xapp-';
  /** "a bot token" */
  readonly kind: string;
  /** Where to find it in the app settings. */
  readonly where: string;
  /** What a real one looks like after the prefix, as a pattern and in words. */
  readonly shape: RegExp;
  readonly shapeWords: string;
}

const BOT_TOKEN: TokenKind = {
  prefix: 'xoxb-',
  kind: 'a bot token',
  where: 'the Bot User OAuth Token under OAuth & Permissions, after installing the app',
  shape: /^xoxb-\d+-\d+-[A-Za-z0-9]+$/,
  shapeWords: '"xoxb-" followed by number-number-letters and digits',
};

const APP_TOKEN: TokenKind = {
  prefix: 'xapp-',
  kind: 'an app-level token',
  where: 'Basic Information → App-Level Tokens, with the connections:write scope',
  shape: /^xapp-\d+-[A-Z0-9]+-\d+-[A-Za-z0-9]+$/,
  shapeWords: '"xapp-" followed by number-A…-number-letters and digits',
};

/**
 * What is wrong with a token, in words that never repeat it; undefined when it looks right.
 * Only the shape is checked here: whether Slack accepts it is asked at start-up (auth.test).
 */
function slackTokenProblem(value: string, want: TokenKind): string | undefined {
  if (/\s/.test(value)) {
    return `has whitespace inside it: copy ${want.kind} again in one piece (${want.where})`;
  }
  if (/^["'`]|["'`]$/.test(value)) {
    return `is wrapped in quotes: give ${want.kind} without them`;
  }
  if (!value.startsWith(want.prefix)) {
    const given = SLACK_TOKEN_KINDS.find(([prefix]) => value.startsWith(prefix));
    const what = given ? `is ${given[1]} (${given[0]}…)` : `does not start with "${want.prefix}"`;
    const rotating = given?.[0].startsWith('xoxe')
      ? '; slots-bot does not refresh tokens, so turn token rotation off'
      : '';
    return `${what}, not ${want.kind}: use ${want.where}${rotating}`;
  }
  if (!want.shape.test(value)) {
    return `looks like a placeholder, not ${want.kind}: real ones are ${want.shapeWords}; use ${want.where}`;
  }
  return undefined;
}

function slackToken(want: TokenKind) {
  return z.string().transform((v, ctx) => {
    const problem = slackTokenProblem(v, want);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return v;
  });
}

/** Slack's signing secrets are 32 hex digits; anything far from that was pasted by mistake. */
export function signingSecretProblem(value: string): string | undefined {
  if (/\s/.test(value)) {
    return 'has whitespace inside it: copy the Signing Secret again in one piece (Basic Information → App Credentials)';
  }
  const token = SLACK_TOKEN_KINDS.find(([prefix]) => value.startsWith(prefix));
  if (token) {
    return `is ${token[1]} (${token[0]}…), not the signing secret: use the Signing Secret under Basic Information → App Credentials`;
  }
  if (/\.\.\.|…|[<>]|^(your|my)[-_ ]|changeme|placeholder/i.test(value)) {
    return 'looks like a placeholder: use the Signing Secret under Basic Information → App Credentials (32 letters and digits)';
  }
  if (value.length < 16) {
    return `is too short for a signing secret (Slack's have 32 characters): use the Signing Secret under Basic Information → App Credentials`;
  }
  return undefined;
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
  SLOTS_REMIND_AFTER: {
    maxMs: 30 * 86_400_000,
    max: '30d',
    why: 'a reminder a month after the request is no reminder; 0 turns reminders off',
  },
} as const;

const DURATION_FORM = 'seconds (e.g. 900) or a number with s, m, h or d (e.g. 30s, 15m, 24h, 7d)';

/** Why a duration did not parse, so the message names the actual mistake. */
function durationProblem(text: string, zeroTurnsOff: boolean): string {
  const v = text.trim();
  if (/^-/.test(v)) return `cannot be negative: use ${DURATION_FORM}`;
  if (/^0+\s*[smhd]?$/.test(v)) {
    return `must be more than 0: use ${DURATION_FORM}`;
  }
  if (/^\d*[.,]\d+\s*[smhd]?$/.test(v)) {
    return `must be a whole number of seconds, minutes, hours or days (e.g. 90m rather than 1.5h)`;
  }
  if (/^\d+\s*[A-Za-z]+$/.test(v)) {
    return `has an unknown unit: use s, m, h or d in lower case (e.g. 30s, 15m, 24h, 7d)`;
  }
  return `must be a ${zeroTurnsOff ? 'duration (0 turns it off)' : 'positive duration'}: ${DURATION_FORM}`;
}

function duration(
  fallback: string,
  limit: { readonly maxMs: number; readonly max: string; readonly why: string },
  opts: { readonly zeroTurnsOff?: boolean } = {},
) {
  return z.preprocess(blankToUndefined, z.string().default(fallback)).transform((v, ctx) => {
    if (opts.zeroTurnsOff && /^0+\s*[smhd]?$/.test(v.trim())) return 0;
    const ms = parseDuration(v);
    // A number too big to count in milliseconds is still a duration, just far too long.
    const tooLong = ms === undefined && DURATION.test(v.trim()) && !/^0+\s*[smhd]?$/.test(v.trim());
    if (ms === undefined && !tooLong) {
      ctx.addIssue({ code: 'custom', message: durationProblem(v, opts.zeroTurnsOff === true) });
      return z.NEVER;
    }
    if (tooLong || (ms as number) > limit.maxMs) {
      ctx.addIssue({
        code: 'custom',
        message: `must be at most ${limit.max}: ${limit.why}`,
      });
      return z.NEVER;
    }
    return ms as number;
  });
}

function integer(fallback: number, min: number, max: number, what: string) {
  return z
    .preprocess(blankToUndefined, z.string().default(String(fallback)))
    .transform((v, ctx) => {
      const text = v.trim();
      if (!/^-?\d+$/.test(text)) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a whole number (${what}, from ${min} to ${max})`,
        });
        return z.NEVER;
      }
      const n = Number(text);
      if (!Number.isSafeInteger(n) || n < min || n > max) {
        ctx.addIssue({
          code: 'custom',
          message: `is out of range: ${what} must be from ${min} to ${max}`,
        });
        return z.NEVER;
      }
      return n;
    });
}

const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = {
  true: true,
  false: false,
  '1': true,
  '0': false,
  yes: true,
  no: false,
};

function boolean(fallback: boolean) {
  return z.preprocess(blankToUndefined, z.string().optional()).transform((v, ctx) => {
    if (v === undefined) return fallback;
    const b = BOOLEAN_WORDS[v.trim().toLowerCase()];
    if (b === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be true or false (1/0 and yes/no also work, in any case)',
      });
      return z.NEVER;
    }
    return b;
  });
}

const APPROVALS_FORM =
  "use AMOUNT:APPROVERS pairs separated by commas, e.g. 1000:2,20000:3 (the amount in the offering's currency without a symbol or thousands separator, up to 6 decimals; approvers a whole number from 2 to 20)";
const MIN_RULE_APPROVERS = 2;
const MAX_RULE_APPROVERS = 20;

/** Shown inside a message: rules are not secret, but a runaway value should not fill the screen. */
const quoted = (part: string) => JSON.stringify(part.length > 30 ? `${part.slice(0, 30)}…` : part);

/**
 * `1000:2,20000:3` into rules sorted by amount; or every problem found, as message tails for
 * "SLOTS_APPROVALS …". Blank: no rules, one approver for every request.
 */
function isProblemList(v: readonly ApprovalRule[] | string[]): v is string[] {
  return v.some((x) => typeof x === 'string');
}

export function parseApprovalRules(text: string): readonly ApprovalRule[] | string[] {
  if (text.trim() === '') return [];
  if (/(^|,)\s*\d{1,3}(,\d{3})+(\.\d+)?\s*:/.test(text)) {
    // Split at every comma, "1,000:2" would read as a rule "1" and a rule "000:2".
    return [`uses a comma as a thousands separator: write 1000:2, not 1,000:2; ${APPROVALS_FORM}`];
  }
  const problems: string[] = [];
  const rules: { rule: ApprovalRule; part: string }[] = [];
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (part === '') {
      problems.push(`has an empty rule (two commas in a row, or one at an end): ${APPROVALS_FORM}`);
      continue;
    }
    const match = /^(\d+)(?:\.(\d+))?\s*:\s*(\d+)$/.exec(part);
    if (!match) {
      problems.push(`has ${quoted(part)}: ${APPROVALS_FORM}`);
      continue;
    }
    const [, whole = '0', fraction = '', count = ''] = match;
    if (fraction.length > 6) {
      problems.push(`has ${quoted(part)}: an amount has at most 6 decimals`);
      continue;
    }
    const approvers = Number(count);
    if (approvers < MIN_RULE_APPROVERS || approvers > MAX_RULE_APPROVERS) {
      problems.push(
        `has ${quoted(part)}: approvers must be from ${MIN_RULE_APPROVERS} to ${MAX_RULE_APPROVERS} (below every rule's amount one approver decides)`,
      );
      continue;
    }
    const atLeastMicros = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
    rules.push({ rule: { atLeastMicros, approvers }, part });
  }
  rules.sort((a, b) => (a.rule.atLeastMicros < b.rule.atLeastMicros ? -1 : 1));
  for (let i = 1; i < rules.length; i++) {
    const lower = rules[i - 1]!;
    const higher = rules[i]!;
    if (lower.rule.atLeastMicros === higher.rule.atLeastMicros) {
      problems.push(
        `has the same amount twice (${quoted(lower.part)} and ${quoted(higher.part)}): give each amount one rule`,
      );
    } else if (higher.rule.approvers <= lower.rule.approvers) {
      problems.push(
        `has ${quoted(higher.part)} after ${quoted(lower.part)}: a larger amount must need more approvers than a smaller one`,
      );
    }
  }
  return problems.length > 0 ? problems : rules.map((r) => r.rule);
}

const USER_OR_GROUP = /^[UWS][A-Z0-9]{2,}$/;

/** What a value that is not a user or group id probably is, to say so instead of just "invalid". */
function idMistake(id: string): string | undefined {
  if (/^<[@!#]/.test(id)) return 'is a mention; give the bare id';
  if (/^[uws](?=.*\d)[a-z0-9]{2,}$/.test(id)) return 'is in lower case; Slack ids are upper case';
  if (/^@/.test(id) || /@.+\./.test(id) || /^[a-z][a-z0-9._-]*$/.test(id)) {
    return 'is a name or e-mail, not an id';
  }
  if (/^[CGD][A-Z0-9]{2,}$/.test(id)) return 'is a channel or conversation id';
  if (/^B[A-Z0-9]{2,}$/.test(id)) return 'is a bot id';
  if (/^T[A-Z0-9]{2,}$/.test(id)) return 'is a workspace id';
  return undefined;
}

function idList(opts: { required: boolean }) {
  return z.preprocess(blankToUndefined, z.string().optional()).transform((v, ctx) => {
    const ids = (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = ids.filter((id) => !USER_OR_GROUP.test(id));
    if (bad.length > 0) {
      // Ids are not secret; naming the bad ones saves a hunt through a long list.
      const shown = bad.slice(0, 5).map((b) => JSON.stringify(b.slice(0, 20)));
      const hints = bad
        .slice(0, 5)
        .flatMap((b, i) => {
          const mistake = idMistake(b);
          return mistake ? [`${shown[i]} ${mistake}`] : [];
        })
        .join('; ');
      ctx.addIssue({
        code: 'custom',
        message: `has ${bad.length} invalid id${bad.length === 1 ? '' : 's'} (${shown.join(', ')}): use Slack user ids (U…, W…) or user-group ids (S…), separated by commas${hints ? ` (${hints})` : ''}`,
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

/** Why a value is not a channel id; names are the usual mistake, but not the only one. */
function channelProblem(v: string): string | undefined {
  if (/^[CG][A-Z0-9]{2,}$/.test(v)) return undefined;
  const tail = 'use the channel id such as C0123456789 (channel details → About, at the bottom)';
  if (/\/archives\/[CG][A-Z0-9]+/.test(v)) return `is a link to the channel, not its id: ${tail}`;
  // Ids are upper case with digits; a lower-case one is most likely an id typed by hand.
  if (/^[cg](?=.*\d)[a-z0-9]{8,}$/.test(v)) {
    return `is in lower case: Slack ids are upper case; ${tail}`;
  }
  if (/^#/.test(v) || /^[a-z0-9][a-z0-9._-]*$/.test(v)) {
    return `is a channel name, not its id: ${tail}`;
  }
  if (/^D[A-Z0-9]{2,}$/.test(v)) return `is a direct-message id, not a channel: ${tail}`;
  if (/^[UW][A-Z0-9]{2,}$/.test(v)) return `is a user id, not a channel: ${tail}`;
  if (/^S[A-Z0-9]{2,}$/.test(v)) return `is a user-group id, not a channel: ${tail}`;
  return `must be a Slack channel id: ${tail}`;
}

/** Why a list of notice lead times is wrong; every kind of mistake gets its own sentence. */
function noticeDaysProblem(parts: readonly string[]): string | undefined {
  const form = 'a comma list of whole days from 1 to 365, e.g. 7,1';
  if (parts.some((p) => p === ''))
    return `has an empty entry (two commas in a row, or one at an end): use ${form}`;
  if (parts.some((p) => !/^\d+$/.test(p))) return `must be whole numbers of days: use ${form}`;
  if (parts.some((p) => Number(p) < 1 || Number(p) > 365))
    return `has a day out of range: use ${form}`;
  return undefined;
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
    slackToken(BOT_TOKEN),
  ),
  SLACK_SIGNING_SECRET: optionalText.refine((v) => v === undefined || !signingSecretProblem(v), {
    // Zod wants the message up front; the function below gives the specific one.
    error: (issue) => signingSecretProblem(String(issue.input)) ?? 'is not a signing secret',
  }),
  SLACK_APP_TOKEN: optionalText.pipe(slackToken(APP_TOKEN).optional()),
  SLACK_API_URL: z
    .preprocess(blankToUndefined, z.string().default('https://slack.com/api/'))
    .refine(isHttpUrl, { message: 'must be an http(s) URL, e.g. https://slack.com/api/' })
    .transform((v) => (v.endsWith('/') ? v : `${v}/`)),
  PORT: integer(3000, 0, 65535, 'the HTTP port'),
  SLOTS_CHANNEL: required('the Slack channel id (C…, G…) for requests and notices').refine(
    (v) => channelProblem(v) === undefined,
    { error: (issue) => channelProblem(String(issue.input)) ?? 'must be a Slack channel id' },
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
      const problem = noticeDaysProblem(parts);
      if (problem) {
        ctx.addIssue({ code: 'custom', message: problem });
        return z.NEVER;
      }
      return [...new Set(parts.map(Number))].sort((a, b) => b - a);
    }),
  SLOTS_APPROVALS: z.preprocess(blankToUndefined, z.string().optional()).transform((v, ctx) => {
    const rules = parseApprovalRules(v ?? '');
    if (isProblemList(rules)) {
      for (const message of rules) ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return rules;
  }),
  SLOTS_REMIND_AFTER: duration('4h', DURATION_LIMITS.SLOTS_REMIND_AFTER, { zeroTurnsOff: true }),
  SLOTS_DRY_RUN: boolean(false),
  SLOTS_METRICS: boolean(true),
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
  const regionVariable = present('AWS_REGION') ? 'AWS_REGION' : 'AWS_DEFAULT_REGION';
  const region = (env[regionVariable] ?? '').trim();
  if (!region) {
    problems.push(
      'AWS_REGION is required: the AWS region of your MediaConnect reservations, e.g. us-east-1 (Device Farm always uses us-west-2)',
    );
  } else if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    problems.push(`${regionVariable} must be an AWS region name such as us-east-1`);
  }
  problems.push(...approvalProblems(env), ...reminderProblems(env));
  return problems;
}

/**
 * A rule that needs more approvers than SLOTS_APPROVERS can ever supply would leave such
 * requests pending until they expire. Only a list of people can be counted: a user group may
 * have any number of members.
 */
function approvalProblems(env: NodeJS.ProcessEnv): string[] {
  const rules = envSchema.shape.SLOTS_APPROVALS.safeParse(env.SLOTS_APPROVALS);
  const approvers = envSchema.shape.SLOTS_APPROVERS.safeParse(env.SLOTS_APPROVERS);
  if (!rules.success || !approvers.success) return [];
  if (approvers.data.some((id) => id.startsWith('S'))) return [];
  const people = approvers.data.length;
  const impossible = rules.data.filter((r) => r.approvers > people);
  if (impossible.length === 0) return [];
  const first = impossible[0]!;
  return [
    `SLOTS_APPROVALS needs ${first.approvers} different approvers from ${formatMicros(first.atLeastMicros)}, but SLOTS_APPROVERS lists only ${people} ${people === 1 ? 'person' : 'people'} and no user group, so such a request could never be approved: add approvers (or a user group, S…) or lower the rule`,
  ];
}

/** A first reminder due after the request has expired would never be sent. */
function reminderProblems(env: NodeJS.ProcessEnv): string[] {
  if ((env.SLOTS_REMIND_AFTER ?? '').trim() === '') return [];
  const remind = envSchema.shape.SLOTS_REMIND_AFTER.safeParse(env.SLOTS_REMIND_AFTER);
  const ttl = envSchema.shape.SLOTS_REQUEST_TTL.safeParse(env.SLOTS_REQUEST_TTL);
  if (!remind.success || !ttl.success || remind.data === 0 || remind.data < ttl.data) return [];
  return [
    'SLOTS_REMIND_AFTER must be shorter than SLOTS_REQUEST_TTL: a request expires before its first reminder; set 0 to turn reminders off',
  ];
}

/** 1000000000n → "1000", 999500000n → "999.5": the amount as the rule was written. */
function formatMicros(micros: bigint): string {
  const whole = micros / 1_000_000n;
  const fraction = (micros % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : String(whole);
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
      approvals: e.SLOTS_APPROVALS,
      remindAfterMs: e.SLOTS_REMIND_AFTER,
      dryRun: e.SLOTS_DRY_RUN,
    },
    metrics: e.SLOTS_METRICS,
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
