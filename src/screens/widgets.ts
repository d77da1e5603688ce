import { createRequire } from 'node:module';
import type { Widgets } from 'blessed';

/**
 * The blessed widgets the TUI uses, each required from its own file. `require('blessed')` loads
 * all ~40 widget modules (image, video, terminal, …) before the first paint; we need six.
 * (npm run bench: tui first full paint.) `blessed` is neo-blessed installed under that name.
 */
const require = createRequire(import.meta.url);
const widget = <T>(name: string): T => require(`blessed/lib/widgets/${name}.js`) as T;

type Factory<O, W> = (options?: O) => W;

export const screen = widget<Factory<Widgets.IScreenOptions, Widgets.Screen>>('screen');
export const box = widget<Factory<Widgets.BoxOptions, Widgets.BoxElement>>('box');
export const list = widget<Factory<Widgets.ListOptions<Widgets.ListElementStyle>, Widgets.ListElement>>('list');
export const log = widget<Factory<Widgets.LogOptions, Widgets.Log>>('log');
export const textbox = widget<Factory<Widgets.TextboxOptions, Widgets.TextboxElement>>('textbox');
export const escape = (require('blessed/lib/helpers.js') as { escape: (text: string) => string }).escape;
