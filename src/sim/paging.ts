/** `nextToken` pagination shared by every list operation of both services. */

/** One page and the token for the next, absent on the last page. */
export interface Page<T> {
  items: T[];
  nextToken: string | undefined;
}

/**
 * Slices `items` from the offset `token` encodes. Tokens are opaque (base64url JSON) and bound
 * to `scope`, so a token from another operation is refused; `undefined` is returned for any
 * token this function did not make, and the caller answers its service's argument error.
 */
export function paginate<T>(
  items: readonly T[],
  token: string | undefined,
  pageSize: number,
  scope: string,
): Page<T> | undefined {
  const offset = token === undefined ? 0 : decodeToken(token, scope);
  if (offset === undefined) return undefined;
  const end = offset + Math.max(1, pageSize);
  return {
    items: items.slice(offset, end),
    nextToken: end < items.length ? encodeToken(scope, end) : undefined,
  };
}

function encodeToken(scope: string, offset: number): string {
  return Buffer.from(JSON.stringify({ scope, offset })).toString('base64url');
}

function decodeToken(token: string, scope: string): number | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { scope: tokenScope, offset } = parsed as { scope?: unknown; offset?: unknown };
    if (tokenScope !== scope || !Number.isInteger(offset) || (offset as number) < 0) {
      return undefined;
    }
    return offset as number;
  } catch {
    return undefined;
  }
}
