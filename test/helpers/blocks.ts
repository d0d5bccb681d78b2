/** Reading Block Kit the way a person does: the texts, the item lines, a line by its content. */
import type { KnownBlock } from '../../src/slack/views/message.js';

type Blocks = readonly KnownBlock[] | { readonly blocks: readonly KnownBlock[] };

const blocksOf = (b: Blocks): readonly KnownBlock[] => ('blocks' in b ? b.blocks : b);

export function sectionTexts(b: Blocks): string[] {
  return blocksOf(b).flatMap((block) =>
    block.type === 'section' && block.text ? [block.text.text] : [],
  );
}

export function contextTexts(b: Blocks): string[] {
  return blocksOf(b).flatMap((block) =>
    block.type === 'context' ? block.elements.flatMap((e) => ('text' in e ? [e.text] : [])) : [],
  );
}

/** Item lines (one per offering or reservation), in display order. */
export function itemLines(b: Blocks): string[] {
  return sectionTexts(b)
    .flatMap((t) => t.split('\n'))
    .filter((l) => l.startsWith('• '));
}

export function lineFor(b: Blocks, needle: string): string {
  const line = itemLines(b).find((l) => l.includes(needle));
  if (!line) throw new Error(`no line with ${needle}`);
  return line;
}

/** All visible text of a message's blocks (any depth), for meaning-level assertions. */
export function blockText(message: { readonly blocks?: unknown }): string {
  const out: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'text' && typeof inner === 'string') out.push(inner);
        else walk(inner);
      }
    }
  };
  walk(message.blocks ?? []);
  return out.join('\n');
}

/** The value of every button with `actionId` in a message's blocks (any depth), in order. */
export function buttonValues(message: { readonly blocks?: unknown }, actionId: string): string[] {
  const found: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      if (o.action_id === actionId && typeof o.value === 'string') found.push(o.value);
      Object.values(o).forEach(walk);
    }
  };
  walk(message.blocks ?? []);
  return found;
}
