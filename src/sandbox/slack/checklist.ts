/**
 * The first-run checklist as a pure state machine: what happened goes in as events, which items
 * are done comes out. The adapters (client.ts, server.ts) turn Slack traffic and the bot's
 * requests into these events; nothing here reads the store or the clock.
 */
import type { RequestState } from '../../domain/requests.js';
import type { ChecklistId, ChecklistItem } from '../protocol.js';

export const CHECKLIST: readonly { id: ChecklistId; label: string; hint: string }[] = [
  {
    id: 'status',
    label: 'See the status',
    hint: 'As Alice, type /slots status in the message box.',
  },
  {
    id: 'request',
    label: 'Request slots',
    hint: 'As Alice, type /slots purchase and fill in the form.',
  },
  {
    id: 'self-approve',
    label: 'Try to approve your own request',
    hint: 'Still as Alice, click Approve on her request card.',
  },
  {
    id: 'approve',
    label: 'Approve as someone else',
    hint: 'Switch to Bob (or Carol) and click Approve on the card.',
  },
  {
    id: 'thread',
    label: 'See the transaction in the thread',
    hint: "Open the card's thread: the bot replies there with AWS's answer.",
  },
  {
    id: 'renewal-notice',
    label: 'Make AWS renew and see the notice',
    hint: 'In the AWS panel, click "Advance to the next billing period".',
  },
  {
    id: 'renewal-answer',
    label: 'Answer a renewal card',
    hint: 'On a renewal card, click Change quantity or Let lapse (Keep, when fewer would renew than are held); a request card follows.',
  },
];

/** The part of a request the checklist looks at. */
export interface RequestFacts {
  readonly id: string;
  readonly state: RequestState;
  readonly requester: string;
  readonly decidedBy?: string | undefined;
}

export type ChecklistEvent =
  /** The bot answered a `/slots status…` command. */
  | { readonly kind: 'status-answered' }
  /** The bot posted a message; `requestId` when it carries an Approve button (a request card). */
  | {
      readonly kind: 'bot-posted';
      readonly ts: string;
      readonly threadTs?: string | undefined;
      readonly inChannel: boolean;
      readonly requestId?: string | undefined;
    }
  /** The requester clicked Approve on their own card and the bot answered. */
  | { readonly kind: 'self-approval-answered' }
  /** Someone other than the requester clicked Approve. */
  | { readonly kind: 'approve-clicked'; readonly requestId: string }
  /** A request as the store has it now (after an approval click, or for a thread reply). */
  | { readonly kind: 'request-seen'; readonly request: RequestFacts }
  /** A reply in a request card's thread, with its request as the store has it. */
  | { readonly kind: 'card-thread-reply'; readonly request: RequestFacts }
  | { readonly kind: 'period-advanced' }
  | { readonly kind: 'notice-answered' };

export interface SavedChecklist {
  readonly done: readonly ChecklistId[];
  /** Request card ts → request id. */
  readonly cards: Readonly<Record<string, string>>;
  /** Requests someone other than their requester clicked Approve on, not yet seen decided. */
  readonly approvalsClicked: readonly string[];
  readonly periodAdvanced: boolean;
  readonly noticeAnswered: boolean;
}

export type ChecklistState = SavedChecklist;

export const EMPTY_CHECKLIST: ChecklistState = {
  done: [],
  cards: {},
  approvalsClicked: [],
  periodAdvanced: false,
  noticeAnswered: false,
};

const AFTER_APPROVAL: readonly RequestState[] = ['executing', 'succeeded', 'failed', 'unknown'];

export function reduceChecklist(state: ChecklistState, event: ChecklistEvent): ChecklistState {
  const tick = (s: ChecklistState, id: ChecklistId): ChecklistState =>
    s.done.includes(id) ? s : { ...s, done: [...s.done, id] };
  switch (event.kind) {
    case 'status-answered':
      return tick(state, 'status');
    case 'bot-posted': {
      let next = state;
      if (event.requestId !== undefined && event.threadTs === undefined) {
        next = tick({ ...next, cards: { ...next.cards, [event.ts]: event.requestId } }, 'request');
        if (next.noticeAnswered) next = tick(next, 'renewal-answer');
      } else if (event.inChannel && event.threadTs === undefined && next.periodAdvanced) {
        next = tick(next, 'renewal-notice');
      }
      return next;
    }
    case 'self-approval-answered':
      return tick(state, 'self-approve');
    case 'approve-clicked':
      return state.approvalsClicked.includes(event.requestId)
        ? state
        : { ...state, approvalsClicked: [...state.approvalsClicked, event.requestId] };
    case 'request-seen': {
      const r = event.request;
      if (!state.approvalsClicked.includes(r.id)) return state;
      const decided =
        AFTER_APPROVAL.includes(r.state) &&
        r.decidedBy !== undefined &&
        r.decidedBy !== r.requester;
      if (!decided) return state;
      return tick(
        { ...state, approvalsClicked: state.approvalsClicked.filter((id) => id !== r.id) },
        'approve',
      );
    }
    case 'card-thread-reply':
      return event.request.state === 'succeeded' ? tick(state, 'thread') : state;
    case 'period-advanced':
      return { ...state, periodAdvanced: true };
    case 'notice-answered':
      return { ...state, noticeAnswered: true };
  }
}

/** The card a thread reply belongs to, if its parent is a request card. */
export function cardRequestId(state: ChecklistState, parentTs: string): string | undefined {
  return Object.hasOwn(state.cards, parentTs) ? state.cards[parentTs] : undefined;
}

export function checklistItems(state: ChecklistState): ChecklistItem[] {
  return CHECKLIST.map((item) => ({ ...item, done: state.done.includes(item.id) }));
}

const IDS = new Set<string>(CHECKLIST.map((c) => c.id));

/** A saved checklist read back defensively: anything unexpected is dropped. */
export function restoreChecklist(saved: unknown): ChecklistState {
  if (typeof saved !== 'object' || saved === null) return EMPTY_CHECKLIST;
  const s = saved as Partial<Record<keyof SavedChecklist, unknown>>;
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);
  const cards =
    typeof s.cards === 'object' && s.cards !== null
      ? Object.fromEntries(
          Object.entries(s.cards as Record<string, unknown>).filter(
            (e): e is [string, string] => typeof e[1] === 'string',
          ),
        )
      : {};
  return {
    done: strings(s.done).filter((id): id is ChecklistId => IDS.has(id)),
    cards,
    approvalsClicked: strings(s.approvalsClicked),
    periodAdvanced: s.periodAdvanced === true,
    noticeAnswered: s.noticeAnswered === true,
  };
}
