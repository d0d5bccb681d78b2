/**
 * `/slots status`: Device Farm slots held now and next period, MediaConnect reservations with
 * days left, and monthly cost totals per currency. A service that could not be read gets a
 * warning in its place; the other is still shown.
 */
import { type Reservation, SERVICE_LABEL, type SlotStatus } from '../../aws/types.js';
import type { Outcome, StatusReport } from '../../capacity/reports.js';
import { daysUntil, formatDate, formatDateTime } from '../../domain/dates.js';
import { type Money, totalsByCurrency } from '../../domain/money.js';
import {
  bandwidth,
  compareText,
  count,
  description,
  estimatedMonthlyCost,
  money,
  moneyTotals,
  platform,
  unitPrice,
} from './format.js';
import {
  context,
  divider,
  fallback,
  header,
  itemList,
  layout,
  lazyLines,
  type MoreNote,
  type Part,
  type SlackMessage,
  section,
} from './message.js';
import { escapeMrkdwn, truncate } from './mrkdwn.js';
import { notShown, type ServicePart, unreadable } from './service-part.js';

const NAME_MAX = 80;

/** Below this a read counts as just made, and its age is not worth a word. */
const AGE_SHOWN_FROM_MS = 1_000;

/**
 * The status as of the read, without its age: the same for everyone who asked while the read
 * was shared, so it is rendered once (`withReadAge` adds the age per answer).
 */
export function statusMessage(report: StatusReport): SlackMessage {
  const asked = (['devicefarm', 'mediaconnect'] as const).filter((s) => report[s] !== undefined);
  const single = asked.length === 1 ? asked[0] : undefined;

  const parts: Part[] = [
    header(single ? `Reserved capacity: ${SERVICE_LABEL[single]}` : 'Reserved capacity'),
    context(asOf(report.now)),
  ];
  const summaries: string[] = [];

  asked.forEach((service, i) => {
    if (i > 0) parts.push(divider());
    const more = notShown(
      'status',
      service,
      service === 'devicefarm' ? 'Device Farm offerings' : 'MediaConnect reservations',
      single !== undefined,
    );
    if (service === 'devicefarm' && report.devicefarm) {
      const { parts: p, summary } = deviceFarm(report.devicefarm, more);
      parts.push(...p);
      summaries.push(summary);
    }
    if (service === 'mediaconnect' && report.mediaconnect) {
      const { parts: p, summary } = mediaConnect(report.mediaconnect, report.now, more);
      parts.push(...p);
      summaries.push(summary);
    }
  });
  if (asked.length === 0) parts.push(section('Nothing was asked for.'));

  return { text: fallback(...summaries) || 'Reserved capacity', blocks: layout(parts) };
}

function asOf(readAt: Date, ageMs = 0): string {
  const line = `as of ${formatDateTime(readAt)}`;
  if (ageMs < AGE_SHOWN_FROM_MS) return line;
  return `${line} · read from AWS ${ageText(ageMs)} ago; \`/slots status fresh\` reads it again`;
}

function ageText(ms: number): string {
  const seconds = Math.floor(ms / 1_000);
  return seconds < 120 ? count(seconds, 'second') : count(Math.floor(seconds / 60), 'minute');
}

/**
 * `message` (from `statusMessage(report)`) saying how long ago its data was read, when that is a
 * second or more: only the "as of" line is new, every other block is shared.
 */
export function withReadAge(message: SlackMessage, report: StatusReport, now: Date): SlackMessage {
  const ageMs = now.getTime() - report.now.getTime();
  const at = message.blocks.findIndex((b) => b.type === 'context');
  if (ageMs < AGE_SHOWN_FROM_MS || at < 0) return message;
  const blocks = [...message.blocks];
  blocks[at] = context(asOf(report.now, ageMs));
  return { ...message, blocks };
}

// ---------------------------------------------------------------------------------------------
// Device Farm

/** Platform, then description, then id: the order people scan a list of slot types in. */
export function compareSlotStatus(a: SlotStatus, b: SlotStatus): number {
  return (
    compareText(a.offering.platform, b.offering.platform) ||
    compareText(a.offering.description, b.offering.description) ||
    compareText(a.offering.id, b.offering.id)
  );
}

function deviceFarm(outcome: Outcome<readonly SlotStatus[]>, more: MoreNote): ServicePart {
  if (!outcome.ok) return unreadable('devicefarm', outcome.error);
  const slots = [...outcome.value].sort(compareSlotStatus);
  if (slots.length === 0) {
    return {
      parts: [section('*Device Farm slots*\nNo Device Farm slots held.')],
      summary: 'No Device Farm slots held.',
    };
  }

  const now = totalsByCurrency(slots.map((s) => s.currentMonthlyCost));
  const next = totalsByCurrency(slots.map((s) => s.nextMonthlyCost));
  const held = slots.reduce((n, s) => n + s.currentQuantity, 0);
  const renewing = slots.reduce((n, s) => n + s.nextPeriodQuantity, 0);
  const when = nextPeriodLabel(slots);

  let change = '';
  if (renewing < held) {
    change =
      renewing === 0
        ? '\n:warning: Nothing renews next period: every slot lapses.'
        : `\n:warning: ${count(held - renewing, 'slot')} will be dropped next period.`;
  }

  const summaryLine =
    `*Device Farm slots* · ${count(held, 'slot')} held in ${count(slots.length, 'offering')}\n` +
    `Monthly cost now: *${moneyTotals(now)}* · ${when}: *${moneyTotals(next)}* ` +
    `(${count(renewing, 'slot')})${change}`;

  return {
    parts: [section(summaryLine), itemList(lazyLines(slots, slotLine), more)],
    summary:
      `Device Farm: ${count(held, 'slot')}, ${moneyTotals(now)}/mo now, ` +
      `${moneyTotals(next)}/mo next period.`,
  };
}

