import * as df from '@aws-sdk/client-device-farm';
import * as mc from '@aws-sdk/client-mediaconnect';
import { describe, expect, it } from 'vitest';
import {
  awsErrorMessage,
  DEVICE_FARM_SUPPORT_EMAIL,
  toAwsError,
  withAwsErrors,
} from './error-mapping.js';
import { AWS_ERROR_CODES, AwsError, type AwsErrorCode, type AwsOutcome } from './errors.js';
import { SERVICES, type ServiceName } from './types.js';

const RAW = 'RAW-AWS-TEXT account 123456789012 secret-ish detail';

const meta = (httpStatusCode: number) => ({ httpStatusCode, requestId: 'req-1', attempts: 1 });

function socketError(code: string, message = `${code} 127.0.0.1:443 ${RAW}`): Error {
  return Object.assign(new Error(message), { code });
}

interface Case {
  readonly what: string;
  readonly service: ServiceName;
  readonly err: unknown;
  readonly code: AwsErrorCode;
  readonly outcome: AwsOutcome;
}

const modelled: Case[] = [
  {
    what: 'DF ArgumentException',
    service: 'devicefarm',
    err: new df.ArgumentException({ message: RAW, $metadata: meta(400) }),
    code: 'aws_invalid_argument',
    outcome: 'rejected',
  },
  {
    what: 'DF NotFoundException',
    service: 'devicefarm',
    err: new df.NotFoundException({ message: RAW, $metadata: meta(400) }),
    code: 'aws_not_found',
    outcome: 'rejected',
  },
  {
    what: 'DF NotEligibleException',
    service: 'devicefarm',
    err: new df.NotEligibleException({ message: RAW, $metadata: meta(400) }),
    code: 'aws_not_eligible',
    outcome: 'rejected',
  },
  {
    what: 'DF LimitExceededException',
    service: 'devicefarm',
    err: new df.LimitExceededException({ message: RAW, $metadata: meta(400) }),
    code: 'aws_limit_exceeded',
    outcome: 'rejected',
  },
  {
    what: 'DF ServiceAccountException',
    service: 'devicefarm',
    err: new df.ServiceAccountException({ message: RAW, $metadata: meta(400) }),
    code: 'aws_service_account',
    outcome: 'rejected',
  },
  {
    what: 'MC BadRequestException',
    service: 'mediaconnect',
    err: new mc.BadRequestException({ message: RAW, Message: RAW, $metadata: meta(400) }),
    code: 'aws_bad_request',
    outcome: 'rejected',
  },
  {
    what: 'MC ForbiddenException',
    service: 'mediaconnect',
    err: new mc.ForbiddenException({ message: RAW, Message: RAW, $metadata: meta(403) }),
    code: 'aws_forbidden',
    outcome: 'rejected',
  },
  {
    what: 'MC NotFoundException',
    service: 'mediaconnect',
    err: new mc.NotFoundException({ message: RAW, Message: RAW, $metadata: meta(404) }),
    code: 'aws_not_found',
    outcome: 'rejected',
  },
  {
    what: 'MC TooManyRequestsException',
    service: 'mediaconnect',
    err: new mc.TooManyRequestsException({ message: RAW, Message: RAW, $metadata: meta(429) }),
    code: 'aws_throttled',
    outcome: 'rejected',
  },
  {
    what: 'MC InternalServerErrorException',
    service: 'mediaconnect',
    err: new mc.InternalServerErrorException({
      message: RAW,
      Message: RAW,
      $metadata: meta(500),
    }),
    code: 'aws_internal_error',
    outcome: 'unknown',
  },
  {
    what: 'MC ServiceUnavailableException',
    service: 'mediaconnect',
    err: new mc.ServiceUnavailableException({
      message: RAW,
      Message: RAW,
      $metadata: meta(503),
    }),
    code: 'aws_unavailable',
    outcome: 'unknown',
  },
];

