/**
 * The sandbox's AWS panel, over the simulator: what the bot asked AWS and what AWS answered, the
 * account as AWS holds it, and buttons for what AWS (or someone in the AWS console) does on its
 * own. Every change goes through the simulator's console commands, never over HTTP, so the call
 * list holds only the bot's calls and each AWS-side change has one implementation.
 */
import { z } from 'zod';
import { executeSimCommand, WATCHED_OPERATIONS } from '../sim/console.js';
import {
  awsTime,
  expireReservations,
  nextPeriodStart,
  parseSeconds,
  type SimCall,
  type SimService,
  type Simulator,
} from '../sim/index.js';
import type { SandboxClock } from './clock.js';
import type { ActionResult, AwsAction, AwsCallView, AwsPanelState } from './protocol.js';

/** What the page's AWS panel reads and does (see `protocol.ts`). */
export interface AwsPanelBackend {
  state(): AwsPanelState;
  /** Changes the simulator (and, for `advance-period`, the clock); never throws. */
  act(action: AwsAction): Promise<ActionResult>;
  /** Fires after every bot call to AWS (bursts coalesced) and every successful `act`. */
  onChange(listener: () => void): () => void;
  /** Stops listening to the simulator. */
  close(): void;
}

/** The part of the sandbox clock the panel needs: now, and a jump forward. */
export type PanelClock = (() => Date) & Pick<SandboxClock, 'jumpTo'>;

export interface AwsPanelDeps {
  /** Started with `recordAnswers: true`, or the calls show no answers. */
  readonly sim: Simulator;
  readonly clock: PanelClock;
  /** Makes the bot read AWS now (`bot.watcher.pollOnce()`); the caller logs its failure. */
  readonly pollNow: () => Promise<void>;
}

/** Calls the panel shows; the page would slow down on thousands. */
export const SHOWN_CALLS = 300;
/** At most one change notice per this many ms while the bot is calling AWS. */
export const CALL_NOTICE_MS = 50;
/** Where `advance-period` leaves the clock: just past the new period's start. */
export const AFTER_PERIOD_START_MS = 60_000;
/** Slots per offering an action may name; well above any account's limit. */
export const MAX_ACTION_QUANTITY = 1000;

const SERVICES = ['devicefarm', 'mediaconnect'] as const satisfies readonly SimService[];

export function createAwsPanel({ sim, clock, pollNow }: AwsPanelDeps): AwsPanelBackend {
  const listeners = new Set<() => void>();
  // A call still delayed by a fault has status 0 like a dropped one; only ended ones are shown.
  const ended = new WeakSet<SimCall>();
  let pending: NodeJS.Timeout | undefined;

  const notify = () => {
    if (pending) clearTimeout(pending);
    pending = undefined;
    for (const listener of [...listeners]) {
      try {
        listener();
      } catch {
        // A listener's failure is its own (it pushes to the page); the others still hear.
      }
    }
  };
  const stopWatching = sim.onCall((call) => {
    ended.add(call);
    if (pending) return;
    pending = setTimeout(notify, CALL_NOTICE_MS);
    pending.unref();
  });

  return {
    state: () => panelState(sim, clock(), ended),
    act: async (action) => {
      const outcome = perform(sim, clock, action);
      if (!outcome.ok) return outcome;
      try {
        await pollNow();
      } catch {
        // The change is made; the bot reads AWS on its next poll anyway.
      }
      notify();
      return outcome;
    },
    onChange: (listener) => {
      const entry = () => listener();
      listeners.add(entry);
      return () => {
        listeners.delete(entry);
      };
    },
    close: () => {
      stopWatching();
      if (pending) clearTimeout(pending);
      pending = undefined;
    },
  };
}

