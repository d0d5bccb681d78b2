/**
 * MediaConnect bandwidth offerings and reservations through the SDK, in slots-bot's types.
 * The model marks these members required, but the SDK does not enforce it on outputs, so the
 * same rule as for Device Farm applies: list entries without an ARN or with unreadable dates are
 * skipped, a describe that yields nothing usable fails as `aws_unknown`.
 */
import {
  DescribeOfferingCommand,
  DescribeReservationCommand,
  type MediaConnectClient,
  PurchaseOfferingCommand,
  paginateListOfferings,
  paginateListReservations,
  type Offering as SdkOffering,
  type Reservation as SdkReservation,
} from '@aws-sdk/client-mediaconnect';
import { type Money, money, zero } from '../domain/money.js';
import { assertSingleAttempt, collectPages, walkPages } from './clients.js';
import { notSentError, unusableAnswerError, withAwsErrors } from './error-mapping.js';
import type { MediaConnectOffering, MediaConnectOfferings, Reservation } from './types.js';

export interface MediaConnectDeps {
  /** The read client (default retries), for every List/Describe operation. */
  readonly client: MediaConnectClient;
  /**
   * The write client (`maxAttempts: 1`), for PurchaseOffering only. A client that would retry is
   * refused at call time, before anything is sent.
   */
  readonly writeClient: MediaConnectClient;
  readonly logger?: { warn(obj: object, msg: string): void };
  /**
   * `maxResults` per page; AWS picks (10 or 20) when absent. Left unset by default so the
   * simulator's small pages exercise paging.
   */
  readonly pageSize?: number;
}

const SERVICE = 'mediaconnect';

