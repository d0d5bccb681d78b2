/**
 * A loopback stand-in for AWS Device Farm (offerings) and MediaConnect (offerings and
 * reservations) that the real SDK v3 clients talk to over HTTP, with seeded state, recorded
 * calls and injectable faults. See `/work/shared/aws/README.md` for the wire rules it follows.
 */
import { awsTime, DEFAULT_BEHAVIOUR, patchBehaviour } from './behaviour.js';
import { advanceDeviceFarmPeriod } from './device-farm.js';
import { createFaultRegistry } from './faults.js';
import { createListingDelay } from './listing.js';
import { activateReservations, setOfferingArnForm } from './media-connect.js';
import { defaultSeed } from './seed.js';
import { listenSimServer } from './server.js';
import type { SimBehaviour, SimCall, SimFault, SimSeed, SimService, SimState } from './types.js';

export { awsTime, DEFAULT_BEHAVIOUR, SimBehaviourError } from './behaviour.js';
export { formatSeconds, nextPeriodStart, parseSeconds, periodStart } from './clock.js';
export {
  expireReservations,
  MEDIA_CONNECT_ARN_PREFIX,
  offeringArnForm,
  offeringArnWithoutAccount,
} from './media-connect.js';
export { DEVICE_FARM_MONTHLY_PRICE, defaultSeed, largeSeed, SEED_IDS } from './seed.js';
export type * from './types.js';

/** A running simulator; everything a test needs to seed, observe and break it. */
export interface Simulator {
  /** Base URL for the SDK's `endpoint`, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Mutable seeded state; tests may edit it directly. `reset` keeps this object. */
  readonly state: SimState;
  /** Every call in the order it arrived (only the last `maxCalls` when that option is set). */
  readonly calls: SimCall[];
  /** Calls received since the start or the last `reset`, including any `maxCalls` let go. */
  readonly totalCalls: number;
  /**
   * Adds a listener called as `onCall` is (see `SimulatorOptions`); returns its removal. For
   * whoever gets the simulator after it started.
   */
  onCall(listener: (call: SimCall) => void): () => void;
  /** The behaviour switches in force (a frozen copy; change them with `setBehaviour`). */
  readonly behaviour: Readonly<SimBehaviour>;
  /**
   * Changes some switches and keeps the rest. Throws `SimBehaviourError` for an unknown switch
   * or a bad value. Turning `arnWithoutAccount` on or off rewrites every offering ARN in the
   * state (offerings and reservations) to the new form.
   */
  setBehaviour(patch: Partial<SimBehaviour>): void;
  /** Every PROCESSING MediaConnect reservation becomes ACTIVE. */
  activateReservations(): void;
  /** Calls of one operation, optionally of one service (both have `ListOfferings`). */
  callsTo(operation: string, service?: SimService): SimCall[];
  /** Arms a fault for the next calls of one operation, replacing any fault armed there. */
  fault(service: SimService, operation: string, fault: SimFault): void;
  /** The fault the next call of `operation` would get (a copy), without using it up. */
  armedFault(service: SimService, operation: string): SimFault | undefined;
  /** Disarms every fault. */
  clearFaults(): void;
  /** Delays every answer by `ms` (0 turns it off). */
  setGlobalDelay(ms: number): void;
  /** Rolls the Device Farm period: next-period slots become current, SYSTEM transactions. */
  advancePeriod(): void;
  /**
   * Back to `seed` (or the starting seed); clears calls, faults and the global delay, and puts
   * the behaviour back to the starting one (the defaults unless `behaviour` was given).
   */
  reset(seed?: SimSeed): void;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** Options of `startSimulator`. */
export interface SimulatorOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** Starting state; default `defaultSeed` at AWS's now. Copied, never mutated. */
  seed?: SimSeed;
  /** Items per page of every list when the caller sets no `maxResults`; default 3. */
  pageSize?: number;
  /**
   * The host's clock: recorded calls and the listing delay use it; AWS's clock (periods,
   * prices, start windows, timestamps, the `Date` header) is it plus `clockOffsetMs`.
   */
  now?: () => Date;
  /** Starting switches over `DEFAULT_BEHAVIOUR`; `reset` comes back to them. */
  behaviour?: Partial<SimBehaviour>;
  /**
   * Keep each reply's parsed JSON body on its call as `SimCall.answer` (error bodies too).
   * Default false: a long benchmark would otherwise hold every answer in memory.
   */
  recordAnswers?: boolean;
  /**
   * Called once per call when it is over: its `status` (and `answer`, with `recordAnswers`) set,
   * or the connection dropped by a fault (status 0). Not called for a call still delayed when
   * the simulator closes. A listener that throws is ignored; the reply is already sent.
   */
  onCall?: (call: SimCall) => void;
  /** Keep only this many of the newest calls in `calls`; default all. For long-running hosts. */
  maxCalls?: number;
}

