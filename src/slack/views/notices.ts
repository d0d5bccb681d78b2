/**
 * The watcher's channel notices: a renewal coming up (with the decision buttons), Device Farm
 * changes made outside slots-bot, MediaConnect reservations ending or changing state, and AWS
 * outages and recoveries.
 *
 * A notice is rendered from its stored body and the clock only. Every button carries the notice
 * key and nothing else: the click handler reads the rest from the store, so a message that sits
 * in the channel for days can never act on numbers it shows but AWS no longer has.
 */
import type { types } from '@slack/bolt';
import { SERVICE_LABEL } from '../../aws/types.js';
import { daysUntil, formatDate, formatDateTime, MS_PER_DAY } from '../../domain/dates.js';
import type { Money } from '../../domain/money.js';
import {
  type AwsFailing,
  type AwsRecovered,
  type ExternalTransaction,
  type ExternalTransactions,
  moneyOf,
  type NextPeriodChanged,
  type Notice,
  type RenewalUpcoming,
  type ReservationEnding,
  type ReservationStateChanged,
  type StoredMoney,
} from '../../notices/types.js';
import {
  bandwidth,
  count,
  DESCRIPTION_MAX,
  estimatedMonthlyCost,
  money,
  platform,
  unitPrice,
} from './format.js';
import {
  CONFIRM_LIMITS,
  context,
  fallback,
  itemList,
  type KnownBlock,
  layout,
  type Part,
  type SlackMessage,
  section,
} from './message.js';
import { code, escapeMrkdwn, truncate, truncateMrkdwn } from './mrkdwn.js';

export const NOTICE_KEEP_ACTION = 'notice_renewal_keep';
export const NOTICE_CHANGE_ACTION = 'notice_renewal_change';
export const NOTICE_LAPSE_ACTION = 'notice_renewal_lapse';
export const NOTICE_PURCHASE_ACTION = 'notice_reservation_purchase';
export const NOTICE_ACTIONS_BLOCK = 'notice_actions';

/** Reservation names and ARNs are short in practice; this only keeps a hostile one in bounds. */
const NAME_MAX = 128;
const ID_MAX = 200;
const MESSAGE_MAX = 600;

type ActionsBlock = types.ActionsBlock;
type Button = types.Button;

export function noticeMessage(notice: Notice, now: Date): SlackMessage {
  switch (notice.kind) {
    case 'renewal_upcoming':
      return renewalUpcoming(notice, now);
    case 'external_transactions':
      return externalTransactions(notice);
    case 'next_period_changed':
      return nextPeriodChanged(notice);
    case 'reservation_ending':
      return reservationEnding(notice, now);
    case 'reservation_state':
      return reservationState(notice);
    case 'aws_failing':
      return awsFailing(notice);
    case 'aws_recovered':
      return awsRecovered(notice);
    default:
      return unknownNotice(notice);
  }
}

// ---------------------------------------------------------------------------------------------
// Device Farm

function renewalUpcoming(n: Notice & RenewalUpcoming, now: Date): SlackMessage {
  const on = new Date(n.effectiveOn);
  const date = formatDate(on);
  const what = `${awsText(n.offeringDescription)} (${platform(n.platform)})`;
  const held = n.currentQuantity;
  const next = n.nextQuantity;

  const lines = [
    `:calendar: *${SERVICE_LABEL.devicefarm} renewal in ${count(n.leadDays, 'day')}*: ${what}`,
    `*Next period starts:* ${date} (UTC), ${untilText(now, on)}`,
    `*Renews:* *${count(next, 'slot')}* (holding ${held} now) · *${amount(n.nextMonthlyCost)} per month* after renewal` +
      ` (now ${amount(n.currentMonthlyCost)} per month) · ${amount(n.monthlyPrice)} per slot per month`,
    renewalChange(held, next, date),
  ];

  const keep = held > 0 ? held : next;
  const buttons: Button[] = [];
  // Keeping zero slots is what "Let lapse" already asks for; one button per meaning. The label
  // names no number: the click renews what AWS says is held then, which may differ from now.
  if (keep > 0) {
    buttons.push({
      ...button(NOTICE_KEEP_ACTION, 'Keep what is held', n.key),
      style: 'primary',
    });
  }
  buttons.push(button(NOTICE_CHANGE_ACTION, 'Change quantity', n.key), {
    ...button(NOTICE_LAPSE_ACTION, 'Let lapse', n.key),
    style: 'danger',
    confirm: {
      title: plain('Let these slots lapse?', CONFIRM_LIMITS.title),
      text: { type: 'mrkdwn', text: lapseConfirmText(n, date) },
      confirm: plain('Ask to let lapse', 30),
      deny: plain('Not yet', 30),
      style: 'danger',
    },
  });

  const blocks: KnownBlock[] = [
    section(lines.join('\n')),
    actions(buttons),
    context(
      'Each button reads AWS when clicked and starts a renew request for what the account holds then; a different approver must approve it, and nothing changes until then.',
      `Offering ${code(truncate(n.offeringId, ID_MAX))}`,
    ),
  ];
  return {
    text: fallback(
      `${SERVICE_LABEL.devicefarm} renewal on ${date}:`,
      `${awsText(n.offeringDescription, 60)} renews ${count(next, 'slot')} (holding ${held} now),`,
      `${amount(n.nextMonthlyCost)} per month.`,
    ),
    blocks: layout(blocks),
  };
}