const transport: Case[] = [
  {
    what: 'SDK request timeout (TimeoutError, ETIMEDOUT)',
    service: 'devicefarm',
    err: Object.assign(new Error(`request exceeded requestTimeout ${RAW}`), {
      name: 'TimeoutError',
      code: 'ETIMEDOUT',
    }),
    code: 'aws_timeout',
    outcome: 'unknown',
  },
  {
    what: 'SDK socket idle timeout (TimeoutError)',
    service: 'mediaconnect',
    err: Object.assign(new Error(`socket timed out ${RAW}`), { name: 'TimeoutError' }),
    code: 'aws_timeout',
    outcome: 'unknown',
  },
  {
    what: 'SDK connect timeout: nothing sent',
    service: 'devicefarm',
    err: Object.assign(
      new Error(
        '@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 3000 ms.',
      ),
      { name: 'TimeoutError' },
    ),
    code: 'aws_timeout',
    outcome: 'rejected',
  },
  {
    what: 'SDK connect timeout, older handler wording: nothing sent',
    service: 'mediaconnect',
    err: Object.assign(
      new Error('Socket timed out without establishing a connection within 3000 ms'),
      { name: 'TimeoutError' },
    ),
    code: 'aws_timeout',
    outcome: 'rejected',
  },
  {
    what: 'RequestTimeout name',
    service: 'devicefarm',
    err: Object.assign(new Error(RAW), { name: 'RequestTimeout' }),
    code: 'aws_timeout',
    outcome: 'unknown',
  },
  {
    what: 'RequestTimeoutException name',
    service: 'mediaconnect',
    err: Object.assign(new Error(RAW), { name: 'RequestTimeoutException' }),
    code: 'aws_timeout',
    outcome: 'unknown',
  },
  {
    what: 'bare ETIMEDOUT',
    service: 'devicefarm',
    err: socketError('ETIMEDOUT'),
    code: 'aws_timeout',
    outcome: 'unknown',
  },
  {
    what: 'AbortError',
    service: 'mediaconnect',
    err: Object.assign(new Error(`This operation was aborted ${RAW}`), { name: 'AbortError' }),
    code: 'aws_timeout',
    outcome: 'unknown',
  },
  {
    what: 'ECONNRESET',
    service: 'devicefarm',
    err: socketError('ECONNRESET'),
    code: 'aws_network',
    outcome: 'unknown',
  },
  {
    what: 'socket hang up',
    service: 'mediaconnect',
    err: socketError('ECONNRESET', 'socket hang up'),
    code: 'aws_network',
    outcome: 'unknown',
  },
  {
    what: 'socket hang up without code',
    service: 'mediaconnect',
    err: new Error('socket hang up'),
    code: 'aws_network',
    outcome: 'unknown',
  },
  {
    what: 'ECONNRESET renamed TimeoutError by the SDK',
    service: 'devicefarm',
    err: Object.assign(socketError('ECONNRESET', 'socket hang up'), { name: 'TimeoutError' }),
    code: 'aws_network',
    outcome: 'unknown',
  },
  {
    what: 'EPIPE',
    service: 'devicefarm',
    err: socketError('EPIPE'),
    code: 'aws_network',
    outcome: 'unknown',
  },
  {
    what: 'ECONNREFUSED',
    service: 'devicefarm',
    err: socketError('ECONNREFUSED'),
    code: 'aws_network',
    outcome: 'rejected',
  },
  {
    what: 'ECONNREFUSED inside AggregateError (happy eyeballs)',
    service: 'mediaconnect',
    err: Object.assign(
      new AggregateError([socketError('ECONNREFUSED'), socketError('ECONNREFUSED')], ''),
      { code: 'ECONNREFUSED' },
    ),
    code: 'aws_network',
    outcome: 'rejected',
  },
  {
    what: 'ENOTFOUND (DNS)',
    service: 'devicefarm',
    err: socketError('ENOTFOUND', `getaddrinfo ENOTFOUND devicefarm.eu-west-1.amazonaws.com`),
    code: 'aws_network',
    outcome: 'rejected',
  },
  {
    what: 'EAI_AGAIN (DNS)',
    service: 'mediaconnect',
    err: socketError('EAI_AGAIN'),
    code: 'aws_network',
    outcome: 'rejected',
  },
  {
    what: 'EHOSTUNREACH',
    service: 'mediaconnect',
    err: socketError('EHOSTUNREACH'),
    code: 'aws_network',
    outcome: 'rejected',
  },
  {
    what: 'CredentialsProviderError',
    service: 'devicefarm',
    err: Object.assign(new Error(`Could not load credentials from any providers ${RAW}`), {
      name: 'CredentialsProviderError',
    }),
    code: 'aws_credentials',
    outcome: 'rejected',
  },
  {
    what: 'UnrecognizedClientException (bad key)',
    service: 'devicefarm',
    err: Object.assign(new Error(RAW), {
      name: 'UnrecognizedClientException',
      $metadata: meta(400),
    }),
    code: 'aws_credentials',
    outcome: 'rejected',
  },
  {
    what: 'AccessDeniedException (IAM)',
    service: 'devicefarm',
    err: Object.assign(new Error(RAW), { name: 'AccessDeniedException', $metadata: meta(400) }),
    code: 'aws_forbidden',
    outcome: 'rejected',
  },
  {
    what: 'ThrottlingException',
    service: 'devicefarm',
    err: Object.assign(new Error(RAW), { name: 'ThrottlingException', $metadata: meta(400) }),
    code: 'aws_throttled',
    outcome: 'rejected',
  },
];

