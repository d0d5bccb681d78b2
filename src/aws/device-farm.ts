/**
 * Device Farm device-slot offerings through the SDK, in slots-bot's types. The model marks no
 * output member as required, so every field is read as possibly absent: entries without an id
 * are skipped, missing quantities count as 0, unreadable prices become 0 in the stated currency.
 */
import {
  type DeviceFarmClient,
  ListOfferingPromotionsCommand,
  type ListOfferingPromotionsCommandOutput,
  type MonetaryAmount,
  paginateGetOfferingStatus,
  paginateListOfferings,
  paginateListOfferingTransactions,
  type Offering as SdkOffering,
  type OfferingStatus as SdkOfferingStatus,
  type OfferingTransaction as SdkOfferingTransaction,
} from '@aws-sdk/client-device-farm';
import { type Money, money, times, zero } from '../domain/money.js';
import { collectPages, pagesByHand } from './clients.js';
import { withAwsErrors } from './error-mapping.js';
import type {
  DeviceFarmOffering,
  DeviceFarmOfferings,
  Promotion,
  SlotStatus,
  Transaction,
} from './types.js';

export interface DeviceFarmDeps {
  /** The read client (default retries). Purchases will take the write client separately. */
  readonly client: DeviceFarmClient;
  readonly logger?: { warn(obj: object, msg: string): void };
}

const SERVICE = 'devicefarm';

export function createDeviceFarmOfferings({ client, logger }: DeviceFarmDeps): DeviceFarmOfferings {
  const onRepeat = (operation: string) => (token: string) =>
    logger?.warn(
      { service: SERVICE, operation, tokenLength: token.length },
      'AWS returned a next token it had already returned; stopped paging',
    );

  return {
    service: SERVICE,

    listOfferings: () =>
      withAwsErrors(SERVICE, 'ListOfferings', async () => {
        const pages = await collectPages(
          paginateListOfferings({ client }, {}),
          (page) => page.nextToken,
          onRepeat('ListOfferings'),
        );
        return pages.flatMap((page) => (page.offerings ?? []).flatMap(toOfferingOrSkip));
      }),

    listPromotions: () =>
      withAwsErrors(SERVICE, 'ListOfferingPromotions', async () => {
        // The SDK has no paginator for this operation, so the token is followed by hand.
        const pages = await collectPages(
          pagesByHand<ListOfferingPromotionsCommandOutput>(
            (nextToken) => client.send(new ListOfferingPromotionsCommand({ nextToken })),
            (page) => page.nextToken,
          ),
          (page) => page.nextToken,
          onRepeat('ListOfferingPromotions'),
        );
        return pages.flatMap((page) =>
          (page.offeringPromotions ?? []).flatMap((p): Promotion[] =>
            p?.id ? [{ id: p.id, description: p.description ?? '' }] : [],
          ),
        );
      }),

    getOfferingStatus: () =>
      withAwsErrors(SERVICE, 'GetOfferingStatus', async () => {
        const pages = await collectPages(
          paginateGetOfferingStatus({ client }, {}),
          (page) => page.nextToken,
          onRepeat('GetOfferingStatus'),
        );
        return mergeOfferingStatus(pages);
      }),

    listTransactions: () =>
      withAwsErrors(SERVICE, 'ListOfferingTransactions', async () => {
        const pages = await collectPages(
          paginateListOfferingTransactions({ client }, {}),
          (page) => page.nextToken,
          onRepeat('ListOfferingTransactions'),
        );
        const transactions = pages.flatMap((page) =>
          (page.offeringTransactions ?? []).flatMap(toTransactionOrSkip),
        );
        // AWS documents newest first; a stable sort keeps its order and guards the promise.
        return transactions.sort((a, b) => b.createdOn.getTime() - a.createdOn.getTime());
      }),

    // PurchaseOffering and RenewOffering belong here (next issue). They must be sent through the
    // *write* client from `createAwsClients` (maxAttempts 1), validate quantity and offering id
    // before sending, and treat an `unknown` outcome by reconciling with `listTransactions`.
  };
}

