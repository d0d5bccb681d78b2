/**
 * Who may do what to a request, as pure decisions. Membership (approver, allowed requester) is
 * resolved by the caller at click time and passed in, so these functions stay pure and testable.
 */
import type { PurchaseRequest } from '../domain/requests.js';

export type Refusal = {
  readonly ok: false;
  readonly code:
    | 'not_requester_allowed'
    | 'self_approval'
    | 'not_approver'
    | 'not_pending'
    | 'expired'
    | 'not_requester';
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
  return mayDecide('approve', request, actor, isApprover, now);
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
