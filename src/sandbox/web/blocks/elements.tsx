/**
 * Block Kit's interactive and display elements, by `type`. Controls are native (`<button>`,
 * `<select>`, `<input type=radio>` with its `<label>`) so a person, a screen reader and Playwright
 * all find them as they would any form.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { BlockKit } from '../../protocol.js';
import type { BlockEnv } from './env.js';
import { currentState, findOption, isObject, type Option, optionsOf } from './form.js';
import { plainOf, Text } from './text.js';

export interface ElementProps {
  readonly element: BlockKit;
  readonly blockId: string;
  readonly actionId: string;
  readonly env: BlockEnv;
  /** Whether a change is sent to the bot at once (actions blocks, accessories, `dispatch_action`). */
  readonly dispatch: boolean;
  /** The id the input block's `<label for>` points at. */
  readonly controlId: string;
  /** The input block's label element id, for groups of controls. */
  readonly labelId?: string;
}

type ElementRenderer = (props: ElementProps) => JSX.Element | null;

function stateOf(p: ElementProps) {
  return currentState(p.env.edits, {
    blockId: p.blockId,
    actionId: p.actionId,
    element: p.element,
  });
}

function Button(p: ElementProps) {
  const [busy, setBusy] = useState(false);
  const { element } = p;
  const style = element.style === 'primary' || element.style === 'danger' ? element.style : '';
  const onClick = async () => {
    if (busy) return;
    setBusy(true);
    try {
      await p.env.act({
        blockId: p.blockId,
        actionId: p.actionId,
        type: 'button',
        ...(typeof element.value === 'string' && { value: element.value }),
        ...(isObject(element.confirm) && { confirm: element.confirm }),
      });
    } finally {
      setBusy(false);
    }
  };
  return (
    <button
      type="button"
      class={`bk-button${style ? ` bk-button-${style}` : ''}`}
      data-action-id={p.actionId}
      data-has-confirm={isObject(element.confirm) ? 'true' : undefined}
      value={typeof element.value === 'string' ? element.value : undefined}
      disabled={busy}
      onClick={onClick}
    >
      <Text value={element.text} dir={p.env.dir} />
    </button>
  );
}

function OptionTag({ option }: { option: Option }) {
  return <option value={String(option.value ?? '')}>{plainOf(option.text)}</option>;
}

function StaticSelect(p: ElementProps) {
  const { element } = p;
  const state = stateOf(p);
  const selected = isObject(state.selected_option) ? String(state.selected_option.value) : '';
  const groups = Array.isArray(element.option_groups) ? element.option_groups.filter(isObject) : [];
  const onChange = (e: Event) => {
    const value = (e.currentTarget as HTMLSelectElement).value;
    const option = findOption(element, value) ?? null;
    const edit = { type: String(element.type), selected_option: option };
    p.env.setValue(p.blockId, p.actionId, edit);
    if (p.dispatch && option) {
      void p.env.act({
        blockId: p.blockId,
        actionId: p.actionId,
        type: String(element.type),
        selectedOption: option,
        edit,
      });
    }
  };
  return (
    <select
      id={p.controlId}
      class="bk-select"
      data-action-id={p.actionId}
      value={selected}
      onChange={onChange}
    >
      <option value="">{plainOf(element.placeholder) || 'Select an option'}</option>
      {groups.length > 0
        ? groups.map((g) => (
            <optgroup key={plainOf(g.label)} label={plainOf(g.label)}>
              {(Array.isArray(g.options) ? g.options.filter(isObject) : []).map((o) => (
                <OptionTag key={String(o.value)} option={o} />
              ))}
            </optgroup>
          ))
        : optionsOf(element).map((o) => <OptionTag key={String(o.value)} option={o} />)}
    </select>
  );
}

function Overflow(p: ElementProps) {
  const { element } = p;
  const onChange = (e: Event) => {
    const select = e.currentTarget as HTMLSelectElement;
    const option = findOption(element, select.value);
    select.value = '';
    if (option) {
      void p.env.act({
        blockId: p.blockId,
        actionId: p.actionId,
        type: 'overflow',
        selectedOption: option,
      });
    }
  };
  return (
    <select
      id={p.controlId}
      class="bk-select bk-overflow"
      data-action-id={p.actionId}
      aria-label="More actions"
      value=""
      onChange={onChange}
    >
      <option value="">⋯</option>
      {optionsOf(element).map((o) => (
        <OptionTag key={String(o.value)} option={o} />
      ))}
    </select>
  );
}

