import { strWidth, stripTags } from '../../render/text-width.js';

/** Columns a dialog adds around its text: two borders and one space each side. */
const SIDES = 4;
/** Rows a dialog adds around its text and `chrome` (prompt, hints): two borders. */
const BORDERS = 2;

/**
 * The size of a dialog showing `lines` (tagged text) plus `chrome` fixed rows, on a screen of
 * `cols`×`rows`: at least 70% wide, wider for long rows (up to the screen), as tall as the lines
 * take once wrapped (up to the screen, leaving the title and status bars when it can). Pure.
 */
export function dialogSize(lines: string[], chrome: number, cols: number, rows: number): { width: number; height: number } {
  const longest = Math.max(0, ...lines.map((l) => strWidth(stripTags(l))));
  const width = Math.max(Math.min(cols, 20), Math.min(cols, Math.max(Math.floor(cols * 0.7), longest + SIDES)));
  const inner = Math.max(1, width - SIDES);
  const wrapped = lines.reduce((n, l) => n + Math.max(1, Math.ceil(strWidth(stripTags(l)) / inner)), 0);
  const maxHeight = rows > 12 ? rows - 2 : rows;
  return { width, height: Math.max(Math.min(maxHeight, 5), Math.min(maxHeight, wrapped + chrome + BORDERS)) };
}
