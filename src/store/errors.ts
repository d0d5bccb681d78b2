/**
 * Every failure the store reports on its own account is a `StoreError` with a string code. Driver
 * errors the store cannot name (a full disk, a broken file) travel as the `cause`.
 */
export const STORE_ERROR_CODES = [
  /** A row read back does not hold what the store wrote: bad JSON, a bad date, an unknown state. */
  'store_corrupt',
  /** The caller passed something the store refuses to write (an invalid date, an empty `from`). */
  'store_invalid_input',
  /** The request an event or a message refers to does not exist. */
  'store_not_found',
  /** A request with this id already exists. */
  'store_conflict',
  /** The database stayed locked by another process for longer than the busy timeout. */
  'store_busy',
  /**
   * The database could not be reached or did not answer in time (a server restarting, a dropped
   * connection, a statement timeout). Nothing was written; the same call may be tried again.
   */
  'store_unavailable',
  /** The database was migrated by a newer slots-bot than this one. */
  'store_schema_too_new',
  /** Another request for the same service, offering and kind is still open; `detail.openRequestId` names it. */
  'store_open_request',
  /** A request was already made from this Slack trigger id (a replayed delivery). */
  'store_duplicate_trigger',
] as const;

export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number];

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown; detail?: Readonly<Record<string, string>> },
  ) {
    super(message, options);
    this.detail = options?.detail ?? {};
  }
  readonly detail: Readonly<Record<string, string>>;
}

export function isStoreError(e: unknown): e is StoreError {
  return e instanceof StoreError;
}

/**
 * True for failures that leave nothing written and may pass on their own: a lock held by another
 * process, or a database that is away for a moment. The caller may try again (or ask the user to).
 */
export function isRetriableStoreError(e: unknown): boolean {
  return isStoreError(e) && (e.code === 'store_busy' || e.code === 'store_unavailable');
}
