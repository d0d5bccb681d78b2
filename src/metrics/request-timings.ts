/**
 * Which durations a request's change completes, read from the changed request alone (pure): the
 * decision on the change that leaves `pending` (into `executing`, `rejected`, `cancelled` or
 * `expired`), the outcome on the change into a final state after executing. A change that
 * completes nothing (a further approval, an `unknown` that stays unknown) yields nothing; one that
 * repeats a state (the call stamp on an `executing` request) yields the same timing again, so the
 * caller keeps each measure of a request once.
 */
import type { ServiceName } from '../aws/types.js';
import type { PurchaseRequest, RequestState } from '../domain/requests.js';

/** How a request left `pending`. `approved`: the approval that completed the count. */
export type Decision = 'approved' | 'rejected' | 'cancelled' | 'expired';

/** Final states a request reaches after it was approved. */
export type Outcome = 'succeeded' | 'failed' | 'dry_run';

export type RequestTiming =
  | {
      readonly measure: 'decision';
      readonly service: ServiceName;
      readonly decision: Decision;
      readonly seconds: number;
    }
  | {
      readonly measure: 'outcome';
      readonly service: ServiceName;
      readonly outcome: Outcome;
      readonly seconds: number;
    };

const DECISION_OF: Partial<Record<RequestState, Decision>> = {
  executing: 'approved',
  rejected: 'rejected',
  cancelled: 'cancelled',
  expired: 'expired',
};
const OUTCOMES: ReadonlySet<RequestState> = new Set<Outcome>(['succeeded', 'failed', 'dry_run']);

const secondsBetween = (from: Date, to: Date) =>
  Math.max(0, (to.getTime() - from.getTime()) / 1_000);

export function requestTimings(request: PurchaseRequest): RequestTiming[] {
  const service = request.action.service;
  const timings: RequestTiming[] = [];
  const decision = DECISION_OF[request.state];
  // An expiry has no decider, so no `decidedAt`: it is decided when it is finished.
  const decidedAt =
    decision === 'approved'
      ? (request.decidedAt ?? request.executionStartedAt)
      : (request.decidedAt ?? request.finishedAt);
  if (decision && decidedAt) {
    timings.push({
      measure: 'decision',
      service,
      decision,
      seconds: secondsBetween(request.createdAt, decidedAt),
    });
  }
  if (OUTCOMES.has(request.state) && request.executionStartedAt && request.finishedAt) {
    timings.push({
      measure: 'outcome',
      service,
      outcome: request.state as Outcome,
      seconds: secondsBetween(request.executionStartedAt, request.finishedAt),
    });
  }
  return timings;
}
