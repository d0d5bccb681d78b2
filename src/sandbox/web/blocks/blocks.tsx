/**
 * Block Kit's layout blocks, by `type`. Every block is a `<div data-block-type>`; a type this page
 * does not know is shown as a visible note instead of breaking the view around it.
 */
import { Component, type ComponentChildren, type JSX } from 'preact';
import type { BlockKit } from '../../protocol.js';
import { Element } from './elements.js';
import { EMOJI } from './emoji.js';
import type { BlockEnv } from './env.js';
import { actionIdOf, blockIdOf, isObject } from './form.js';
import { plainOf, Text } from './text.js';

export interface BlockProps {
  readonly block: BlockKit;
  readonly blockId: string;
  readonly env: BlockEnv;
}

type BlockRenderer = (props: BlockProps) => JSX.Element | null;

function controlId(env: BlockEnv, blockId: string, actionId: string): string {
  return `${env.idPrefix}--${blockId}--${actionId}`.replace(/[^A-Za-z0-9_:.-]/g, '_');
}

function elementsOf(block: BlockKit): BlockKit[] {
  return Array.isArray(block.elements) ? block.elements.filter(isObject) : [];
}

function Section({ block, blockId, env }: BlockProps) {
  const fields = Array.isArray(block.fields) ? block.fields : [];
  const accessory = isObject(block.accessory) ? block.accessory : undefined;
  return (
    <div class="bk-section">
      <div class="bk-section-body">
        {block.text !== undefined && (
          <div class="bk-text">
            <Text value={block.text} dir={env.dir} />
          </div>
        )}
        {fields.length > 0 && (
          <div class="bk-fields">
            {fields.map((f, i) => (
              <div class="bk-field" key={i}>
                <Text value={f} dir={env.dir} />
              </div>
            ))}
          </div>
        )}
      </div>
      {accessory && (
        <div class="bk-accessory">
          <Element
            element={accessory}
            blockId={blockId}
            actionId={actionIdOf(accessory, 0)}
            env={env}
            dispatch
            controlId={controlId(env, blockId, actionIdOf(accessory, 0))}
          />
        </div>
      )}
    </div>
  );
}

function Actions({ block, blockId, env }: BlockProps) {
  return (
    <div class="bk-actions">
      {elementsOf(block).map((element, i) => {
        const actionId = actionIdOf(element, i);
        return (
          <Element
            key={actionId}
            element={element}
            blockId={blockId}
            actionId={actionId}
            env={env}
            dispatch
            controlId={controlId(env, blockId, actionId)}
          />
        );
      })}
    </div>
  );
}

function Context({ block, blockId, env }: BlockProps) {
  return (
    <div class="bk-context">
      {elementsOf(block).map((element, i) => (
        <Element
          key={i}
          element={element}
          blockId={blockId}
          actionId={actionIdOf(element, i)}
          env={env}
          dispatch={false}
          controlId={controlId(env, blockId, `context-${i}`)}
        />
      ))}
    </div>
  );
}

function Header({ block, env }: BlockProps) {
  return (
    <h3 class="bk-header">
      <Text value={block.text} dir={env.dir} />
    </h3>
  );
}

function Input({ block, blockId, env }: BlockProps) {
  const element = isObject(block.element) ? block.element : undefined;
  const actionId = element ? actionIdOf(element, 0) : 'action-0';
  const id = controlId(env, blockId, actionId);
  const labelId = `${id}--label`;
  const error = env.errors[blockId];
  const group = element?.type === 'radio_buttons' || element?.type === 'checkboxes';
  const label = plainOf(block.label);
  return (
    <div class={`bk-input-block${error ? ' bk-has-error' : ''}`}>
      {group ? (
        <div class="bk-label" id={labelId}>
          {label}
          {block.optional === true && <span class="bk-optional"> (optional)</span>}
        </div>
      ) : (
        <label class="bk-label" id={labelId} for={id}>
          {label}
          {block.optional === true && <span class="bk-optional"> (optional)</span>}
        </label>
      )}
      {element && (
        <Element
          element={element}
          blockId={blockId}
          actionId={actionId}
          env={env}
          dispatch={block.dispatch_action === true}
          controlId={id}
          labelId={labelId}
        />
      )}
      {error && (
        <div class="bk-field-error" data-testid="field-error" role="alert">
          {error}
        </div>
      )}
      {block.hint !== undefined && (
        <div class="bk-hint">
          <Text value={block.hint} dir={env.dir} />
        </div>
      )}
    </div>
  );
}

function Divider() {
  return <hr class="bk-divider" />;
}

