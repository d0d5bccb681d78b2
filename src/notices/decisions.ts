/**
 * What the buttons on a notice do. A button carries the notice's key and nothing else; the
 * offering, quantities and dates come from the notice as stored when it was announced, and every
 * choice becomes an ordinary request that a second person must approve.
 */
import { z } from 'zod';
import type { DeviceFarmOfferings, ServiceName } from '../aws/types.js';
import { formatDate } from '../domain/dates.js';
import type { Clock } from '../lifecycle/clock.js';
import type { Logger } from '../logger.js';
import type { DecisionResult, RequestService } from '../requests/service.js';
import { RESERVATION_NAME_MAX } from '../slack/command-grammar.js';
import type { Store } from '../store/store.js';

export type RenewalChoice = 'keep' | 'lapse';

/** What a pre-filled request form holds. */
export interface RequestPrefill {
  readonly kind: 'purchase' | 'renew';
  readonly service: ServiceName;
  readonly offeringId: string;
  readonly quantity?: number;
  readonly reservationName?: string;
  readonly reason: string;
  /** Why the form is pre-filled, shown on top. */
  readonly note: string;
}

export type PrefillResult =
  | { readonly ok: true; readonly prefill: RequestPrefill }
  | { readonly ok: false; readonly message: string };

export interface NoticeDecisions {
  /** Keep or Let lapse on a renewal notice: a renew request, pending a second person. */
  renew(actor: string, key: string, choice: RenewalChoice): Promise<DecisionResult>;
  /** Change quantity (renewal notice) or Request purchase (reservation notice). */
  prefill(key: string): Promise<PrefillResult>;
}

export interface NoticeDecisionsDeps {
  readonly store: Pick<Store, 'getNotice'>;
  readonly requests: Pick<RequestService, 'create' | 'pending'>;
  readonly devicefarm: Pick<DeviceFarmOfferings, 'getOfferingStatus'>;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Keys are ours and short; anything else never reaches the store. */
export const NOTICE_KEY = /^[a-z-]+:[\x21-\x7e]{1,400}$/;

const renewalSchema = z.looseObject({
  kind: z.literal('renewal_upcoming'),
  offeringId: z.string().min(1),
  offeringDescription: z.string(),
  effectiveOn: z.iso.datetime(),
  currentQuantity: z.number().int().min(0),
  nextQuantity: z.number().int().min(0),
});

const reservationSchema = z.looseObject({
  kind: z.enum(['reservation_ending', 'reservation_state']),
  reservationName: z.string().min(1),
  offeringArn: z.string().min(1),
  end: z.iso.datetime(),
});

const UNKNOWN = 'This button belongs to a notice slots-bot does not know (any more).';

/** The quantity "Keep" renews: what is held now, or what was set to renew if nothing is held. */
export const keepQuantity = (n: { currentQuantity: number; nextQuantity: number }): number =>
  n.currentQuantity > 0 ? n.currentQuantity : n.nextQuantity;

/** `live-events` → `live-events-2`, `live-events-2` → `live-events-3`; always a valid name. */
export function nextReservationName(name: string): string {
  const numbered = /^(.*)-(\d{1,6})$/.exec(name);
  const [base, n] = numbered ? [numbered[1]!, Number(numbered[2]) + 1] : [name, 2];
  const suffix = `-${n}`;
  return `${base.slice(0, RESERVATION_NAME_MAX - suffix.length)}${suffix}`;
}

export function createNoticeDecisions(deps: NoticeDecisionsDeps): NoticeDecisions {
  const log = deps.logger.child({ module: 'notice-decisions' });

  async function stored<T>(key: string, schema: z.ZodType<T>): Promise<T | undefined> {
    if (!NOTICE_KEY.test(key)) return undefined;
    const record = await deps.store.getNotice(key);
    const parsed = schema.safeParse(record?.detail);
    return parsed.success ? parsed.data : undefined;
  }

  /** What renews now, per AWS; undefined when AWS cannot say (the request's own checks still run). */
  async function renewingNow(offeringId: string): Promise<number | undefined> {
    try {
      const slots = await deps.devicefarm.getOfferingStatus();
      return slots.find((s) => s.offering.id === offeringId)?.nextPeriodQuantity ?? 0;
    } catch (err) {
      log.warn({ err, offeringId }, 'could not read what renews; the request checks again');
      return undefined;
    }
  }

  return {
    async renew(actor, key, choice) {
      const notice = await stored(key, renewalSchema);
      if (!notice) return { ok: false, message: UNKNOWN };
      const date = formatDate(new Date(notice.effectiveOn));
      if (deps.clock() >= new Date(notice.effectiveOn)) {
        return {
          ok: false,
          message: `The renewal of ${date} has already happened. See /slots status, or use /slots renew for the next one.`,
        };
      }
      const quantity = choice === 'keep' ? keepQuantity(notice) : 0;
      const open = (await deps.requests.pending()).find(
        (r) =>
          r.action.service === 'devicefarm' &&
          r.action.kind === 'renew' &&
          r.action.offeringId === notice.offeringId,
      );
      if (open) {
        return {
          ok: false,
          message: `Request ${open.id} already asks to renew ${open.action.service === 'devicefarm' ? open.action.quantity : '?'} slot(s) of this offering; decide or cancel that one first.`,
        };
      }
      if ((await renewingNow(notice.offeringId)) === quantity) {
        return {
          ok: false,
          message:
            quantity === 0
              ? `Nothing renews on ${date} already; there is nothing to request.`
              : `${quantity} slot(s) already renew on ${date}; there is nothing to request.`,
        };
      }
      const reason =
        choice === 'keep'
          ? `From the renewal notice for ${date}: keep ${quantity} slot(s).`
          : `From the renewal notice for ${date}: let the slots lapse.`;
      const created = await deps.requests.create(
        actor,
        { service: 'devicefarm', kind: 'renew', offeringId: notice.offeringId, quantity },
        reason,
      );
      return created.ok ? created : { ok: false, message: created.problem.message };
    },

    async prefill(key) {
      const renewal = await stored(key, renewalSchema);
      if (renewal) {
        const date = formatDate(new Date(renewal.effectiveOn));
        return {
          ok: true,
          prefill: {
            kind: 'renew',
            service: 'devicefarm',
            offeringId: renewal.offeringId,
            quantity: renewal.nextQuantity,
            reason: `From the renewal notice for ${date}.`,
            note: `From the renewal notice: ${renewal.nextQuantity} slot(s) renew on ${date}, ${renewal.currentQuantity} held now.`,
          },
        };
      }
      const reservation = await stored(key, reservationSchema);
      if (!reservation) return { ok: false, message: UNKNOWN };
      const end = new Date(reservation.end);
      const ended = deps.clock() >= end;
      return {
        ok: true,
        prefill: {
          kind: 'purchase',
          service: 'mediaconnect',
          offeringId: reservation.offeringArn,
          reservationName: nextReservationName(reservation.reservationName),
          reason: `Replaces reservation ${reservation.reservationName}, which ${ended ? 'ended' : 'ends'} ${formatDate(end)}.`,
          note: ended
            ? `Reservation ${reservation.reservationName} ended ${formatDate(end)}; MediaConnect has no renewal, so this buys a new one.`
            : `Reservation ${reservation.reservationName} is active until ${formatDate(end)}. MediaConnect sells a new reservation only when none is active, so this request can be made once it has ended.`,
        },
      };
    },
  };
}