/** The change the renewal makes, said plainly; empty when the same slots renew. */
function renewalChange(held: number, next: number, date: string): string {
  if (next === 0) {
    return held > 0
      ? `:warning: *All ${count(held, 'slot')} lapse on ${date}; nothing renews.*`
      : 'Nothing is held and nothing renews.';
  }
  if (next < held) {
    const dropped = held - next;
    return `:warning: *${count(dropped, 'slot')} will be dropped: ${held} → ${next}.*`;
  }
  if (next > held) {
    const more = next - held;
    return `${more} more ${more === 1 ? 'slot starts' : 'slots start'} renewing: ${held} → ${next}.`;
  }
  return `The same ${count(held, 'slot')} renew.`;
}

/** The longest wording that fits the dialog; the date is never cut. */
function lapseConfirmText(n: RenewalUpcoming, date: string): string {
  const stop = `This asks to renew *0 slots*: every slot held stops on *${date}*.`;
  const of = `Offering: ${awsText(n.offeringDescription, 60)}.`;
  const approver = 'A different approver must approve; nothing changes until then.';
  const candidates = [`${stop} ${of} ${approver}`, `${stop} ${approver}`, stop];
  return (
    candidates.find((c) => c.length <= CONFIRM_LIMITS.text) ??
    truncateMrkdwn(stop, CONFIRM_LIMITS.text)
  );
}

const TRANSACTION_VERB: Readonly<Record<string, string>> = {
  PURCHASE: 'bought',
  RENEW: 'renewal set',
  SYSTEM: 'renewed by AWS',
};

function externalTransactions(n: Notice & ExternalTransactions): SlackMessage {
  const total = n.transactions.length;
  const what = count(total, `${SERVICE_LABEL.devicefarm} transaction`);
  const parts: Part[] = [
    section(
      `:receipt: *Changed outside slots-bot*: ${what} made in the AWS console or by another tool.`,
    ),
    itemList(n.transactions.map(transactionLine), (omitted, shown) =>
      shown === 0
        ? `${count(omitted, 'transaction')} could not be shown here; the AWS console lists them all.`
        : `…and ${omitted} more not shown here; the AWS console lists them all.`,
    ),
    context('slots-bot did not make these; each is announced once.'),
  ];
  const [first] = n.transactions;
  return {
    text: fallback(
      `${what} made outside slots-bot.`,
      total === 1 && first ? transactionSummary(first) : '',
    ),
    blocks: layout(parts),
  };
}

function transactionVerb(type: string): string {
  return TRANSACTION_VERB[type.toUpperCase()] ?? awsText(type, 30, 'unknown type');
}

function transactionLine(t: ExternalTransaction): string {
  const pieces = [
    `• *${transactionVerb(t.type)}*: ${awsText(t.offeringDescription)}`,
    count(t.quantity, 'slot'),
    amount(t.cost),
    code(truncate(t.id, ID_MAX)),
  ];
  if (t.effectiveOn) pieces.push(`effective ${formatDate(new Date(t.effectiveOn))}`);
  if (t.promotionId) pieces.push(`promotion ${code(truncate(t.promotionId, ID_MAX))}`);
  if (t.nextQuantity !== undefined) pieces.push(`next period: ${t.nextQuantity}`);
  return pieces.join(' · ');
}

function transactionSummary(t: ExternalTransaction): string {
  return `${transactionVerb(t.type)}: ${awsText(t.offeringDescription, 60)}, ${count(t.quantity, 'slot')}, ${amount(t.cost)}.`;
}

