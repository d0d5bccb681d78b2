/** Faults armed per operation, each for a number of calls or until cleared. */
import type { SimFault, SimService } from './types.js';

/** Armed faults; `take` hands out the fault for one call and counts it. */
export interface FaultRegistry {
  set(service: SimService, operation: string, fault: SimFault): void;
  take(service: SimService, operation: string): SimFault | undefined;
  /** The fault the next call would get, without counting it. */
  peek(service: SimService, operation: string): SimFault | undefined;
  clear(): void;
}

/**
 * An empty registry. Arming an operation again replaces its previous fault; `times: 0` disarms.
 */
export function createFaultRegistry(): FaultRegistry {
  const armed = new Map<string, { fault: SimFault; remaining: number }>();
  const key = (service: SimService, operation: string) => `${service}:${operation}`;
  return {
    set(service, operation, fault) {
      if (fault.times !== undefined && fault.times <= 0) {
        armed.delete(key(service, operation));
        return;
      }
      armed.set(key(service, operation), {
        fault: { ...fault },
        remaining: fault.times ?? Number.POSITIVE_INFINITY,
      });
    },
    take(service, operation) {
      const entry = armed.get(key(service, operation));
      if (!entry) return undefined;
      entry.remaining -= 1;
      if (entry.remaining <= 0) armed.delete(key(service, operation));
      return entry.fault;
    },
    peek(service, operation) {
      const fault = armed.get(key(service, operation))?.fault;
      return fault && structuredClone(fault);
    },
    clear() {
      armed.clear();
    },
  };
}
