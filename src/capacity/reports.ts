/**
 * Read-only views of the account, gathered from both services at once. One service failing never
 * hides the other: each part of a report is an `Outcome` that holds either data or the error.
 */
import { type AwsError, isAwsError } from '../aws/errors.js';
import type {
  CapacityServices,
  DeviceFarmOffering,
  MediaConnectOffering,
  Promotion,
  Reservation,
  ServiceName,
  SlotStatus,
} from '../aws/types.js';
import type { Clock } from '../lifecycle/clock.js';

export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: AwsError };

/** A part that was not asked for is absent. */
export interface StatusReport {
  /** When the report was read; days left are counted from here. */
  readonly now: Date;
  readonly devicefarm?: Outcome<readonly SlotStatus[]>;
  readonly mediaconnect?: Outcome<readonly Reservation[]>;
}

export interface OfferingsReport {
  /** When the offerings were read; shown as "as of …". */
  readonly now?: Date;
  readonly devicefarm?: Outcome<{
    readonly offerings: readonly DeviceFarmOffering[];
    readonly promotions: readonly Promotion[];
  }>;
  readonly mediaconnect?: Outcome<readonly MediaConnectOffering[]>;
}

export interface Reports {
  status(service?: ServiceName): Promise<StatusReport>;
  offerings(service?: ServiceName): Promise<OfferingsReport>;
}

export function createReports(services: CapacityServices, clock: Clock): Reports {
  const wants = (asked: ServiceName | undefined, s: ServiceName) =>
    asked === undefined || asked === s;
  return {
    async status(service) {
      const now = clock();
      const [devicefarm, mediaconnect] = await Promise.all([
        wants(service, 'devicefarm') ? settle(services.devicefarm.getOfferingStatus()) : undefined,
        wants(service, 'mediaconnect')
          ? settle(services.mediaconnect.listReservations())
          : undefined,
      ]);
      return { now, ...(devicefarm && { devicefarm }), ...(mediaconnect && { mediaconnect }) };
    },
    async offerings(service) {
      const now = clock();
      const [devicefarm, mediaconnect] = await Promise.all([
        wants(service, 'devicefarm')
          ? settle(
              Promise.all([
                services.devicefarm.listOfferings(),
                services.devicefarm.listPromotions(),
              ]).then(([offerings, promotions]) => ({ offerings, promotions })),
            )
          : undefined,
        wants(service, 'mediaconnect') ? settle(services.mediaconnect.listOfferings()) : undefined,
      ]);
      return { now, ...(devicefarm && { devicefarm }), ...(mediaconnect && { mediaconnect }) };
    },
  };
}

export async function settle<T>(work: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work };
  } catch (error) {
    // The adapters promise to throw only AwsError; anything else is a bug worth surfacing loudly.
    if (isAwsError(error)) return { ok: false, error };
    throw error;
  }
}
