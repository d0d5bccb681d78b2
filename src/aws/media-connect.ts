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
  paginateListOfferings,
  paginateListReservations,
  type Offering as SdkOffering,
  type Reservation as SdkReservation,
} from '@aws-sdk/client-mediaconnect';
import { type Money, money, zero } from '../domain/money.js';
import { collectPages } from './clients.js';
import { awsErrorMessage, withAwsErrors } from './error-mapping.js';
import { AwsError } from './errors.js';
import type { MediaConnectOffering, MediaConnectOfferings, Reservation } from './types.js';

export interface MediaConnectDeps {
  /** The read client (default retries). Purchases will take the write client separately. */
  readonly client: MediaConnectClient;
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
  logger,
  pageSize,
}: MediaConnectDeps): MediaConnectOfferings {
  const onRepeat = (operation: string) => (token: string) =>
    logger?.warn(
      { service: SERVICE, operation, tokenLength: token.length },
      'AWS returned a next token it had already returned; stopped paging',
    );
  const paging = pageSize === undefined ? { client } : { client, pageSize };

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
        const out = await client.send(new DescribeOfferingCommand({ OfferingArn: arn }));
        const offering = toOffering(out.Offering);
        if (!offering) throw unusable('DescribeOffering', 'offering');
        return offering;
      }),

    listReservations: () =>
      withAwsErrors(SERVICE, 'ListReservations', async () => {
        const pages = await collectPages(
          paginateListReservations(paging, {}),
          (page) => page.NextToken,
          onRepeat('ListReservations'),
        );
        return pages.flatMap((page) =>
          (page.Reservations ?? []).flatMap((r) => {
            const reservation = toReservation(r);
            return reservation ? [reservation] : [];
          }),
        );
      }),

    describeReservation: (arn) =>
      withAwsErrors(SERVICE, 'DescribeReservation', async () => {
        const out = await client.send(new DescribeReservationCommand({ ReservationArn: arn }));
        const reservation = toReservation(out.Reservation);
        if (!reservation) throw unusable('DescribeReservation', 'reservation');
        return reservation;
      }),

    // PurchaseOffering belongs here (next issue): through the *write* client (maxAttempts 1),
    // `start` formatted as YYYY-MM-DDTHH:mm:SSZ, and an `unknown` outcome reconciled with
    // `listReservations` (match reservation name and offering ARN).
  };
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
  return {
    arn: r.ReservationArn,
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

function unusable(operation: string, what: string): AwsError {
  return new AwsError(
    'aws_unknown',
    SERVICE,
    operation,
    awsErrorMessage('aws_unknown', SERVICE),
    'unknown',
    { awsMessage: `the answer held no usable ${what}` },
  );
}
