/**
 * What the sandbox's web page and its server say to each other. The server owns the truth (the
 * local Slack's messages and views, the simulator, the checklist) and pushes a whole `Snapshot`
 * on every change over Server-Sent Events; the page sends what a person does as small JSON posts.
 * Shared by `src/sandbox/slack/` (server) and `src/sandbox/web/` (browser): plain data only.
 */

/** Block Kit JSON as the bot sent it; the page renders it, the server passes it through. */
export type BlockKit = Record<string, unknown>;

/** Someone the person at the browser can act as. */
export interface Person {
  /** Slack user id, e.g. `U0ALICE`. */
  readonly id: string;
  /** Display name, e.g. `Alice`. */
  readonly name: string;
  /** What this person may do, in a few words: "requester", "approver", … */
  readonly role: string;
  /** One line on why (shown beside the switcher). */
  readonly detail: string;
}

/** A user group the bot reads with `usergroups.users.list`. */
export interface UserGroup {
  /** Slack subteam id, e.g. `S0APPROVERS`. */
  readonly id: string;
  /** Handle without the @, e.g. `slots-approvers`. */
  readonly handle: string;
  readonly members: readonly string[];
}

/** One message in the channel, in a thread, or shown to one person only. */
export interface SandboxMessage {
  /** Slack message ts (`seconds.micros` on the sandbox clock); unique. */
  readonly ts: string;
  /** The channel id it lives in (the sandbox has one channel). */
  readonly channel: string;
  /** Set on a reply: the parent's ts. */
  readonly threadTs?: string;
  /** Author: the bot (`BOT_USER_ID`), `USLACKBOT` for Slack's own notes, or a person. */
  readonly userId: string;
  readonly text: string;
  readonly blocks?: readonly BlockKit[];
  /** Set when the message was edited after posting (chat.update, replace_original). */
  readonly editedAt?: string;
  /** Set on an ephemeral message: the one person who sees it ("Only visible to you"). */
  readonly ephemeralTo?: string;
  /** For a parent: how many replies its thread has. */
  readonly replyCount: number;
}

/** A modal open for one person; the last of their stack is the one shown. */
export interface SandboxModal {
  /** Slack view id, e.g. `V0000001`. */
  readonly id: string;
  /** The view as the bot last sent it (`type: 'modal'`, title, blocks, submit, close, …). */
  readonly view: BlockKit;
  /** Changes on every `views.update`; the page resets field state it cannot match. */
  readonly hash: string;
  /** Inline errors from the bot's last `response_action: 'errors'`, by block id. */
  readonly errors: Readonly<Record<string, string>>;
}

/** One call the bot made to the AWS simulator. */
export interface AwsCallView {
  /** 1, 2, 3, … in arrival order. */
  readonly seq: number;
  /** ISO time on the sandbox clock. */
  readonly at: string;
  readonly service: 'devicefarm' | 'mediaconnect';
  readonly operation: string;
  /** The parameters as AWS received them. */
  readonly input: Record<string, unknown>;
  /** HTTP status AWS answered (0: no answer, the connection was dropped). */
  readonly status: number;
  /** AWS's answer body (JSON), or the error; absent when there was none. */
  readonly answer?: unknown;
}

/** What the AWS panel shows besides the calls, and offers to change. */
export interface AwsPanelState {
  /** ISO, the sandbox clock (AWS's and the bot's "now"; moves on "advance the period"). */
  readonly now: string;
  /** ISO, when the next Device Farm billing period starts (renewals take effect). */
  readonly nextPeriodStart: string;
  /** Newest last; at most the last 300. */
  readonly calls: readonly AwsCallView[];
  /** Calls the bot made since the sandbox started (the list above may be cut). */
  readonly totalCalls: number;
  readonly services: Readonly<Record<'devicefarm' | 'mediaconnect', 'ok' | 'failing'>>;
  readonly offerings: readonly {
    readonly id: string;
    readonly platform: string;
    readonly description: string;
    /** Slots held this period. */
    readonly current: number;
    /** Slots that renew next period. */
    readonly nextPeriod: number;
    /** e.g. `250.00 USD / month per slot`. */
    readonly price: string;
  }[];
  readonly reservations: readonly {
    readonly arn: string;
    readonly name: string;
    readonly state: string;
    /** ISO. */
    readonly end: string;
  }[];
}

