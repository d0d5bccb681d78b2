/**
 * What the channel should hear after one poll, derived from the poll, the last snapshot and the
 * keys already recorded. Pure: the watcher does the I/O and commits the result in one write, so
 * the same inputs always give the same notices and a replayed poll repeats nothing.
 *
 * Written as steps (`deriveSteps`) that pause after each item: a large account has thousands, and
 * the watcher runs them in slices so that Slack acks never wait behind a poll.
 */
import type { AwsError } from '../aws/errors.js';
import {
  type Reservation,
  SERVICES,
  type ServiceName,
  type SlotStatus,
  type Transaction,
} from '../aws/types.js';
import { MS_PER_DAY } from '../domain/dates.js';
import { zero } from '../domain/money.js';
import { noticeKeys } from '../domain/notice-keys.js';
import { runAtOnce } from '../lifecycle/slices.js';
import {
  type DeriveInput,
  type DeriveResult,
  type ExternalTransaction,
  type Notice,
  type NoticeBody,
  type NoticeKind,
  type OpenRequestFootprint,
  type Outage,
  type ReservationSeen,
  type SlotsSeen,
  storedMoney,
  type WatchSnapshot,
} from './types.js';

type DeviceFarmPart = WatchSnapshot['devicefarm'];
type MediaConnectPart = WatchSnapshot['mediaconnect'];
type DevicefarmFootprint = Extract<OpenRequestFootprint, { service: 'devicefarm' }>;
/** Pauses (`yield`) between items; see `runInSlices`. */
type Steps<T> = Generator<void, T, undefined>;

export function deriveNotices(input: DeriveInput): DeriveResult {
  return runAtOnce(deriveSteps(input));
}

/** `deriveNotices` as steps, one pause after each item looked at. */
export function* deriveSteps(input: DeriveInput): Steps<DeriveResult> {
  const sink = createSink(input.announced);
  const devicefarm = yield* deriveDeviceFarm(input, sink);
  const mediaconnect = yield* deriveMediaConnect(input, sink);
  const outages = deriveOutages(input, sink);
  return {
    notices: sortNotices(sink.notices),
    quietKeys: [...sink.quiet],
    snapshot: {
      takenAt: input.now.toISOString(),
      ...(devicefarm ? { devicefarm } : {}),
      ...(mediaconnect ? { mediaconnect } : {}),
      outages,
    },
  };
}

/**
 * The lead times due for `target` at `now`: the tightest is announced; looser ones have passed
 * without being announced (the bot was down, or just started), and announcing them now would
 * only repeat the tighter notice with a stale "in 7 days", so they are recorded quietly.
 */
export function dueLeadDays(
  now: Date,
  target: Date,
  leadDays: readonly number[],
): { readonly announce: number; readonly passed: readonly number[] } | undefined {
  const msLeft = target.getTime() - now.getTime();
  if (!(msLeft > 0)) return undefined;
  const [announce, ...passed] = leadDays
    .filter((days) => msLeft <= days * MS_PER_DAY)
    .sort((a, b) => a - b);
  return announce === undefined ? undefined : { announce, passed };
}

// ---------------------------------------------------------------------------------------------
// Collecting: every rule goes through the sink, so "never repeat a recorded key" holds in one place.

interface Sink {
  readonly notices: Notice[];
  readonly quiet: Set<string>;
  emit(notice: Notice): void;
  record(key: string): void;
}

function createSink(announced: ReadonlySet<string>): Sink {
  const notices: Notice[] = [];
  const quiet = new Set<string>();
  const record = (key: string) => {
    if (!announced.has(key)) quiet.add(key);
  };
  const emit = (notice: Notice) => {
    const { alsoKeys: given, ...body } = notice;
    const alsoKeys = (given ?? []).filter((k) => !announced.has(k));
    if (announced.has(notice.key)) {
      // Already told; its companions are only recorded so they do not linger as unseen.
      for (const k of alsoKeys) quiet.add(k);
      return;
    }
    notices.push((alsoKeys.length > 0 ? { ...body, alsoKeys } : body) as Notice);
  };
  return { notices, quiet, emit, record };
}

