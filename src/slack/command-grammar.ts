/**
 * The grammar of `/slots`: turns the text after the command into a `Command`, or into one
 * specific sentence saying what is wrong. Pure; no Slack or AWS types. The clock and the quantity
 * ceiling come in as options, so every check happens here, before anything talks to AWS.
 *
 * Subcommands live in one table (`SUBCOMMANDS`): each names its keyword, its usage lines and how
 * it reads its arguments. The field checks (`parseQuantity`, `parseStart`, …) are exported so the
 * request modal reports the same rules, field by field.
 */
import { SERVICES, type ServiceName } from '../aws/types.js';
import type { RequestAction } from '../domain/requests.js';
import { escapeMrkdwn, quoteInput } from './views/mrkdwn.js';

export const SLASH_COMMAND = '/slots';

/** `SLOTS_MAX_QUANTITY`'s default: the largest quantity one request may ask for. */
export const DEFAULT_MAX_QUANTITY = 50;
export const HISTORY_DEFAULT = 10;
export const HISTORY_MAX = 50;
export const RESERVATION_NAME_MAX = 128;
/** The longest reason a request may carry (the request service enforces the same bound). */
export const REASON_MAX = 1000;

export type PurchaseAction = Extract<RequestAction, { readonly kind: 'purchase' }>;
export type RenewAction = Extract<RequestAction, { readonly kind: 'renew' }>;

/**
 * `purchase` and `renew` without `action` mean "open the modal"; `service` is set when the user
 * named only the service (`/slots purchase mediaconnect`), so the modal can start on it.
 */
export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'status'; readonly service?: ServiceName; readonly fresh?: true }
  | { readonly kind: 'offerings'; readonly service?: ServiceName }
  | { readonly kind: 'purchase'; readonly action?: PurchaseAction; readonly service?: ServiceName }
  | { readonly kind: 'renew'; readonly action?: RenewAction; readonly service?: 'devicefarm' }
  | { readonly kind: 'pending' }
  | { readonly kind: 'history'; readonly limit: number };

export type CommandKind = Command['kind'];

export type ParseResult =
  | { readonly ok: true; readonly command: Command }
  | { readonly ok: false; readonly error: string };

export interface ParseOptions {
  /** The instant a given MediaConnect start is checked against. Default: now. */
  readonly now?: Date;
  /** `SLOTS_MAX_QUANTITY`. Default: `DEFAULT_MAX_QUANTITY`. */
  readonly maxQuantity?: number;
}

/**
 * The outcome of checking one field. `error` is one escaped mrkdwn sentence saying what is wrong
 * and what is allowed; it never names the command, so a modal can show it under the field.
 */
export type FieldResult<T> =
  | { readonly ok: true; readonly value: T }
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
  readonly parse: (args: readonly string[], options: Required<ParseOptions>) => ParseResult;
}

const SERVICE_CHOICE = SERVICES.join('|');

const DF_PURCHASE_SYNTAX = `${SLASH_COMMAND} purchase devicefarm <offering-id> <quantity> [promotion-id]`;
const DF_RENEW_SYNTAX = `${SLASH_COMMAND} renew devicefarm <offering-id> <quantity>`;
const MC_PURCHASE_SYNTAX = `${SLASH_COMMAND} purchase mediaconnect <offering-arn> <reservation-name> [start]`;

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
        syntax: `${SLASH_COMMAND} status [${SERVICE_CHOICE}] [fresh]`,
        summary:
          'slots held now and next period, MediaConnect reservations with days left, monthly costs; fresh reads AWS again instead of using a read from the last few seconds',
      },
    ],
    parse: parseStatus,
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
  {
    keyword: 'purchase',
    usage: [
      { syntax: `${SLASH_COMMAND} purchase`, summary: 'a form to request a purchase' },
      { syntax: DF_PURCHASE_SYNTAX, summary: 'request Device Farm slots, starting now' },
      {
        syntax: MC_PURCHASE_SYNTAX,
        summary:
          'request a MediaConnect reservation; start is UTC YYYY-MM-DDTHH:mm:SSZ, and without it the term starts when the request is approved',
      },
    ],
    parse: parsePurchase,
  },
  {
    keyword: 'renew',
    usage: [
      { syntax: `${SLASH_COMMAND} renew`, summary: 'a form to set how many slots renew' },
      {
        syntax: DF_RENEW_SYNTAX,
        summary: 'request the number of slots that renew next period (0 lets them lapse)',
      },
    ],
    parse: parseRenew,
  },
  {
    keyword: 'pending',
    usage: [{ syntax: `${SLASH_COMMAND} pending`, summary: 'requests waiting for a decision' }],
    parse: (args) =>
      args.length > 0
        ? reject(`${quoteKeyword('pending')} takes no arguments.`)
        : accept({ kind: 'pending' }),
  },
  {
    keyword: 'history',
    usage: [
      {
        syntax: `${SLASH_COMMAND} history [n]`,
        summary: `the last n requests (default ${HISTORY_DEFAULT}, at most ${HISTORY_MAX}): who asked, who decided, what AWS answered`,
      },
    ],
    parse: (args) => {
      if (args.length > 1) {
        return reject(
          `${quoteKeyword('history')} takes at most one argument: how many requests to show, 1 to ${HISTORY_MAX}.`,
        );
      }
      const limit = parseHistoryLimit(args[0]);
      return limit.ok ? accept({ kind: 'history', limit: limit.value }) : limit;
    },
  },
];

