/**
 * What a rendered view needs from the page around it: names for mentions, the form it fills in,
 * and where a click goes. Messages, modals and the Home tab each give their own.
 */
import type { BlockKit } from '../../protocol.js';
import type { ElementState, FormEdits } from './form.js';
import type { Directory } from './names.js';

/** A person used an element that Slack reports as a block action. */
export interface ElementAction {
  readonly blockId: string;
  readonly actionId: string;
  readonly type: string;
  /** A button's value. */
  readonly value?: string;
  /** A select's or radio group's chosen option, as listed. */
  readonly selectedOption?: BlockKit;
  /** The button's `confirm` dialog, asked before the action is sent. */
  readonly confirm?: BlockKit;
  /** The change that caused the action, not yet in the form when the action is sent. */
  readonly edit?: ElementState;
}

export interface BlockEnv {
  readonly dir: Directory;
  readonly surface: 'message' | 'modal' | 'home';
  /** Unique per rendered view, so two views on the page never share a control's id. */
  readonly idPrefix: string;
  readonly edits: FormEdits;
  /** Errors to show under input blocks, by block id. */
  readonly errors: Readonly<Record<string, string>>;
  setValue(blockId: string, actionId: string, state: ElementState): void;
  /** Resolves once the action was answered (or dropped at its confirm dialog). */
  act(action: ElementAction): Promise<void>;
}