function nextPeriodChanged(n: Notice & NextPeriodChanged): SlackMessage {
  const date = n.effectiveOn ? formatDate(new Date(n.effectiveOn)) : undefined;
  const from = date ? `from ${date}` : 'from the next period';
  const lines = [
    `:warning: *The next-period slots of ${awsText(n.offeringDescription)} changed outside slots-bot:* ` +
      `*${n.from} → ${n.to}* ${from}.`,
    n.to === 0
      ? `All slots lapse ${date ? `on ${date}` : 'at the next period'}; nothing renews.`
      : `Monthly cost ${from}: *${amount(n.nextMonthlyCost)} per month*.`,
  ];
  return {
    text: fallback(
      `${SERVICE_LABEL.devicefarm} next-period slots of ${awsText(n.offeringDescription, 60)}`,
      `changed outside slots-bot: ${n.from} → ${n.to} ${from}.`,
    ),
    blocks: layout([
      section(lines.join('\n')),
      context(
        'AWS lists no transaction for this change; it was probably made in the AWS console.',
        `Offering ${code(truncate(n.offeringId, ID_MAX))}`,
      ),
    ]),
  };
}

// ---------------------------------------------------------------------------------------------
// MediaConnect

type ReservationFacts = Pick<
  ReservationEnding,
  | 'reservationArn'
  | 'reservationName'
  | 'offeringDescription'
  | 'end'
  | 'pricePerUnit'
  | 'priceUnit'
  | 'bandwidthMbps'
  | 'durationMonths'
>;

function reservationEnding(n: Notice & ReservationEnding, now: Date): SlackMessage {
  const end = new Date(n.end);
  const name = reservationName(n.reservationName);
  const lines = [
    `:hourglass_flowing_sand: ${SERVICE_LABEL.mediaconnect} reservation ${name} *ends ${untilText(now, end)}*`,
    `*Ends:* ${formatDateTime(end)}`,
    ...reservationDetails(n),
    noRenewal(end),
  ];
  return {
    text: fallback(
      `${SERVICE_LABEL.mediaconnect} reservation ${name} ends ${untilText(now, end)} (${formatDateTime(end)});`,
      'it does not renew.',
    ),
    blocks: layout([
      section(lines.join('\n')),
      actions([purchaseButton(n.key)]),
      purchaseContext(n),
    ]),
  };
}

const STATE_EMOJI: Readonly<Record<string, string>> = {
  ACTIVE: ':white_check_mark:',
  PROCESSING: ':gear:',
  EXPIRED: ':hourglass:',
  CANCELED: ':no_entry_sign:',
};

function reservationState(n: Notice & ReservationStateChanged): SlackMessage {
  const end = new Date(n.end);
  const name = reservationName(n.reservationName);
  const to = awsText(n.to, 30, 'UNKNOWN');
  const ended = ['EXPIRED', 'CANCELED'].includes(n.to.toUpperCase());
  const emoji = STATE_EMOJI[n.to.toUpperCase()] ?? ':information_source:';

  const headline =
    n.from === undefined
      ? `:mag: *A ${SERVICE_LABEL.mediaconnect} reservation slots-bot did not buy appeared:* ${name}, *${to}*`
      : `${emoji} Reservation ${name} is now *${to}* (was ${awsText(n.from, 30, 'UNKNOWN')})`;
  const lines = [
    headline,
    `*Term:* ${formatDateTime(new Date(n.start))} – ${formatDateTime(end)}`,
    ...reservationDetails(n),
  ];
  if (ended) lines.push(noRenewal(end));

  const blocks: KnownBlock[] = [section(lines.join('\n'))];
  if (ended) blocks.push(actions([purchaseButton(n.key)]), purchaseContext(n));
  else blocks.push(context(`Reservation ${code(truncate(n.reservationArn, ID_MAX))}`));

  const summary =
    n.from === undefined
      ? `A ${SERVICE_LABEL.mediaconnect} reservation slots-bot did not buy appeared: ${name} (${to}).`
      : `${SERVICE_LABEL.mediaconnect} reservation ${name} is now ${to} (was ${awsText(n.from, 30, 'UNKNOWN')}).`;
  return { text: fallback(summary), blocks: layout(blocks) };
}

/** Offering, bandwidth and price lines shared by the reservation notices. */
function reservationDetails(r: ReservationFacts): string[] {
  const price = storedAmount(r.pricePerUnit);
  const monthly = price && estimatedMonthlyCost(price, r.priceUnit, r.bandwidthMbps);
  const cost = [
    price ? unitPrice(price, r.priceUnit) : 'price unknown',
    ...(monthly ? [`about ${money(monthly)} per month (estimate)`] : []),
  ];
  return [
    `*Offering:* ${awsText(r.offeringDescription)} · ${r.durationMonths}-month term`,
    `*Bandwidth:* ${bandwidth(r.bandwidthMbps)} · ${cost.join(' · ')}`,
  ];
}