/**
 * Merges `current` and `nextPeriod` over all pages into one status per offering id found in
 * either map. A map entry repeated on a later page replaces the earlier one.
 */
export function mergeOfferingStatus(
  pages: readonly {
    current?: Record<string, SdkOfferingStatus> | undefined;
    nextPeriod?: Record<string, SdkOfferingStatus> | undefined;
  }[],
): SlotStatus[] {
  const current = new Map<string, SdkOfferingStatus>();
  const next = new Map<string, SdkOfferingStatus>();
  // Insertion order: offerings held now first, then those that only start next period.
  const ids = new Set<string>();
  for (const page of pages) {
    for (const [id, status] of Object.entries(page.current ?? {})) {
      if (!id) continue;
      ids.add(id);
      current.set(id, status ?? {});
    }
  }
  for (const page of pages) {
    for (const [id, status] of Object.entries(page.nextPeriod ?? {})) {
      if (!id) continue;
      ids.add(id);
      next.set(id, status ?? {});
    }
  }

  return [...ids].map((id): SlotStatus => {
    const now = current.get(id);
    const later = next.get(id);
    const offering = toOffering(now?.offering ?? later?.offering, id);
    const currentQuantity = quantityOf(now);
    const nextPeriodQuantity = quantityOf(later);
    return {
      offering,
      currentQuantity,
      nextPeriodQuantity,
      nextPeriodEffectiveOn: validDate(later?.effectiveOn),
      currentMonthlyCost: times(offering.monthlyPrice, currentQuantity),
      nextMonthlyCost: times(offering.monthlyPrice, nextPeriodQuantity),
    };
  });
}

function toOfferingOrSkip(o: SdkOffering | undefined): DeviceFarmOffering[] {
  return o?.id ? [toOffering(o, o.id)] : [];
}

/** `fallbackId` is the map key under which GetOfferingStatus reported the offering. */
function toOffering(o: SdkOffering | undefined, fallbackId: string): DeviceFarmOffering {
  return {
    service: SERVICE,
    id: o?.id || fallbackId,
    description: o?.description ?? '',
    platform: o?.platform ?? 'UNKNOWN',
    monthlyPrice: monthlyPrice(o),
  };
}

/** The offering's MONTHLY recurring charge; 0 USD if AWS sent none we can read. */
function monthlyPrice(o: SdkOffering | undefined): Money {
  const charge = (o?.recurringCharges ?? []).find((c) => c?.frequency === 'MONTHLY');
  return toMoney(charge?.cost) ?? zero();
}

function toTransactionOrSkip(t: SdkOfferingTransaction | undefined): Transaction[] {
  const createdOn = validDate(t?.createdOn);
  // Without an id or a date a row can neither be shown in order nor matched when reconciling.
  if (!t?.transactionId || !createdOn) return [];
  const status = t.offeringStatus;
  return [
    {
      id: t.transactionId,
      offeringId: status?.offering?.id ?? '',
      offeringDescription: status?.offering?.description ?? '',
      type: status?.type ?? 'UNKNOWN',
      quantity: quantityOf(status),
      effectiveOn: validDate(status?.effectiveOn),
      createdOn,
      cost: toMoney(t.cost) ?? zero(t.cost?.currencyCode ?? 'USD'),
      promotionId: t.offeringPromotionId || undefined,
    },
  ];
}

function quantityOf(status: SdkOfferingStatus | undefined): number {
  const q = status?.quantity;
  return typeof q === 'number' && Number.isSafeInteger(q) && q >= 0 ? q : 0;
}

function toMoney(amount: MonetaryAmount | undefined): Money | undefined {
  if (typeof amount?.amount !== 'number') return undefined;
  try {
    return money(amount.amount, amount.currencyCode ?? 'USD');
  } catch {
    // NaN, Infinity or a double too large for plain decimal text: treat as no price.
    return undefined;
  }
}

function validDate(d: Date | undefined): Date | undefined {
  return d instanceof Date && !Number.isNaN(d.getTime()) ? d : undefined;
}
