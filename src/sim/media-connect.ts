/**
 * MediaConnect's offering and reservation operations (restJson1): routing of method + path,
 * label decoding, and handlers over `MediaConnectState` that answer `{status, body}` or throw
 * a `SimError`.
 */
import { randomUUID } from 'node:crypto';
import { addMonths, formatSeconds, parseSeconds, periodStart } from './clock.js';
import type { ListingDelay } from './listing.js';
import { paginate } from './paging.js';
import type { McReservation, MediaConnectState, SimBehaviour } from './types.js';
import { type ParsedRequest, parseJsonObject, SimError } from './wire.js';

/** The account every simulated MediaConnect resource belongs to. */
export const MEDIA_CONNECT_ACCOUNT = '111122223333';

/** Region and account every simulated MediaConnect ARN lives in. */
export const MEDIA_CONNECT_ARN_PREFIX = `arn:aws:mediaconnect:us-west-2:${MEDIA_CONNECT_ACCOUNT}`;

/** What a handler sees besides its input. */
export interface MediaConnectContext {
  state: MediaConnectState;
  /** AWS's clock: start windows, activity and expiry are judged by it. */
  now: Date;
  pageSize: number;
  behaviour: Readonly<SimBehaviour>;
  /** Which reservations the list and describe operations may show yet; purchases register. */
  listing: ListingDelay;
}

const OFFERING_ARN = /^(arn:[^:]+:mediaconnect:[^:]*):([^:]*):(offering:.*)$/;

/**
 * `arn` with the account field emptied (`arn:aws:mediaconnect:us-west-2::offering:…`, the form
 * AWS's IAM reference shows) or, with `withAccount`, filled with the simulated account when
 * empty. Anything that is not a MediaConnect offering ARN comes back unchanged.
 */
export function offeringArnForm(arn: string, withAccount: boolean): string {
  const match = OFFERING_ARN.exec(arn);
  if (!match) return arn;
  const [, head, account, tail] = match;
  if (!withAccount) return `${head}::${tail}`;
  return account === '' ? `${head}:${MEDIA_CONNECT_ACCOUNT}:${tail}` : arn;
}

/** The same ARN without its account field; see `offeringArnForm`. */
export function offeringArnWithoutAccount(arn: string): string {
  return offeringArnForm(arn, false);
}

/** Rewrites every offering ARN in `state` (offerings and reservations) to one form. */
export function setOfferingArnForm(state: MediaConnectState, withAccount: boolean): void {
  for (const record of [...state.offerings, ...state.reservations]) {
    record.offeringArn = offeringArnForm(record.offeringArn, withAccount);
  }
}

/** The operation's success status and output shape. */
export interface MediaConnectResult {
  status: number;
  body: unknown;
}

const ROUTES: { method: string; collection: string; labelled: boolean; operation: string }[] = [
  { method: 'GET', collection: 'offerings', labelled: false, operation: 'ListOfferings' },
  { method: 'GET', collection: 'offerings', labelled: true, operation: 'DescribeOffering' },
  { method: 'POST', collection: 'offerings', labelled: true, operation: 'PurchaseOffering' },
  { method: 'GET', collection: 'reservations', labelled: false, operation: 'ListReservations' },
  { method: 'GET', collection: 'reservations', labelled: true, operation: 'DescribeReservation' },
];

const LABEL_NAME: Record<string, string> = {
  offerings: 'offeringArn',
  reservations: 'reservationArn',
};

/**
 * Matches method + path and gathers labels, query and body into one input object. The path is
 * split before decoding because the ARN label's own `/` arrive as `%2F`.
 */
export function resolveMediaConnect(method: string, url: URL, body: string): ParsedRequest {
  const [empty, version, collection, label, ...rest] = url.pathname.split('/');
  const labelled = label !== undefined && label !== '';
  const route = ROUTES.find(
    (r) => r.method === method && r.collection === collection && r.labelled === labelled,
  );
  if (empty !== '' || version !== 'v1' || rest.length > 0 || !route) {
    return {
      operation: 'UnknownOperation',
      input: {},
      parseError: new SimError(
        'UnknownOperationException',
        404,
        `No route for ${method} ${url.pathname}`,
      ),
    };
  }
  const input: Record<string, unknown> = {};
  let parseError: SimError | undefined;
  for (const [key, value] of url.searchParams) {
    input[key] = key === 'maxResults' && /^\d+$/.test(value) ? Number(value) : value;
  }
  if (method === 'POST') {
    const parsed = parseJsonObject(body);
    if (parsed) Object.assign(input, parsed);
    else parseError = badRequest('The request body is not a JSON object');
  }
  // The label goes last so a body member of the same name cannot redirect the operation.
  if (labelled) {
    try {
      input[LABEL_NAME[route.collection]!] = decodeURIComponent(label);
    } catch {
      input[LABEL_NAME[route.collection]!] = label;
      parseError = badRequest('The resource ARN is not correctly percent-encoded');
    }
  }
  return { operation: route.operation, input, ...(parseError ? { parseError } : {}) };
}

