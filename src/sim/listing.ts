/**
 * The listing delay: a record made through the API is listed only once enough host time has
 * passed since it was made. Kept apart from the record (whose timestamps carry AWS's clock
 * offset) so that moving AWS's clock never moves when a record shows up.
 */

/** Which records the list operations may show yet. */
export interface ListingDelay {
  /** Notes that the record `id` was made just now. */
  made(id: string): void;
  /** Whether the record `id` shows in listings; records this registry never saw always do. */
  listed(id: string): boolean;
  clear(): void;
}

/**
 * A registry measuring against the delay in force when asked, so lowering the delay releases
 * waiting records at once. A record once listed stays listed, as AWS never unlists a purchase.
 */
export function createListingDelay(hostNow: () => Date, delayMs: () => number): ListingDelay {
  const madeAt = new Map<string, number>();
  return {
    made(id) {
      madeAt.set(id, hostNow().getTime());
    },
    listed(id) {
      const at = madeAt.get(id);
      if (at === undefined) return true;
      if (hostNow().getTime() - at < delayMs()) return false;
      madeAt.delete(id);
      return true;
    },
    clear() {
      madeAt.clear();
    },
  };
}

/** For records made outside the API (the console, a period rolling over): listed at once. */
export const LISTED_AT_ONCE: ListingDelay = {
  made() {},
  listed: () => true,
  clear() {},
};
