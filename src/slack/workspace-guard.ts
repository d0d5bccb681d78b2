/**
 * Requests for someone else's installation. A signed request proves it came from Slack for this
 * app's signing secret, not that it is about the workspace this bot serves: the same app may be
 * installed elsewhere, or a shared channel may carry a click from another organisation. Each
 * request's workspace, Enterprise Grid org and app must match what `auth.test` and `bots.info`
 * said about the bot token at start-up; any other is acked (so Slack shows no timeout), refused
 * for a command, logged, and goes no further.
 */
import type { AckFn, AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import { requestKind } from './payload-guard.js';

/** Where the bot token is installed, as Slack answered at start-up. */
export interface Installation {
  readonly appId: string;
  readonly teamId: string | undefined;
  readonly enterpriseId: string | undefined;
  /** An org-wide install on Enterprise Grid: every workspace of the org is served. */
  readonly isEnterpriseInstall: boolean;
}

/** Where a request says it comes from. */
export interface RequestOrigin {
  readonly teamId: string | undefined;
  readonly enterpriseId: string | undefined;
  readonly appId: string | undefined;
}

export type OriginVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'app' | 'team' | 'enterprise' };

export const NOT_INSTALLED_TEXT = 'This app is not installed for this workspace.';

// Any field may be missing, null or of the wrong type; each then reads as absent.
const idField = z
  .string()
  .nullish()
  .catch(undefined)
  .transform((v) => (v ? v : undefined));
const ref = z
  .looseObject({ id: idField, team_id: idField, enterprise_id: idField })
  .nullish()
  .catch(undefined);
const originFields = z
  .looseObject({
    team_id: idField,
    team: ref,
    user: ref,
    enterprise_id: idField,
    enterprise: ref,
    api_app_id: idField,
  })
  .catch({ team_id: undefined, enterprise_id: undefined, api_app_id: undefined });

/** Team from `team_id`, `team.id` or `user.team_id`; org from `enterprise_id` or `enterprise.id`. */
export function requestOrigin(body: unknown): RequestOrigin {
  const b = originFields.parse(body ?? {});
  return {
    teamId: b.team_id ?? b.team?.id ?? b.user?.team_id,
    enterpriseId: b.enterprise_id ?? b.enterprise?.id ?? b.team?.enterprise_id,
    appId: b.api_app_id,
  };
}

export function checkOrigin(origin: RequestOrigin, installation: Installation): OriginVerdict {
  if (origin.appId !== installation.appId) return { ok: false, reason: 'app' };
  if (installation.isEnterpriseInstall) {
    // Org-wide: any workspace of the org, none outside it.
    return origin.enterpriseId === installation.enterpriseId
      ? { ok: true }
      : { ok: false, reason: 'enterprise' };
  }
  if (origin.teamId !== installation.teamId) return { ok: false, reason: 'team' };
  // Team ids are unique across Slack, so a request without an org id is decided by its team.
  if (origin.enterpriseId !== undefined && origin.enterpriseId !== installation.enterpriseId) {
    return { ok: false, reason: 'enterprise' };
  }
  return { ok: true };
}

/** The global middleware: first in the chain, before anything that reads or writes. */
export function workspaceGuard(
  installation: Installation,
  logger: Logger,
): Middleware<AnyMiddlewareArgs> {
  const log = logger.child({ module: 'workspace-guard' });
  return async (args) => {
    const origin = requestOrigin(args.body);
    const verdict = checkOrigin(origin, installation);
    if (verdict.ok) return args.next();
    const kind = requestKind(args.body as unknown as Record<string, unknown>);
    log.warn(
      {
        reason: verdict.reason,
        kind,
        teamId: origin.teamId,
        enterpriseId: origin.enterpriseId,
        appId: origin.appId,
      },
      'refused a request from outside this installation',
    );
    // Events were acked by Bolt before middleware runs; everything else is acked here.
    const { ack } = args as { ack?: AckFn<unknown> };
    if (ack)
      await ack(
        kind === 'command' ? { response_type: 'ephemeral', text: NOT_INSTALLED_TEXT } : undefined,
      );
  };
}
