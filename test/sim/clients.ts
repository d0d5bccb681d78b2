/** Real SDK clients pointed at a simulator, built the way slots-bot builds purchase clients. */
import { DeviceFarmClient } from '@aws-sdk/client-device-farm';
import { MediaConnectClient } from '@aws-sdk/client-mediaconnect';

/** The frozen wall clock of every simulator test: mid-March, 16.5 of 31 days left. */
export const NOW = new Date('2025-03-15T12:00:00Z');

/** Dummy credentials; the simulator skips SigV4 checks. */
export const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** A Device Farm client without retries; `endpoint` left out reads the env override. */
export function deviceFarmClient(endpoint?: string, maxAttempts = 1): DeviceFarmClient {
  return new DeviceFarmClient({
    region: 'us-west-2',
    credentials,
    maxAttempts,
    ...(endpoint ? { endpoint } : {}),
  });
}

/** A MediaConnect client without retries; `endpoint` left out reads the env override. */
export function mediaConnectClient(endpoint?: string, maxAttempts = 1): MediaConnectClient {
  return new MediaConnectClient({
    region: 'us-west-2',
    credentials,
    maxAttempts,
    ...(endpoint ? { endpoint } : {}),
  });
}

/** What a rejected SDK call carries: a modelled exception or a Node network error. */
export interface SdkError extends Error {
  $fault?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number; requestId?: string };
  code?: string;
}

/** The rejection of `promise`, failing the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    return error as SdkError;
  }
  throw new Error('expected the call to fail');
}