/** Starts a simulator serving both services on one port. */
export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const now = opts.now ?? (() => new Date());
  const startingBehaviour = Object.freeze(patchBehaviour(DEFAULT_BEHAVIOUR, opts.behaviour ?? {}));
  let behaviour = startingBehaviour;
  const startingSeed = structuredClone(opts.seed ?? defaultSeed(awsTime(now(), behaviour)));
  const state = structuredClone(startingSeed);
  const calls: SimCall[] = [];
  let totalCalls = 0;
  const maxCalls = Math.max(1, opts.maxCalls ?? Number.POSITIVE_INFINITY);
  const callListeners = new Set<(call: SimCall) => void>();
  if (opts.onCall) callListeners.add(opts.onCall);
  const faults = createFaultRegistry();
  let globalDelay = 0;
  const listing = createListingDelay(now, () => behaviour.listingDelayMs);
  const seedIn = (target: SimState) => {
    if (behaviour.arnWithoutAccount) setOfferingArnForm(target.mediaConnect, false);
  };
  seedIn(state);

  const server = await listenSimServer(
    {
      state,
      now,
      behaviour: () => behaviour,
      listing,
      pageSize: opts.pageSize ?? 3,
      faults,
      globalDelayMs: () => globalDelay,
      recordAnswers: opts.recordAnswers ?? false,
      callStarted: (call) => {
        totalCalls++;
        calls.push(call);
        if (calls.length > maxCalls) calls.splice(0, calls.length - maxCalls);
      },
      callEnded: (call) => {
        for (const listener of [...callListeners]) {
          try {
            listener(call);
          } catch {
            // An observer's bug must not reach the AWS side: the reply has gone out already.
          }
        }
      },
    },
    opts.port ?? 0,
    opts.host ?? '127.0.0.1',
  );
  const { address, family, port } = server.address;
  const url = `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`;

  return {
    url,
    state,
    calls,
    get totalCalls() {
      return totalCalls;
    },
    onCall: (listener) => {
      // A wrapper, so the same function added twice is two listeners removed one at a time.
      const entry = (call: SimCall) => listener(call);
      callListeners.add(entry);
      return () => {
        callListeners.delete(entry);
      };
    },
    get behaviour() {
      return behaviour;
    },
    setBehaviour: (patch) => {
      const next = Object.freeze(patchBehaviour(behaviour, patch));
      if (next.arnWithoutAccount !== behaviour.arnWithoutAccount) {
        setOfferingArnForm(state.mediaConnect, !next.arnWithoutAccount);
      }
      behaviour = next;
    },
    activateReservations: () => {
      activateReservations(state.mediaConnect);
    },
    callsTo: (operation, service) =>
      calls.filter((c) => c.operation === operation && (!service || c.service === service)),
    fault: (service, operation, fault) => faults.set(service, operation, fault),
    armedFault: (service, operation) => faults.peek(service, operation),
    clearFaults: () => faults.clear(),
    setGlobalDelay: (ms) => {
      globalDelay = Math.max(0, ms);
    },
    advancePeriod: () => advanceDeviceFarmPeriod(state.deviceFarm, awsTime(now(), behaviour)),
    reset: (seed) => {
      // Replace the parts, not the object: the server and tests hold this reference.
      const fresh = structuredClone(seed ?? startingSeed);
      state.deviceFarm = fresh.deviceFarm;
      state.mediaConnect = fresh.mediaConnect;
      calls.length = 0;
      totalCalls = 0;
      faults.clear();
      globalDelay = 0;
      listing.clear();
      behaviour = startingBehaviour;
      seedIn(state);
    },
    close: () => server.close(),
  };
}