/** MediaConnect reservations never renew; people expect them to, so every ending says so. */
function noRenewal(end: Date): string {
  return (
    `${SERVICE_LABEL.mediaconnect} has no renewal: after ${formatDateTime(end)} the bandwidth is billed at on-demand rates until a new reservation is bought. ` +
    `${SERVICE_LABEL.mediaconnect} sells a new reservation only when none is active.`
  );
}

function purchaseButton(key: string): Button {
  return button(NOTICE_PURCHASE_ACTION, 'Request purchase', key);
}

function purchaseContext(r: ReservationFacts): KnownBlock {
  return context(
    'Request purchase opens a request form filled in with this offering; a different approver must approve before anything is bought.',
    `Reservation ${code(truncate(r.reservationArn, ID_MAX))}`,
  );
}

function reservationName(name: string): string {
  // In code, like everywhere else a reservation name appears: it is what people type in commands.
  return code(truncate(name.trim() || '(no name)', NAME_MAX));
}

// ---------------------------------------------------------------------------------------------
// AWS outages

function awsFailing(n: Notice & AwsFailing): SlackMessage {
  const service = SERVICE_LABEL[n.service];
  const since = formatDateTime(new Date(n.since));
  const message = escapeMrkdwn(truncate(n.message.trim() || 'AWS gave no reason.', MESSAGE_MAX));
  const lines = [
    `:rotating_light: *slots-bot cannot read ${service}* since ${since} (${count(n.failures, 'poll')} in a row failed).`,
    `>${message}`,
    `Notices about ${service} are paused and resume when AWS answers again. This warning is posted once per outage.`,
  ];
  return {
    text: fallback(`slots-bot cannot read ${service} since ${since}: ${message}`),
    blocks: layout([section(lines.join('\n'))]),
  };
}

function awsRecovered(n: Notice & AwsRecovered): SlackMessage {
  const service = SERVICE_LABEL[n.service];
  const since = formatDateTime(new Date(n.since));
  const until = formatDateTime(new Date(n.recoveredAt));
  const lines = [
    `:white_check_mark: *${service} answers again.* It could not be read from ${since} until ${until} (${count(n.failures, 'failed poll')}).`,
    `Notices about ${service} resume; anything missed meanwhile is announced now.`,
  ];
  return {
    text: fallback(`${service} answers again; notices resume.`),
    blocks: layout([section(lines.join('\n'))]),
  };
}

/** A stored notice of a kind this version does not know (written by a newer one). */
function unknownNotice(n: never): SlackMessage {
  const kind = (n as { kind?: unknown }).kind;
  const sentence = `slots-bot has a notice of a kind it cannot show (${code(truncate(String(kind), 40))}).`;
  return { text: fallback(sentence), blocks: [section(sentence)] };
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

/** AWS text as escaped mrkdwn of at most `max` characters, as every other view shows it. */
export function awsText(raw: string, max = DESCRIPTION_MAX, empty = '(no description)'): string {
  return escapeMrkdwn(truncate(raw.trim() || empty, max));
}

/** A stored amount, or undefined when the stored text is not an integer of micro-units. */
function storedAmount(m: StoredMoney): Money | undefined {
  return /^-?\d{1,30}$/.test(m.micros) ? moneyOf(m) : undefined;
}

function amount(m: StoredMoney): string {
  const value = storedAmount(m);
  return value ? money(value) : 'an unknown amount';
}

/** `in 6 days`, `tomorrow`, `in less than a day`, `now`: how far `at` is from `now`. */
export function untilText(now: Date, at: Date): string {
  const ms = at.getTime() - now.getTime();
  if (Number.isNaN(ms)) return 'at an unknown time';
  if (ms <= 0) return 'now';
  const days = daysUntil(now, at);
  if (days === 0) return 'in less than a day';
  // "Tomorrow" only when it is the next UTC calendar day, since the date is shown beside it.
  if (days === 1 && calendarDays(now, at) === 1) return 'tomorrow';
  return `in ${count(days, 'day')}`;
}

function calendarDays(from: Date, to: Date): number {
  const day = (d: Date) => Math.floor(d.getTime() / MS_PER_DAY);
  return day(to) - day(from);
}

function plain(text: string, max: number) {
  return { type: 'plain_text' as const, text: truncate(text, max), emoji: true };
}

function button(actionId: string, text: string, key: string): Button {
  return { type: 'button', action_id: actionId, text: plain(text, 75), value: key };
}

function actions(elements: Button[]): ActionsBlock {
  return { type: 'actions', block_id: NOTICE_ACTIONS_BLOCK, elements };
}
