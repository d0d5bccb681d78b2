/**
 * Device Farm's six offering operations (awsJson1_1) over `DeviceFarmState`. Each handler takes
 * the parsed body and answers the output shape or throws a `SimError`; nothing here knows HTTP.
 */
import { randomUUID } from 'node:crypto';
import { nextPeriodStart, remainingFractionOfMonth } from './clock.js';
import type { ListingDelay } from './listing.js';
import { paginate } from './paging.js';
import type {
  DeviceFarmState,
  DfMoney,
  DfOffering,
  DfOfferingStatus,
  DfSlots,
  DfTransaction,
  SimBehaviour,
} from './types.js';
import { type ParsedRequest, parseJsonObject, SimError } from './wire.js';

/** `X-Amz-Target` prefix of every Device Farm operation. */
export const DEVICE_FARM_TARGET_PREFIX = 'DeviceFarm_20150623.';

/** What a handler sees besides its input. */
export interface DeviceFarmContext {
  state: DeviceFarmState;
  /** AWS's clock: what the service stamps on transactions and bills by. */
  now: Date;
  pageSize: number;
  behaviour: Readonly<SimBehaviour>;
  /** Which transactions ListOfferingTransactions may show yet; purchases register there. */
  listing: ListingDelay;
}

type Handler = (input: Record<string, unknown>, ctx: DeviceFarmContext) => unknown;

/** The operations `readsNotEligible` refuses: every one that only reads. */
export const DEVICE_FARM_READS: readonly string[] = [
  'ListOfferings',
  'ListOfferingPromotions',
  'GetOfferingStatus',
  'ListOfferingTransactions',
];

const HANDLERS: Record<string, Handler> = {
  ListOfferings: listOfferings,
  ListOfferingPromotions: listOfferingPromotions,
  ListOfferingTransactions: listOfferingTransactions,
  GetOfferingStatus: getOfferingStatus,
  PurchaseOffering: purchaseOffering,
  RenewOffering: renewOffering,
};

/** Names the operation from `X-Amz-Target` and parses the JSON body. */
export function resolveDeviceFarm(target: string, body: string): ParsedRequest {
  const operation = target.startsWith(DEVICE_FARM_TARGET_PREFIX)
    ? target.slice(DEVICE_FARM_TARGET_PREFIX.length)
    : target;
  if (!Object.hasOwn(HANDLERS, operation)) {
    return {
      operation,
      input: {},
      parseError: new SimError('UnknownOperationException', 400, `Unknown operation ${target}`),
    };
  }
  const input = parseJsonObject(body);
  if (!input) {
    return {
      operation,
      input: {},
      parseError: new SimError('SerializationException', 400, 'The body is not a JSON object'),
    };
  }
  return { operation, input };
}

/** Runs one operation; the result is the output shape with `Date` timestamps. */
export function runDeviceFarm(
  operation: string,
  input: Record<string, unknown>,
  ctx: DeviceFarmContext,
): unknown {
  const handler = HANDLERS[operation];
  if (!handler) throw new SimError('UnknownOperationException', 400, `Unknown operation`);
  // An account-wide refusal, so it comes before any look at the input.
  if (ctx.behaviour.readsNotEligible && DEVICE_FARM_READS.includes(operation)) {
    throw new SimError(
      'NotEligibleException',
      400,
      'The account is not eligible to read Device Farm offerings',
    );
  }
  return handler(input, ctx);
}

/**
 * Rolls the billing period: what was due next period is now held, and the service records a
 * SYSTEM renewal (dated at the new period's start) for every offering that renews slots.
 */
export function advanceDeviceFarmPeriod(state: DeviceFarmState, now: Date): void {
  const effectiveOn = nextPeriodStart(now);
  for (const [offeringId, slots] of Object.entries(state.slots)) {
    slots.current = slots.nextPeriod;
    const offering = state.offerings.find((o) => o.id === offeringId);
    if (!offering || slots.current <= 0) continue;
    const charge = monthly(offering);
    const cost = {
      currencyCode: charge.currencyCode,
      amount: cents(charge.amount * slots.current),
    };
    state.transactions.push(
      transaction(offering, 'SYSTEM', slots.current, effectiveOn, effectiveOn, cost),
    );
  }
}

