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
import type { Snapshot, StatusReads } from './shared-read.js';

export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: AwsError };

/**
 * A part that was not asked for is absent. Reports built from the same shared reads are the same
 * object, so a view of one can be rendered once and handed to everyone who asked.
 */
export interface StatusReport {
  /** When the oldest part was read from AWS; days left are counted from here. */
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

export interface StatusOptions {
  /** Read AWS now rather than reuse a recent read. */
  readonly fresh?: boolean;
}

export interface Reports {
  status(service?: ServiceName, opts?: StatusOptions): Promise<StatusReport>;
  offerings(service?: ServiceName): Promise<OfferingsReport>;
}

export function createReports(
  services: CapacityServices,
  clock: Clock,
  reads: StatusReads,
): Reports {
  const wants = (asked: ServiceName | undefined, s: ServiceName) =>
    asked === undefined || asked === s;
  /** The last report per question, kept while its parts are the same snapshots. */
  const lastReports = new Map<string, { parts: readonly unknown[]; report: StatusReport }>();
  return {
    async status(service, opts = {}) {
      const [devicefarm, mediaconnect] = await Promise.all([
        wants(service, 'devicefarm') ? reads.devicefarm.get(opts) : undefined,
        wants(service, 'mediaconnect') ? reads.mediaconnect.get(opts) : undefined,
      ]);
      const key = service ?? 'both';
      const last = lastReports.get(key);
      if (last && last.parts[0] === devicefarm && last.parts[1] === mediaconnect) {
        return last.report;
      }
      const report = statusReport(devicefarm, mediaconnect, clock);
      lastReports.set(key, { parts: [devicefarm, mediaconnect], report });
      return report;
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

function statusReport(
  devicefarm: Snapshot<readonly SlotStatus[]> | undefined,
  mediaconnect: Snapshot<readonly Reservation[]> | undefined,
  clock: Clock,
): StatusReport {
  const times = [devicefarm, mediaconnect].flatMap((s) => (s ? [s.readAt.getTime()] : []));
  return {
    now: times.length > 0 ? new Date(Math.min(...times)) : clock(),
    ...(devicefarm && { devicefarm: devicefarm.outcome }),
    ...(mediaconnect && { mediaconnect: mediaconnect.outcome }),
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