function panelState(sim: Simulator, now: Date, ended: WeakSet<SimCall>): AwsPanelState {
  const awsNow = awsTime(now, sim.behaviour);
  // AWS ends reservations on its own; the panel is one more place that looks.
  expireReservations(sim.state.mediaConnect, awsNow);
  const firstSeq = sim.totalCalls - sim.calls.length + 1;
  const calls: AwsCallView[] = [];
  const start = Math.max(0, sim.calls.length - SHOWN_CALLS);
  for (let i = start; i < sim.calls.length; i++) {
    const call = sim.calls[i]!;
    if (call.status === 0 && !ended.has(call)) continue;
    calls.push(callView(call, firstSeq + i));
  }
  const { deviceFarm, mediaConnect } = sim.state;
  return {
    now: now.toISOString(),
    nextPeriodStart: nextPeriodStart(awsNow).toISOString(),
    calls,
    totalCalls: sim.totalCalls,
    services: {
      devicefarm: serviceHealth(sim, 'devicefarm'),
      mediaconnect: serviceHealth(sim, 'mediaconnect'),
    },
    offerings: deviceFarm.offerings.map((o) => {
      const slots = deviceFarm.slots[o.id];
      return {
        id: o.id,
        platform: o.platform,
        description: o.description,
        current: slots?.current ?? 0,
        nextPeriod: slots?.nextPeriod ?? 0,
        price: priceLine(o.recurringCharges[0]),
      };
    }),
    reservations: mediaConnect.reservations.map((r) => ({
      arn: r.reservationArn,
      name: r.reservationName,
      state: r.reservationState,
      end: parseSeconds(r.end)?.toISOString() ?? r.end,
    })),
  };
}

function callView(call: SimCall, seq: number): AwsCallView {
  return {
    seq,
    at: call.at.toISOString(),
    service: call.service,
    operation: call.operation,
    input: call.input,
    status: call.status,
    ...(call.answer === undefined ? {} : { answer: call.answer }),
  };
}

/** Failing while any read the watcher polls would get an error or a dropped connection. */
function serviceHealth(sim: Simulator, service: SimService): 'ok' | 'failing' {
  const failing = WATCHED_OPERATIONS[service].some((operation) => {
    const fault = sim.armedFault(service, operation);
    return fault !== undefined && (fault.error !== undefined || fault.drop !== undefined);
  });
  return failing ? 'failing' : 'ok';
}

function priceLine(
  charge: { cost: { amount: number; currencyCode: string }; frequency: string } | undefined,
): string {
  if (!charge) return 'no recurring charge';
  const per = charge.frequency === 'MONTHLY' ? 'month' : charge.frequency.toLowerCase();
  return `${charge.cost.amount.toFixed(2)} ${charge.cost.currencyCode} / ${per} per slot`;
}

const offeringId = z
  .string({ error: 'must be a Device Farm offering id' })
  .regex(/^[A-Za-z0-9-]{1,64}$/, { error: 'must be a Device Farm offering id' });
const quantity = z
  .number({ error: `must be a whole number from 0 to ${MAX_ACTION_QUANTITY}` })
  .int({ error: `must be a whole number from 0 to ${MAX_ACTION_QUANTITY}` })
  .min(0, { error: `must be a whole number from 0 to ${MAX_ACTION_QUANTITY}` })
  .max(MAX_ACTION_QUANTITY, { error: `must be a whole number from 0 to ${MAX_ACTION_QUANTITY}` });
const slotsAction = z.object({ offeringId, quantity });

/** Each action's fields; `kind` is checked first so an unknown one is named as such. */
const ACTION_SCHEMAS = {
  'advance-period': z.object({}),
  'renew-outside': slotsAction,
  'buy-outside': slotsAction,
  'set-next-period': slotsAction,
  'end-reservation': z.object({
    name: z
      .string({ error: 'must be a MediaConnect reservation name' })
      .regex(/^[A-Za-z0-9._-]{1,128}$/, {
        error: 'must be a MediaConnect reservation name (letters, digits, "-", "_" or ".")',
      }),
    days: z
      .number({ error: 'must be a whole number of days' })
      .int({ error: 'must be a whole number of days' })
      .min(-3650, { error: 'must be a whole number of days within 10 years' })
      .max(3650, { error: 'must be a whole number of days within 10 years' }),
  }),
  fail: z.object({ service: z.enum(SERVICES, { error: 'must be devicefarm or mediaconnect' }) }),
  heal: z.object({}),
} as const satisfies Record<AwsAction['kind'], z.ZodType>;

