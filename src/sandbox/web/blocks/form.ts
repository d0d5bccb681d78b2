/**
 * Form state of a view as Slack keeps it: what each stateful element holds, keyed by block id and
 * action id, in the exact shapes Slack puts in `view.state.values`, plus the checks Slack's client
 * makes before it lets a modal be submitted.
 */
import type { BlockKit, StateValues } from '../../protocol.js';

export type Option = BlockKit;

/** One element's value, in Slack's shape for its type. */
export type ElementState = Record<string, unknown> & { readonly type: string };

/** What the person changed, by block id then action id; everything else is the initial value. */
export type FormEdits = Readonly<Record<string, Readonly<Record<string, ElementState>>>>;

const STATEFUL = new Set([
  'plain_text_input',
  'number_input',
  'static_select',
  'radio_buttons',
  'checkboxes',
  'datepicker',
]);

export interface StatefulElement {
  readonly blockId: string;
  readonly actionId: string;
  readonly element: BlockKit;
  /** The input block it sits in (undefined inside an actions block). */
  readonly input?: BlockKit;
}

/**
 * Slack's fallback ids for blocks and elements without one. Both the renderer and the form use
 * these, so a value always lands under the same keys.
 */
export function blockIdOf(block: BlockKit, index: number): string {
  return typeof block.block_id === 'string' ? block.block_id : `block-${index}`;
}

export function actionIdOf(element: BlockKit, index: number): string {
  return typeof element.action_id === 'string' ? element.action_id : `action-${index}`;
}

/** Every element of `blocks` that holds a value, in order. */
export function statefulElements(blocks: readonly BlockKit[]): StatefulElement[] {
  const out: StatefulElement[] = [];
  blocks.forEach((block, i) => {
    const blockId = blockIdOf(block, i);
    if (block.type === 'input' && isObject(block.element)) {
      const element = block.element;
      if (STATEFUL.has(String(element.type)))
        out.push({ blockId, actionId: actionIdOf(element, 0), element, input: block });
    } else if (block.type === 'actions' && Array.isArray(block.elements)) {
      block.elements.forEach((element: unknown, j: number) => {
        if (isObject(element) && STATEFUL.has(String(element.type)))
          out.push({ blockId, actionId: actionIdOf(element, j), element });
      });
    } else if (block.type === 'section' && isObject(block.accessory)) {
      const element = block.accessory;
      if (STATEFUL.has(String(element.type)))
        out.push({ blockId, actionId: actionIdOf(element, 0), element });
    }
  });
  return out;
}

/** The value an element starts with, from its `initial_*` fields. */
export function initialState(element: BlockKit): ElementState {
  const type = String(element.type);
  switch (type) {
    case 'plain_text_input':
    case 'number_input':
      return {
        type,
        value:
          typeof element.initial_value === 'string' && element.initial_value !== ''
            ? element.initial_value
            : null,
      };
    case 'static_select':
    case 'radio_buttons': {
      const initial = isObject(element.initial_option)
        ? findOption(element, element.initial_option.value)
        : undefined;
      return { type, selected_option: initial ?? null };
    }
    case 'checkboxes': {
      const initial = Array.isArray(element.initial_options) ? element.initial_options : [];
      const selected = initial
        .filter(isObject)
        .map((o) => findOption(element, o.value))
        .filter((o): o is Option => o !== undefined);
      return { type, selected_options: selected };
    }
    case 'datepicker':
      return {
        type,
        selected_date: typeof element.initial_date === 'string' ? element.initial_date : null,
      };
    default:
      return { type };
  }
}

/** An element's options, flattening `option_groups`. */
export function optionsOf(element: BlockKit): Option[] {
  if (Array.isArray(element.options)) return element.options.filter(isObject);
  if (Array.isArray(element.option_groups)) {
    return element.option_groups
      .filter(isObject)
      .flatMap((g) => (Array.isArray(g.options) ? g.options.filter(isObject) : []));
  }
  return [];
}

/** The listed option with `value`: Slack sends the option object as listed, not as given. */
export function findOption(element: BlockKit, value: unknown): Option | undefined {
  return optionsOf(element).find((o) => o.value === value);
}

/** The element's current value: the person's edit when its type still matches, else the initial. */
export function currentState(edits: FormEdits, field: StatefulElement): ElementState {
  const edit = edits[field.blockId]?.[field.actionId];
  if (edit && edit.type === field.element.type) return edit;
  return initialState(field.element);
}

/** `view.state.values` for `blocks`: every stateful element, edited or not. */
export function stateValues(blocks: readonly BlockKit[], edits: FormEdits): StateValues {
  const values: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const field of statefulElements(blocks)) {
    values[field.blockId] ??= {};
    values[field.blockId]![field.actionId] = { ...currentState(edits, field) };
  }
  return values;
}

export function withEdit(
  edits: FormEdits,
  blockId: string,
  actionId: string,
  state: ElementState,
): FormEdits {
  return { ...edits, [blockId]: { ...edits[blockId], [actionId]: state } };
}

export const REQUIRED_MESSAGE = 'Please fill out this field.';

/**
 * What Slack's client says before it sends a submission, by block id: required inputs left
 * empty, numbers out of bounds, texts too short or long. Empty means the view may be submitted.
 */
export function clientErrors(
  blocks: readonly BlockKit[],
  edits: FormEdits,
): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const field of statefulElements(blocks)) {
    if (!field.input) continue;
    const problem = fieldProblem(field, currentState(edits, field));
    if (problem) errors[field.blockId] = problem;
  }
  return errors;
}

function fieldProblem(field: StatefulElement, state: ElementState): string | undefined {
  const { element } = field;
  const optional = field.input?.optional === true;
  if (isEmpty(state)) return optional ? undefined : REQUIRED_MESSAGE;
  if (element.type === 'number_input') return numberProblem(element, String(state.value));
  if (element.type === 'plain_text_input') {
    const text = String(state.value);
    const min = toNumber(element.min_length);
    const max = toNumber(element.max_length);
    if (min !== undefined && text.length < min)
      return `Please use at least ${min} character${min === 1 ? '' : 's'}.`;
    if (max !== undefined && text.length > max)
      return `Please use no more than ${max} character${max === 1 ? '' : 's'}.`;
  }
  return undefined;
}

function numberProblem(element: BlockKit, text: string): string | undefined {
  const decimals = element.is_decimal_allowed === true;
  const pattern = decimals ? /^-?(\d+\.?\d*|\.\d+)$/ : /^-?\d+$/;
  if (!pattern.test(text.trim()))
    return decimals ? 'Please enter a number.' : 'Please enter a whole number.';
  const n = Number(text);
  const min = toNumber(element.min_value);
  const max = toNumber(element.max_value);
  if (min !== undefined && max !== undefined && (n < min || n > max))
    return `Please enter a number between ${min} and ${max}.`;
  if (min !== undefined && n < min) return `Please enter a number no less than ${min}.`;
  if (max !== undefined && n > max) return `Please enter a number no more than ${max}.`;
  return undefined;
}

function isEmpty(state: ElementState): boolean {
  if ('value' in state) return state.value === null || state.value === '';
  if ('selected_option' in state) return state.selected_option == null;
  if ('selected_options' in state)
    return !Array.isArray(state.selected_options) || state.selected_options.length === 0;
  if ('selected_date' in state) return state.selected_date == null;
  return false;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)))
    return Number(value);
  return undefined;
}

export function isObject(value: unknown): value is BlockKit {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
