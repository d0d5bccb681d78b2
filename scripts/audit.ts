/**
 * `npm run audit -- --since 2026-01-01 [--until …] [--format jsonl|csv]`: every request made in
 * the window, oldest first, with its whole audit trail, on standard output (src/audit/ does the
 * work; the README documents every field). Reads DATABASE_URL like the bot, from either backend,
 * and writes nothing (beyond bringing an older schema up to date, as the bot would on start-up),
 * so it runs beside a live bot.
 *
 * Exit status: 0 exported (or --help), 1 the database could not be read (nothing, or not all,
 * was written), 2 bad arguments or a malformed DATABASE_URL. Errors go to standard error as one
 * sentence, never with a stack, and never with the database password.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AUDIT_USAGE, parseAuditArgs } from '../src/audit/args.js';
import { type AuditOutput, AuditOutputClosed, exportAudit } from '../src/audit/export.js';
import { type Config, parseDatabaseUrl } from '../src/config.js';
import { openStore } from '../src/store/index.js';
import type { Store } from '../src/store/store.js';
import { redactUrl, scrubPassword } from './db-copy.js';

export const EXIT = { exported: 0, failed: 1, usage: 2 } as const;

export const DEFAULT_DATABASE_URL = 'sqlite:./data/slots.db';

/** The export reads one request at a time: one connection would do, two leave room for a retry. */
const POOL_SIZE = 2;

export interface AuditIo {
  /** Where the export goes (process.stdout); its backpressure is honoured. */
  readonly stdout: AuditOutput;
  /** One line of diagnostics (standard error). */
  err(text: string): void;
}

const processIo: AuditIo = {
  stdout: process.stdout,
  err: (text) => process.stderr.write(`${text}\n`),
};

export async function runAudit(
  argv: readonly string[],
  io: AuditIo = processIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const args = parseAuditArgs(argv);
  if (args.kind === 'help') {
    io.stdout.write(`${AUDIT_USAGE}\n`);
    return EXIT.exported;
  }
  if (args.kind === 'usage_error') {
    for (const problem of args.problems) io.err(`audit: ${problem}`);
    io.err('');
    io.err(AUDIT_USAGE);
    return EXIT.usage;
  }

  const url = env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL;
  const parsed = parseDatabaseUrl(url);
  if (typeof parsed === 'string') {
    io.err(`audit: DATABASE_URL ${parsed}`);
    return EXIT.usage;
  }
  const database: Config['database'] =
    parsed.kind === 'postgres' ? { ...parsed, poolSize: POOL_SIZE } : parsed;
  const where = database.kind === 'sqlite' ? resolve(database.path) : redactUrl(database.url);
  const scrub = (text: string) =>
    database.kind === 'postgres' ? scrubPassword(text, database.url) : text;

  // Opening a SQLite path that does not exist would create an empty database and export nothing.
  if (database.kind === 'sqlite' && database.path !== ':memory:' && !existsSync(database.path)) {
    io.err(
      `audit: no database at ${where}; set DATABASE_URL to the bot's database (default ${DEFAULT_DATABASE_URL})`,
    );
    return EXIT.failed;
  }

  let store: Store;
  try {
    store = await openStore(database);
  } catch (err) {
    io.err(`audit: cannot open the database at ${where}: ${scrub(messageOf(err))}`);
    return EXIT.failed;
  }
  try {
    const report = await exportAudit({
      store,
      since: args.since,
      until: args.until,
      format: args.format,
      out: io.stdout,
    });
    io.err(
      `audit: ${count(report.requests, 'request')} with ${count(report.events, 'event')} from ${where}`,
    );
    return EXIT.exported;
  } catch (err) {
    if (err instanceof AuditOutputClosed || isBrokenPipe(err)) {
      io.err('audit: the output was closed before the export finished; the export is incomplete');
    } else {
      io.err(
        `audit: reading the database at ${where} failed: ${scrub(messageOf(err))}; the export is incomplete`,
      );
    }
    return EXIT.failed;
  } finally {
    await store.close().catch(() => undefined);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isBrokenPipe(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

const isMain =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  // A reader that goes away (`| head`) reports EPIPE here; the export notices that the output is
  // no longer writable and stops with its own message instead of a crash.
  process.stdout.on('error', () => undefined);
  process.exitCode = await runAudit(process.argv.slice(2));
}