function announceLeadTime(
  input: DeriveInput,
  sink: Sink,
  target: Date,
  keyOf: (leadDays: number) => string,
  build: (leadDays: number) => NoticeBody,
): void {
  const due = dueLeadDays(input.now, target, input.leadDays);
  if (!due) return;
  sink.emit({ ...build(due.announce), key: keyOf(due.announce) });
  for (const days of due.passed) sink.record(keyOf(days));
}

// ---------------------------------------------------------------------------------------------
// Device Farm

function* deriveDeviceFarm(input: DeriveInput, sink: Sink): Steps<DeviceFarmPart> {
  const seen = input.observation.devicefarm;
  // Unread is not "nothing there": keep what was last known so the next good poll compares right.
  if (!seen.ok) return input.previous?.devicefarm;
  const { slots, transactions } = seen.value;
  for (const slot of slots) {
    announceRenewal(input, sink, slot);
    yield;
  }
  yield* externalTransactions(input, sink, slots, transactions);
  yield* nextPeriodChanges(input, sink, slots, transactions);
  const offerings: [string, SlotsSeen][] = [];
  for (const slot of slots) {
    offerings.push([slot.offering.id, slotsSeen(slot)]);
    yield;
  }
  return { takenAt: input.now.toISOString(), offerings: Object.fromEntries(offerings) };
}

function slotsSeen(slot: SlotStatus): SlotsSeen {
  const effectiveOn = slot.nextPeriodEffectiveOn?.toISOString();
  return {
    current: slot.currentQuantity,
    next: slot.nextPeriodQuantity,
    ...(effectiveOn ? { effectiveOn } : {}),
  };
}

function announceRenewal(input: DeriveInput, sink: Sink, slot: SlotStatus): void {
  const effectiveOn = slot.nextPeriodEffectiveOn;
  if (!effectiveOn || (slot.currentQuantity <= 0 && slot.nextPeriodQuantity <= 0)) return;
  const id = slot.offering.id;
  const iso = effectiveOn.toISOString();
  announceLeadTime(
    input,
    sink,
    effectiveOn,
    (days) => noticeKeys.renewal(id, iso, days),
    (leadDays) => ({
      kind: 'renewal_upcoming',
      offeringId: id,
      offeringDescription: slot.offering.description,
      platform: slot.offering.platform,
      effectiveOn: iso,
      leadDays,
      currentQuantity: slot.currentQuantity,
      nextQuantity: slot.nextPeriodQuantity,
      monthlyPrice: storedMoney(slot.offering.monthlyPrice),
      currentMonthlyCost: storedMoney(slot.currentMonthlyCost),
      nextMonthlyCost: storedMoney(slot.nextMonthlyCost),
    }),
  );
}

function devicefarmFootprints(input: DeriveInput): DevicefarmFootprint[] {
  return input.bot.openRequests.filter((f): f is DevicefarmFootprint => f.service === 'devicefarm');
}

/**
 * How far AWS's `createdOn` may run behind the bot's clock and still be held for an open request.
 * Wider than reconciliation's own window, which knows AWS's offset: holding a transaction one
 * poll too long only delays its notice, announcing the bot's own one would be wrong.
 */
export const HOLD_CLOCK_SKEW_MS = 10 * 60_000;

/** How far before the previous poll a transaction may be dated and still explain a change. */
const EXPLAIN_CLOCK_SKEW_MS = 60_000;

/**
 * Wider than reconciliation's match (`deviceFarmCandidates`): what an unsettled request could
 * still claim as its own, whatever quantity AWS recorded (bought, or total held after). A
 * transaction matches when an open request has its offering and type and it was created after
 * that request started (less the skew), so only the earliest start per offering and type counts:
 * one lookup per transaction, not one pass over up to 200 open requests.
 */