export function createMediaConnectOfferings({
  client,
  writeClient,
  logger,
  pageSize,
}: MediaConnectDeps): MediaConnectOfferings {
  const onRepeat = (operation: string) => (token: string) =>
    logger?.warn(
      { service: SERVICE, operation, tokenLength: token.length },
      'AWS returned a next token it had already returned; stopped paging',
    );
  const paging = pageSize === undefined ? { client } : { client, pageSize };
  const reservationPages = () =>
    walkPages(
      paginateListReservations(paging, {}),
      (page) => page.NextToken,
      onRepeat('ListReservations'),
    );
  const listAllReservations = async (): Promise<Reservation[]> => {
    const all: Reservation[] = [];
    for await (const page of reservationPages()) {
      for (const r of page.Reservations ?? []) {
        const reservation = toReservation(r);
        if (reservation) all.push(reservation);
      }
    }
    return all;
  };

  return {
    service: SERVICE,

    listOfferings: () =>
      withAwsErrors(SERVICE, 'ListOfferings', async () => {
        const pages = await collectPages(
          paginateListOfferings(paging, {}),
          (page) => page.NextToken,
          onRepeat('ListOfferings'),
        );
        return pages.flatMap((page) =>
          (page.Offerings ?? []).flatMap((o) => {
            const offering = toOffering(o);
            return offering ? [offering] : [];
          }),
        );
      }),

    describeOffering: (arn) =>
      withAwsErrors(SERVICE, 'DescribeOffering', async () => {
        if (typeof arn !== 'string' || arn.trim() === '') {
          // The SDK throws on an empty label, with an SDK-internal error: refuse with a code.
          throw notSentError(
            SERVICE,
            'DescribeOffering',
            'aws_bad_request',
            'the offering ARN is empty.',
          );
        }
        const out = await client.send(new DescribeOfferingCommand({ OfferingArn: arn }));
        const offering = toOffering(out.Offering);
        if (!offering) throw unusableAnswerError(SERVICE, 'DescribeOffering', 'offering');
        return offering;
      }),

    listReservations: () => withAwsErrors(SERVICE, 'ListReservations', listAllReservations),

    describeReservation: (arn) =>
      withAwsErrors(SERVICE, 'DescribeReservation', async () => {
        const out = await client.send(new DescribeReservationCommand({ ReservationArn: arn }));
        const reservation = toReservation(out.Reservation);
        if (!reservation) throw unusableAnswerError(SERVICE, 'DescribeReservation', 'reservation');
        return reservation;
      }),

    purchase: ({ offeringArn, reservationName, start }) =>
      withAwsErrors(SERVICE, 'PurchaseOffering', async () => {
        const operation = 'PurchaseOffering';
        if (typeof offeringArn !== 'string' || offeringArn.trim() === '') {
          // The SDK itself throws on an empty label, but only after the call began: refuse first.
          throw notSentError(SERVICE, operation, 'aws_bad_request', 'the offering ARN is empty.');
        }
        if (typeof reservationName !== 'string' || reservationName.trim() === '') {
          throw notSentError(
            SERVICE,
            operation,
            'aws_bad_request',
            'the reservation name is empty.',
          );
        }
        const startText = startTextOf(start);
        if (!startText) {
          throw notSentError(
            SERVICE,
            operation,
            'aws_bad_request',
            'the start must be a UTC time in the form YYYY-MM-DDTHH:mm:SSZ.',
          );
        }
        await assertSingleAttempt(writeClient, SERVICE, operation);
        const out = await writeClient.send(
          new PurchaseOfferingCommand({
            OfferingArn: offeringArn,
            ReservationName: reservationName,
            Start: startText,
          }),
        );
        // A 201 without a reservation we can read: AWS probably bought it, but it cannot be shown.
        const reservation = toReservation(out.Reservation);
        if (!reservation) throw unusableAnswerError(SERVICE, operation, 'reservation');
        return reservation;
      }),

    findReservation: ({ reservationName, offeringArn }) =>
      withAwsErrors(SERVICE, 'ListReservations', async () => {
        let best: Reservation | undefined;
        let unreadableMatch = false;
        for await (const page of reservationPages()) {
          for (const r of page.Reservations ?? []) {
            if (r?.ReservationName !== reservationName || r.OfferingArn !== offeringArn) continue;
            const reservation = toReservation(r);
            // It exists but cannot be read: "not found" could call a real purchase unmade.
            if (!reservation) {
              unreadableMatch = true;
              continue;
            }
            if (!best || reservation.start.getTime() > best.start.getTime()) best = reservation;
          }
        }
        if (best) return best;
        if (unreadableMatch) {
          throw unusableAnswerError(
            SERVICE,
            'ListReservations',
            'ARN or term on a reservation that matches',
          );
        }
        return undefined;
      }),

    activeReservation: (now) =>
      withAwsErrors(SERVICE, 'ListReservations', async () => {
        const at = now.getTime();
        if (Number.isNaN(at)) throw new RangeError('activeReservation: now is not a valid date');
        let unreadable: Reservation | undefined;
        for await (const page of reservationPages()) {
          for (const r of page.Reservations ?? []) {
            if (!r || !blocksPurchase(r, at)) continue;
            const reservation = toReservation(r);
            if (reservation) return reservation;
            // Blocking all the same: saying "none is active" would send a purchase AWS refuses.
            unreadable ??= withTermFilledIn(r, now);
          }
        }
        if (unreadable) {
          logger?.warn(
            { service: SERVICE, operation: 'ListReservations', state: unreadable.state },
            'a reservation that blocks purchases has no readable term; its dates are estimated',
          );
        }
        return unreadable;
      }),
  };
}

/**
 * Whether a reservation stops the account from buying another, by AWS's state rather than by
 * slots-bot's clock: `EXPIRED` and `CANCELED` never do; `PROCESSING` (a purchase AWS is still
 * setting up) always does, whatever its dates say, since it becomes active without further
 * action; any other state (`ACTIVE`, or one this code does not know) does until its end, and
 * also when its end cannot be read.
 */
function blocksPurchase(r: SdkReservation, at: number): boolean {
  const state = r.ReservationState;
  if (state === 'EXPIRED' || state === 'CANCELED') return false;
  if (state === 'PROCESSING') return true;
  const end = termOf(r).end;
  return end === undefined || at < end.getTime();
}

/**
 * The term as AWS states it, or with the end computed the way AWS computes it (start plus the
 * offering's duration) when the end is missing, unreadable or not after the start.
 */
function termOf(r: SdkReservation): { start?: Date; end?: Date } {
  const start = parseUtc(r.Start);
  const stated = parseUtc(r.End);
  if (!start) return stated ? { end: stated } : {};
  if (stated && stated.getTime() > start.getTime()) return { start, end: stated };
  const months = durationMonths(r.Duration);
  return months === 0 ? { start } : { start, end: plusMonths(start, months) };
}

