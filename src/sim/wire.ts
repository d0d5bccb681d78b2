/** Bytes in and out: request bodies, JSON replies and the error format both SDK clients parse. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { SimService } from './types.js';

/** A modelled AWS error raised by an operation; the server turns it into an error reply. */
export class SimError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** A request matched to an operation, with its input parsed as far as possible. */
export interface ParsedRequest {
  operation: string;
  input: Record<string, unknown>;
  /** Set when the request cannot be served; answered only after faults are applied. */
  parseError?: SimError;
}

/** What the server writes back for one request. */
export interface Reply {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

export const DEVICE_FARM_CONTENT_TYPE = 'application/x-amz-json-1.1';
export const MEDIA_CONNECT_CONTENT_TYPE = 'application/json';

/** MediaConnect's `httpError` codes; anything else a test injects defaults to 400. */
const MEDIA_CONNECT_STATUS: Record<string, number> = {
  BadRequestException: 400,
  ForbiddenException: 403,
  NotFoundException: 404,
  TooManyRequestsException: 429,
  InternalServerErrorException: 500,
  ServiceUnavailableException: 503,
};

/** The status an injected error gets when the test names none. */
export function defaultErrorStatus(service: SimService, name: string): number {
  if (service === 'mediaconnect') return MEDIA_CONNECT_STATUS[name] ?? 400;
  // Device Farm's five errors carry no httpError trait, so Smithy's client default applies.
  return 400;
}

/**
 * Error reply in a form every SDK parser accepts: the header restJson1 requires plus the
 * `__type` awsJson1_1 prefers, and `message` which both models name.
 */
export function errorReply(service: SimService, error: SimError): Reply {
  return {
    status: error.status,
    contentType: service === 'devicefarm' ? DEVICE_FARM_CONTENT_TYPE : MEDIA_CONNECT_CONTENT_TYPE,
    headers: { 'x-amzn-errortype': error.code },
    body: JSON.stringify({ __type: error.code, message: error.message }),
  };
}

/** A Device Farm success: JSON with every `Date` as epoch seconds, as awsJson1_1 sends it. */
export function deviceFarmReply(body: unknown): Reply {
  return { status: 200, contentType: DEVICE_FARM_CONTENT_TYPE, body: toEpochJson(body) };
}

/** A MediaConnect success with the operation's modelled status. */
export function mediaConnectReply(status: number, body: unknown): Reply {
  return { status, contentType: MEDIA_CONNECT_CONTENT_TYPE, body: JSON.stringify(body) };
}

/** JSON.stringify, but `Date` values become epoch seconds instead of ISO strings. */
export function toEpochJson(value: unknown): string {
  // `Date.prototype.toJSON` runs before a replacer sees the value, so look at the holder.
  return JSON.stringify(value, function (this: Record<string, unknown>, key, replaced) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : replaced;
  });
}

/** A JSON object body; empty text reads as `{}`. Undefined when the text is not an object. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `value` is a plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The whole request body as UTF-8 text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Headers every reply carries, so SDK errors get a `$metadata.requestId`. */
export function commonHeaders(reply: Reply): Record<string, string> {
  return {
    'content-type': reply.contentType,
    'content-length': String(Buffer.byteLength(reply.body)),
    'x-amzn-requestid': randomUUID(),
    ...reply.headers,
  };
}