const BY_KEYWORD: ReadonlyMap<string, Subcommand> = new Map(
  SUBCOMMANDS.flatMap((s) => [s.keyword, ...(s.aliases ?? [])].map((k) => [k, s] as const)),
);

/** Usage lines the help shows, in order. `/slots` alone shows the help too. */
export const USAGE: readonly UsageLine[] = SUBCOMMANDS.flatMap((s) => s.usage);

/**
 * Slack may send non-breaking or other Unicode spaces, tabs and newlines; `\s` covers those,
 * and zero-width spaces and joiners are treated as separators too.
 */
const SEPARATORS = /[\s\u180e\u200b-\u200d\u2060]+/u;

export function tokenize(text: string): string[] {
  return text.split(SEPARATORS).filter((word) => word.length > 0);
}

export function parseCommand(text: string, options: ParseOptions = {}): ParseResult {
  const resolved: Required<ParseOptions> = {
    now: options.now ?? new Date(),
    maxQuantity: options.maxQuantity ?? DEFAULT_MAX_QUANTITY,
  };
  const [first, ...args] = tokenize(text);
  if (first === undefined) return accept({ kind: 'help' });
  const subcommand = BY_KEYWORD.get(first.toLowerCase());
  if (!subcommand) return reject(`Unknown command ${quoteInput(first)}.`);
  return subcommand.parse(args, resolved);
}

/** Parses a service name as typed (any case, any alias). */
export function parseService(word: string): ServiceName | undefined {
  return Object.hasOwn(SERVICE_ALIASES, word.toLowerCase())
    ? SERVICE_ALIASES[word.toLowerCase()]
    : undefined;
}

// ---------------------------------------------------------------------------------------------
// purchase and renew

function parsePurchase(args: readonly string[], options: Required<ParseOptions>): ParseResult {
  const [word, ...rest] = args;
  if (word === undefined) return accept({ kind: 'purchase' });
  const service = parseService(word);
  if (!service) return reject(unknownService(word));
  if (rest.length === 0) return accept({ kind: 'purchase', service });

  if (service === 'devicefarm') {
    if (rest.length < 2 || rest.length > 3) {
      return reject(
        wrongArguments(
          'purchase devicefarm',
          'an offering id, a quantity and optionally a promotion id',
          DF_PURCHASE_SYNTAX,
        ),
      );
    }
    const [idText = '', quantityText = '', promotionText] = rest;
    const offeringId = parseOfferingId(idText);
    if (!offeringId.ok) return offeringId;
    const quantity = parseQuantity(quantityText, 'purchase', options.maxQuantity);
    if (!quantity.ok) return quantity;
    const promotion = promotionText === undefined ? undefined : parsePromotionId(promotionText);
    if (promotion && !promotion.ok) return promotion;
    return accept({
      kind: 'purchase',
      action: {
        service: 'devicefarm',
        kind: 'purchase',
        offeringId: offeringId.value,
        quantity: quantity.value,
        ...(promotion && { promotionId: promotion.value }),
      },
    });
  }

  if (rest.length < 2 || rest.length > 3) {
    return reject(
      wrongArguments(
        'purchase mediaconnect',
        'an offering ARN, a reservation name and optionally a start',
        MC_PURCHASE_SYNTAX,
      ),
    );
  }
  const [arnText = '', nameText = '', startText] = rest;
  const offeringArn = parseOfferingArn(arnText);
  if (!offeringArn.ok) return offeringArn;
  const reservationName = parseReservationName(nameText);
  if (!reservationName.ok) return reservationName;
  const start = parseStart(startText, options.now);
  if (!start.ok) return start;
  return accept({
    kind: 'purchase',
    action: {
      service: 'mediaconnect',
      kind: 'purchase',
      offeringArn: offeringArn.value,
      reservationName: reservationName.value,
      // Left out, not `undefined`: absent means "starts when approved", and stored JSON agrees.
      ...(start.value !== undefined && { start: start.value }),
    },
  });
}

