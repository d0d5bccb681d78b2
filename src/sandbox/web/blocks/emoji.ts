/**
 * The `:shortcode:` emoji Slack would draw, for the ones slots-bot's views use plus a few common
 * ones. Anything else stays as typed, as Slack shows an unknown shortcode.
 */
export const EMOJI: Readonly<Record<string, string>> = {
  calendar: '📅',
  gear: '⚙️',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  information_source: 'ℹ️',
  leftwards_arrow_with_hook: '↩️',
  mag: '🔍',
  no_entry: '⛔',
  no_entry_sign: '🚫',
  receipt: '🧾',
  rotating_light: '🚨',
  warning: '⚠️',
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  x: '❌',
  tada: '🎉',
  bell: '🔔',
  moneybag: '💰',
  money_with_wings: '💸',
  iphone: '📱',
  robot_face: '🤖',
  clock1: '🕐',
  alarm_clock: '⏰',
  arrows_counterclockwise: '🔄',
  repeat: '🔁',
  lock: '🔒',
  bulb: '💡',
  memo: '📝',
  thumbsup: '👍',
  '+1': '👍',
  eyes: '👀',
  pencil: '✏️',
  pencil2: '✏️',
  red_circle: '🔴',
  large_green_circle: '🟢',
  large_yellow_circle: '🟡',
  chart_with_upwards_trend: '📈',
  satellite_antenna: '📡',
  package: '📦',
  wave: '👋',
};

/** Replaces known `:shortcode:`s with their emoji, leaving unknown ones as they are. */
export function replaceEmoji(text: string): string {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, name: string) => EMOJI[name] ?? whole);
}
