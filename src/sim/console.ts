/**
 * The simulator's console: one typed line in, a few lines of text out. Each command stands in
 * for something that happens on the AWS side without slots-bot (a period rolling over, a change
 * made in the AWS console, a reservation running out, an outage), so a person running the bot
 * against `npm run sim` can make every notice happen by hand. `runSimCommand` changes the
 * simulator but does no I/O; `cli.ts` feeds it stdin.
 */
import { awsTime } from './behaviour.js';
import { addDays, formatSeconds, nextPeriodStart } from './clock.js';
import { DEVICE_FARM_READS, runDeviceFarm } from './device-farm.js';
import type { Simulator } from './index.js';
import { LISTED_AT_ONCE } from './listing.js';
import { expireReservations } from './media-connect.js';
import type { DfOffering, DfTransaction, SimBehaviour, SimFault, SimService } from './types.js';
import { SimError } from './wire.js';

/** The read operations slots-bot's watcher polls, per service. */
export const WATCHED_OPERATIONS: Readonly<Record<SimService, readonly string[]>> = {
  devicefarm: ['GetOfferingStatus', 'ListOfferingTransactions'],
  mediaconnect: ['ListReservations'],
};

/**
 * The error `fail` arms per service: what an outage looks like on the wire. Device Farm models
 * no server error, so it gets AWS's generic unmodelled `InternalFailure` (500); MediaConnect's
 * own ServiceUnavailableException is 503. Both are retried by the bot's read clients first.
 */
export const OUTAGE_FAULTS: Readonly<Record<SimService, SimFault>> = {
  devicefarm: { error: { name: 'InternalFailure', status: 500, message: 'Simulated outage' } },
  mediaconnect: {
    error: { name: 'ServiceUnavailableException', status: 503, message: 'Simulated outage' },
  },
};

const SERVICE_LABEL: Readonly<Record<SimService, string>> = {
  devicefarm: 'Device Farm',
  mediaconnect: 'MediaConnect',
};

const HELP = [
  'Commands (case-insensitive):',
  '  help                         this list',
  '  status                       Device Farm slots (current/next) and MediaConnect reservations',
  '  period                       roll the Device Farm period (SYSTEM renewals are recorded)',
  '  renew <offering-id-prefix> <quantity>',
  '                               set next-period slots as if done in the AWS console (RENEW)',
  '  buy <offering-id-prefix> <quantity>',
  '                               buy slots now as if in the AWS console (PURCHASE, prorated);',
  '                               slots now and next period grow by the quantity',
  '  next <offering-id-prefix> <quantity>',
  '                               next-period slots change with no transaction to explain it',
  '  end <reservation-name> <days>',
  '                               reservation ends now + days; days <= 0 makes it EXPIRED',
  '  fail <devicefarm|mediaconnect|all>',
  '                               the reads slots-bot polls fail until `heal`',
  '  heal                         disarm every fault',
  'Switches (status shows them; each lasts until changed):',
  '  quantity <bought|total>      a Device Farm PURCHASE records the quantity bought, or the',
  '                               total held for the offering right after it',
  "  clock <minutes>              AWS's clock this far ahead of the host (-5 behind, 0 agrees):",
  '                               the Date header and every timestamp AWS makes',
  '  lag <seconds>                new transactions and reservations show in the listings only',
  '                               this long after they were made (0: at once)',
  '  processing <on|off>          new MediaConnect reservations start PROCESSING, not ACTIVE',
  '  activate                     every PROCESSING reservation becomes ACTIVE',
  '  ineligible <on|off>          the Device Farm reads answer NotEligibleException',
  '  arn <account|noaccount>      MediaConnect offering ARNs with or without the account field',
  'Changes typed here (renew, buy, next, end, period) show in the listings at once.',
].join('\n');

type Command = (sim: Simulator, args: string[], now: Date) => string;

const COMMANDS: Readonly<Record<string, Command>> = {
  help: () => HELP,
  status,
  period,
  renew,
  buy,
  next,
  end,
  fail,
  heal: (sim) => {
    sim.clearFaults();
    return 'Every fault disarmed: AWS answers normally again.';
  },
  quantity,
  clock,
  lag,
  processing,
  activate,
  ineligible,
  arn,
};

/** Arguments each command takes, for the "bad arguments" line. */
const USAGE: Readonly<Record<string, string>> = {
  help: 'help',
  status: 'status',
  period: 'period',
  renew: 'renew <offering-id-prefix> <quantity>',
  buy: 'buy <offering-id-prefix> <quantity>',
  next: 'next <offering-id-prefix> <quantity>',
  end: 'end <reservation-name> <days>',
  fail: 'fail <devicefarm|mediaconnect|all>',
  heal: 'heal',
  quantity: 'quantity <bought|total>',
  clock: 'clock <minutes>',
  lag: 'lag <seconds>',
  processing: 'processing <on|off>',
  activate: 'activate',
  ineligible: 'ineligible <on|off>',
  arn: 'arn <account|noaccount>',
};

