import type { TerminalSetup } from './terminal.js';
import type { BadgeTone } from '../render/format.js';

/** Colours by meaning; with NO_COLOR every style degrades to bold/inverse only. */
export interface Theme {
  border: Record<string, unknown>;
  focusBorder: Record<string, unknown>;
  selected: Record<string, unknown>;
  bar: Record<string, unknown>;
  tone(t: BadgeTone, text: string): string;
  unicode: boolean;
}

export function makeTheme(setup: TerminalSetup): Theme {
  const mono = setup.colors === 0;
  const toneColor: Record<BadgeTone, string> = { good: 'green', warn: 'yellow', bad: 'red', idle: 'gray' };
  return {
    unicode: setup.forceUnicode,
    border: mono ? {} : { fg: 'gray' },
    focusBorder: mono ? { bold: true } : { fg: 'cyan' },
    selected: mono ? { inverse: true } : { bg: 'blue', fg: 'white', bold: true },
    bar: mono ? { inverse: true } : { bg: 'blue', fg: 'white' },
    tone: (t, text) => (mono ? text : `{${toneColor[t]}-fg}${text}{/${toneColor[t]}-fg}`),
  };
}
