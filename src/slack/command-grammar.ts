/**
 * The grammar of `/slots`: turns the text after the command into a `Command`, or into one
 * specific sentence saying what is wrong. Pure; no Slack or AWS types.
 *
 * Subcommands live in one table (`SUBCOMMANDS`): each names its keyword, its usage lines and how
 * it reads its arguments. Adding `purchase`, `renew`, `pending` or `history [n]` is one entry.
 */
import { SERVICES, type ServiceName } from '../aws/types.js';
import { escapeMrkdwn, quoteInput } from './views/mrkdwn.js';

export const SLASH_COMMAND = '/slots';

export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'status'; readonly service?: ServiceName }
  | { readonly kind: 'offerings'; readonly service?: ServiceName };

export type CommandKind = Command['kind'];

export type ParseResult =
  | { readonly ok: true; readonly command: Command }
  | { readonly ok: false; readonly error: string };

export interface UsageLine {
  /** What to type, e.g. `/slots status [devicefarm|mediaconnect]`. */
  readonly syntax: string;
  /** What it does, in a few words. */
  readonly summary: string;
}

/** Service names as people may type them (lower case) → the service. */
export const SERVICE_ALIASES: Readonly<Record<string, ServiceName>> = {
  devicefarm: 'devicefarm',
  'device-farm': 'devicefarm',
  df: 'devicefarm',
  mediaconnect: 'mediaconnect',
  'media-connect': 'mediaconnect',
  mc: 'mediaconnect',
};

interface Subcommand {
  readonly keyword: string;
  readonly aliases?: readonly string[];
  readonly usage: readonly UsageLine[];
  /** `args` are the words after the keyword, in the case the user typed them. */
  readonly parse: (args: readonly string[]) => ParseResult;
}

const SERVICE_CHOICE = SERVICES.join('|');

const SUBCOMMANDS: readonly Subcommand[] = [
  {
    keyword: 'help',
    aliases: ['?'],
    usage: [{ syntax: `${SLASH_COMMAND} help`, summary: 'this help' }],
    // Whatever follows `help`, the answer is the same help.
    parse: () => accept({ kind: 'help' }),
  },
  {
    keyword: 'status',
    usage: [
      {
        syntax: `${SLASH_COMMAND} status [${SERVICE_CHOICE}]`,
        summary:
          'slots held now and next period, MediaConnect reservations with days left, monthly costs',
      },
    ],
    parse: (args) => optionalService('status', args, (picked) => ({ kind: 'status', ...picked })),
  },
  {
    keyword: 'offerings',
    usage: [
      {
        syntax: `${SLASH_COMMAND} offerings [${SERVICE_CHOICE}]`,
        summary: 'what can be bought, with prices, ids and Device Farm promotions',
      },
    ],
    parse: (args) =>
      optionalService('offerings', args, (picked) => ({ kind: 'offerings', ...picked })),
  },
];

const BY_KEYWORD: ReadonlyMap<string, Subcommand> = new Map(
  SUBCOMMANDS.flatMap((s) => [s.keyword, ...(s.aliases ?? [])].map((k) => [k, s] as const)),
);

/** Usage lines, in the order the help shows them. `/slots` alone shows the help too. */
export const USAGE: readonly UsageLine[] = SUBCOMMANDS.flatMap((s) => s.usage);

/**
 * Slack may send non-breaking or other Unicode spaces, tabs and newlines; `\s` covers those,
 * and zero-width spaces and joiners are treated as separators too.
 */
const SEPARATORS = /[\s\u180e\u200b-\u200d\u2060]+/u;

export function tokenize(text: string): string[] {
  return text.split(SEPARATORS).filter((word) => word.length > 0);
}

export function parseCommand(text: string): ParseResult {
  const [first, ...args] = tokenize(text);
  if (first === undefined) return accept({ kind: 'help' });
  const subcommand = BY_KEYWORD.get(first.toLowerCase());
  if (!subcommand) return reject(`Unknown command ${quoteInput(first)}.`);
  return subcommand.parse(args);
}

/** Parses a service name as typed (any case, any alias). */
export function parseService(word: string): ServiceName | undefined {
  return Object.hasOwn(SERVICE_ALIASES, word.toLowerCase())
    ? SERVICE_ALIASES[word.toLowerCase()]
    : undefined;
}

function optionalService(
  keyword: string,
  args: readonly string[],
  build: (picked: { service?: ServiceName }) => Command,
): ParseResult {
  if (args.length > 1) {
    return reject(`${quoteKeyword(keyword)} takes at most one argument: ${serviceChoice('or')}.`);
  }
  const [word] = args;
  if (word === undefined) return accept(build({}));
  const service = parseService(word);
  if (!service) return reject(unknownService(word));
  return accept(build({ service }));
}

function unknownService(word: string): string {
  const choices = SERVICES.map((service) => {
    const aliases = Object.keys(SERVICE_ALIASES).filter(
      (alias) => alias !== service && SERVICE_ALIASES[alias] === service,
    );
    return aliases.length > 0 ? `${service} (or ${aliases.join(', ')})` : service;
  });
  return `Unknown service ${quoteInput(word)}. Use ${choices.join(' or ')}.`;
}

function serviceChoice(conjunction: string): string {
  return SERVICES.join(` ${conjunction} `);
}

function quoteKeyword(keyword: string): string {
  return `"${escapeMrkdwn(keyword)}"`;
}

function accept(command: Command): ParseResult {
  return { ok: true, command };
}

function reject(error: string): ParseResult {
  return { ok: false, error };
}