function parseRenew(args: readonly string[], options: Required<ParseOptions>): ParseResult {
  const [word, ...rest] = args;
  if (word === undefined) return accept({ kind: 'renew' });
  const service = parseService(word);
  if (!service) return reject(unknownService(word));
  if (service === 'mediaconnect') {
    return reject(
      'MediaConnect has no renewals: a reservation simply ends with its term. To keep the ' +
        `bandwidth, buy a new reservation with \`${escapeMrkdwn(MC_PURCHASE_SYNTAX)}\`.`,
    );
  }
  if (rest.length === 0) return accept({ kind: 'renew', service });
  if (rest.length !== 2) {
    return reject(
      wrongArguments('renew devicefarm', 'an offering id and a quantity', DF_RENEW_SYNTAX),
    );
  }
  const [idText = '', quantityText = ''] = rest;
  const offeringId = parseOfferingId(idText);
  if (!offeringId.ok) return offeringId;
  const quantity = parseQuantity(quantityText, 'renew', options.maxQuantity);
  if (!quantity.ok) return quantity;
  return accept({
    kind: 'renew',
    action: {
      service: 'devicefarm',
      kind: 'renew',
      offeringId: offeringId.value,
      quantity: quantity.value,
    },
  });
}

function wrongArguments(what: string, needs: string, syntax: string): string {
  return `${quoteKeyword(what)} needs ${needs}: \`${escapeMrkdwn(syntax)}\`.`;
}

// ---------------------------------------------------------------------------------------------
// Field checks, shared with the request modal

/**
 * A whole number of slots: 1 to `maxQuantity` to buy, 0 to `maxQuantity` to renew (0 lets the
 * slots lapse at the next period).
 */
export function parseQuantity(
  text: string,
  kind: 'purchase' | 'renew',
  maxQuantity: number,
): FieldResult<number> {
  const trimmed = text.trim();
  const min = kind === 'renew' ? 0 : 1;
  const allowed =
    kind === 'renew'
      ? `a whole number from 0 to ${maxQuantity} (0 lets the slots lapse at the next period)`
      : `a whole number from 1 to ${maxQuantity}`;
  if (trimmed === '') return fieldError(`Give a quantity: ${allowed}.`);
  if (/^-\d+$/.test(trimmed)) {
    return fieldError(`The quantity ${quoteInput(trimmed, 20)} is negative; use ${allowed}.`);
  }
  if (!/^\d+$/.test(trimmed)) {
    return fieldError(`The quantity ${quoteInput(trimmed)} is not a whole number; use ${allowed}.`);
  }
  const value = Number(trimmed);
  if (value < min) return fieldError(`A purchase buys at least 1 slot; use ${allowed}.`);
  if (value > maxQuantity) {
    return fieldError(
      `The quantity ${quoteInput(trimmed, 20)} is more than ${maxQuantity}, the most one request may ask for (SLOTS_MAX_QUANTITY); use ${allowed}.`,
    );
  }
  return { ok: true, value };
}

const OFFERING_ID = /^[A-Za-z0-9-]{32,128}$/;

/** A Device Farm offering id: 32 to 128 letters, digits and hyphens (AWS ids are UUIDs). */
export function parseOfferingId(text: string): FieldResult<string> {
  const trimmed = text.trim();
  if (OFFERING_ID.test(trimmed)) return { ok: true, value: trimmed };
  const what =
    trimmed === ''
      ? 'Give a Device Farm offering id'
      : `${quoteInput(trimmed)} is not a Device Farm offering id`;
  return fieldError(
    `${what}: it is 32 to 128 letters, digits and hyphens, as \`/slots offerings devicefarm\` shows it.`,
  );
}

const PROMOTION_ID = /^[A-Za-z0-9._:-]{4,128}$/;

/** A Device Farm promotion id: 4 to 128 letters, digits, `-`, `_`, `.` or `:`. */
export function parsePromotionId(text: string): FieldResult<string> {
  const trimmed = text.trim();
  if (PROMOTION_ID.test(trimmed)) return { ok: true, value: trimmed };
  return fieldError(
    `${quoteInput(trimmed)} is not a promotion id: it is 4 to 128 letters, digits, "-", "_", "." or ":", as \`/slots offerings devicefarm\` shows it.`,
  );
}

