/**
 * The AWS edge of slots-bot. Build the clients once (`createAwsClients`), hand them to
 * `createCapacityServices`, and use only the returned interfaces and `AwsError` elsewhere.
 */
import type { AwsClients } from './clients.js';
import { createDeviceFarmOfferings } from './device-farm.js';
import { createMediaConnectOfferings } from './media-connect.js';
import type { CapacityServices } from './types.js';

export {
  type AwsClients,
  type AwsClientsConfig,
  type AwsClientsLogger,
  type AwsTimeouts,
  createAwsClients,
  DEFAULT_AWS_TIMEOUTS,
  DEVICE_FARM_REGION,
} from './clients.js';
export { createDeviceFarmOfferings, type DeviceFarmDeps } from './device-farm.js';
export {
  awsErrorMessage,
  notSentError,
  toAwsError,
  unusableAnswerError,
  withAwsErrors,
} from './error-mapping.js';
export * from './errors.js';
export {
  createMediaConnectOfferings,
  type MediaConnectDeps,
  startTextOf,
} from './media-connect.js';
export * from './types.js';

export interface CapacityServicesOptions {
  readonly logger?: { warn(obj: object, msg: string): void };
  /** Items per MediaConnect page (tests use small pages to walk `nextToken`). */
  readonly mediaConnectPageSize?: number;
}

/**
 * MediaConnect pages hold 10 to 20 items unless asked for more (up to 1000); each page is a round
 * trip, so a large page keeps `/slots status` fast on accounts with hundreds of reservations.
 * Device Farm offers no page size: AWS decides.
 */
export const MEDIA_CONNECT_PAGE_SIZE = 100;

/**
 * Both services: reads over the read clients (default retries), PurchaseOffering/RenewOffering
 * over the write clients (`maxAttempts: 1`, never retried).
 */
export function createCapacityServices(
  clients: AwsClients,
  options: CapacityServicesOptions = {},
): CapacityServices {
  const { logger } = options;
  return {
    devicefarm: createDeviceFarmOfferings({
      client: clients.devicefarm.read,
      writeClient: clients.devicefarm.write,
      logger,
    }),
    mediaconnect: createMediaConnectOfferings({
      client: clients.mediaconnect.read,
      writeClient: clients.mediaconnect.write,
      logger,
      pageSize: options.mediaConnectPageSize ?? MEDIA_CONNECT_PAGE_SIZE,
    }),
  };
}
