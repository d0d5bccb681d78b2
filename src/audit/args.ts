/**
 * The arguments of `npm run audit`: checked with zod, and every bad one answered with a sentence
 * that names the flag and says what it expects.
 */
import { z } from 'zod';
import { flagProblems, flagValue, readFlags } from '../cli/flags.js';

export const AUDIT_FORMATS = ['jsonl', 'csv'] as const;
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

export const AUDIT_USAGE = `Usage: npm run audit -- --since DATE [--until DATE] [--format jsonl|csv]

Writes every request made at or after --since (and before --until, when given), oldest first,
with its whole event history, to standard output. Reads DATABASE_URL (default
sqlite:./data/slots.db), SQLite or PostgreSQL; safe to run while the bot runs.

  --since DATE      required: 2026-01-01 (midnight UTC) or an ISO instant with its zone,
                    e.g. 2026-01-01T09:00:00Z or 2026-01-01T10:00:00+01:00
  --until DATE      only requests made before this instant (same forms); default: no end
  --format FORMAT   jsonl (default): one JSON object per request, its events inside;
                    csv: one row per event, the request's columns repeated
  -h, --help        this text

Exit status: 0 exported, 1 the database could not be read, 2 bad arguments.`;

const FLAGS = {
  since: { type: 'string' },
  until: { type: 'string' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type FlagName = keyof typeof FLAGS;

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * `2026-01-01` (midnight UTC) or an ISO 8601 instant with `Z` or an offset. A time without a
 * zone is refused: which midnight it meant would depend on the machine running the export.
 */
export function parseInstant(text: string): Date | string {
  const t = text.trim();
  const date = DATE_ONLY.exec(t);
  const instant = date ? undefined : INSTANT.exec(t);
  const parts = date ?? instant;
  if (!parts) {
    return /^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(t)
      ? 'needs a time zone: add Z (UTC) or an offset such as +01:00, e.g. 2026-01-01T09:00:00Z'
      : 'must be a date (2026-01-01) or an ISO instant (2026-01-01T09:00:00Z)';
  }
  const [, y, mo, d, h = '00', mi = '00', s = '00'] = parts;
  // Date.parse rolls 2026-02-30 over to 2 March; a calendar check refuses it instead.
  const calendar = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (
    calendar.getUTCFullYear() !== Number(y) ||
    calendar.getUTCMonth() !== Number(mo) - 1 ||
    calendar.getUTCDate() !== Number(d) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  ) {
    return 'is not a real date or time';
  }
  const at = new Date(date ? `${t}T00:00:00Z` : t.toUpperCase());
  return Number.isNaN(at.getTime()) ? 'is not a real date or time' : at;
}

const instantFlag = (flag: string, required?: string) =>
  z.string(required === undefined ? undefined : { error: required }).transform((text, ctx) => {
    const at = parseInstant(text);
    if (typeof at === 'string') {
      ctx.addIssue({ code: 'custom', message: `--${flag} ${at}` });
      return z.NEVER;
    }
    return at;
  });

const argsSchema = z
  .object({
    since: instantFlag(
      'since',
      '--since is required: the first day to export, e.g. --since 2026-01-01',
    ),
    until: instantFlag('until').optional(),
    format: z.enum(AUDIT_FORMATS, { error: '--format must be jsonl or csv' }).default('jsonl'),
  })
  .superRefine((args, ctx) => {
    if (args.until && args.until.getTime() <= args.since.getTime()) {
      ctx.addIssue({ code: 'custom', path: ['until'], message: '--until must be after --since' });
    }
  });

export type AuditArgs =
  | { readonly kind: 'help' }
  | {
      readonly kind: 'export';
      readonly since: Date;
      readonly until: Date | undefined;
      readonly format: AuditFormat;
    }
  | { readonly kind: 'usage_error'; readonly problems: readonly string[] };

/** Reads `argv` (the arguments after the script); every problem is named by its flag. */
export function parseAuditArgs(argv: readonly string[]): AuditArgs {
  const reading = readFlags(argv, FLAGS, {
    positional: (value) =>
      `unexpected argument "${value}": give the dates as --since DATE and --until DATE`,
    flagList: '--since, --until, --format and --help',
    example: EXAMPLES,
  });
  if (reading.values.help === true) return { kind: 'help' };
  const parsed = argsSchema.safeParse({
    since: flagValue(reading, 'since'),
    until: flagValue(reading, 'until'),
    format: flagValue(reading, 'format'),
  });
  const problems = [
    ...reading.problems,
    ...(parsed.success ? [] : flagProblems(reading, parsed.error)),
  ];
  if (problems.length > 0 || !parsed.success) return { kind: 'usage_error', problems };
  return {
    kind: 'export',
    since: parsed.data.since,
    until: parsed.data.until,
    format: parsed.data.format,
  };
}

const EXAMPLES: Record<FlagName, string> = {
  since: '--since 2026-01-01',
  until: '--until 2026-02-01',
  format: '--format csv',
  help: '--help',
};
