/**
 * The sandbox's settings, as pure functions: its command-line flags, which variables of the
 * caller's environment it ignores, and the fixed environment it gives the AWS SDK and the bot.
 * Nothing here reads `process`; `main.ts` applies the results.
 */
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { SLASH_COMMAND } from '../slack/command-grammar.js';
import {
  SANDBOX_APPROVERS,
  SANDBOX_BOT_TOKEN,
  SANDBOX_CHANNEL,
  SANDBOX_SIGNING_SECRET,
} from './workspace-setup.js';

export interface SandboxArgs {
  /** The local Slack's port (the page); 0 picks a free one. */
  readonly port: number;
  readonly dataDir: string;
  /** Delete the saved sandbox first and start from a fresh seed. */
  readonly reset: boolean;
  /** The bot logs at info instead of warn. */
  readonly verbose: boolean;
  readonly help: boolean;
}

export const DEFAULT_PORT = 3000;
export const DEFAULT_DATA_DIR = 'data/sandbox';

export const SANDBOX_USAGE = `Usage: npm run sandbox [-- OPTIONS]

Runs slots-bot against a local imitation of Slack and AWS, in one process, on 127.0.0.1.

Options:
  --port N          port of the page and the local Slack (default ${DEFAULT_PORT}; 0 picks a free one)
  --data-dir DIR    where the sandbox keeps its state (default ${DEFAULT_DATA_DIR})
  --reset           forget the saved sandbox and start again from a fresh seed
  --verbose         show the bot's info logs (default: warnings and errors only)
  --help            show this help
`;

/** A bad command line; `message` names the flag and what it accepts. Exit code 2. */
export class SandboxArgsError extends Error {
  override readonly name = 'SandboxArgsError';
}

const OPTIONS_LINE = 'Options: --port N, --data-dir DIR, --reset, --verbose, --help.';

const FLAGS = {
  '--port': 'value',
  '--data-dir': 'value',
  '--reset': 'switch',
  '--verbose': 'switch',
  '--help': 'switch',
} as const;
type Flag = keyof typeof FLAGS;

const argsSchema = z.object({
  '--port': z
    .string()
    .regex(/^\d{1,5}$/, {
      error: (i) =>
        `--port must be a whole number from 0 to 65535 (0 picks a free port), not ${JSON.stringify(i.input)}`,
    })
    .transform(Number)
    .pipe(
      z.number().max(65535, {
        error: '--port must be a whole number from 0 to 65535 (0 picks a free port)',
      }),
    )
    .default(DEFAULT_PORT),
  '--data-dir': z
    .string()
    .trim()
    .min(1, { error: '--data-dir must name a directory' })
    .default(DEFAULT_DATA_DIR),
  '--reset': z.literal(true).optional(),
  '--verbose': z.literal(true).optional(),
  '--help': z.literal(true).optional(),
});

/** Reads the flags after `npm run sandbox --`; throws `SandboxArgsError` on the first bad one. */
export function parseSandboxArgs(argv: readonly string[]): SandboxArgs {
  const given: Partial<Record<Flag, string | true>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const name = eq > 0 && arg.startsWith('--') ? arg.slice(0, eq) : arg;
    const inline = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : undefined;
    if (!Object.hasOwn(FLAGS, name)) {
      throw new SandboxArgsError(
        arg.startsWith('-')
          ? `Unknown option ${name}. ${OPTIONS_LINE}`
          : `Unexpected argument ${JSON.stringify(arg)}: the sandbox takes only options. ${OPTIONS_LINE}`,
      );
    }
    const flag = name as Flag;
    if (given[flag] !== undefined) throw new SandboxArgsError(`${flag} is given twice.`);
    if (FLAGS[flag] === 'switch') {
      if (inline !== undefined) throw new SandboxArgsError(`${flag} takes no value.`);
      given[flag] = true;
      continue;
    }
    const value = inline ?? argv[i + 1];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) {
      throw new SandboxArgsError(
        `${flag} needs a value: ${flag === '--port' ? 'a port number from 0 to 65535' : 'a directory'}.`,
      );
    }
    if (inline === undefined) i++;
    given[flag] = value;
  }
  const parsed = argsSchema.safeParse(given);
  if (!parsed.success) {
    throw new SandboxArgsError(parsed.error.issues[0]?.message ?? 'Bad options.');
  }
  const a = parsed.data;
  return {
    port: a['--port'],
    dataDir: a['--data-dir'],
    reset: a['--reset'] === true,
    verbose: a['--verbose'] === true,
    help: a['--help'] === true,
  };
}

