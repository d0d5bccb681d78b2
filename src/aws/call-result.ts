/**
 * What became of one SDK call, in a handful of words a metric can carry as a label: the raw
 * error's name and HTTP status, never its message (which can hold ARNs or account ids). A small
 * fixed set keeps the label's cardinality bounded whatever AWS or a proxy answers.
 */
import {
  DROPPED_CODES,
  NEVER_CONNECTED_CODES,
  TIMEOUT_CODES,
  TIMEOUT_NAMES,
} from './error-mapping.js';

export const AWS_CALL_RESULTS = [
  'ok',
  'client_error',
  'throttled',
  'server_error',
  'timeout',
  'network',
  'other',
] as const;
export type AwsCallResult = (typeof AWS_CALL_RESULTS)[number];

const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);
// Never connected, or the connection broke: the same codes that decide whether a purchase may
// have reached AWS (error-mapping), here only counted.
const NETWORK_CODES = new Set([...NEVER_CONNECTED_CODES, ...DROPPED_CODES]);
// Raised before anything is sent: the caller's set-up, not AWS, is at fault.
const SET_UP_NAMES = new Set(['CredentialsProviderError', 'TokenProviderError']);

/** `undefined` error: the call answered. */
export function awsCallResult(error: unknown): AwsCallResult {
  if (error === undefined) return 'ok';
  const e = (error ?? {}) as {
    name?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const name = typeof e.name === 'string' ? e.name : '';
  const code = typeof e.code === 'string' ? e.code : '';
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : 0;
  if (THROTTLING_NAMES.has(name) || status === 429) return 'throttled';
  if (TIMEOUT_NAMES.has(name) || TIMEOUT_CODES.has(code)) return 'timeout';
  if (status >= 500) return 'server_error';
  if (status >= 400 || SET_UP_NAMES.has(name)) return 'client_error';
  if (NETWORK_CODES.has(code) || NETWORK_CODES.has(name)) return 'network';
  return 'other';
}

/** `PurchaseOfferingCommand` → `PurchaseOffering`; anything not shaped so → `other`. */
export function operationName(commandName: unknown): string {
  if (typeof commandName !== 'string') return 'other';
  const match = /^([A-Z][A-Za-z0-9]{0,63})Command$/.exec(commandName);
  return match?.[1] ?? 'other';
}