function botsTransactions(
  footprints: readonly DevicefarmFootprint[],
): (tx: Transaction) => boolean {
  const earliest = new Map<string, Map<string, number>>();
  for (const f of footprints) {
    const since = Date.parse(f.since);
    // An unreadable start matches nothing (every comparison with NaN is false).
    if (Number.isNaN(since)) continue;
    const byType = earliest.get(f.offeringId) ?? new Map<string, number>();
    earliest.set(f.offeringId, byType);
    byType.set(f.type, Math.min(since, byType.get(f.type) ?? since));
  }
  return (tx) => {
    const since = earliest.get(tx.offeringId)?.get(tx.type);
    return since !== undefined && tx.createdOn.getTime() >= since - HOLD_CLOCK_SKEW_MS;
  };
}

function* externalTransactions(
  input: DeriveInput,
  sink: Sink,
  slots: readonly SlotStatus[],
  transactions: readonly Transaction[],
): Steps<void> {
  const mayBeBots = botsTransactions(devicefarmFootprints(input));
  const unseen: Transaction[] = [];
  for (const tx of transactions) {
    if (!input.announced.has(noticeKeys.transaction(tx.id)) && !mayBeBots(tx)) unseen.push(tx);
    yield;
  }
  // The first poll finds the account's whole history: recorded, not news.
  if (!input.previous?.devicefarm) {
    for (const tx of unseen) sink.record(noticeKeys.transaction(tx.id));
    return;
  }
  const [oldest, ...rest] = unseen.sort(byCreatedOn);
  if (!oldest) return;
  const nextByOffering = new Map(slots.map((s) => [s.offering.id, s.nextPeriodQuantity]));
  const grouped: ExternalTransaction[] = [];
  for (const tx of [oldest, ...rest]) {
    grouped.push(externalTransaction(tx, nextByOffering));
    yield;
  }
  sink.emit({
    kind: 'external_transactions',
    transactions: grouped,
    key: noticeKeys.transaction(oldest.id),
    alsoKeys: rest.map((tx) => noticeKeys.transaction(tx.id)),
  });
}

function byCreatedOn(a: Transaction, b: Transaction): number {
  return a.createdOn.getTime() - b.createdOn.getTime() || compareText(a.id, b.id);
}

function externalTransaction(
  tx: Transaction,
  nextByOffering: ReadonlyMap<string, number>,
): ExternalTransaction {
  const nextQuantity = nextByOffering.get(tx.offeringId);
  return {
    id: tx.id,
    type: tx.type,
    offeringId: tx.offeringId,
    offeringDescription: tx.offeringDescription,
    quantity: tx.quantity,
    cost: storedMoney(tx.cost),
    createdOn: tx.createdOn.toISOString(),
    ...(tx.effectiveOn ? { effectiveOn: tx.effectiveOn.toISOString() } : {}),
    ...(tx.promotionId !== undefined ? { promotionId: tx.promotionId } : {}),
    ...(nextQuantity !== undefined ? { nextQuantity } : {}),
  };
}

/**
 * A renewal quantity changed by hand in the console (or by AWS) leaves no transaction of ours to
 * explain it; a change with any recent transaction, or an open request, is accounted for there.
 */
