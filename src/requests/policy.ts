/**
 * Who may do what to a request, as pure decisions. Membership (approver, allowed requester) is
 * resolved by the caller at click time and passed in, so these functions stay pure and testable.
 */
import type { PurchaseRequest, Quote } from '../domain/requests.js';

/** A SLOTS_APPROVALS rule: a request committing at least this much needs this many approvers. */
export interface ApprovalRule {
  readonly atLeastMicros: bigint;
  readonly approvers: number;
}

/**
 * How many different approvers a request needs: the count of the highest rule whose amount the
 * request's commitment (the cost its card shows, in the offering's currency) reaches; 1 below
 * every rule or with none.
 */
export function approvalsNeededFor(rules: readonly ApprovalRule[], quote: Quote): number {
  const commits = BigInt(quote.commitsMicros);
  let needed = 1;
  for (const rule of rules) {
    if (commits >= rule.atLeastMicros) needed = Math.max(needed, rule.approvers);
  }
  return needed;
}

export type Refusal = {
  readonly ok: false;
  readonly code:
    | 'not_requester_allowed'
    | 'self_approval'
    | 'not_approver'
    | 'not_pending'
    | 'expired'
    | 'not_requester'
    | 'already_approved';
  /** The sentence the user sees (ephemeral). */
  readonly message: string;
};

export type Decision = { readonly ok: true } | Refusal;

const OK: Decision = { ok: true };

function refuse(code: Refusal['code'], message: string): Refusal {
  return { ok: false, code, message };
}

export function mayRequest(actor: string, allowed: boolean): Decision {
  return allowed
    ? OK
    : refuse(
        'not_requester_allowed',
        `<@${actor}>, you are not on the list of people who may request purchases (SLOTS_REQUESTERS). Ask an admin to add you.`,
      );
}

/** Requests that cannot be decided any more say why, in words that fit each state. */
export function stillPending(request: PurchaseRequest, now: Date): Decision {
  if (request.state === 'pending' && request.expiresAt.getTime() <= now.getTime()) {
    return refuse(
      'expired',
      `Request ${request.id} has expired; it can no longer be approved. Ask again if it is still needed.`,
    );
  }
  if (request.state !== 'pending') {
    const what: Record<string, string> = {
      executing: 'is already approved and being executed',
      succeeded: 'has already been approved and bought',
      failed: 'has already been approved; it failed',
      unknown: 'has already been approved; its outcome is being checked',
      rejected: 'was rejected',
      cancelled: 'was cancelled by the requester',
      expired: 'has expired',
    };
    return refuse(
      'not_pending',
      `Request ${request.id} ${what[request.state] ?? `is ${request.state}`}; there is nothing left to decide.`,
    );
  }
  return OK;
}

/** Approving and rejecting share their rules; only what the requester is told differs. */
function mayDecide(
  verb: 'approve' | 'reject',
  request: PurchaseRequest,
  actor: string,
  isApprover: boolean,
  now: Date,
): Decision {
  const pending = stillPending(request, now);
  if (!pending.ok) return pending;
  if (actor === request.requester) {
    return refuse(
      'self_approval',
      verb === 'approve'
        ? `You asked for request ${request.id}, so a different approver has to approve it. Nobody can approve their own request.`
        : `To withdraw your own request ${request.id}, use Cancel.`,
    );
  }
  if (!isApprover) {
    return refuse(
      'not_approver',
      `Only the configured approvers (SLOTS_APPROVERS) can ${verb} request ${request.id}.`,
    );
  }
  return OK;
}

export function mayApprove(
  request: PurchaseRequest,
  actor: string,
  isApprover: boolean,
  now: Date,
): Decision {
  const decided = mayDecide('approve', request, actor, isApprover, now);
  if (!decided.ok) return decided;
  if (request.approvals.some((a) => a.by === actor)) {
    const missing = request.approvalsNeeded - request.approvals.length;
    return refuse(
      'already_approved',
      `You already approved request ${request.id}; it needs ${missing} more approval${missing === 1 ? '' : 's'} from a different approver.`,
    );
  }
  return OK;
}

export function mayReject(
  request: PurchaseRequest,
  actor: string,
  isApprover: boolean,
  now: Date,
): Decision {
  return mayDecide('reject', request, actor, isApprover, now);
}

export function mayCancel(request: PurchaseRequest, actor: string, now: Date): Decision {
  if (actor !== request.requester) {
    return refuse(
      'not_requester',
      `Only <@${request.requester}>, who asked, can cancel request ${request.id}.`,
    );
  }
  const pending = stillPending(request, now);
  if (!pending.ok) return pending;
  return OK;
}
