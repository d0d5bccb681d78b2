/**
 * What the buttons on a notice do. A button carries the notice's key and nothing else. The stored
 * notice says only which offering and which renewal the notice is about; the quantities come
 * from AWS at the moment of the click, because a notice can sit in the channel for days while the
 * account changes. Every choice becomes an ordinary request that a second person must approve.
 */
import { z } from 'zod';
import { isAwsError } from '../aws/errors.js';
import type { DeviceFarmOfferings, ServiceName, SlotStatus } from '../aws/types.js';
import { formatDate } from '../domain/dates.js';
import type { RenewalSeen } from '../domain/requests.js';
import type { Clock } from '../lifecycle/clock.js';
import type { Logger } from '../logger.js';
import type { DecisionResult, RequestOrigin, RequestService } from '../requests/service.js';
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
  /**
   * Keep or Let lapse on a renewal notice: a renew request for what AWS says the account holds
   * now (Keep) or for 0 (Let lapse), pending a second person. Refused, creating nothing, when
   * AWS cannot be read or no longer holds the offering.
   */
  renew(
    actor: string,
    key: string,
    choice: RenewalChoice,
    origin?: RequestOrigin,
  ): Promise<DecisionResult>;
  /**
   * Change quantity (renewal notice: pre-filled with what renews now, read from AWS) or Request
   * purchase (reservation notice).
   */
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

/**
 * The parts of a stored renewal notice that may be used: which offering, which renewal. Its
 * quantities are deliberately not read; they were true when it was posted, not now.
 */
const renewalSchema = z.looseObject({
  kind: z.literal('renewal_upcoming'),
  offeringId: z.string().min(1).max(200),
  effectiveOn: z.iso.datetime(),
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

type Renewal = z.infer<typeof renewalSchema>;

/** The offering's slots as AWS reports them at the click, or why the click is refused. */
type HeldNow =
  | { readonly ok: true; readonly slot: SlotStatus; readonly seen: RenewalSeen }
  | { readonly ok: false; readonly message: string };

export function createNoticeDecisions(deps: NoticeDecisionsDeps): NoticeDecisions {
  const log = deps.logger.child({ module: 'notice-decisions' });

  async function stored<T>(key: string, schema: z.ZodType<T>): Promise<T | undefined> {
    if (!NOTICE_KEY.test(key)) return undefined;
    const record = await deps.store.getNotice(key);
    const parsed = schema.safeParse(record?.detail);
    return parsed.success ? parsed.data : undefined;
  }

  const renewalDate = (notice: Renewal) => formatDate(new Date(notice.effectiveOn));

  /** A notice about a renewal that has taken place acts on nothing, whatever AWS holds now. */
  function passed(notice: Renewal, slot?: SlotStatus): string | undefined {
    const effectiveOn = new Date(notice.effectiveOn);
    // AWS's own next period starting later than the notice's also means it has rolled.
    const rolled =
      deps.clock() >= effectiveOn ||
      (slot?.nextPeriodEffectiveOn !== undefined && slot.nextPeriodEffectiveOn > effectiveOn);
    return rolled
      ? `The renewal of ${renewalDate(notice)} has already happened. See /slots status, or use /slots renew for the next one.`
      : undefined;
  }

  /**
   * Reads what the account holds of the notice's offering now. Failing to read is a refusal, not
   * a fallback to the notice: a request must never be built on numbers nobody has checked.
   */
  async function heldNow(notice: Renewal): Promise<HeldNow> {
    const what = `offering ${notice.offeringId}`;
    let slots: SlotStatus[];
    try {
      slots = await deps.devicefarm.getOfferingStatus();
    } catch (err) {
      log.warn({ err, offeringId: notice.offeringId }, 'could not read the slots held at a click');
      const why = isAwsError(err) ? ` ${err.userMessage}` : '';
      return {
        ok: false,
        message: `Could not read from AWS what the account holds of ${what}, so nothing was requested.${why} Click the button again in a moment.`,
      };
    }
    const slot = slots.find((s) => s.offering.id === notice.offeringId);
    if (!slot || (slot.currentQuantity === 0 && slot.nextPeriodQuantity === 0)) {
      return {
        ok: false,
        message: `AWS no longer lists slots of ${what} for this account: none are held and none renew, so nothing was requested. See /slots status, or /slots purchase to buy new ones.`,
      };
    }
    return {
      ok: true,
      slot,
      seen: {
        current: slot.currentQuantity,
        nextPeriod: slot.nextPeriodQuantity,
        at: deps.clock().toISOString(),
      },
    };
  }

  return {
    async renew(actor, key, choice, origin) {
      const notice = await stored(key, renewalSchema);
      if (!notice) return { ok: false, message: UNKNOWN };
      const stale = passed(notice);
      if (stale) return { ok: false, message: stale };
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

      const held = await heldNow(notice);
      if (!held.ok) return held;
      const rolled = passed(notice, held.slot);
      if (rolled) return { ok: false, message: rolled };
      const { seen } = held;
      const date = renewalDate(notice);
      const quantity =
        choice === 'keep'
          ? keepQuantity({ currentQuantity: seen.current, nextQuantity: seen.nextPeriod })
          : 0;
      if (quantity === seen.nextPeriod) {
        return {
          ok: false,
          message:
            quantity === 0
              ? `Nothing renews on ${date} already (AWS, just now); there is nothing to request.`
              : `${quantity} slot(s) already renew on ${date} (AWS, just now: ${seen.current} held); there is nothing to request.`,
        };
      }
      const reason =
        choice === 'keep'
          ? `From the renewal notice for ${date}: keep the ${quantity} slot(s) AWS reported held at the click.`
          : `From the renewal notice for ${date}: let the slots lapse (AWS reported ${seen.current} held at the click).`;
      const created = await deps.requests.create(
        actor,
        { service: 'devicefarm', kind: 'renew', offeringId: notice.offeringId, quantity, seen },
        reason,
        origin,
      );
      return created.ok ? created : { ok: false, message: created.problem.message };
    },

    async prefill(key) {
      const renewal = await stored(key, renewalSchema);
      if (renewal) {
        const stale = passed(renewal);
        if (stale) return { ok: false, message: stale };
        const held = await heldNow(renewal);
        if (!held.ok) return held;
        const rolled = passed(renewal, held.slot);
        if (rolled) return { ok: false, message: rolled };
        const date = renewalDate(renewal);
        const { current, nextPeriod } = held.seen;
        return {
          ok: true,
          prefill: {
            kind: 'renew',
            service: 'devicefarm',
            offeringId: renewal.offeringId,
            quantity: nextPeriod,
            reason: `From the renewal notice for ${date}.`,
            note: `AWS, just now: ${current} slot(s) held, ${nextPeriod} renew on ${date}.`,
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
