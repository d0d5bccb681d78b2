/**
 * The shapes the store keeps and the checks that read them back. Any backend stores the action,
 * quote and outcome of a request as JSON and dates as instants; whatever comes back out of the
 * database passes through these schemas first, so a damaged row fails loudly with the request id
 * and the field instead of reaching a Slack message or an AWS call as garbage.
 *
 * Objects are loose: a field added by a newer slots-bot survives a read by an older replica.
 */
import { z } from 'zod';
import type { Quote, RequestAction, RequestOutcome, RequestState } from '../domain/requests.js';
import { StoreError } from './errors.js';

const STATE_NAMES: Record<RequestState, true> = {
  pending: true,
  executing: true,
  succeeded: true,
  failed: true,
  unknown: true,
  rejected: true,
  cancelled: true,
  expired: true,
  dry_run: true,
};

/** Every state a request can be in (the type checker keeps this list complete). */
export const REQUEST_STATES = Object.keys(STATE_NAMES) as RequestState[];

export const requestStateSchema = z.enum(REQUEST_STATES as [RequestState, ...RequestState[]]);

/** Micro-units as a decimal integer string: money never becomes a float on its way through. */
const micros = z.string().regex(/^-?\d+$/, 'must be a whole number of micro-units as a string');
const text = z.string().min(1);

export const requestActionSchema: z.ZodType<RequestAction> = z.discriminatedUnion('service', [
  z.discriminatedUnion('kind', [
    z.looseObject({
      service: z.literal('devicefarm'),
      kind: z.literal('purchase'),
      offeringId: text,
      quantity: z.number().int().min(0),
      promotionId: text.optional(),
    }),
    z.looseObject({
      service: z.literal('devicefarm'),
      kind: z.literal('renew'),
      offeringId: text,
      quantity: z.number().int().min(0),
      seen: z
        .looseObject({
          current: z.number().int().min(0),
          nextPeriod: z.number().int().min(0),
          at: text,
        })
        .optional(),
    }),
  ]),
  z.looseObject({
    service: z.literal('mediaconnect'),
    kind: z.literal('purchase'),
    offeringArn: text,
    reservationName: text,
    start: text.optional(),
  }),
]);

export const quoteSchema: z.ZodType<Quote> = z.looseObject({
  service: z.enum(['devicefarm', 'mediaconnect']),
  offeringDescription: z.string(),
  currency: text,
  unitPriceMicros: micros,
  priceUnit: text,
  commitsMicros: micros,
  commitsPeriod: z.enum(['month', 'term']),
  durationMonths: z.number().int().min(0).optional(),
  bandwidthMbps: z.number().min(0).optional(),
});

export const requestOutcomeSchema: z.ZodType<RequestOutcome> = z.looseObject({
  transactionId: z.string().optional(),
  reservationArn: z.string().optional(),
  errorCode: z.string().optional(),
  message: z.string().optional(),
  source: z.enum(['answer', 'reconciliation']).optional(),
  matchedBy: z
    .enum(['quantity_requested', 'total_after', 'renewal_quantity', 'reservation'])
    .optional(),
  candidates: z.array(z.string()).optional(),
  checkingUntil: z.string().optional(),
  dryRun: z
    .object({
      operation: z.string(),
      region: z.string(),
      parameters: z.record(z.string(), z.unknown()),
    })
    .optional(),
});

/** Event details, outbox payloads and notice details: any JSON object. */
export const jsonObjectSchema = z.record(z.string(), z.unknown());

/** The largest distance from the epoch a JavaScript `Date` can hold. */
const MAX_DATE_MS = 8.64e15;

/** Instants are kept as integer milliseconds since the epoch. */
export const epochMsSchema = z
  .number()
  .int()
  .refine((ms) => Math.abs(ms) <= MAX_DATE_MS, 'is out of the range of dates')
  .transform((ms) => new Date(ms));

/** A JSON text column holding a value of `schema`. */
export function jsonText<T>(schema: z.ZodType<T>) {
  return z
    .string()
    .transform((value, ctx): unknown => {
      try {
        return JSON.parse(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** Parses what came out of the database, or throws `store_corrupt` naming the row and the field. */
export function readStored<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new StoreError(
    'store_corrupt',
    `${what} is corrupt in the store: ${describe(result.error)}`,
    {
      cause: result.error,
    },
  );
}

/** Checks what a caller asks the store to write, or throws `store_invalid_input`. */
export function checkInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new StoreError('store_invalid_input', `${what} is invalid: ${describe(result.error)}`, {
    cause: result.error,
  });
}

/** A date to store as epoch milliseconds; an invalid `Date` is refused, never stored as null. */
export function epochMs(date: Date, what: string): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (!Number.isInteger(ms))
    throw new StoreError('store_invalid_input', `${what} is not a valid date`);
  return ms;
}

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? `${issue.path.join('.')} ` : ''}${issue.message}`)
    .join('; ');
}

/** A lease needs a name, a holder and a positive whole lifetime. */
export function checkLease(name: string, holder: string, ttlMs: number): void {
  if (typeof name !== 'string' || name === '' || typeof holder !== 'string' || holder === '') {
    throw new StoreError('store_invalid_input', 'a lease needs a name and a holder');
  }
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
    throw new StoreError('store_invalid_input', 'ttlMs must be a positive whole number');
  }
}
