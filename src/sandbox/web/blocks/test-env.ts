/** A view environment for renderer tests: the sandbox's people, and a record of actions. */
import type { BlockEnv, ElementAction } from './env.js';
import type { FormEdits } from './form.js';
import type { Directory } from './names.js';

export const TEST_DIRECTORY: Directory = {
  users: { U0ALICE: 'Alice', U0BOB: 'Bob', U0SLOTSBOT: 'slots' },
  channels: { C0SLOTS: 'slots' },
  groups: { S0APPROVERS: 'slots-approvers' },
};

export function testEnv(
  overrides: Partial<BlockEnv> = {},
  edits: FormEdits = {},
): BlockEnv & { actions: ElementAction[] } {
  const actions: ElementAction[] = [];
  return {
    dir: TEST_DIRECTORY,
    surface: 'modal',
    idPrefix: 't',
    edits,
    errors: {},
    setValue: () => {},
    act: async (a) => {
      actions.push(a);
    },
    actions,
    ...overrides,
  };
}
