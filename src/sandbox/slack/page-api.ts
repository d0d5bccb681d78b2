/**
 * The page's inputs, checked with zod before anything acts on them: a malformed body is answered
 * 400 with the first field that is wrong, never half-applied.
 */
import { z } from 'zod';
import type {
  ActionInput,
  AwsAction,
  CloseInput,
  CommandInput,
  HomeInput,
  SubmitInput,
} from '../protocol.js';
import { PEOPLE } from '../workspace-setup.js';

const personIds = PEOPLE.map((p) => p.id) as [string, ...string[]];
const user = z.enum(personIds);
const id = z.string().min(1).max(255);
const blockKit = z.record(z.string(), z.unknown());
const stateValues = z.record(z.string(), z.record(z.string(), z.record(z.string(), z.unknown())));

export const commandInput = z.object({
  user,
  line: z.string().max(4000),
  threadTs: id.optional(),
}) satisfies z.ZodType<CommandInput>;

export const actionInput = z.object({
  user,
  source: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('message'), ts: id }),
    z.object({ kind: z.literal('modal'), viewId: id }),
    z.object({ kind: z.literal('home') }),
  ]),
  blockId: z.string().max(255),
  actionId: id,
  type: id,
  value: z.string().max(2000).optional(),
  selectedOption: blockKit.optional(),
  state: stateValues.optional(),
}) satisfies z.ZodType<ActionInput>;

export const submitInput = z.object({
  user,
  viewId: id,
  state: stateValues,
}) satisfies z.ZodType<SubmitInput>;

export const closeInput = z.object({ user, viewId: id }) satisfies z.ZodType<CloseInput>;
export const homeInput = z.object({ user }) satisfies z.ZodType<HomeInput>;

const quantity = z.number().int().min(0).max(1000);
export const awsAction = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('advance-period') }),
  z.object({ kind: z.literal('renew-outside'), offeringId: id, quantity }),
  z.object({ kind: z.literal('buy-outside'), offeringId: id, quantity }),
  z.object({ kind: z.literal('set-next-period'), offeringId: id, quantity }),
  z.object({
    kind: z.literal('end-reservation'),
    name: id,
    days: z.number().int().min(0).max(3650),
  }),
  z.object({ kind: z.literal('fail'), service: z.enum(['devicefarm', 'mediaconnect']) }),
  z.object({ kind: z.literal('heal') }),
]) satisfies z.ZodType<AwsAction>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** Parses `body` with `schema`; the message names the first wrong field (`source.ts: …`). */
export function parseInput<T>(schema: z.ZodType<T>, body: unknown): Parsed<T> {
  const result = schema.safeParse(body);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const path = issue?.path.map(String).join('.') || 'body';
  return { ok: false, message: `${path}: ${issue?.message ?? 'invalid'}` };
}