const ARITY: Readonly<Record<string, number>> = {
  help: 0,
  status: 0,
  period: 0,
  renew: 2,
  buy: 2,
  next: 2,
  end: 2,
  fail: 1,
  heal: 0,
  quantity: 1,
  clock: 1,
  lag: 1,
  processing: 1,
  activate: 0,
  ineligible: 1,
  arn: 1,
};

/** A command's failure, said in one line. */
class ConsoleError extends Error {}

/** What one console line did, for a caller that is not a terminal (the sandbox's AWS panel). */
export interface SimCommandOutcome {
  /** False when the line was refused; nothing changed then. */
  readonly ok: boolean;
  /** The console's answer, exactly what `runSimCommand` returns. */
  readonly text: string;
  /** When refused: what was wrong, in one sentence without the pointer at `help`. */
  readonly problem?: string;
}

/**
 * Runs one console line against `sim` and answers what it did (an empty line answers "").
 * Never throws: a mistake answers one line that names it and points at `help`.
 */
export function runSimCommand(sim: Simulator, line: string, now: Date): string {
  return executeSimCommand(sim, line, now).text;
}

/** `runSimCommand`, telling a refusal apart from a success. Never throws either. */
export function executeSimCommand(sim: Simulator, line: string, now: Date): SimCommandOutcome {
  const words = line.trim().split(/\s+/).filter(Boolean);
  const name = words[0]?.toLowerCase();
  if (name === undefined) return { ok: true, text: '' };
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) return refused(`Unknown command "${words[0]}"`);
  const args = words.slice(1);
  if (args.length !== ARITY[name]) {
    return refused(
      `Usage: ${USAGE[name]} (got ${args.length} argument${args.length === 1 ? '' : 's'})`,
    );
  }
  try {
    return { ok: true, text: command(sim, args, now) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return refused(`${name}: ${message}`);
  }
}

function refused(problem: string): SimCommandOutcome {
  return { ok: false, text: `${problem}; type help for the list.`, problem };
}

function status(sim: Simulator, _args: string[], now: Date): string {
  const { deviceFarm, mediaConnect } = sim.state;
  expireReservations(mediaConnect, awsTime(now, sim.behaviour));
  const lines: string[] = [];
  for (const offering of deviceFarm.offerings) {
    const slots = deviceFarm.slots[offering.id];
    if (!slots || (slots.current <= 0 && slots.nextPeriod <= 0)) continue;
    lines.push(
      `Device Farm ${offering.id.slice(0, 8)} ${offering.description}: current ${slots.current}, next ${slots.nextPeriod}`,
    );
  }
  if (lines.length === 0) lines.push('Device Farm: no slots held');
  if (mediaConnect.reservations.length === 0) lines.push('MediaConnect: no reservations');
  for (const r of mediaConnect.reservations) {
    lines.push(`MediaConnect ${r.reservationName}: ${r.reservationState}, ends ${r.end}`);
  }
  lines.push(`Switches: ${switches(sim.behaviour)}`);
  return lines.join('\n');
}

/** The switches as the commands that set them, so a line of status can be typed back. */
export function switches(b: Readonly<SimBehaviour>): string {
  return [
    `quantity ${b.purchaseQuantity}`,
    `clock ${signed(b.clockOffsetMs / 60_000)}`,
    `lag ${b.listingDelayMs / 1000}`,
    `processing ${onOff(b.newReservationState === 'PROCESSING')}`,
    `ineligible ${onOff(b.readsNotEligible)}`,
    `arn ${b.arnWithoutAccount ? 'noaccount' : 'account'}`,
  ].join(', ');
}

function period(sim: Simulator): string {
  const before = sim.state.deviceFarm.transactions.length;
  sim.advancePeriod();
  const added = sim.state.deviceFarm.transactions.length - before;
  return `Device Farm period rolled: next-period slots are now current; ${added} SYSTEM transaction${added === 1 ? '' : 's'} added.`;
}

function renew(sim: Simulator, [prefix, quantityText]: string[], now: Date): string {
  const quantity = integerArg(quantityText!, 'quantity');
  if (quantity < 0) throw new ConsoleError(`quantity must be 0 or more, got ${quantity}`);
  const offering = offeringByPrefix(sim, prefix!);
  const tx = outsideTransaction(sim, 'RenewOffering', offering, quantity, now);
  return `Renewed ${offering.id.slice(0, 8)} ${offering.description} at ${quantity} for next period; RENEW transaction ${tx.transactionId} recorded.`;
}