/**
 * The longest offering ARN taken. AWS sets no bound for this field; ListOfferings' ARNs are far
 * shorter, and the bound keeps a pasted paragraph out of the URL and the store.
 */
export const OFFERING_ARN_MAX = 256;

const ARN_EXAMPLE = 'arn:aws:mediaconnect:us-west-2:111122223333:offering:EXAMPLE';
/** `aws`, `aws-cn`, `aws-us-gov`, `aws-iso-b` … */
const PARTITION = /^aws(?:-[a-z]+)*$/;
/** `us-west-2`, `us-gov-west-1`, `cn-north-1`, `eu-isoe-west-1` … */
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
/** Any account id, or none: AWS's IAM reference shows offering ARNs with an empty account. */
const ACCOUNT = /^[A-Za-z0-9-]{0,64}$/;
const RESOURCE_ID = /^[\x21-\x7e]+$/;
const HIDDEN = /[\s\p{Cc}\p{Cf}]/u;

/**
 * A MediaConnect offering ARN, in any form ListOfferings returns:
 * `arn:<partition>:mediaconnect:<region>:<account, or empty>:offering:<id>`. The shape is
 * checked loosely, so that a typo gets a precise sentence; whether the offering exists is AWS's
 * to say (DescribeOffering).
 */
export function parseOfferingArn(text: string): FieldResult<string> {
  const trimmed = text.trim();
  const looksLike = `it looks like \`${ARN_EXAMPLE}\` (the account may be empty), as \`/slots offerings mediaconnect\` shows it.`;
  if (trimmed === '') return fieldError(`Give a MediaConnect offering ARN: ${looksLike}`);
  if (trimmed.length > OFFERING_ARN_MAX) {
    return fieldError(
      `The offering ARN has ${trimmed.length} characters, more than ${OFFERING_ARN_MAX}; ${looksLike}`,
    );
  }
  const shown = quoteInput(trimmed, 60);
  if (HIDDEN.test(trimmed)) {
    return fieldError(
      `${shown} contains spaces or invisible characters; an offering ARN has none: ${looksLike}`,
    );
  }
  const [prefix, partition = '', service = '', region = '', account = '', ...rest] =
    trimmed.split(':');
  const resource = rest.join(':');
  if (prefix !== 'arn' || rest.length === 0) {
    return fieldError(
      `${shown} is not a MediaConnect offering ARN: an ARN is \`arn:partition:service:region:account:resource\`, and ${looksLike}`,
    );
  }
  if (!PARTITION.test(partition)) {
    return fieldError(
      `${shown} names the partition ${quoteInput(partition, 20)}; an AWS partition is \`aws\`, \`aws-cn\`, \`aws-us-gov\` and the like.`,
    );
  }
  if (service !== 'mediaconnect') {
    return fieldError(
      `${shown} is an ARN of ${service === '' ? 'no service' : `the service ${quoteInput(service, 20)}`}, not of MediaConnect: ${looksLike}`,
    );
  }
  if (!REGION.test(region)) {
    return fieldError(
      `${shown} ${region === '' ? 'names no region' : `names the region ${quoteInput(region, 20)}, which is not a region name`}; MediaConnect offerings belong to a region such as \`us-west-2\`.`,
    );
  }
  if (!ACCOUNT.test(account)) {
    return fieldError(
      `${shown} names the account ${quoteInput(account, 20)}; the account field of an offering ARN is an account id or empty.`,
    );
  }
  const [type = '', ...idParts] = resource.split(':');
  const id = idParts.join(':');
  if (type !== 'offering' && type !== '') {
    return fieldError(
      `${shown} is the ARN of ${type === 'reservation' ? 'a reservation' : `a ${quoteInput(type, 20)}`}, not of an offering: its resource starts with \`offering:\`, as \`/slots offerings mediaconnect\` shows it.`,
    );
  }
  if (!RESOURCE_ID.test(id)) {
    return fieldError(
      `${shown} names no offering: the ARN ends with \`offering:\` and the offering's id, as \`/slots offerings mediaconnect\` shows it.`,
    );
  }
  return { ok: true, value: trimmed };
}

const RESERVATION_NAME = new RegExp(`^[A-Za-z0-9._-]{1,${RESERVATION_NAME_MAX}}$`);