function plusMonths(date: Date, months: number): Date {
  const later = new Date(date);
  later.setUTCMonth(later.getUTCMonth() + months);
  return later;
}

/**
 * A blocking reservation whose term cannot be read, as a `Reservation` the caller can name:
 * missing dates are estimated (start: `now`; end: start plus the duration, or the start itself
 * when AWS gave no duration either), never invalid dates.
 */
function withTermFilledIn(r: SdkReservation, now: Date): Reservation {
  const term = termOf(r);
  const start = term.start ?? (term.end && term.end.getTime() < now.getTime() ? term.end : now);
  const end = term.end ?? plusMonths(start, durationMonths(r.Duration));
  return reservationWithTerm(r, start, end);
}

/** The reservation in slots-bot's words, with a term already read (or estimated). */
function reservationWithTerm(r: SdkReservation, start: Date, end: Date): Reservation {
  return {
    arn: r.ReservationArn ?? '',
    name: r.ReservationName ?? '',
    state: r.ReservationState ?? 'UNKNOWN',
    offeringArn: r.OfferingArn ?? '',
    description: r.OfferingDescription ?? '',
    start,
    end,
    pricePerUnit: price(r.PricePerUnit, r.CurrencyCode),
    priceUnit: r.PriceUnits ?? 'UNKNOWN',
    durationMonths: durationMonths(r.Duration),
    bandwidthMbps: bandwidth(r.ResourceSpecification?.ReservedBitrate),
  };
}

const START_FORM = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/**
 * The `start` to send: text must already be `YYYY-MM-DDTHH:mm:SSZ` and a real date (it is what
 * the approver saw, so it is never rewritten); a `Date` is written in that form, milliseconds
 * dropped. `undefined` for anything else.
 */
export function startTextOf(start: string | Date): string | undefined {
  if (start instanceof Date) {
    if (Number.isNaN(start.getTime())) return undefined;
    return `${start.toISOString().slice(0, 19)}Z`;
  }
  if (typeof start !== 'string' || !START_FORM.test(start) || !parseUtc(start)) return undefined;
  return start;
}

function toOffering(o: SdkOffering | undefined): MediaConnectOffering | undefined {
  if (!o?.OfferingArn) return undefined;
  return {
    service: SERVICE,
    id: o.OfferingArn,
    description: o.OfferingDescription ?? '',
    pricePerUnit: price(o.PricePerUnit, o.CurrencyCode),
    priceUnit: o.PriceUnits ?? 'UNKNOWN',
    durationMonths: durationMonths(o.Duration),
    bandwidthMbps: bandwidth(o.ResourceSpecification?.ReservedBitrate),
    resourceType: o.ResourceSpecification?.ResourceType ?? 'UNKNOWN',
  };
}

function toReservation(r: SdkReservation | undefined): Reservation | undefined {
  if (!r?.ReservationArn) return undefined;
  const start = parseUtc(r.Start);
  const end = parseUtc(r.End);
  // A reservation without its term cannot be shown or checked for expiry.
  if (!start || !end) return undefined;
  return reservationWithTerm(r, start, end);
}

/** `pricePerUnit` is decimal text ("0.17"); unreadable text counts as 0 in that currency. */
function price(amount: string | undefined, currency: string | undefined): Money {
  const code = currency || 'USD';
  if (amount === undefined) return zero(code);
  try {
    return money(amount, code);
  } catch {
    return zero(code);
  }
}

function durationMonths(duration: number | undefined): number {
  return typeof duration === 'number' && Number.isSafeInteger(duration) && duration >= 0
    ? duration
    : 0;
}

function bandwidth(bitrate: number | undefined): number | undefined {
  return typeof bitrate === 'number' && Number.isFinite(bitrate) && bitrate >= 0
    ? bitrate
    : undefined;
}

const UTC_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;

/**
 * `start`/`end` are plain model strings in the form `YYYY-MM-DDTHH:mm:SSZ` (fractions tolerated).
 * Anything else, including a calendar-invalid date, is rejected rather than guessed at.
 */
export function parseUtc(text: string | undefined): Date | undefined {
  if (!text || !UTC_SECONDS.test(text)) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return undefined;
  // Date rolls "2024-02-30" over to March; the round trip catches it.
  if (date.toISOString().slice(0, 19) !== text.slice(0, 19)) return undefined;
  return date;
}
