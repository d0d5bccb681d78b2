/** Times as the page shows them: the sandbox clock, in UTC like the bot's own messages. */

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `09:05` for a Slack ts (`seconds.micros`) or an ISO time; empty when it is not a time. */
export function clockTime(at: string): string {
  const d = /^\d+(\.\d+)?$/.test(at) ? new Date(Number(at) * 1000) : new Date(at);
  if (Number.isNaN(d.getTime())) return '';
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** `2026-12-01 09:05 UTC`. */
export function dateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

/** `12:34:56`, for the AWS call list, where several calls share a minute. */
export function clockSeconds(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}