/** The action checked; a refusal names the field. */
export function parseAwsAction(input: unknown): { ok: true; action: AwsAction } | ActionResult {
  const kind =
    typeof input === 'object' && input !== null ? (input as { kind?: unknown }).kind : undefined;
  if (typeof kind !== 'string' || !Object.hasOwn(ACTION_SCHEMAS, kind)) {
    const shown = typeof kind === 'string' ? `"${kind}"` : 'missing';
    return { ok: false, message: `kind: unknown AWS action (${shown})` };
  }
  const parsed = ACTION_SCHEMAS[kind as AwsAction['kind']].safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, message: `${issue.path.join('.') || 'action'}: ${issue.message}` };
  }
  return { ok: true, action: { ...parsed.data, kind } as AwsAction };
}

function perform(sim: Simulator, clock: PanelClock, input: AwsAction): ActionResult {
  const parsed = parseAwsAction(input);
  if (!('action' in parsed)) return parsed;
  const { action } = parsed;
  switch (action.kind) {
    case 'advance-period':
      return advancePeriod(sim, clock);
    case 'renew-outside':
      return slotsCommand(sim, clock, 'renew', action);
    case 'buy-outside':
      return slotsCommand(sim, clock, 'buy', action);
    case 'set-next-period':
      return slotsCommand(sim, clock, 'next', action);
    case 'end-reservation':
      return command(sim, clock, `end ${action.name} ${action.days}`);
    case 'fail':
      return command(sim, clock, `fail ${action.service}`);
    case 'heal':
      return command(sim, clock, 'heal');
  }
}

function slotsCommand(
  sim: Simulator,
  clock: PanelClock,
  name: 'renew' | 'buy' | 'next',
  action: { offeringId: string; quantity: number },
): ActionResult {
  // The console takes a prefix; the panel names whole ids, so an unknown one is refused here.
  if (!sim.state.deviceFarm.offerings.some((o) => o.id === action.offeringId)) {
    return {
      ok: false,
      message: `offeringId: no Device Farm offering has the id "${action.offeringId}"`,
    };
  }
  return command(sim, clock, `${name} ${action.offeringId} ${action.quantity}`);
}

function command(sim: Simulator, clock: PanelClock, line: string): ActionResult {
  const outcome = executeSimCommand(sim, line, clock());
  return outcome.ok
    ? { ok: true, message: outcome.text }
    : { ok: false, message: outcome.problem ?? outcome.text };
}

/**
 * Rolls the period while the clock is still before it, so the SYSTEM renewals are dated at the
 * new period's start, then moves the clock just past that start, where the bot sees them.
 */
function advancePeriod(sim: Simulator, clock: PanelClock): ActionResult {
  const awsNow = awsTime(clock(), sim.behaviour);
  const periodStart = nextPeriodStart(awsNow);
  const before = sim.state.deviceFarm.transactions.length;
  sim.advancePeriod();
  const renewed = sim.state.deviceFarm.transactions.length - before;
  // The clock is the host's; AWS's runs `clockOffsetMs` ahead of it.
  const hostTarget = periodStart.getTime() - sim.behaviour.clockOffsetMs + AFTER_PERIOD_START_MS;
  clock.jumpTo(new Date(hostTarget));
  const offerings =
    renewed === 0 ? 'no offerings' : `${renewed} offering${renewed === 1 ? '' : 's'}`;
  return {
    ok: true,
    message: `Billing period advanced to ${dayMonthYear(periodStart)}: AWS renewed ${offerings}.`,
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function dayMonthYear(date: Date): string {
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}
