/**
 * The local Slack's outside: what the sandbox's start-up gives it and gets back. Kept apart from
 * the server so the workspace, the client and the tests can share the types without the server.
 */
import type { PurchaseRequest } from '../../domain/requests.js';
import type { Logger } from '../../logger.js';
import type { ActionResult, AwsAction, AwsPanelState } from '../protocol.js';
import type { SavedChecklist } from './checklist.js';
import type { SavedWorkspaceState } from './workspace.js';

/**
 * The AWS panel as the local Slack uses it (implemented by `src/sandbox/aws-panel.ts`); declared
 * here by shape so this module does not depend on the simulator.
 */
export interface AwsPanelBackend {
  state(): AwsPanelState;
  act(action: AwsAction): Promise<ActionResult>;
  onChange(listener: () => void): () => void;
}

export type RequestLookup = (id: string) => Promise<PurchaseRequest | undefined>;

/** What `save()` returns and `saved` restores; plain data, versioned. */
export interface SavedWorkspace {
  readonly version: 1;
  readonly workspace: SavedWorkspaceState;
  readonly checklist: SavedChecklist;
}

export type SandboxLogger = Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;

export interface LocalSlackOptions {
  /** 0 = ephemeral. */
  readonly port: number;
  /** Always `127.0.0.1` from the sandbox. */
  readonly host: string;
  /** The sandbox clock: message ts and shown times. */
  readonly now: () => Date;
  /** Holds index.html, app.js, app.css (the built page). */
  readonly webRoot: string;
  /** The `/slots` usage hint from manifest.yml. */
  readonly usageHint: string;
  readonly aws: AwsPanelBackend;
  readonly requests: RequestLookup;
  /** True while the bot's `/healthz` answers 200. */
  readonly botHealth: () => Promise<boolean>;
  /** What `save()` returned last run (read from disk, so checked: another version is ignored). */
  readonly saved?: SavedWorkspace | unknown;
  /** Called after every change (the sandbox persists, debounced). */
  readonly onChange?: () => void;
  readonly logger: SandboxLogger;
}

export interface LocalSlack {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** `${url}/api/`. */
  readonly apiUrl: string;
  /** The bot's `http://127.0.0.1:N/slack/events`, once it has started. */
  setEventsUrl(url: string): void;
  save(): SavedWorkspace;
  close(): Promise<void>;
}