/** 1 to 128 letters, digits, `-`, `_` and `.`. */
export function parseReservationName(text: string): FieldResult<string> {
  const trimmed = text.trim();
  if (RESERVATION_NAME.test(trimmed)) return { ok: true, value: trimmed };
  const allowed = `1 to ${RESERVATION_NAME_MAX} letters, digits, "-", "_" or "." (no spaces)`;
  if (trimmed === '') return fieldError(`Give the reservation a name: ${allowed}.`);
  if (trimmed.length > RESERVATION_NAME_MAX) {
    return fieldError(`The reservation name has ${trimmed.length} characters; use ${allowed}.`);
  }
  return fieldError(`The reservation name ${quoteInput(trimmed)} is not allowed; use ${allowed}.`);
}

const START = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/**
 * `now` in MediaConnect's form `YYYY-MM-DDTHH:mm:SSZ` (milliseconds dropped): the start of a
 * request that gave none, taken when it is approved.
 */
export function defaultStart(now: Date): string {
  return isoSeconds(now);
}

/** 00:00 UTC on the first day of `now`'s month: the earliest start MediaConnect accepts. */
export function earliestStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

/**
 * A MediaConnect start: exactly `YYYY-MM-DDTHH:mm:SSZ` (UTC), from 00:00 UTC on the 1st of
 * `now`'s month up to `now`, both included. Absent or empty is `undefined`: the term starts when
 * the request is approved. The same check, with the approval's `now`, tells whether a given start
 * is still one AWS accepts.
 */
export function parseStart(text: string | undefined, now: Date): FieldResult<string | undefined> {
  const trimmed = (text ?? '').trim();
  if (trimmed === '') return { ok: true, value: undefined };
  const earliest = isoSeconds(earliestStart(now));
  const latest = isoSeconds(now);
  const range = `from ${earliest} (the 1st of this month, 00:00 UTC) up to now, ${latest}`;
  const match = START.exec(trimmed);
  if (!match) {
    return fieldError(
      `The start ${quoteInput(trimmed)} is not in the form YYYY-MM-DDTHH:mm:SSZ (UTC, e.g. ${latest}); leave it out to start when the request is approved.`,
    );
  }
  // Date.UTC rolls 31 Nov over into December; the round trip catches dates that do not exist.
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  const at = new Date(
    Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 0, hour ?? 0, minute ?? 0, second ?? 0),
  );
  if (Number.isNaN(at.getTime()) || isoSeconds(at) !== trimmed) {
    return fieldError(
      `The start ${quoteInput(trimmed)} is not a real date and time; use one ${range}.`,
    );
  }
  if (at.getTime() < earliestStart(now).getTime()) {
    return fieldError(
      `The start ${trimmed} is before this month; MediaConnect accepts a start ${range}.`,
    );
  }
  if (at.getTime() > now.getTime()) {
    return fieldError(
      `The start ${trimmed} is in the future; MediaConnect accepts a start ${range}.`,
    );
  }
  return { ok: true, value: trimmed };
}

/** How many requests `history` shows: 1 to 50; absent means 10. */
export function parseHistoryLimit(text: string | undefined): FieldResult<number> {
  const trimmed = (text ?? '').trim();
  if (trimmed === '') return { ok: true, value: HISTORY_DEFAULT };
  const value = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (value >= 1 && value <= HISTORY_MAX) return { ok: true, value };
  return fieldError(
    `${quoteInput(trimmed, 20)} is not a number of requests to show; use a whole number from 1 to ${HISTORY_MAX} (default ${HISTORY_DEFAULT}).`,
  );
}

/** Why the request is needed: required, at most 1000 characters. Returned trimmed. */
export function parseReason(text: string | undefined): FieldResult<string> {
  const trimmed = (text ?? '').trim();
  if (trimmed === '')
    return fieldError('Say why this is needed; approvers read it before deciding.');
  if (trimmed.length > REASON_MAX) {
    return fieldError(`The reason has ${trimmed.length} characters; keep it to ${REASON_MAX}.`);
  }
  return { ok: true, value: trimmed };
}

function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ---------------------------------------------------------------------------------------------

function parseStatus(args: readonly string[]): ParseResult {
  const rest = args.filter((word) => word.toLowerCase() !== 'fresh');
  if (args.length - rest.length > 1) return reject(`Say ${quoteKeyword('fresh')} once.`);
  const fresh = rest.length < args.length;
  if (rest.length > 1) {
    return reject(
      `${quoteKeyword('status')} takes at most a service (${serviceChoice('or')}) and ${quoteKeyword('fresh')}.`,
    );
  }
  return optionalService('status', rest, (picked) => ({
    kind: 'status',
    ...picked,
    ...(fresh && { fresh: true as const }),
  }));
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

function reject(error: string): { readonly ok: false; readonly error: string } {
  return { ok: false, error };
}

function fieldError(error: string): { readonly ok: false; readonly error: string } {
  return { ok: false, error };
}