function buy(sim: Simulator, [prefix, quantityText]: string[], now: Date): string {
  const quantity = integerArg(quantityText!, 'quantity');
  if (quantity < 1) throw new ConsoleError(`quantity must be 1 or more, got ${quantity}`);
  const offering = offeringByPrefix(sim, prefix!);
  const tx = outsideTransaction(sim, 'PurchaseOffering', offering, quantity, now);
  const slots = sim.state.deviceFarm.slots[offering.id]!;
  const cost = `${tx.cost.amount.toFixed(2)} ${tx.cost.currencyCode}`;
  return `Bought ${quantity} ${offering.id.slice(0, 8)} ${offering.description}: current ${slots.current}, next ${slots.nextPeriod}; PURCHASE transaction ${tx.transactionId} recorded (${cost}).`;
}

function next(sim: Simulator, [prefix, quantityText]: string[], now: Date): string {
  const quantity = integerArg(quantityText!, 'quantity');
  if (quantity < 0) throw new ConsoleError(`quantity must be 0 or more, got ${quantity}`);
  const offering = offeringByPrefix(sim, prefix!);
  const { maxSlotsPerOffering, slots } = sim.state.deviceFarm;
  if (quantity > maxSlotsPerOffering) {
    throw new ConsoleError(
      `${quantity} slots exceed the limit of ${maxSlotsPerOffering} for this offering`,
    );
  }
  slots[offering.id] ??= { current: 0, nextPeriod: 0 };
  const before = slots[offering.id]!.nextPeriod;
  slots[offering.id]!.nextPeriod = quantity;
  const from = nextPeriodStart(awsTime(now, sim.behaviour)).toISOString().slice(0, 10);
  return `Next period of ${offering.id.slice(0, 8)} ${offering.description}: ${quantity} slots from ${from} (was ${before}); no transaction recorded.`;
}

/** The one offering whose id starts with `prefix` (any case). */
function offeringByPrefix(sim: Simulator, prefix: string): DfOffering {
  const wanted = prefix.toLowerCase();
  const matches = sim.state.deviceFarm.offerings.filter((o) =>
    o.id.toLowerCase().startsWith(wanted),
  );
  if (matches.length === 0)
    throw new ConsoleError(`no Device Farm offering id starts with "${prefix}"`);
  if (matches.length > 1) {
    throw new ConsoleError(
      `"${prefix}" matches ${matches.length} offerings (${matches.map((o) => o.id.slice(0, 8)).join(', ')}); give more of the id`,
    );
  }
  return matches[0]!;
}

/**
 * Runs the operation's own handler, so the transaction (and every refusal) is exactly what AWS
 * would record for the same change made in its console; listed at once, not through the API.
 */
function outsideTransaction(
  sim: Simulator,
  operation: 'PurchaseOffering' | 'RenewOffering',
  offering: DfOffering,
  quantity: number,
  now: Date,
): DfTransaction {
  try {
    const result = runDeviceFarm(
      operation,
      { offeringId: offering.id, quantity },
      {
        state: sim.state.deviceFarm,
        now: awsTime(now, sim.behaviour),
        pageSize: 1,
        behaviour: sim.behaviour,
        listing: LISTED_AT_ONCE,
      },
    );
    return (result as { offeringTransaction: DfTransaction }).offeringTransaction;
  } catch (error) {
    if (error instanceof SimError) throw new ConsoleError(`${error.code}: ${error.message}`);
    throw error;
  }
}

function end(sim: Simulator, [name, daysText]: string[], now: Date): string {
  const days = Number(daysText);
  if (!daysText || !Number.isFinite(days)) {
    throw new ConsoleError(`days must be a number, got "${daysText}"`);
  }
  const reservations = sim.state.mediaConnect.reservations;
  const reservation =
    reservations.find((r) => r.reservationName === name) ??
    reservations.find((r) => r.reservationName.toLowerCase() === name!.toLowerCase());
  if (!reservation) {
    const known = reservations.map((r) => r.reservationName).join(', ') || 'none';
    throw new ConsoleError(`no MediaConnect reservation named "${name}" (known: ${known})`);
  }
  reservation.end = formatSeconds(addDays(awsTime(now, sim.behaviour), days));
  reservation.reservationState = days <= 0 ? 'EXPIRED' : 'ACTIVE';
  return `MediaConnect ${reservation.reservationName}: ${reservation.reservationState}, ends ${reservation.end}.`;
}

function fail(sim: Simulator, [target]: string[]): string {
  const services = servicesOf(target!);
  const armed: string[] = [];
  for (const service of services) {
    const fault = OUTAGE_FAULTS[service];
    for (const operation of WATCHED_OPERATIONS[service]) {
      sim.fault(service, operation, structuredClone(fault));
    }
    armed.push(
      `${SERVICE_LABEL[service]} ${WATCHED_OPERATIONS[service].join(', ')} (${fault.error!.name})`,
    );
  }
  return `Failing until heal: ${armed.join('; ')}.`;
}

