/**
 * Turns whatever an SDK call threw into an `AwsError`: a code, the sentence a Slack user sees,
 * and whether AWS may have acted (`outcome`). This is the edge: nothing past the adapters sees
 * an SDK error, an SDK message or a Node socket error.
 *
 * `outcome` matters only for mutating calls (purchase, renew). The rule used throughout:
 * `rejected` only when the answer proves AWS did not carry the operation out; anything that
 * leaves room for "it happened but we never heard back" is `unknown`, and the approval flow
 * then reconciles against AWS instead of repeating the purchase.
 */
import { AwsError, type AwsErrorCode, type AwsOutcome } from './errors.js';
import { SERVICE_LABEL, type ServiceName } from './types.js';

interface Classification {
  readonly code: AwsErrorCode;
  readonly outcome: AwsOutcome;
}

// Every modelled error of both services is a client fault answered before any change is made
// (validation, lookup, eligibility and limit checks), so all of them are `rejected`.
const DEVICE_FARM_ERRORS: Readonly<Record<string, Classification>> = {
  ArgumentException: { code: 'aws_invalid_argument', outcome: 'rejected' },
  NotFoundException: { code: 'aws_not_found', outcome: 'rejected' },
  NotEligibleException: { code: 'aws_not_eligible', outcome: 'rejected' },
  // The SDK classes this name as throttling; it is still a refusal, not a partial purchase.
  LimitExceededException: { code: 'aws_limit_exceeded', outcome: 'rejected' },
  ServiceAccountException: { code: 'aws_service_account', outcome: 'rejected' },
};

const MEDIA_CONNECT_ERRORS: Readonly<Record<string, Classification>> = {
  BadRequestException: { code: 'aws_bad_request', outcome: 'rejected' },
  ForbiddenException: { code: 'aws_forbidden', outcome: 'rejected' },
  NotFoundException: { code: 'aws_not_found', outcome: 'rejected' },
  // Throttling is decided at the front door, before the operation runs: AWS did not act.
  TooManyRequestsException: { code: 'aws_throttled', outcome: 'rejected' },
  // A 5xx says the service failed while handling the request, not that it failed before
  // changing anything: a purchase may have been recorded before the failure.
  InternalServerErrorException: { code: 'aws_internal_error', outcome: 'unknown' },
  // Usually means "not processed", but nothing guarantees that a backend did not act before a
  // front end gave up, and there is no idempotency token to make a repeat safe.
  ServiceUnavailableException: { code: 'aws_unavailable', outcome: 'unknown' },
};

/** Errors that any AWS JSON/REST service can return from its shared front end (auth, throttle). */
const COMMON_ERRORS: Readonly<Record<string, Classification>> = {
  ThrottlingException: { code: 'aws_throttled', outcome: 'rejected' },
  Throttling: { code: 'aws_throttled', outcome: 'rejected' },
  TooManyRequestsException: { code: 'aws_throttled', outcome: 'rejected' },
  // IAM denial and signature problems are checked before the operation is dispatched.
  AccessDeniedException: { code: 'aws_forbidden', outcome: 'rejected' },
  UnrecognizedClientException: { code: 'aws_credentials', outcome: 'rejected' },
  InvalidSignatureException: { code: 'aws_credentials', outcome: 'rejected' },
  IncompleteSignatureException: { code: 'aws_credentials', outcome: 'rejected' },
  MissingAuthenticationTokenException: { code: 'aws_credentials', outcome: 'rejected' },
  ExpiredTokenException: { code: 'aws_credentials', outcome: 'rejected' },
  // Raised by the SDK's credential chain before anything is signed or sent.
  CredentialsProviderError: { code: 'aws_credentials', outcome: 'rejected' },
  TokenProviderError: { code: 'aws_credentials', outcome: 'rejected' },
};

// The request may have reached AWS and been carried out; only the answer was lost.
export const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
export const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT']);
// No connection was ever established, so no request byte reached AWS.
export const NEVER_CONNECTED_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);
// The connection broke while the request or its answer was in flight.
export const DROPPED_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

/**
 * Where the Device Farm API reference sends accounts that get `NotEligible` (the documentation of
 * ListOfferings, PurchaseOffering and the other offering operations).
 */
export const DEVICE_FARM_SUPPORT_EMAIL = 'aws-devicefarm-support@amazon.com';

/** One plain sentence per code, naming the service; never AWS's own text. */
const USER_MESSAGES: Readonly<
  Record<AwsErrorCode, (label: string, service: ServiceName) => string>