/** See `ImageElement`: the sandbox never loads a picture from the internet. */
function ImageBlock({ block, env }: BlockProps) {
  const alt = typeof block.alt_text === 'string' ? block.alt_text : 'image';
  return (
    <figure class="bk-image">
      {block.title !== undefined && (
        <figcaption>
          <Text value={block.title} dir={env.dir} />
        </figcaption>
      )}
      <div class="bk-image-placeholder" role="img" aria-label={alt}>
        🖼 {alt}
      </div>
    </figure>
  );
}

function RichText({ block, env }: BlockProps) {
  return <div class="bk-rich-text">{elementsOf(block).map((e, i) => richPart(e, env, i))}</div>;
}

function richPart(part: BlockKit, env: BlockEnv, key: number): ComponentChildren {
  const children = () => elementsOf(part).map((e, i) => richInline(e, env, i));
  switch (part.type) {
    case 'rich_text_section':
      return <div key={key}>{children()}</div>;
    case 'rich_text_preformatted':
      return (
        <pre key={key} class="mrkdwn-pre">
          {children()}
        </pre>
      );
    case 'rich_text_quote':
      return (
        <blockquote key={key} class="mrkdwn-quote">
          {children()}
        </blockquote>
      );
    case 'rich_text_list': {
      const items = elementsOf(part).map((e, i) => <li key={i}>{richPart(e, env, i)}</li>);
      return part.style === 'ordered' ? <ol key={key}>{items}</ol> : <ul key={key}>{items}</ul>;
    }
    default:
      return (
        <span key={key} class="bk-unsupported">
          [unsupported rich text: {String(part.type)}]
        </span>
      );
  }
}

function richInline(part: BlockKit, env: BlockEnv, key: number): ComponentChildren {
  const style = isObject(part.style) ? part.style : {};
  let node: ComponentChildren;
  switch (part.type) {
    case 'text':
      node = String(part.text ?? '');
      break;
    case 'link':
      node = /^(https?:|mailto:)/i.test(String(part.url)) ? (
        <a href={String(part.url)} target="_blank" rel="noopener noreferrer">
          {String(part.text ?? part.url)}
        </a>
      ) : (
        String(part.text ?? part.url)
      );
      break;
    case 'user':
      node = <span class="mention">@{env.dir.users[String(part.user_id)] ?? part.user_id}</span>;
      break;
    case 'channel':
      node = (
        <span class="mention">#{env.dir.channels[String(part.channel_id)] ?? part.channel_id}</span>
      );
      break;
    case 'usergroup':
      node = (
        <span class="mention">
          @{env.dir.groups[String(part.usergroup_id)] ?? part.usergroup_id}
        </span>
      );
      break;
    case 'broadcast':
      node = <span class="mention">@{String(part.range)}</span>;
      break;
    case 'emoji':
      node = EMOJI[String(part.name)] ?? `:${String(part.name)}:`;
      break;
    default:
      node = <span class="bk-unsupported">[unsupported rich text: {String(part.type)}]</span>;
  }
  if (style.code) node = <code>{node}</code>;
  if (style.strike) node = <s>{node}</s>;
  if (style.italic) node = <em>{node}</em>;
  if (style.bold) node = <strong>{node}</strong>;
  return <span key={key}>{node}</span>;
}

export const BLOCK_RENDERERS: Readonly<Record<string, BlockRenderer>> = {
  section: Section,
  actions: Actions,
  context: Context,
  divider: Divider,
  header: Header,
  input: Input,
  image: ImageBlock,
  rich_text: RichText,
};

/** Keeps one broken block from taking the rest of the view with it. */
class BlockBoundary extends Component<{ type: string; children: ComponentChildren }> {
  override state = { failed: false };
  override componentDidCatch() {
    this.setState({ failed: true });
  }
  override render() {
    if (this.state.failed)
      return <span class="bk-unsupported">[could not show block: {this.props.type}]</span>;
    return this.props.children;
  }
}

export function Block({ block, index, env }: { block: BlockKit; index: number; env: BlockEnv }) {
  const type = typeof block.type === 'string' ? block.type : 'unknown';
  const Renderer = BLOCK_RENDERERS[type];
  const blockId = blockIdOf(block, index);
  return (
    <div class="bk-block" data-block-type={type} data-block-id={blockId}>
      {Renderer ? (
        <BlockBoundary type={type}>
          <Renderer block={block} blockId={blockId} env={env} />
        </BlockBoundary>
      ) : (
        <span class="bk-unsupported">[unsupported block: {type}]</span>
      )}
    </div>
  );
}

export function Blocks({ blocks, env }: { blocks: unknown; env: BlockEnv }) {
  const list = Array.isArray(blocks) ? blocks.filter(isObject) : [];
  return (
    <div class="bk-blocks">
      {list.map((block, i) => (
        <Block key={blockIdOf(block, i)} block={block} index={i} env={env} />
      ))}
    </div>
  );
}