function* nextPeriodChanges(
  input: DeriveInput,
  sink: Sink,
  slots: readonly SlotStatus[],
  transactions: readonly Transaction[],
): Steps<void> {
  const previous = input.previous;
  const before = previous?.devicefarm?.offerings;
  if (!previous || !before) return;
  // After an outage, the Device Farm part is older than the snapshot: count from when it was read.
  const since = previous.devicefarm?.takenAt ?? previous.takenAt;
  const recentFrom = Date.parse(since) - EXPLAIN_CLOCK_SKEW_MS;
  const explained = new Set<string>();
  for (const tx of transactions) {
    if (tx.createdOn.getTime() > recentFrom) explained.add(tx.offeringId);
    yield;
  }
  for (const f of devicefarmFootprints(input)) explained.add(f.offeringId);
  const now = new Map(slots.map((s) => [s.offering.id, s]));
  for (const id of new Set([...now.keys(), ...Object.keys(before)])) {
    yield;
    const slot = now.get(id);
    const from = before[id]?.next ?? 0;
    const to = slot?.nextPeriodQuantity ?? 0;
    if (from === to || explained.has(id)) continue;
    const effectiveOn = slot?.nextPeriodEffectiveOn?.toISOString() ?? before[id]?.effectiveOn;
    sink.emit({
      kind: 'next_period_changed',
      offeringId: id,
      offeringDescription: slot?.offering.description ?? id,
      ...(effectiveOn ? { effectiveOn } : {}),
      from,
      to,
      nextMonthlyCost: storedMoney(slot?.nextMonthlyCost ?? zero('USD')),
      key: noticeKeys.nextPeriod(id, from, to, since),
    });
  }
}

// ---------------------------------------------------------------------------------------------
// MediaConnect

function* deriveMediaConnect(input: DeriveInput, sink: Sink): Steps<MediaConnectPart> {
  const seen = input.observation.mediaconnect;
  if (!seen.ok) return input.previous?.mediaconnect;
  const mayBeBots = botsReservations(input.bot.openRequests);
  const entries: [string, ReservationSeen][] = [];
  for (const r of seen.value.reservations) {
    yield;
    if (reservationState(input, sink, r, mayBeBots) === 'deferred') continue;
    announceEnding(input, sink, r);
    entries.push([r.arn, { state: r.state, end: r.end.toISOString() }]);
  }
  return { reservations: Object.fromEntries(entries) };
}

function reservationState(
  input: DeriveInput,
  sink: Sink,
  r: Reservation,
  mayBeBots: (r: Reservation) => boolean,
): 'deferred' | 'seen' {
  const before = input.previous?.mediaconnect;
  const stateKey = noticeKeys.reservationState(r.arn, r.state);
  if (!before) {
    sink.record(noticeKeys.reservation(r.arn));
    sink.record(stateKey);
    return 'seen';
  }
  const prev = before.reservations[r.arn];
  if (prev) {
    if (prev.state !== r.state) {
      sink.emit({ ...reservationStateBody(r, prev.state), key: stateKey });
    }
    return 'seen';
  }
  if (input.announced.has(noticeKeys.reservation(r.arn))) {
    sink.record(stateKey);
    return 'seen';
  }
  // Possibly an unsettled purchase of the bot's: left out of the snapshot, so it is new again
  // next poll and decided once the request settles.
  if (mayBeBots(r)) return 'deferred';
  sink.emit({
    ...reservationStateBody(r, undefined),
    key: stateKey,
    alsoKeys: [noticeKeys.reservation(r.arn)],
  });
  return 'seen';
}

/** Whether an open request could have made the reservation: same offering, same name. */
function botsReservations(open: readonly OpenRequestFootprint[]): (r: Reservation) => boolean {
  const names = new Map<string, Set<string>>();
  for (const f of open) {
    if (f.service !== 'mediaconnect') continue;
    const byOffering = names.get(f.offeringArn) ?? new Set<string>();
    names.set(f.offeringArn, byOffering.add(f.reservationName));
  }
  return (r) => names.get(r.offeringArn)?.has(r.name) === true;
}

function reservationFields(r: Reservation) {
  return {
    reservationArn: r.arn,
    reservationName: r.name,
    offeringArn: r.offeringArn,
    offeringDescription: r.description,
    end: r.end.toISOString(),
    pricePerUnit: storedMoney(r.pricePerUnit),
    priceUnit: r.priceUnit,
    ...(r.bandwidthMbps !== undefined ? { bandwidthMbps: r.bandwidthMbps } : {}),
    durationMonths: r.durationMonths,
  };
}