const IGNORED_PREFIXES = ['AWS_', 'SLACK_', 'SLOTS_', 'DATABASE_', 'PG'] as const;
const IGNORED_NAMES = new Set(['PORT', 'LOG_LEVEL', 'NODE_USE_ENV_PROXY']);
/** Proxy variables are honoured in either case by curl-style clients, so both are removed. */
const IGNORED_ANY_CASE = new Set(['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY']);

/** Whether a variable could point the bot or the AWS SDK somewhere else than the sandbox. */
export function isIgnoredVariable(name: string): boolean {
  return (
    IGNORED_PREFIXES.some((p) => name.startsWith(p)) ||
    IGNORED_NAMES.has(name) ||
    IGNORED_ANY_CASE.has(name.toUpperCase())
  );
}

/**
 * Deletes from `env` every variable that could point the bot or the SDK elsewhere and returns
 * their names, sorted; never their values, which may be real credentials.
 */
export function scrubEnvironment(env: NodeJS.ProcessEnv): string[] {
  const names = Object.keys(env).filter(isIgnoredVariable).sort();
  for (const name of names) delete env[name];
  return names;
}

/** Made-up credentials; the simulator accepts any, and they are useless anywhere else. */
export const SANDBOX_AWS_ACCESS_KEY_ID = 'SANDBOX-LOCAL-ONLY';
export const SANDBOX_AWS_SECRET_ACCESS_KEY = 'sandbox-local-only-not-a-secret';
/** Device Farm exists only in us-west-2; the sandbox's MediaConnect lives there too. */
export const SANDBOX_AWS_REGION = 'us-west-2';

/**
 * What the AWS SDK reads from `process.env`, all of it set: fake credentials, both endpoints at
 * the simulator, and config files that do not exist, so no profile, SSO session or instance
 * metadata can supply real credentials or another endpoint.
 */
export function sandboxProcessEnv(dataDir: string, simUrl: string): Record<string, string> {
  const dir = resolve(dataDir);
  return {
    AWS_ACCESS_KEY_ID: SANDBOX_AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: SANDBOX_AWS_SECRET_ACCESS_KEY,
    AWS_REGION: SANDBOX_AWS_REGION,
    AWS_ENDPOINT_URL_DEVICE_FARM: simUrl,
    AWS_ENDPOINT_URL_MEDIACONNECT: simUrl,
    AWS_CONFIG_FILE: resolve(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: resolve(dir, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    // The SDK's notice about future Node versions says nothing about the sandbox, whose AWS is
    // the simulator; on a first run it only buries the start-up lines.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    NO_PROXY: '127.0.0.1,localhost',
  };
}

/**
 * The bot's settings, for `loadConfig` (not `process.env`). The poll interval is short so a
 * change made on the AWS panel shows in the channel within a minute, and the first renewal notice
 * opens 31 days ahead, longer than any month, so right after the period is advanced the next
 * renewal is always announced.
 */
export function sandboxBotEnv(opts: {
  readonly dataDir: string;
  readonly slackApiUrl: string;
  readonly simUrl: string;
  readonly verbose: boolean;
}): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: SANDBOX_BOT_TOKEN,
    SLACK_SIGNING_SECRET: SANDBOX_SIGNING_SECRET,
    SLACK_API_URL: opts.slackApiUrl,
    PORT: '0',
    SLOTS_CHANNEL: SANDBOX_CHANNEL.id,
    SLOTS_APPROVERS: SANDBOX_APPROVERS,
    SLOTS_POLL_INTERVAL: '10s',
    SLOTS_RENEWAL_NOTICE_DAYS: '31,1',
    DATABASE_URL: `sqlite:${resolve(opts.dataDir, 'slots.db')}`,
    AWS_REGION: SANDBOX_AWS_REGION,
    AWS_ENDPOINT_URL_DEVICE_FARM: opts.simUrl,
    AWS_ENDPOINT_URL_MEDIACONNECT: opts.simUrl,
    LOG_LEVEL: botLogLevel(opts.verbose),
  };
}

export function botLogLevel(verbose: boolean): 'info' | 'warn' {
  return verbose ? 'info' : 'warn';
}

/** The `/slots` usage hint as `manifest.yml` declares it, so the page shows what Slack shows. */
export function slotsUsageHint(manifestYaml: string): string {
  const manifest: unknown = parse(manifestYaml);
  const commands = z
    .object({
      features: z.object({
        slash_commands: z.array(
          z.object({ command: z.string(), usage_hint: z.string().optional() }).loose(),
        ),
      }),
    })
    .loose()
    .safeParse(manifest);
  const hint = commands.success
    ? commands.data.features.slash_commands.find((c) => c.command === SLASH_COMMAND)?.usage_hint
    : undefined;
  if (hint === undefined)
    throw new Error(`manifest.yml declares no usage hint for ${SLASH_COMMAND}`);
  return hint;
}