const fallbacks: Case[] = [
  {
    what: 'unmodelled name, 500',
    service: 'devicefarm',
    err: Object.assign(new Error(RAW), { name: 'InternalFailure', $metadata: meta(500) }),
    code: 'aws_internal_error',
    outcome: 'unknown',
  },
  {
    what: 'unmodelled name, 502',
    service: 'mediaconnect',
    err: Object.assign(new Error(RAW), { name: 'BadGateway', $metadata: meta(502) }),
    code: 'aws_unavailable',
    outcome: 'unknown',
  },
  {
    what: 'unmodelled name, 429',
    service: 'devicefarm',
    err: Object.assign(new Error(RAW), { name: 'Whoa', $metadata: meta(429) }),
    code: 'aws_throttled',
    outcome: 'rejected',
  },
  {
    what: 'unmodelled name, 409',
    service: 'mediaconnect',
    err: Object.assign(new Error(RAW), { name: 'ConflictException', $metadata: meta(409) }),
    code: 'aws_bad_request',
    outcome: 'rejected',
  },
  {
    what: 'Device Farm name sent by MediaConnect is not trusted by name',
    service: 'mediaconnect',
    err: Object.assign(new Error(RAW), { name: 'NotEligibleException', $metadata: meta(400) }),
    code: 'aws_bad_request',
    outcome: 'rejected',
  },
  {
    what: 'unreadable 200 answer',
    service: 'devicefarm',
    err: Object.assign(new SyntaxError(`Unexpected token ${RAW}`), { $metadata: meta(200) }),
    code: 'aws_unknown',
    outcome: 'unknown',
  },
  {
    what: 'plain Error',
    service: 'devicefarm',
    err: new Error(RAW),
    code: 'aws_unknown',
    outcome: 'unknown',
  },
  {
    what: 'a thrown string',
    service: 'mediaconnect',
    err: RAW,
    code: 'aws_unknown',
    outcome: 'unknown',
  },
  {
    what: 'undefined',
    service: 'mediaconnect',
    err: undefined,
    code: 'aws_unknown',
    outcome: 'unknown',
  },
];

