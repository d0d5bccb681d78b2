/**
 * What a user reads when the database is away for a moment (a restart, a dropped connection, a
 * lock): a sentence that says nothing was recorded or nothing could be read, and to try again.
 * Listeners use it after their ack, so a click or a command is never met with silence.
 */

/** For clicks, commands and submissions that would have changed something. */
export const COULD_NOT_RECORD = 'Could not record that; try again.';

/** For answers that only read: `what` names what could not be read ("the pending requests"). */
export const couldNotRead = (what: string): string =>
  `Could not read ${what} just now; try again in a moment.`;