/** What AWS does on its own, or what someone does in the AWS console, from the panel. */
export type AwsAction =
  | { readonly kind: 'advance-period' }
  | { readonly kind: 'renew-outside'; readonly offeringId: string; readonly quantity: number }
  | { readonly kind: 'buy-outside'; readonly offeringId: string; readonly quantity: number }
  | { readonly kind: 'set-next-period'; readonly offeringId: string; readonly quantity: number }
  | { readonly kind: 'end-reservation'; readonly name: string; readonly days: number }
  | { readonly kind: 'fail'; readonly service: 'devicefarm' | 'mediaconnect' }
  | { readonly kind: 'heal' };

/** The answer to an action from the page (a command, a click, a submit, an AWS action). */
export interface ActionResult {
  readonly ok: boolean;
  /** One line for the person; set when something went wrong, or an AWS action's outcome. */
  readonly message?: string;
}

export type ChecklistId =
  | 'status'
  | 'request'
  | 'self-approve'
  | 'approve'
  | 'thread'
  | 'renewal-notice'
  | 'renewal-answer';

export interface ChecklistItem {
  readonly id: ChecklistId;
  /** What to do, e.g. "See the status: type /slots status". */
  readonly label: string;
  /** A hint on how, shown under the label. */
  readonly hint: string;
  readonly done: boolean;
}

/** Everything the page shows; pushed whole on every change. */
export interface Snapshot {
  /** Grows on every change; the page ignores an older one. */
  readonly revision: number;
  readonly people: readonly Person[];
  readonly groups: readonly UserGroup[];
  readonly channel: { readonly id: string; readonly name: string };
  readonly bot: { readonly userId: string; readonly name: string };
  /** The `/slots` usage hint from `manifest.yml`. */
  readonly usageHint: string;
  /** Channel messages, thread replies and ephemerals of everyone, oldest first. */
  readonly messages: readonly SandboxMessage[];
  /** Open modals per person id, bottom of the stack first. */
  readonly modals: Readonly<Record<string, readonly SandboxModal[]>>;
  /** The Home tab each person was last shown (`views.publish`), by person id. */
  readonly home: Readonly<Record<string, BlockKit>>;
  readonly aws: AwsPanelState;
  readonly checklist: readonly ChecklistItem[];
  /** Whether the bot answers its health check right now. */
  readonly botHealthy: boolean;
}

/** Form state of a view or message, as Slack sends it in `state.values`: block → action → value. */
export type StateValues = Record<string, Record<string, Record<string, unknown>>>;

/** `POST /sandbox/command`: the person typed a line in the message box and pressed Enter. */
export interface CommandInput {
  readonly user: string;
  /** The whole line, e.g. `/slots status`; a line not starting with `/` is a plain message. */
  readonly line: string;
  /** Set when typed in a thread's reply box: the parent's ts. */
  readonly threadTs?: string;
}

/** Where a clicked element lives. */
export type ActionSource =
  | { readonly kind: 'message'; readonly ts: string }
  | { readonly kind: 'modal'; readonly viewId: string }
  | { readonly kind: 'home' };

/** `POST /sandbox/action`: a button was clicked (after its confirm dialog) or a select changed. */
export interface ActionInput {
  readonly user: string;
  readonly source: ActionSource;
  readonly blockId: string;
  readonly actionId: string;
  /** The element's type (`button`, `static_select`, `radio_buttons`, …). */
  readonly type: string;
  /** A button's value. */
  readonly value?: string;
  /** A select's or radio group's chosen option, as the element lists it. */
  readonly selectedOption?: BlockKit;
  /** The form state of the modal (or message) the element is in. */
  readonly state?: StateValues;
}

/** `POST /sandbox/submit`: the modal's submit button. */
export interface SubmitInput {
  readonly user: string;
  readonly viewId: string;
  readonly state: StateValues;
}

/** `POST /sandbox/close`: the modal's close button (or Escape). */
export interface CloseInput {
  readonly user: string;
  readonly viewId: string;
}

/** `POST /sandbox/home`: the person opened the App Home tab. */
export interface HomeInput {
  readonly user: string;
}

/** Paths of the page's API on the sandbox server. */
export const SANDBOX_PATHS = {
  events: '/sandbox/events',
  state: '/sandbox/state',
  command: '/sandbox/command',
  action: '/sandbox/action',
  submit: '/sandbox/submit',
  close: '/sandbox/close',
  home: '/sandbox/home',
  aws: '/sandbox/aws',
  health: '/healthz',
} as const;
