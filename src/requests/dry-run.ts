/**
 * The purchase or renewal call a dry run shows instead of sending: the operation, the region and
 * the input exactly as the AWS adapters would build it (the SDK's own parameter names), so a team
 * can check against their real account what slots-bot would have bought.
 */
import type { DryRunCall, RequestAction } from '../domain/requests.js';

export interface DryRunRegions {
  readonly devicefarm: string;
  readonly mediaconnect: string;
}

/** `start` is the MediaConnect start that would have been sent (computed on AWS's clock). */
export function dryRunCall(
  action: RequestAction,
  start: string | undefined,
  regions: DryRunRegions,
): DryRunCall {
  if (action.service === 'devicefarm' && action.kind === 'purchase') {
    return {
      operation: 'devicefarm:PurchaseOffering',
      region: regions.devicefarm,
      parameters: {
        offeringId: action.offeringId,
        quantity: action.quantity,
        ...(action.promotionId !== undefined && { offeringPromotionId: action.promotionId }),
      },
    };
  }
  if (action.service === 'devicefarm') {
    return {
      operation: 'devicefarm:RenewOffering',
      region: regions.devicefarm,
      parameters: { offeringId: action.offeringId, quantity: action.quantity },
    };
  }
  return {
    operation: 'mediaconnect:PurchaseOffering',
    region: regions.mediaconnect,
    parameters: {
      OfferingArn: action.offeringArn,
      ReservationName: action.reservationName,
      Start: start ?? action.start ?? '',
    },
  };
}
