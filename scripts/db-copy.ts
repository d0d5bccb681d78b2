/**
 * `npm run db:copy -- --from sqlite:PATH --to postgres://…`: copies a slots-bot SQLite database
 * into an empty PostgreSQL database (`src/store/copy.ts` does the work), so the bot can move to
 * several replicas without losing its history.
 *
 * Exit status: 0 copied (or --help), 1 refused or failed with nothing written, 2 bad arguments.
 * The target URL's password is never printed: not in the summary, not in an error.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { flagProblems, flagValue, readFlags } from '../src/cli/flags.js';
import { parseDatabaseUrl } from '../src/config.js';
import { COPIED_TABLES, type CopyReport, copySqliteToPostgres } from '../src/store/copy.js';

export const EXIT = { copied: 0, failed: 1, usage: 2 } as const;

export const USAGE = `Usage: npm run db:copy -- --from sqlite:PATH --to postgres://USER:PASSWORD@HOST:PORT/DATABASE

Copies every request with its events, every outbox message, notice key, AWS claim and
remembered trigger, and the watcher's state, from a slots-bot SQLite file into an empty
PostgreSQL database, in one transaction. Both are first migrated to the latest schema, as
starting the bot would. Stop the bot on the SQLite file first; afterwards start the bots with
DATABASE_URL set to the PostgreSQL URL.

  --from sqlite:PATH   the SQLite file: the bot's DATABASE_URL (sqlite:./data/slots.db) or a path
  --to postgres://...  the target (postgresql:// too; ?sslmode= and the PG* variables are
                       honoured); it must hold no data
  -h, --help           this text

Exit status: 0 copied, 1 refused or failed (no data written), 2 bad arguments.`;

const FLAGS = {
  from: { type: 'string' },
  to: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The checked arguments: zod turns each flag's text into what the copy needs, or names the flag. */
const argsSchema = z.object({
  from: z
    .string({ error: '--from is required: the SQLite file to copy, as sqlite:PATH' })
    .transform((text, ctx) => {
      const db = parseDatabaseUrl(text);
      if (typeof db === 'string' || db.kind !== 'sqlite') {
        ctx.addIssue({
          code: 'custom',
          message:
            typeof db === 'string'
              ? '--from must name a SQLite file: sqlite:PATH or a file path'
              : '--from must be the SQLite file (sqlite:PATH); the PostgreSQL database goes in --to',
        });
        return z.NEVER;
      }
      return db.path;
    }),
  to: z
    .string({
      error:
        '--to is required: the empty PostgreSQL database to copy into, as postgres://USER:PASSWORD@HOST:PORT/DATABASE',
    })
    .transform((text, ctx) => {
      const db = parseDatabaseUrl(text);
      if (typeof db === 'string' || db.kind !== 'postgres') {
        ctx.addIssue({
          code: 'custom',
          message:
            typeof db === 'string' && /^postgres(ql)?:/i.test(text.trim())
              ? `--to ${db}`
              : '--to must be a postgres:// or postgresql:// URL (the copy goes from SQLite to PostgreSQL only)',
        });
        return z.NEVER;
      }
      return db.url;
    }),
});

export type CopyArgs =
  | { readonly kind: 'help' }
  | { readonly kind: 'copy'; readonly from: string; readonly to: string }
  | { readonly kind: 'usage_error'; readonly problems: readonly string[] };

/**
 * Reads `argv` (the arguments after the script). Every problem is named by its flag, and no
 * message repeats a value: a misplaced URL may hold a password.
 */
export function parseCopyArgs(argv: readonly string[]): CopyArgs {
  const reading = readFlags(argv, FLAGS, {
    positional: () =>
      'unexpected argument without a flag: give the source as --from sqlite:PATH and the target as --to postgres://…',
    flagList: '--from, --to and --help',
    example: {
      from: '--from sqlite:./data/slots.db',
      to: '--to postgres://slots@db:5432/slots',
      help: '--help',
    },
  });
  if (reading.values.help === true) return { kind: 'help' };
  const parsed = argsSchema.safeParse({
    from: flagValue(reading, 'from'),
    to: flagValue(reading, 'to'),
  });
  const problems = [
    ...reading.problems,
    ...(parsed.success ? [] : flagProblems(reading, parsed.error)),
  ];
  if (problems.length > 0 || !parsed.success) return { kind: 'usage_error', problems };
  return { kind: 'copy', from: parsed.data.from, to: parsed.data.to };
}

/** The URL with its password masked, fit to print. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the target database';
  }
}

/** `text` with every spelling of the URL's password masked, in case a driver message quotes it. */
export function scrubPassword(text: string, url: string): string {
  let password = '';
  try {
    password = new URL(url).password;
  } catch {
    return text;
  }
  if (password === '') return text;
  const spellings = new Set([password, safeDecode(password)]);
  let out = text;
  for (const s of spellings) if (s !== '') out = out.replaceAll(s, '***');
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function formatReport(from: string, to: string, report: CopyReport): string {
  const width = Math.max(...COPIED_TABLES.map((t) => t.length));
  return [
    `Copied ${resolve(from)} into ${redactUrl(to)} (schema version ${report.schemaVersion}):`,
    ...COPIED_TABLES.map((t) => `  ${t.padEnd(width)}  ${String(report.counts[t]).padStart(7)}`),
    `Next ids: request_events ${report.nextIds.request_events}, outbox ${report.nextIds.outbox}. Leases are not copied: no bot runs on the target yet.`,
    'Start the bots with DATABASE_URL set to the target URL.',
  ].join('\n');
}

interface Output {
  out(text: string): void;
  err(text: string): void;
}

export async function runDbCopy(
  argv: readonly string[],
  io: Output = {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
  },
): Promise<number> {
  const args = parseCopyArgs(argv);
  if (args.kind === 'help') {
    io.out(USAGE);
    return EXIT.copied;
  }
  if (args.kind === 'usage_error') {
    for (const problem of args.problems) io.err(`db:copy: ${problem}`);
    io.err('');
    io.err(USAGE);
    return EXIT.usage;
  }
  try {
    const report = await copySqliteToPostgres({ from: args.from, to: args.to });
    for (const warning of report.warnings) io.err(`db:copy: warning: ${warning}`);
    io.out(formatReport(args.from, args.to, report));
    return EXIT.copied;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    io.err(`db:copy: ${scrubPassword(message, args.to)}`);
    io.err('db:copy: no data was written to the target.');
    return EXIT.failed;
  }
}

const isMain =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  process.exitCode = await runDbCopy(process.argv.slice(2));
}