function Choices(p: ElementProps & { kind: 'radio' | 'checkbox' }) {
  const { element } = p;
  const state = stateOf(p);
  const chosen = new Set<string>(
    p.kind === 'radio'
      ? isObject(state.selected_option)
        ? [String(state.selected_option.value)]
        : []
      : (Array.isArray(state.selected_options) ? state.selected_options : [])
          .filter(isObject)
          .map((o) => String(o.value)),
  );
  const options = optionsOf(element);
  const type = String(element.type);
  const onChange = (option: Option, checked: boolean) => {
    const edit =
      p.kind === 'radio'
        ? { type, selected_option: option }
        : {
            type,
            selected_options: options.filter((o) =>
              o === option ? checked : chosen.has(String(o.value)),
            ),
          };
    p.env.setValue(p.blockId, p.actionId, edit);
    if (p.dispatch) {
      void p.env.act({
        blockId: p.blockId,
        actionId: p.actionId,
        type,
        ...(p.kind === 'radio' && { selectedOption: option }),
        edit,
      });
    }
  };
  const items = (
    <>
      {options.map((o, i) => {
        const id = `${p.controlId}-${i}`;
        const value = String(o.value ?? '');
        return (
          <div class="bk-choice" key={value}>
            <input
              id={id}
              type={p.kind}
              name={p.controlId}
              value={value}
              checked={chosen.has(value)}
              onChange={(e) => onChange(o, (e.currentTarget as HTMLInputElement).checked)}
            />
            <label for={id}>
              <Text value={o.text} dir={p.env.dir} />
              {isObject(o.description) && (
                <span class="bk-choice-description">
                  <Text value={o.description} dir={p.env.dir} />
                </span>
              )}
            </label>
          </div>
        );
      })}
    </>
  );
  return p.kind === 'radio' ? (
    <div
      class="bk-choices"
      role="radiogroup"
      aria-labelledby={p.labelId}
      data-action-id={p.actionId}
    >
      {items}
    </div>
  ) : (
    <fieldset class="bk-choices" aria-labelledby={p.labelId} data-action-id={p.actionId}>
      {items}
    </fieldset>
  );
}

function TextInput(p: ElementProps) {
  const { element } = p;
  const state = stateOf(p);
  const value = typeof state.value === 'string' ? state.value : '';
  const number = element.type === 'number_input';
  const type = String(element.type);
  const onInput = (e: Event) => {
    const text = (e.currentTarget as HTMLInputElement | HTMLTextAreaElement).value;
    p.env.setValue(p.blockId, p.actionId, { type, value: text === '' ? null : text });
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (!p.dispatch || e.key !== 'Enter' || e.shiftKey) return;
    e.preventDefault();
    const text = (e.currentTarget as HTMLInputElement | HTMLTextAreaElement).value;
    const edit = { type, value: text === '' ? null : text };
    void p.env.act({ blockId: p.blockId, actionId: p.actionId, type, edit });
  };
  const common = {
    id: p.controlId,
    class: 'bk-input',
    'data-action-id': p.actionId,
    placeholder: plainOf(element.placeholder) || undefined,
    value,
    onInput,
    onKeyDown,
  };
  if (number) {
    return (
      <input
        {...common}
        type="text"
        inputMode={element.is_decimal_allowed === true ? 'decimal' : 'numeric'}
        data-min={element.min_value as string | undefined}
        data-max={element.max_value as string | undefined}
      />
    );
  }
  const maxLength = typeof element.max_length === 'number' ? element.max_length : undefined;
  const minLength = typeof element.min_length === 'number' ? element.min_length : undefined;
  if (element.multiline === true) {
    return <textarea {...common} rows={4} maxLength={maxLength} minLength={minLength} />;
  }
  return <input {...common} type="text" maxLength={maxLength} minLength={minLength} />;
}

function DatePicker(p: ElementProps) {
  const state = stateOf(p);
  const onInput = (e: Event) => {
    const date = (e.currentTarget as HTMLInputElement).value;
    const edit = { type: 'datepicker', selected_date: date === '' ? null : date };
    p.env.setValue(p.blockId, p.actionId, edit);
    if (p.dispatch)
      void p.env.act({ blockId: p.blockId, actionId: p.actionId, type: 'datepicker', edit });
  };
  return (
    <input
      id={p.controlId}
      type="date"
      class="bk-input bk-date"
      data-action-id={p.actionId}
      value={typeof state.selected_date === 'string' ? state.selected_date : ''}
      onChange={onInput}
    />
  );
}

/**
 * Images would be fetched from wherever their URL points, and the sandbox loads nothing from
 * the internet: the alt text stands in for them.
 */
function ImageElement(p: ElementProps) {
  const alt = typeof p.element.alt_text === 'string' ? p.element.alt_text : 'image';
  return (
    <span class="bk-image-element" role="img" aria-label={alt}>
      🖼 {alt}
    </span>
  );
}

function TextElement(p: ElementProps) {
  return (
    <span class="bk-text-element">
      <Text value={p.element} dir={p.env.dir} />
    </span>
  );
}

export const ELEMENT_RENDERERS: Readonly<Record<string, ElementRenderer>> = {
  button: Button,
  static_select: StaticSelect,
  overflow: Overflow,
  radio_buttons: (p) => <Choices {...p} kind="radio" />,
  checkboxes: (p) => <Choices {...p} kind="checkbox" />,
  plain_text_input: TextInput,
  number_input: TextInput,
  datepicker: DatePicker,
  image: ImageElement,
  plain_text: TextElement,
  mrkdwn: TextElement,
};

/** One element, or a visible note naming a type this page cannot draw. */
export function Element(props: ElementProps) {
  const type = String(props.element.type);
  const Renderer = ELEMENT_RENDERERS[type];
  if (!Renderer) return <span class="bk-unsupported">[unsupported element: {type}]</span>;
  return <Renderer {...props} />;
}
