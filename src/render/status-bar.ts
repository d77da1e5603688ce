import { tagSafe, truncate } from './format.js';

export interface StatusBarParts {
  /** A short-lived message (plain text: refs and names in it are shown literally). */
  message: string;
  /** Key hints already fitted by the caller to the width this returns as `hintWidth`. */
  hints: (width: number) => string;
  /** "app: ● healthy" (plain text), or '' when nothing is selected. */
  selected: string;
  width: number;
}

/**
 * The bottom line (tagged text): the selected project and its health badge always fit, at the
 * right; then the message (cut to what is left); then as many key hints as fit. One space at
 * each end, two between parts.
 */
export function statusBarLine(parts: StatusBarParts): string {
  const width = Math.max(0, parts.width - 2);
  const right = truncate(parts.selected, width);
  let room = width - right.length - (right ? 2 : 0);
  const message = parts.message && room > 8 ? truncate(parts.message, Math.min(room, Math.max(20, Math.floor(room * 0.6)))) : '';
  if (message) room -= message.length + 2;
  const hints = room > 0 ? parts.hints(room) : '';
  const left = [message ? tagSafe(message) : '', hints].filter(Boolean).join('  ');
  const leftLen = (message ? message.length : 0) + (message && hints ? 2 : 0) + hints.length;
  const gap = Math.max(right ? 2 : 0, width - leftLen - right.length);
  return ` ${left}${' '.repeat(gap)}${tagSafe(right)} `;
}