function quantity(sim: Simulator, [choice]: string[]): string {
  const purchaseQuantity = oneOf(choice!, ['bought', 'total'] as const, 'quantity');
  sim.setBehaviour({ purchaseQuantity });
  return purchaseQuantity === 'total'
    ? 'Device Farm PURCHASE transactions now record the total held for the offering after the purchase.'
    : 'Device Farm PURCHASE transactions now record the quantity bought.';
}

function clock(sim: Simulator, [minutesText]: string[]): string {
  const minutes = numberArg(minutesText!, 'minutes');
  sim.setBehaviour({ clockOffsetMs: Math.round(minutes * 60_000) });
  if (minutes === 0) return "AWS's clock agrees with the host's again.";
  const how = minutes > 0 ? 'ahead of' : 'behind';
  return `AWS's clock is now ${Math.abs(minutes)} min ${how} the host's (Date header, createdOn, start windows).`;
}

function lag(sim: Simulator, [secondsText]: string[]): string {
  const seconds = numberArg(secondsText!, 'seconds');
  if (seconds < 0) throw new ConsoleError(`seconds must be 0 or more, got ${seconds}`);
  sim.setBehaviour({ listingDelayMs: Math.round(seconds * 1000) });
  return seconds === 0
    ? 'New transactions and reservations show in the listings at once.'
    : `New transactions and reservations show in the listings ${seconds} s after they are made.`;
}

function processing(sim: Simulator, [choice]: string[]): string {
  const on = onOffArg(choice!, 'processing');
  sim.setBehaviour({ newReservationState: on ? 'PROCESSING' : 'ACTIVE' });
  return on
    ? 'New MediaConnect reservations start PROCESSING; type activate to make them ACTIVE.'
    : 'New MediaConnect reservations start ACTIVE.';
}

function activate(sim: Simulator): string {
  const waiting = sim.state.mediaConnect.reservations.filter(
    (r) => r.reservationState === 'PROCESSING',
  );
  sim.activateReservations();
  if (waiting.length === 0) return 'No MediaConnect reservation is PROCESSING.';
  return `Now ACTIVE: ${waiting.map((r) => r.reservationName).join(', ')}.`;
}

function ineligible(sim: Simulator, [choice]: string[]): string {
  const readsNotEligible = onOffArg(choice!, 'ineligible');
  sim.setBehaviour({ readsNotEligible });
  return readsNotEligible
    ? `Device Farm ${DEVICE_FARM_READS.join(', ')} answer NotEligibleException.`
    : 'Device Farm reads answer normally.';
}

function arn(sim: Simulator, [choice]: string[]): string {
  const form = oneOf(choice!, ['account', 'noaccount'] as const, 'arn');
  sim.setBehaviour({ arnWithoutAccount: form === 'noaccount' });
  const example = sim.state.mediaConnect.offerings[0]?.offeringArn;
  const eg = example ? `, e.g. ${example}` : '';
  return form === 'noaccount'
    ? `MediaConnect offering ARNs now have no account field${eg}.`
    : `MediaConnect offering ARNs now carry the account${eg}.`;
}

function servicesOf(target: string): SimService[] {
  switch (target.toLowerCase()) {
    case 'devicefarm':
    case 'df':
      return ['devicefarm'];
    case 'mediaconnect':
    case 'mc':
      return ['mediaconnect'];
    case 'all':
      return ['devicefarm', 'mediaconnect'];
    default:
      throw new ConsoleError(`unknown service "${target}" (devicefarm, mediaconnect or all)`);
  }
}

function oneOf<T extends string>(text: string, choices: readonly T[], what: string): T {
  const wanted = text.toLowerCase();
  const found = choices.find((c) => c === wanted);
  if (!found) throw new ConsoleError(`${what} takes ${choices.join(' or ')}, got "${text}"`);
  return found;
}

function onOffArg(text: string, what: string): boolean {
  return oneOf(text, ['on', 'off'] as const, what) === 'on';
}

function numberArg(text: string, what: string): number {
  if (!/^[+-]?\d+(\.\d+)?$/.test(text)) {
    throw new ConsoleError(`${what} must be a number, got "${text}"`);
  }
  return Number(text);
}

function signed(n: number): string {
  return n >= 0 ? `+${n}` : String(n);
}

function onOff(on: boolean): string {
  return on ? 'on' : 'off';
}

function integerArg(text: string, what: string): number {
  if (!/^[+-]?\d+$/.test(text))
    throw new ConsoleError(`${what} must be a whole number, got "${text}"`);
  return Number(text);
}
