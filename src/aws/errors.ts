/**
 * Every failure of an AWS call leaves the adapter as an `AwsError` with a string code and a
 * sentence a Slack user understands. Raw SDK errors never travel further.
 */
import type { ServiceName } from './types.js';

export const AWS_ERROR_CODES = [
  'aws_invalid_argument',
  'aws_not_found',
  'aws_not_eligible',
  'aws_limit_exceeded',
  'aws_service_account',
  'aws_bad_request',
  'aws_forbidden',
  'aws_throttled',
  'aws_internal_error',
  'aws_unavailable',
  'aws_timeout',
  'aws_network',
  'aws_credentials',
  'aws_unknown',
] as const;

export type AwsErrorCode = (typeof AWS_ERROR_CODES)[number];

/**
 * Whether AWS certainly did not act (`rejected`: a modelled 4xx answer) or the outcome of a
 * mutating call cannot be known from the answer (`unknown`: timeout, dropped connection, 5xx).
 * The approval flow reconciles `unknown` outcomes against AWS instead of retrying.
 */
export type AwsOutcome = 'rejected' | 'unknown';

export class AwsError extends Error {
  override readonly name = 'AwsError';
  constructor(
    readonly code: AwsErrorCode,
    readonly service: ServiceName,
    readonly operation: string,
    /** The sentence shown in Slack. */
    readonly userMessage: string,
    readonly outcome: AwsOutcome,
    readonly detail: {
      readonly awsName?: string | undefined;
      readonly httpStatus?: number | undefined;
      readonly requestId?: string | undefined;
      readonly awsMessage?: string | undefined;
    } = {},
    options?: { cause?: unknown },
  ) {
    super(
      `${service} ${operation}: ${code}${detail.awsName ? ` (${detail.awsName})` : ''}`,
      options,
    );
  }
}

export function isAwsError(e: unknown): e is AwsError {
  return e instanceof AwsError;
}