> = {
  aws_invalid_argument: (s) =>
    `${s} rejected the request because one of its values is not valid (for example the offering or the quantity).`,
  aws_not_found: (s) =>
    `${s} could not find the offering, promotion or reservation asked for; it may be gone, so refresh the list.`,
  // Only Device Farm models NotEligibleException; its docs name the address to write to.
  aws_not_eligible: (s, service) =>
    service === 'devicefarm'
      ? `This AWS account is not enabled to use ${s} offerings through the API; the account owner must ask ${DEVICE_FARM_SUPPORT_EMAIL} to enable it.`
      : `This AWS account is not enabled to buy ${s} offerings; AWS support must enable it for the account first.`,
  aws_limit_exceeded: (s) =>
    `${s} refused the request because it would go over an account limit; an AWS admin can ask AWS to raise it.`,
  aws_service_account: (s) =>
    `${s} reported a problem with the AWS account itself; an AWS account admin needs to look at it.`,
  aws_bad_request: (s) =>
    `${s} rejected the request as not valid (for example an offering ARN it does not accept, or a start outside the allowed range).`,
  aws_forbidden: (s) =>
    `slots-bot's AWS credentials are not allowed to do this in ${s}; an AWS admin must grant the permission.`,
  aws_throttled: (s) => `${s} is getting too many requests right now; wait a minute and try again.`,
  aws_internal_error: (s) => `${s} had an internal error while handling the request.`,
  aws_unavailable: (s) => `${s} is temporarily unavailable.`,
  aws_timeout: (s) => `${s} did not answer in time.`,
  aws_network: (s) => `slots-bot could not talk to ${s}: the connection failed or was cut off.`,
  aws_credentials: (s) =>
    `slots-bot has no valid AWS credentials for ${s}; an admin must fix its AWS configuration.`,
  aws_unknown: (s) => `${s} failed with an unexpected error.`,
};

/**
 * An error name fit to show: AWS's names are identifiers, and the SDK already strips the
 * namespace (`ns#Name:uri` → `Name`). Anything else is left out rather than echoed into Slack.
 */
const SHOWABLE_AWS_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;

/**
 * The sentence shown in Slack for a code, e.g. "AWS Device Farm did not answer in time.". With
 * `awsName`, the name AWS gave its refusal, the sentence names it so an admin can look it up:
 * "… try again (AWS: TooManyRequestsException)."
 */
export function awsErrorMessage(
  code: AwsErrorCode,
  service: ServiceName,
  awsName?: string,
): string {
  const sentence = USER_MESSAGES[code](`AWS ${SERVICE_LABEL[service]}`, service);
  if (awsName === undefined || !SHOWABLE_AWS_NAME.test(awsName)) return sentence;
  return `${sentence.replace(/\.$/, '')} (AWS: ${awsName}).`;
}

/**
 * A mutating call refused before anything was sent (input that AWS would refuse or that makes
 * the SDK throw before sending, or a client that would retry): certainly `rejected`.
 * `reason` completes "slots-bot did not send this to AWS <service>: …".
 */
export function notSentError(
  service: ServiceName,
  operation: string,
  code: AwsErrorCode,
  reason: string,
): AwsError {
  return new AwsError(
    code,
    service,
    operation,
    `slots-bot did not send this to AWS ${SERVICE_LABEL[service]}: ${reason}`,
    'rejected',
    { awsMessage: `not sent: ${reason}` },
  );
}

/**
 * AWS answered with success but without the record the operation returns (a transaction, a
 * reservation). For a purchase that is `unknown`: AWS may well have acted.
 */
export function unusableAnswerError(
  service: ServiceName,
  operation: string,
  what: string,
): AwsError {
  return new AwsError(
    'aws_unknown',
    service,
    operation,
    awsErrorMessage('aws_unknown', service),
    'unknown',
    { awsMessage: `the answer held no usable ${what}` },
  );
}

interface ErrorFacts {
  readonly name: string | undefined;
  readonly codes: readonly string[];
  readonly message: string;
  readonly httpStatus: number | undefined;
  readonly requestId: string | undefined;
}

export function toAwsError(err: unknown, service: ServiceName, operation: string): AwsError {
  if (err instanceof AwsError) return err;
  const facts = readFacts(err);
  const { code, outcome } = classify(facts, service);
  // Only an answer from AWS carries AWS's own message; socket and SDK-internal messages are
  // kept in `cause` for the logs instead.
  const fromAws = facts.httpStatus !== undefined;
  return new AwsError(
    code,
    service,
    operation,
    awsErrorMessage(code, service, awsCodeOf(facts)),
    outcome,
    {
      // For socket errors the Node code (ECONNRESET) says more than the name the SDK gave it.
      awsName: fromAws ? facts.name : (facts.codes[0] ?? facts.name),
      httpStatus: facts.httpStatus,
      requestId: facts.requestId,
      awsMessage: fromAws && facts.message ? facts.message : undefined,
    },
    { cause: err },
  );
}

/**
 * Names that the SDK or JavaScript give an error it could not read (`UnknownError` when AWS sent
 * no code, `SyntaxError` for an unparsable body): not AWS's code for its refusal.
 */
const NOT_AWS_CODES: ReadonlySet<string> = new Set([
  'UnknownError',
  'SyntaxError',
  'TypeError',
  'RangeError',
]);

/**
 * AWS's own code for its refusal, when it gave one: the name of an error answer (HTTP status of
 * 300 or more). A socket code or an SDK-side name (TimeoutError, CredentialsProviderError) is
 * not AWS's, and a 2xx answer that could not be read is not a refusal; those stay in `detail`
 * for the logs.
 */