/** Runs one operation against the state. */
export function runMediaConnect(
  operation: string,
  input: Record<string, unknown>,
  ctx: MediaConnectContext,
): MediaConnectResult {
  switch (operation) {
    case 'ListOfferings': {
      const page = pageOf(ctx.state.offerings, input, ctx, operation);
      return { status: 200, body: { offerings: page.items, nextToken: page.nextToken } };
    }
    case 'DescribeOffering':
      return { status: 200, body: { offering: findOffering(ctx.state, input.offeringArn) } };
    case 'PurchaseOffering':
      return { status: 201, body: { reservation: purchase(input, ctx) } };
    case 'ListReservations': {
      expireReservations(ctx.state, ctx.now);
      const listed = ctx.state.reservations.filter((r) => ctx.listing.listed(r.reservationArn));
      const page = pageOf(listed, input, ctx, operation);
      return { status: 200, body: { reservations: page.items, nextToken: page.nextToken } };
    }
    case 'DescribeReservation': {
      expireReservations(ctx.state, ctx.now);
      const arn = input.reservationArn;
      const found = ctx.state.reservations.find(
        (r) => r.reservationArn === arn && ctx.listing.listed(r.reservationArn),
      );
      if (!found) throw notFound(`Reservation ${String(arn)} not found`);
      return { status: 200, body: { reservation: found } };
    }
    default:
      throw new SimError('UnknownOperationException', 404, `Unknown operation ${operation}`);
  }
}

/**
 * Whether a reservation is active: started, not yet ended, and not cancelled or expired. A
 * PROCESSING one counts: the account already holds it, so no second one may be bought.
 */
export function isActiveReservation(reservation: McReservation, now: Date): boolean {
  if (reservation.reservationState === 'CANCELED' || reservation.reservationState === 'EXPIRED') {
    return false;
  }
  const start = parseSeconds(reservation.start);
  const end = parseSeconds(reservation.end);
  if (!start || !end) return false;
  return start.getTime() <= now.getTime() && now.getTime() < end.getTime();
}

/** Turns every PROCESSING reservation ACTIVE, as AWS does once it has set them up; how many. */
export function activateReservations(state: MediaConnectState): number {
  let activated = 0;
  for (const reservation of state.reservations) {
    if (reservation.reservationState !== 'PROCESSING') continue;
    reservation.reservationState = 'ACTIVE';
    activated++;
  }
  return activated;
}

function purchase(input: Record<string, unknown>, ctx: MediaConnectContext): McReservation {
  const { reservationName, start } = input;
  if (typeof reservationName !== 'string' || reservationName === '') {
    throw badRequest('reservationName is required');
  }
  if (typeof start !== 'string' || start === '') throw badRequest('start is required');
  const startDate = parseSeconds(start);
  if (!startDate) throw badRequest('start must be in the form YYYY-MM-DDTHH:mm:SSZ');
  const offering = findOffering(ctx.state, input.offeringArn);
  if (startDate < periodStart(ctx.now) || startDate.getTime() > ctx.now.getTime()) {
    throw badRequest(
      'start must be between the first day of the current month and the current time',
    );
  }
  const active = ctx.state.reservations.find((r) => isActiveReservation(r, ctx.now));
  if (active) {
    throw badRequest(`The account already has an active reservation: ${active.reservationArn}`);
  }
  const reservation: McReservation = {
    ...structuredClone(offering),
    reservationArn: `${MEDIA_CONNECT_ARN_PREFIX}:reservation:${randomUUID()}:${reservationName}`,
    reservationName,
    reservationState: ctx.behaviour.newReservationState,
    start,
    end: formatSeconds(addMonths(startDate, offering.duration)),
  };
  ctx.state.reservations.push(reservation);
  ctx.listing.made(reservation.reservationArn);
  return reservation;
}

/**
 * Ends every ACTIVE reservation whose end has passed on AWS's clock (`now`), as AWS does on its
 * own, and stores it: once EXPIRED it stays so whoever looks (a listing, the console, the
 * sandbox panel), even if AWS's clock were moved back. Answers how many it ended.
 */
export function expireReservations(state: MediaConnectState, now: Date): number {
  let expired = 0;
  for (const reservation of state.reservations) {
    const end = parseSeconds(reservation.end);
    if (reservation.reservationState !== 'ACTIVE' || !end || end.getTime() > now.getTime()) {
      continue;
    }
    reservation.reservationState = 'EXPIRED';
    expired++;
  }
  return expired;
}

function findOffering(state: MediaConnectState, arn: unknown) {
  const offering = state.offerings.find((o) => o.offeringArn === arn);
  if (!offering) throw notFound(`Offering ${String(arn)} not found`);
  return offering;
}

function pageOf<T>(
  items: readonly T[],
  input: Record<string, unknown>,
  ctx: MediaConnectContext,
  operation: string,
) {
  const { maxResults, nextToken } = input;
  if (
    maxResults !== undefined &&
    (typeof maxResults !== 'number' || maxResults < 1 || maxResults > 1000)
  ) {
    throw badRequest('maxResults must be an integer between 1 and 1000');
  }
  const size = typeof maxResults === 'number' ? maxResults : ctx.pageSize;
  const token = typeof nextToken === 'string' ? nextToken : undefined;
  const page = paginate(items, token, size, `mediaconnect.${operation}`);
  if (!page) throw badRequest('Invalid nextToken');
  return page;
}

function badRequest(message: string): SimError {
  return new SimError('BadRequestException', 400, message);
}

function notFound(message: string): SimError {
  return new SimError('NotFoundException', 404, message);
}
