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

/**
 * blessed compiles every string capability of the terminal description into a JS function when
 * the screen is created (~400 of them: `Tput._compile`, the largest single cost before the first
 * paint; npm run bench: tui first full paint). A TUI uses a few dozen: each is compiled on its
 * first use instead. Capabilities that are strings always compile to functions, so a wrapper that
 * compiles on the first call behaves the same; booleans and numbers are left as they are.
 */
type CompileCap = (info: unknown, key: string, str: unknown) => unknown;
const tput = require('blessed/lib/tput.js') as { prototype: { _compile: CompileCap } };
const compileNow = tput.prototype._compile;
tput.prototype._compile = function compileOnFirstUse(this: unknown, info, key, str) {
  if (typeof str !== 'string' || !str) return compileNow.call(this, info, key, str);
  let compiled: ((...args: unknown[]) => unknown) | undefined;
  const owner = this;
  return function (this: unknown, ...args: unknown[]) {
    compiled ??= compileNow.call(owner, info, key, str) as (...args: unknown[]) => unknown;
    return compiled.apply(this, args);
  };
};
