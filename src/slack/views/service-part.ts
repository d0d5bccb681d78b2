/**
 * What the status and offerings views share per service: the warning shown in place of a service
 * that could not be read, and the note under a list that did not fit.
 */
import type { AwsError } from '../../aws/errors.js';
import { SERVICE_LABEL, type ServiceName } from '../../aws/types.js';
import { type MoreNote, type Part, warning } from './message.js';
import { escapeMrkdwn } from './mrkdwn.js';

/** One service's share of a message. */
export interface ServicePart {
  readonly parts: Part[];
  /** One sentence for the notification fallback. */
  readonly summary: string;
}

/** `:warning: *MediaConnect* could not be read: <the AwsError's sentence for users>`. */
export function unreadable(service: ServiceName, error: AwsError): ServicePart {
  const label = SERVICE_LABEL[service];
  return {
    parts: [warning(`*${label}* could not be read: ${escapeMrkdwn(error.userMessage)}`)],
    summary: `${label} could not be read.`,
  };
}

/**
 * `…and 412 more Device Farm offerings not shown; use `/slots status devicefarm` to see more.`
 * When the message already shows only this service, the console is the place to see the rest.
 */
export function notShown(
  command: 'status' | 'offerings',
  service: ServiceName,
  noun: string,
  alone: boolean,
): MoreNote {
  const hint = alone
    ? `see the ${SERVICE_LABEL[service]} console for the full list`
    : `use \`/slots ${command} ${service}\` to see more`;
  return (omitted, shown) =>
    shown > 0
      ? `…and ${omitted} more ${noun} not shown; ${hint}.`
      : `${omitted} ${noun} not shown; ${hint}.`;
}