function nextPeriodLabel(slots: readonly SlotStatus[]): string {
  const dates = new Set(
    slots.flatMap((s) => (s.nextPeriodEffectiveOn ? [formatDate(s.nextPeriodEffectiveOn)] : [])),
  );
  const [only] = dates;
  return dates.size === 1 && only ? `from ${only}` : 'next period';
}

function slotLine(s: SlotStatus): string {
  const when = s.nextPeriodEffectiveOn
    ? `from ${formatDate(s.nextPeriodEffectiveOn)}`
    : 'next period';
  let flag = '';
  if (s.nextPeriodQuantity < s.currentQuantity) {
    flag =
      s.nextPeriodQuantity === 0
        ? ' :warning: lapses: nothing renews'
        : ` :warning: ${count(s.currentQuantity - s.nextPeriodQuantity, 'slot')} will be dropped`;
  }
  return (
    `• *${platform(s.offering.platform)}* · ${description(s.offering.description)} — ` +
    `now *${s.currentQuantity}* (${money(s.currentMonthlyCost)}/mo) · ` +
    `${when} *${s.nextPeriodQuantity}* (${money(s.nextMonthlyCost)}/mo)${flag}`
  );
}

// ---------------------------------------------------------------------------------------------
// MediaConnect

/** ACTIVE first, then the one that ends soonest, then by name. */
export function compareReservations(a: Reservation, b: Reservation): number {
  const active = Number(b.state === 'ACTIVE') - Number(a.state === 'ACTIVE');
  return active || a.end.getTime() - b.end.getTime() || compareText(a.name, b.name);
}

function mediaConnect(
  outcome: Outcome<readonly Reservation[]>,
  now: Date,
  more: MoreNote,
): ServicePart {
  if (!outcome.ok) return unreadable('mediaconnect', outcome.error);
  const reservations = [...outcome.value].sort(compareReservations);
  if (reservations.length === 0) {
    return {
      parts: [section('*MediaConnect reservations*\nNo MediaConnect reservations.')],
      summary: 'No MediaConnect reservations.',
    };
  }

  const active = reservations.filter((r) => r.state === 'ACTIVE');
  const estimates = active.map(monthlyEstimate);
  const known = estimates.filter((m): m is Money => m !== undefined);
  const unknown = estimates.length - known.length;
  const totals = totalsByCurrency(known);

  let cost: string;
  if (active.length === 0) cost = 'No active reservations.';
  else {
    cost = `Est. monthly cost of active reservations: *${moneyTotals(totals)}*`;
    if (unknown > 0) cost += ` (${count(unknown, 'reservation')} without an estimate not included)`;
  }

  return {
    parts: [
      section(
        `*MediaConnect reservations* · ${reservations.length} (${active.length} active)\n${cost}`,
      ),
      itemList(
        lazyLines(reservations, (r) => reservationLine(r, now)),
        more,
      ),
    ],
    summary:
      `MediaConnect: ${count(active.length, 'active reservation')}` +
      (active.length > 0 ? `, est. ${moneyTotals(totals)}/mo.` : '.'),
  };
}

function monthlyEstimate(r: Reservation): Money | undefined {
  return estimatedMonthlyCost(r.pricePerUnit, r.priceUnit, r.bandwidthMbps);
}

/** `45 days left`, `ends within a day`, `ended`: only for ACTIVE reservations. */
export function daysLeftLabel(now: Date, end: Date): string {
  const days = daysUntil(now, end);
  if (end.getTime() <= now.getTime()) return 'ended';
  if (days === 0) return 'ends within a day';
  return `${count(days, 'day')} left`;
}

function reservationLine(r: Reservation, now: Date): string {
  const name = escapeMrkdwn(truncate(r.name.trim() || r.arn, NAME_MAX));
  const state = escapeMrkdwn(truncate(r.state, 20));
  const left = r.state === 'ACTIVE' ? ` · *${daysLeftLabel(now, r.end)}*` : '';
  const estimate = monthlyEstimate(r);
  return (
    `• *${name}* — ${state} · ${bandwidth(r.bandwidthMbps)} · ` +
    `${formatDate(r.start)} → ${formatDate(r.end)}${left} · ` +
    `${unitPrice(r.pricePerUnit, r.priceUnit)}` +
    (estimate ? `, est. ${money(estimate)}/mo` : '')
  );
}