describe('toAwsError', () => {
  it.each([...modelled, ...transport, ...fallbacks])('$what → $code / $outcome', (c) => {
    const e = toAwsError(c.err, c.service, 'SomeOperation');
    expect(e).toBeInstanceOf(AwsError);
    expect(e.code).toBe(c.code);
    expect(e.outcome).toBe(c.outcome);
    expect(e.service).toBe(c.service);
    expect(e.operation).toBe('SomeOperation');
    expect(e.userMessage.startsWith(awsErrorMessage(c.code, c.service).replace(/\.$/, ''))).toBe(
      true,
    );
    expect(e.userMessage.length).toBeGreaterThan(0);
    expect(e.userMessage).not.toContain('RAW-AWS-TEXT');
    expect(e.userMessage).not.toContain('127.0.0.1');
    expect(e.message).not.toContain('RAW-AWS-TEXT');
    expect(e.cause).toBe(c.err);
  });

  it.each(modelled)('$what keeps name, status, request id and AWS message for logs', (c) => {
    const e = toAwsError(c.err, c.service, 'Op');
    expect(e.detail.awsName).toBe((c.err as Error).name);
    expect(e.detail.httpStatus).toBe(
      (c.err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode,
    );
    expect(e.detail.requestId).toBe('req-1');
    expect(e.detail.awsMessage).toBe(RAW);
  });

  it('keeps socket text out of detail.awsMessage (it is not from AWS)', () => {
    const e = toAwsError(socketError('ECONNRESET'), 'devicefarm', 'Op');
    expect(e.detail.awsName).toBe('ECONNRESET');
    expect(e.detail.awsMessage).toBeUndefined();
    expect(e.detail.httpStatus).toBeUndefined();
  });

  it('returns an AwsError unchanged', () => {
    const first = toAwsError(
      new df.NotEligibleException({ message: RAW, $metadata: meta(400) }),
      'devicefarm',
      'PurchaseOffering',
    );
    expect(toAwsError(first, 'mediaconnect', 'Other')).toBe(first);
  });

  it('says in plain words that the account must be enabled, and where to ask', () => {
    const e = toAwsError(
      new df.NotEligibleException({ message: RAW, $metadata: meta(400) }),
      'devicefarm',
      'PurchaseOffering',
    );
    expect(e.userMessage).toBe(
      'This AWS account is not enabled to use AWS Device Farm offerings through the API; the ' +
        'account owner must ask aws-devicefarm-support@amazon.com to enable it ' +
        '(AWS: NotEligibleException).',
    );
    expect(DEVICE_FARM_SUPPORT_EMAIL).toBe('aws-devicefarm-support@amazon.com');
  });
});

/** The error name AWS answered with, for the cases where AWS answered at all. */
function awsNameOf(c: Case): string | undefined {
  const e = c.err as { name?: unknown; $metadata?: { httpStatusCode?: number } } | undefined;
  const status = e?.$metadata?.httpStatusCode;
  return status !== undefined && status >= 300 && typeof e?.name === 'string' ? e.name : undefined;
}

describe('every refusal AWS named says its code', () => {
  const named = [...modelled, ...transport, ...fallbacks].filter((c) => awsNameOf(c));

  it('covers every modelled error of both services and the unmodelled ones', () => {
    expect(named.map((c) => awsNameOf(c))).toEqual(
      expect.arrayContaining([
        'ArgumentException',
        'NotFoundException',
        'NotEligibleException',
        'LimitExceededException',
        'ServiceAccountException',
        'BadRequestException',
        'ForbiddenException',
        'TooManyRequestsException',
        'InternalServerErrorException',
        'ServiceUnavailableException',
        'UnrecognizedClientException',
        'AccessDeniedException',
        'ThrottlingException',
        'InternalFailure',
        'ConflictException',
      ]),
    );
  });

  it.each(named)('$what → "(AWS: <name>)."', (c) => {
    const e = toAwsError(c.err, c.service, 'Op');
    const name = awsNameOf(c);
    expect(e.userMessage).toContain(`(AWS: ${name})`);
    expect(e.userMessage.endsWith(`(AWS: ${name}).`)).toBe(true);
    expect(e.userMessage).toBe(awsErrorMessage(c.code, c.service, name));
  });

  it.each([...transport, ...fallbacks].filter((c) => !awsNameOf(c)))(
    '$what: no AWS code to name, so none is claimed',
    (c) => {
      const e = toAwsError(c.err, c.service, 'Op');
      expect(e.userMessage).not.toContain('(AWS:');
      expect(e.userMessage).toBe(awsErrorMessage(c.code, c.service));
    },
  );

  it.each([
    ['a name with markup', '<!channel>'],
    ['a status code for a name', '502'],
    ['the SDK placeholder', 'UnknownError'],
    ['a very long name', `A${'x'.repeat(200)}`],
  ])('leaves out %s', (_, name) => {
    const err = Object.assign(new Error(RAW), { name, $metadata: meta(502) });
    const e = toAwsError(err, 'mediaconnect', 'Op');
    expect(e.userMessage).not.toContain('(AWS:');
    expect(e.detail.awsName).toBe(name);
  });
});

describe('awsErrorMessage', () => {
  it.each(AWS_ERROR_CODES.flatMap((code) => SERVICES.map((service) => ({ code, service }))))(
    '$code has a sentence for $service',
    ({ code, service }) => {
      const sentence = awsErrorMessage(code, service);
      expect(sentence.trim().length).toBeGreaterThan(10);
      expect(sentence).toContain(service === 'devicefarm' ? 'Device Farm' : 'MediaConnect');
      expect(sentence).toMatch(/[.!]$/);
    },
  );
});

describe('withAwsErrors', () => {
  it('passes results through', async () => {
    await expect(withAwsErrors('devicefarm', 'Op', async () => 42)).resolves.toBe(42);
  });

  it('lets only AwsError escape', async () => {
    const run = withAwsErrors('mediaconnect', 'DescribeOffering', async () => {
      throw socketError('ECONNRESET');
    });
    await expect(run).rejects.toBeInstanceOf(AwsError);
    await expect(run).rejects.toMatchObject({ code: 'aws_network', operation: 'DescribeOffering' });
  });
});
