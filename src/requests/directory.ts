/**
 * Who is who, as the request lifecycle asks it at click time. The Slack adapter answers from
 * configured ids and user-group membership; when it cannot know (Slack unreadable, membership too
 * old to trust), it throws `DirectoryUnavailableError` and the click is refused: authorisation
 * fails closed.
 */
export interface Directory {
  isApprover(user: string): Promise<boolean>;
  mayRequest(user: string): Promise<boolean>;
}

/** Membership could not be checked now; nothing may be decided on it. */
export class DirectoryUnavailableError extends Error {
  override readonly name = 'DirectoryUnavailableError';
  readonly code = 'directory_unavailable';
}

export function isDirectoryUnavailable(e: unknown): e is DirectoryUnavailableError {
  return e instanceof DirectoryUnavailableError;
}
