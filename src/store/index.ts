/**
 * Opens the store the configuration names. Each backend lives in its own file behind the `Store`
 * interface; adding one means a new `kind` in `Config['database']` and a case here. Each driver is
 * loaded only when its backend is chosen, so a SQLite bot starts without loading `pg`, and the
 * other way round.
 */
import type { Config } from '../config.js';
import type { Clock } from '../lifecycle/clock.js';
import type { Store } from './store.js';

export { isStoreError, STORE_ERROR_CODES, StoreError, type StoreErrorCode } from './errors.js';
export type { Store } from './store.js';

/** Opens (and migrates) the database. `clock` stamps events and outbox messages. */
export async function openStore(database: Config['database'], clock?: Clock): Promise<Store> {
  switch (database.kind) {
    case 'sqlite': {
      const { openSqliteStore } = await import('./sqlite.js');
      return openSqliteStore({ path: database.path, ...(clock && { clock }) });
    }
    case 'postgres': {
      const { openPostgresStore } = await import('./postgres.js');
      return openPostgresStore({
        url: database.url,
        poolSize: database.poolSize,
        ...(clock && { clock }),
      });
    }
    default:
      return unsupported(database);
  }
}

function unsupported(database: never): never {
  throw new Error(
    `no store backend for database kind ${String((database as { kind: unknown }).kind)}`,
  );
}