function awsCodeOf(facts: ErrorFacts): string | undefined {
  if (facts.httpStatus === undefined || facts.httpStatus < 300) return undefined;
  if (facts.name === undefined || NOT_AWS_CODES.has(facts.name)) return undefined;
  return facts.name;
}

/** Runs one adapter operation so that only an `AwsError` can escape it. */
export async function withAwsErrors<T>(
  service: ServiceName,
  operation: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw toAwsError(err, service, operation);
  }
}

function classify(facts: ErrorFacts, service: ServiceName): Classification {
  const { name, codes, message, httpStatus } = facts;
  const table = service === 'devicefarm' ? DEVICE_FARM_ERRORS : MEDIA_CONNECT_ERRORS;
  const named = name !== undefined ? (table[name] ?? COMMON_ERRORS[name]) : undefined;
  if (named) return named;

  // Checked before timeout names: the SDK renames ECONNRESET and EPIPE errors `TimeoutError`
  // (so its retry logic treats them as transient), but the user should hear the connection
  // dropped, not that AWS was slow.
  if (codes.some((c) => DROPPED_CODES.has(c)) || /socket hang up/i.test(message)) {
    return { code: 'aws_network', outcome: 'unknown' };
  }
  if (name !== undefined && TIMEOUT_NAMES.has(name)) {
    // The SDK's connect-phase timeout destroys the socket before a byte is written; any other
    // timeout fires after the request may have been sent. Matching the text is fragile, so a
    // change in it only falls back to the cautious `unknown`.
    // (Wording of @smithy/node-http-handler 4.x, then 3.x.)
    const beforeConnect = /did not establish a connection|without establishing a connection/i.test(
      message,
    );
    return { code: 'aws_timeout', outcome: beforeConnect ? 'rejected' : 'unknown' };
  }
  if (codes.some((c) => TIMEOUT_CODES.has(c))) return { code: 'aws_timeout', outcome: 'unknown' };
  // We only ever abort on our own deadline, after the request may have been sent.
  if (name === 'AbortError') return { code: 'aws_timeout', outcome: 'unknown' };

  if (codes.some((c) => NEVER_CONNECTED_CODES.has(c))) {
    return { code: 'aws_network', outcome: 'rejected' };
  }

  if (httpStatus !== undefined) return classifyStatus(httpStatus);
  return { code: 'aws_unknown', outcome: 'unknown' };
}

/** For names neither model declares: judge by the HTTP status AWS answered with. */
function classifyStatus(status: number): Classification {
  if (status === 401) return { code: 'aws_credentials', outcome: 'rejected' };
  if (status === 403) return { code: 'aws_forbidden', outcome: 'rejected' };
  if (status === 404) return { code: 'aws_not_found', outcome: 'rejected' };
  // 408 is a gateway giving up on a request it may already have forwarded.
  if (status === 408) return { code: 'aws_timeout', outcome: 'unknown' };
  if (status === 429) return { code: 'aws_throttled', outcome: 'rejected' };
  if (status >= 400 && status < 500) return { code: 'aws_bad_request', outcome: 'rejected' };
  if (status === 502 || status === 503 || status === 504) {
    return { code: 'aws_unavailable', outcome: 'unknown' };
  }
  if (status >= 500) return { code: 'aws_internal_error', outcome: 'unknown' };
  // A success status with an error means the answer could not be read (e.g. malformed JSON):
  // the operation ran, so for a purchase the result is genuinely unknown.
  return { code: 'aws_unknown', outcome: 'unknown' };
}

function readFacts(err: unknown): ErrorFacts {
  if (typeof err !== 'object' || err === null) {
    return {
      name: undefined,
      codes: [],
      message: '',
      httpStatus: undefined,
      requestId: undefined,
    };
  }
  const e = err as Record<string, unknown>;
  const metadata = isRecord(e.$metadata) ? e.$metadata : {};
  const status = metadata.httpStatusCode;
  const requestId = metadata.requestId ?? metadata.extendedRequestId;
  return {
    name: typeof e.name === 'string' && e.name !== 'Error' ? e.name : undefined,
    codes: collectCodes(err),
    message: typeof e.message === 'string' ? e.message : '',
    httpStatus: typeof status === 'number' ? status : undefined,
    requestId: typeof requestId === 'string' ? requestId : undefined,
  };
}

/**
 * Node socket errors carry their code on `code`; Node 20's happy-eyeballs connect wraps one
 * per address in an AggregateError (`errors`), and some layers wrap them in `cause`.
 */
function collectCodes(err: unknown, depth = 0): string[] {
  if (!isRecord(err) || depth > 3) return [];
  const codes: string[] = [];
  if (typeof err.code === 'string') codes.push(err.code);
  if (Array.isArray(err.errors)) {
    for (const inner of err.errors) codes.push(...collectCodes(inner, depth + 1));
  }
  if (err.cause !== undefined) codes.push(...collectCodes(err.cause, depth + 1));
  return codes;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
