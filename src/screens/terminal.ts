/**
 * Which terminal description and character set blessed should use. Pure, unit-tested.
 *
 * Why: blessed cannot parse Debian's (ncurses 6) terminfo files and then falls back to its
 * built-in descriptions by *name*; it ships only `xterm` and `xterm-256color`, so e.g.
 * TERM=tmux-256color would silently fall back to 8-colour xterm. Every 256-colour terminal
 * (tmux-256color, screen-256color, …) speaks xterm's 256-colour sequences, so we ask for the
 * built-in xterm-256color; anything else gets plain xterm.
 */
export interface TerminalSetup {
  terminal: 'xterm-256color' | 'xterm';
  forceUnicode: boolean;
  /** 0 = NO_COLOR (monochrome styles), 8 or 256. */
  colors: 0 | 8 | 256;
}

export function terminalSetup(env: NodeJS.ProcessEnv): TerminalSetup {
  const term = env.TERM ?? '';
  const is256 = /256col/.test(term) || env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit';
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  const unicode = /utf-?8/i.test(locale);
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  return {
    terminal: is256 ? 'xterm-256color' : 'xterm',
    forceUnicode: unicode,
    colors: noColor ? 0 : is256 ? 256 : 8,
  };
}