function listOfferings(input: Record<string, unknown>, ctx: DeviceFarmContext) {
  const page = pageOf(ctx.state.offerings, input, ctx, 'ListOfferings');
  return { offerings: page.items, nextToken: page.nextToken };
}

function listOfferingPromotions(input: Record<string, unknown>, ctx: DeviceFarmContext) {
  // Only unused promotions are listed: a purchase consumes the one it names.
  const unused = ctx.state.promotions
    .filter((p) => !p.used)
    .map(({ id, description }) => ({ id, description }));
  const page = pageOf(unused, input, ctx, 'ListOfferingPromotions');
  return { offeringPromotions: page.items, nextToken: page.nextToken };
}

function listOfferingTransactions(input: Record<string, unknown>, ctx: DeviceFarmContext) {
  const newestFirst = ctx.state.transactions
    .filter((t) => ctx.listing.listed(t.transactionId))
    .map((t, index) => ({ t, index }))
    .sort((a, b) => b.t.createdOn.getTime() - a.t.createdOn.getTime() || b.index - a.index)
    .map(({ t }) => t);
  const page = pageOf(newestFirst, input, ctx, 'ListOfferingTransactions');
  return { offeringTransactions: page.items, nextToken: page.nextToken };
}

function getOfferingStatus(input: Record<string, unknown>, ctx: DeviceFarmContext) {
  const held = ctx.state.offerings.filter((o) => {
    const slots = ctx.state.slots[o.id];
    return slots !== undefined && (slots.current > 0 || slots.nextPeriod > 0);
  });
  const page = pageOf(held, input, ctx, 'GetOfferingStatus');
  const effectiveOn = nextPeriodStart(ctx.now);
  const current: Record<string, DfOfferingStatus> = {};
  const nextPeriod: Record<string, DfOfferingStatus> = {};
  for (const offering of page.items) {
    const slots = ctx.state.slots[offering.id]!;
    if (slots.current > 0) {
      current[offering.id] = { type: 'PURCHASE', offering, quantity: slots.current };
    }
    // Listed even at 0, so a cancelled renewal is visible before it takes effect.
    nextPeriod[offering.id] = {
      type: 'RENEW',
      offering,
      quantity: slots.nextPeriod,
      effectiveOn,
    };
  }
  return { current, nextPeriod, nextToken: page.nextToken };
}

function purchaseOffering(input: Record<string, unknown>, ctx: DeviceFarmContext) {
  const { state, now } = ctx;
  const offeringId = requireOfferingId(input);
  const quantity = requireQuantity(input, 1);
  const promotionId = optionalPromotionId(input);
  const offering = findOffering(state, offeringId);
  requireEligible(state);
  const promotion =
    promotionId === undefined ? undefined : state.promotions.find((p) => p.id === promotionId);
  if (promotionId !== undefined && !promotion) {
    throw new SimError('NotFoundException', 400, `Promotion ${promotionId} not found`);
  }
  if (promotion?.used) {
    throw argument(`Promotion ${promotion.id} has already been used`);
  }
  const slots = slotsOf(state, offeringId);
  if (slots.current + quantity > state.maxSlotsPerOffering) {
    throw limitExceeded(state, slots.current + quantity);
  }

  slots.current += quantity;
  // Renewals continue at the purchased total, so the next period grows too.
  slots.nextPeriod += quantity;
  const charge = monthly(offering);
  const cost: DfMoney = {
    currencyCode: charge.currencyCode,
    amount: promotion ? 0 : cents(charge.amount * quantity * remainingFractionOfMonth(now)),
  };
  if (promotion) promotion.used = true;
  // AWS does not document which of the two a PURCHASE records; the switch plays either.
  const recorded = ctx.behaviour.purchaseQuantity === 'total' ? slots.current : quantity;
  const tx = transaction(offering, 'PURCHASE', recorded, now, now, cost, promotion?.id);
  state.transactions.push(tx);
  ctx.listing.made(tx.transactionId);
  return { offeringTransaction: tx };
}

