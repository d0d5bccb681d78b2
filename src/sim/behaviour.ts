/**
 * The simulator's behaviour switches: their defaults, the validation of a change, and the two
 * clocks they imply. The host clock is the simulator's injected `now`; AWS's clock is the host
 * clock moved by `clockOffsetMs`, and everything AWS stamps or compares uses AWS's clock.
 */
import { z } from 'zod';
import type { SimBehaviour } from './types.js';

/** What the simulator does when no switch is set: the behaviour it always had. */
export const DEFAULT_BEHAVIOUR: Readonly<SimBehaviour> = Object.freeze({
  purchaseQuantity: 'bought',
  clockOffsetMs: 0,
  listingDelayMs: 0,
  newReservationState: 'ACTIVE',
  readsNotEligible: false,
  arnWithoutAccount: false,
});

const behaviourPatchSchema = z
  .strictObject({
    purchaseQuantity: z.enum(['bought', 'total']),
    // zod 4 numbers are finite; the bound only keeps `new Date(host + offset)` a valid date.
    clockOffsetMs: z.number().min(-1e12).max(1e12),
    listingDelayMs: z.number().min(0).max(1e12),
    newReservationState: z.enum(['ACTIVE', 'PROCESSING']),
    readsNotEligible: z.boolean(),
    arnWithoutAccount: z.boolean(),
  })
  .partial();

/** A behaviour change that names an unknown switch or an impossible value. */
export class SimBehaviourError extends Error {
  readonly code = 'sim_behaviour_invalid';
}

/**
 * `current` with `patch` applied. Throws `SimBehaviourError` naming every bad field, so a typo
 * in a test (`purchaseQty`) fails loudly instead of silently testing the default.
 */
export function patchBehaviour(current: SimBehaviour, patch: unknown): SimBehaviour {
  const parsed = behaviourPatchSchema.safeParse(patch);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const field = i.path.length > 0 ? i.path.join('.') : 'behaviour';
      return `${field}: ${i.message}`;
    });
    throw new SimBehaviourError(`Invalid simulator behaviour (${problems.join('; ')})`);
  }
  const defined = Object.entries(parsed.data).filter(([, value]) => value !== undefined);
  return { ...current, ...Object.fromEntries(defined) };
}

/** AWS's "now" for a host instant. */
export function awsTime(hostNow: Date, behaviour: Pick<SimBehaviour, 'clockOffsetMs'>): Date {
  return new Date(hostNow.getTime() + behaviour.clockOffsetMs);
}
