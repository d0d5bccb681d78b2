/**
 * A modal as Slack's client shows it: title, blocks, close and submit. The form state lives here,
 * keyed by block and action id so a `views.update` keeps what the person typed in fields it
 * still has; Slack's own checks run before anything is sent.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { BlockKit, SandboxModal, StateValues } from '../protocol.js';
import { Blocks } from './blocks/blocks.js';
import type { BlockEnv, ElementAction } from './blocks/env.js';
import {
  clientErrors,
  type ElementState,
  type FormEdits,
  isObject,
  stateValues,
  withEdit,
} from './blocks/form.js';
import type { Directory } from './blocks/names.js';
import { plainOf } from './blocks/text.js';

export interface ModalProps {
  readonly modal: SandboxModal;
  readonly dir: Directory;
  readonly onAction: (action: ElementAction, state: StateValues) => Promise<void>;
  readonly onSubmit: (state: StateValues) => Promise<void>;
  readonly onClose: () => Promise<void>;
}

export function Modal({ modal, dir, onAction, onSubmit, onClose }: ModalProps) {
  const [edits, setEdits] = useState<FormEdits>({});
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const view = modal.view;
  const blocks = Array.isArray(view.blocks) ? view.blocks.filter(isObject) : [];

  const setValue = (blockId: string, actionId: string, state: ElementState) => {
    setEdits((prev) => withEdit(prev, blockId, actionId, state));
    setLocalErrors((prev) => {
      if (!(blockId in prev)) return prev;
      const { [blockId]: _, ...rest } = prev;
      return rest;
    });
  };
  const env: BlockEnv = {
    dir,
    surface: 'modal',
    idPrefix: `modal-${modal.id}`,
    edits,
    errors: { ...modal.errors, ...localErrors },
    setValue,
    act: async (action) => {
      const next = action.edit
        ? withEdit(edits, action.blockId, action.actionId, action.edit)
        : edits;
      await onAction(action, stateValues(blocks, next));
    },
  };
  const submit = async () => {
    if (busy) return;
    const errors = clientErrors(blocks, edits);
    setLocalErrors(errors);
    if (Object.keys(errors).length > 0) return;
    setBusy(true);
    try {
      await onSubmit(stateValues(blocks, edits));
    } finally {
      setBusy(false);
    }
  };
  const close = async () => {
    if (busy) return;
    setBusy(true);
    try {
      await onClose();
    } finally {
      setBusy(false);
    }
  };
  const title = plainOf(view.title) || 'Modal';
  const submitText = isObject(view.submit) ? plainOf(view.submit) : '';
  const closeText = isObject(view.close) ? plainOf(view.close) : 'Cancel';
  const titleId = `modal-title-${modal.id}`;
  return (
    <div class="overlay">
      <div
        class="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid="modal"
        data-view-id={modal.id}
      >
        <div class="modal-head">
          <h2 id={titleId}>{title}</h2>
          <button type="button" class="icon-button" aria-label="Close" onClick={() => void close()}>
            ✕
          </button>
        </div>
        <form
          class="modal-body"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <Blocks blocks={blocks} env={env} />
        </form>
        <div class="modal-foot">
          <button
            type="button"
            class="bk-button"
            data-testid="modal-close"
            disabled={busy}
            onClick={() => void close()}
          >
            {closeText}
          </button>
          {submitText && (
            <button
              type="button"
              class="bk-button bk-button-primary"
              data-testid="modal-submit"
              disabled={busy}
              onClick={() => void submit()}
            >
              {submitText}
            </button>
          )}
        </div>
      </div>
    </div>
  );
}

export interface ConfirmProps {
  readonly dialog: BlockKit;
  readonly dir: Directory;
  readonly onAnswer: (yes: boolean) => void;
}

/** A button's `confirm` object, shown before its action is sent. */
export function ConfirmDialog({ dialog, dir, onAnswer }: ConfirmProps) {
  const title = plainOf(dialog.title) || 'Are you sure?';
  const yes = plainOf(dialog.confirm) || 'Yes';
  const no = plainOf(dialog.deny) || 'Cancel';
  const style = dialog.style === 'danger' ? 'danger' : 'primary';
  const yesButton = useRef<HTMLButtonElement>(null);
  // Slack puts the focus on the dialog's confirm button, so Enter confirms and Escape denies.
  useEffect(() => yesButton.current?.focus(), []);
  return (
    <div class="overlay overlay-confirm">
      <div
        class="modal confirm"
        role="dialog"
        aria-modal="true"
        aria-labelledby="confirm-title"
        data-testid="confirm"
      >
        <div class="modal-head">
          <h2 id="confirm-title">{title}</h2>
        </div>
        <div class="modal-body">
          <Blocks blocks={[{ type: 'section', text: dialog.text }]} env={confirmEnv(dir)} />
        </div>
        <div class="modal-foot">
          <button
            type="button"
            class="bk-button"
            data-testid="confirm-no"
            onClick={() => onAnswer(false)}
          >
            {no}
          </button>
          <button
            type="button"
            class={`bk-button bk-button-${style}`}
            data-testid="confirm-yes"
            ref={yesButton}
            onClick={() => onAnswer(true)}
          >
            {yes}
          </button>
        </div>
      </div>
    </div>
  );
}

function confirmEnv(dir: Directory): BlockEnv {
  return {
    dir,
    surface: 'message',
    idPrefix: 'confirm',
    edits: {},
    errors: {},
    setValue: () => {},
    act: async () => {},
  };
}