function renewOffering(input: Record<string, unknown>, ctx: DeviceFarmContext) {
  const { state, now } = ctx;
  const offeringId = requireOfferingId(input);
  const quantity = requireQuantity(input, 0);
  const offering = findOffering(state, offeringId);
  requireEligible(state);
  if (quantity > state.maxSlotsPerOffering) throw limitExceeded(state, quantity);

  slotsOf(state, offeringId).nextPeriod = quantity;
  const charge = monthly(offering);
  const cost = { currencyCode: charge.currencyCode, amount: cents(charge.amount * quantity) };
  const tx = transaction(offering, 'RENEW', quantity, nextPeriodStart(now), now, cost);
  state.transactions.push(tx);
  ctx.listing.made(tx.transactionId);
  return { offeringTransaction: tx };
}

function pageOf<T>(
  items: readonly T[],
  input: Record<string, unknown>,
  ctx: DeviceFarmContext,
  operation: string,
) {
  const token = input.nextToken;
  if (token !== undefined && token !== null && typeof token !== 'string') {
    throw argument('nextToken must be a string');
  }
  const page = paginate(items, token ?? undefined, ctx.pageSize, operation);
  if (!page) throw argument('Invalid nextToken');
  return page;
}

function requireOfferingId(input: Record<string, unknown>): string {
  const id = input.offeringId;
  if (typeof id !== 'string') throw argument('offeringId is required');
  if (id.length < 32) throw argument('offeringId must be at least 32 characters long');
  return id;
}

function requireQuantity(input: Record<string, unknown>, min: number): number {
  const quantity = input.quantity;
  if (quantity === undefined || quantity === null) throw argument('quantity is required');
  if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < min) {
    throw argument(`quantity must be an integer of at least ${min}`);
  }
  return quantity;
}

function optionalPromotionId(input: Record<string, unknown>): string | undefined {
  const id = input.offeringPromotionId;
  if (id === undefined || id === null) return undefined;
  if (typeof id !== 'string' || id.length < 4) {
    throw argument('offeringPromotionId must be at least 4 characters long');
  }
  return id;
}

function findOffering(state: DeviceFarmState, id: string): DfOffering {
  const offering = state.offerings.find((o) => o.id === id);
  if (!offering) throw new SimError('NotFoundException', 400, `Offering ${id} not found`);
  return offering;
}

function requireEligible(state: DeviceFarmState): void {
  if (!state.eligible) {
    throw new SimError(
      'NotEligibleException',
      400,
      'The account is not eligible to make offering transactions',
    );
  }
}

function slotsOf(state: DeviceFarmState, offeringId: string): DfSlots {
  state.slots[offeringId] ??= { current: 0, nextPeriod: 0 };
  return state.slots[offeringId];
}

function monthly(offering: DfOffering): DfMoney {
  const cost = offering.recurringCharges[0]?.cost;
  return { amount: cost?.amount ?? 0, currencyCode: cost?.currencyCode ?? 'USD' };
}

function transaction(
  offering: DfOffering,
  type: DfOfferingStatus['type'],
  quantity: number,
  effectiveOn: Date,
  createdOn: Date,
  cost: DfMoney,
  offeringPromotionId?: string,
): DfTransaction {
  return {
    transactionId: randomUUID(),
    offeringStatus: { type, offering, quantity, effectiveOn },
    ...(offeringPromotionId === undefined ? {} : { offeringPromotionId }),
    createdOn,
    cost,
  };
}

function cents(amount: number): number {
  return Math.round(amount * 100) / 100;
}

function argument(message: string): SimError {
  return new SimError('ArgumentException', 400, message);
}

function limitExceeded(state: DeviceFarmState, wanted: number): SimError {
  return new SimError(
    'LimitExceededException',
    400,
    `${wanted} slots exceed the limit of ${state.maxSlotsPerOffering} for this offering`,
  );
}