function reservationStateBody(r: Reservation, from: string | undefined): NoticeBody {
  return {
    kind: 'reservation_state',
    ...reservationFields(r),
    ...(from !== undefined ? { from } : {}),
    to: r.state,
    start: r.start.toISOString(),
  };
}

function announceEnding(input: DeriveInput, sink: Sink, r: Reservation): void {
  if (r.state.toUpperCase() !== 'ACTIVE') return;
  const end = r.end.toISOString();
  announceLeadTime(
    input,
    sink,
    r.end,
    (days) => noticeKeys.reservationEnding(r.arn, end, days),
    (leadDays) => ({ kind: 'reservation_ending', ...reservationFields(r), leadDays }),
  );
}

// ---------------------------------------------------------------------------------------------
// Outages

function deriveOutages(input: DeriveInput, sink: Sink): WatchSnapshot['outages'] {
  const outages: Partial<Record<ServiceName, Outage>> = {};
  for (const service of SERVICES) {
    const seen = input.observation[service];
    const prev = input.previous?.outages[service];
    if (!seen.ok) {
      outages[service] = failing(input, sink, service, prev, seen.error);
    } else if (prev?.warned) {
      sink.emit({
        kind: 'aws_recovered',
        service,
        since: prev.since,
        recoveredAt: input.now.toISOString(),
        failures: prev.failures,
        key: noticeKeys.awsRecovered(service, prev.since),
      });
    }
  }
  return outages;
}

/** One failed poll is usual (a throttle, a blip); the channel hears once, after a streak. */
function failing(
  input: DeriveInput,
  sink: Sink,
  service: ServiceName,
  prev: Outage | undefined,
  error: AwsError,
): Outage {
  const since = prev?.since ?? input.now.toISOString();
  const failures = (prev?.failures ?? 0) + 1;
  const message = error.userMessage;
  const warned = prev?.warned ?? false;
  if (warned || failures < input.failureThreshold) return { since, failures, warned, message };
  sink.emit({
    kind: 'aws_failing',
    service,
    since,
    failures,
    message,
    key: noticeKeys.awsFailing(service, since),
  });
  return { since, failures, warned: true, message };
}

// ---------------------------------------------------------------------------------------------
// Order

const KIND_ORDER: readonly NoticeKind[] = [
  'aws_recovered',
  'renewal_upcoming',
  'external_transactions',
  'next_period_changed',
  'reservation_state',
  'reservation_ending',
  'aws_failing',
];

/** Date, then name, then id: the order a reader scans in, and stable across polls. */
function sortKey(n: Notice): readonly [string, string, string] {
  switch (n.kind) {
    case 'renewal_upcoming':
      return [n.effectiveOn, n.offeringDescription, n.offeringId];
    case 'external_transactions':
      return [n.transactions[0]?.createdOn ?? '', '', n.key];
    case 'next_period_changed':
      return [n.effectiveOn ?? '', n.offeringDescription, n.offeringId];
    case 'reservation_state':
      return [n.start, n.reservationName, n.reservationArn];
    case 'reservation_ending':
      return [n.end, n.reservationName, n.reservationArn];
    case 'aws_failing':
    case 'aws_recovered':
      return [n.since, n.service, n.key];
  }
}

function sortNotices(notices: readonly Notice[]): Notice[] {
  // Keys worked out once per notice, not twice per comparison: a first poll has hundreds.
  const keyed = notices.map((notice) => ({
    notice,
    kind: KIND_ORDER.indexOf(notice.kind),
    key: sortKey(notice),
  }));
  keyed.sort((a, b) => {
    const byKind = a.kind - b.kind;
    if (byKind !== 0) return byKind;
    const ka = a.key;
    const kb = b.key;
    return compareText(ka[0], kb[0]) || compareText(ka[1], kb[1]) || compareText(ka[2], kb[2]);
  });
  return keyed.map((k) => k.notice);
}

/** Code-unit order: unlike localeCompare, the same on every host. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
