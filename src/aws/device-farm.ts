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
  PurchaseOfferingCommand,
  paginateGetOfferingStatus,
  paginateListOfferings,
  paginateListOfferingTransactions,
  RenewOfferingCommand,
  type Offering as SdkOffering,
  type OfferingStatus as SdkOfferingStatus,
  type OfferingTransaction as SdkOfferingTransaction,
} from '@aws-sdk/client-device-farm';
import { type Money, money, times, zero } from '../domain/money.js';
import { assertSingleAttempt, collectPages, pagesByHand, walkPages } from './clients.js';
import { notSentError, unusableAnswerError, withAwsErrors } from './error-mapping.js';
import type { AwsError } from './errors.js';
import type {
  DeviceFarmOffering,
  DeviceFarmOfferings,
  Promotion,
  SlotStatus,
  Transaction,
  TransactionQuery,
} from './types.js';

export interface DeviceFarmDeps {
  /** The read client (default retries), for every List/Get operation. */
  readonly client: DeviceFarmClient;
  /**
   * The write client (`maxAttempts: 1`), for PurchaseOffering and RenewOffering only. A client
   * that would retry is refused at call time, before anything is sent.
   */
  readonly writeClient: DeviceFarmClient;
  readonly logger?: { warn(obj: object, msg: string): void };
}

const SERVICE = 'devicefarm';

export function createDeviceFarmOfferings({
  client,
  writeClient,
  logger,
}: DeviceFarmDeps): DeviceFarmOfferings {
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

    getOffering: (id) =>
      withAwsErrors(SERVICE, 'ListOfferings', async () => {
        for await (const page of walkPages(
          paginateListOfferings({ client }, {}),
          (p) => p.nextToken,
          onRepeat('ListOfferings'),
        )) {
          const found = (page.offerings ?? []).find((o) => o?.id === id);
          // Leaving the loop stops paging: the pages after the match are never fetched.
          if (found) return toOffering(found, id);
        }
        return undefined;
      }),

    purchase: ({ offeringId, quantity, promotionId }) =>
      withAwsErrors(SERVICE, 'PurchaseOffering', async () => {
        const operation = 'PurchaseOffering';
        checkOfferingId(operation, offeringId);
        checkQuantity(operation, quantity, 1);
        if (promotionId !== undefined) checkPromotionId(operation, promotionId);
        await assertSingleAttempt(writeClient, SERVICE, operation);
        const out = await writeClient.send(
          new PurchaseOfferingCommand({
            offeringId,
            quantity,
            ...(promotionId !== undefined && { offeringPromotionId: promotionId }),
          }),
        );
        return answeredTransaction(operation, out.offeringTransaction, {
          offeringId,
          type: 'PURCHASE',
          quantity,
        });
      }),

    renew: ({ offeringId, quantity }) =>
      withAwsErrors(SERVICE, 'RenewOffering', async () => {
        const operation = 'RenewOffering';
        checkOfferingId(operation, offeringId);
        checkQuantity(operation, quantity, 0);
        await assertSingleAttempt(writeClient, SERVICE, operation);
        const out = await writeClient.send(new RenewOfferingCommand({ offeringId, quantity }));
        return answeredTransaction(operation, out.offeringTransaction, {
          offeringId,
          type: 'RENEW',
          quantity,
        });
      }),

    findTransactions: (query) =>
      withAwsErrors(SERVICE, 'ListOfferingTransactions', async () => {
        const from = query.from.getTime();
        const to = query.to.getTime();
        if (Number.isNaN(from) || Number.isNaN(to)) {
          throw new RangeError('findTransactions: the window is not made of valid dates');
        }
        const found: Transaction[] = [];
        let unreadableMatch = false;
        for await (const page of walkPages(
          paginateListOfferingTransactions({ client }, {}),
          (p) => p.nextToken,
          onRepeat('ListOfferingTransactions'),
        )) {
          let reachedOlder = false;
          for (const raw of page.offeringTransactions ?? []) {
            const createdOn = validDate(raw?.createdOn);
            if (createdOn && createdOn.getTime() < from) {
              reachedOlder = true;
              continue;
            }
            if (createdOn && createdOn.getTime() > to) continue;
            if (!matches(raw, query)) continue;
            const [tx] = toTransactionOrSkip(raw);
            // A match without an id or a date: something like it exists, but it cannot be named
            // or placed in time. Saying "not found" could declare a real purchase never made.
            if (!tx) {
              unreadableMatch = true;
              continue;
            }
            found.push(tx);
          }
          // Newest first: past this page everything is older still. The page is read to its
          // end anyway, in case AWS orders entries of equal age loosely.
          if (reachedOlder) break;
        }
        if (unreadableMatch) throw unreadableMatchError();
        return found;
      }),
  };
}

type Expected = Pick<Transaction, 'offeringId' | 'type' | 'quantity'>;

/**
 * The transaction in a PurchaseOffering/RenewOffering answer. Without a transaction id AWS's
 * answer proves nothing either way, so the outcome is `unknown` (reconcile, do not repeat).
 * Fields AWS left out are filled from what was asked.
 */
function answeredTransaction(
  operation: string,
  raw: SdkOfferingTransaction | undefined,
  expected: Expected,
): Transaction {
  if (!raw?.transactionId) throw unusableAnswerError(SERVICE, operation, 'offering transaction');
  const status = raw.offeringStatus;
  const [tx] = toTransactionOrSkip({ ...raw, createdOn: validDate(raw.createdOn) ?? new Date() });
  if (!tx) throw unusableAnswerError(SERVICE, operation, 'offering transaction');
  return {
    ...tx,
    offeringId: tx.offeringId || expected.offeringId,
    type: status?.type ?? expected.type,
    quantity: typeof status?.quantity === 'number' ? tx.quantity : expected.quantity,
  };
}

function matches(raw: SdkOfferingTransaction | undefined, query: TransactionQuery): boolean {
  const status = raw?.offeringStatus;
  return status?.offering?.id === query.offeringId && status.type === query.type;
}

function unreadableMatchError(): AwsError {
  return unusableAnswerError(
    SERVICE,
    'ListOfferingTransactions',
    'transaction id or date on a transaction that matches',
  );
}

// Checks before sending. The SDK enforces none of the model's constraints, and a value AWS is
// bound to refuse is better refused here, certainly unsent, than sent.

function checkOfferingId(operation: string, offeringId: string): void {
  if (typeof offeringId !== 'string' || offeringId.length < 32) {
    throw notSentError(
      SERVICE,
      operation,
      'aws_invalid_argument',
      'the offering id must be the 32 or more characters AWS lists for the offering.',
    );
  }
}

function checkQuantity(operation: string, quantity: number, min: number): void {
  // Upper end: the largest 32-bit integer, the model's Integer.
  if (!Number.isSafeInteger(quantity) || quantity < min || quantity > 2_147_483_647) {
    throw notSentError(
      SERVICE,
      operation,
      'aws_invalid_argument',
      `the quantity must be a whole number of at least ${min}.`,
    );
  }
}

function checkPromotionId(operation: string, promotionId: string): void {
  if (typeof promotionId !== 'string' || promotionId.length < 4) {
    throw notSentError(
      SERVICE,
      operation,
      'aws_invalid_argument',
      'the promotion id must be one AWS lists for the account (at least 4 characters).',
    );
  }
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
