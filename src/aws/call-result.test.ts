import { describe, expect, it } from 'vitest';
import { AWS_CALL_RESULTS, awsCallResult, operationName } from './call-result.js';

const sdkError = (name: string, status?: number, code?: string) =>
  Object.assign(new Error('AWS text that must never be a label'), {
    name,
    ...(code !== undefined && { code }),
    ...(status !== undefined && { $metadata: { httpStatusCode: status } }),
  });

describe('awsCallResult', () => {
  it.each([
    ['an answer', undefined, 'ok'],
    ['a modelled 400', sdkError('NotFoundException', 404), 'client_error'],
    ['a validation error', sdkError('ArgumentException', 400), 'client_error'],
    [
      "Device Farm's limit refusal (a 400)",
      sdkError('LimitExceededException', 400),
      'client_error',
    ],
    ['a throttle by name', sdkError('ThrottlingException', 400), 'throttled'],
    ['a throttle by status', sdkError('TooManyRequestsException', 429), 'throttled'],
    ['a 503', sdkError('ServiceUnavailableException', 503), 'server_error'],
    ['an unmodelled 500', sdkError('UnknownError', 500), 'server_error'],
    ["the SDK's timeout", sdkError('TimeoutError'), 'timeout'],
    ['a socket timeout', sdkError('Error', undefined, 'ETIMEDOUT'), 'timeout'],
    ['a refused connection', sdkError('Error', undefined, 'ECONNREFUSED'), 'network'],
    ['a reset connection', sdkError('Error', undefined, 'ECONNRESET'), 'network'],
    ['no credentials', sdkError('CredentialsProviderError'), 'client_error'],
    ['something else', new Error('x'), 'other'],
    ['a thrown null', null, 'other'],
    ['a thrown string', 'boom', 'other'],
  ])('%s → %s', (_what, error, result) => {
    expect(awsCallResult(error)).toBe(result);
    expect(AWS_CALL_RESULTS).toContain(result);
  });
});

describe('operationName', () => {
  it.each([
    ['PurchaseOfferingCommand', 'PurchaseOffering'],
    ['ListOfferingTransactionsCommand', 'ListOfferingTransactions'],
    ['PurchaseOffering', 'other'],
    ['lower caseCommand', 'other'],
    [undefined, 'other'],
  ])('%s → %s', (commandName, name) => {
    expect(operationName(commandName)).toBe(name);
  });
});
