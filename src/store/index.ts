/**
 * Opens the store the configuration names. Each backend lives in its own file behind the `Store`
 * interface; adding one (PostgreSQL) means a new `kind` in `Config['database']` and a case here.
 */
import type { Config } from '../config.js';
import type { Clock } from '../lifecycle/clock.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './store.js';

export { isStoreError, STORE_ERROR_CODES, StoreError, type StoreErrorCode } from './errors.js';
export type { Store } from './store.js';

/** Opens (and migrates) the database. `clock` stamps events and outbox messages. */
export async function openStore(database: Config['database'], clock?: Clock): Promise<Store> {
  switch (database.kind) {
    case 'sqlite':
      return openSqliteStore({ path: database.path, ...(clock && { clock }) });
    default:
      return unsupported(database.kind);
  }
}

function unsupported(kind: never): never {
  throw new Error(`no store backend for database kind ${String(kind)}`);
}
