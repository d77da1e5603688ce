import type { TerminalSetup } from './terminal.js';
import type { BadgeTone } from '../render/format.js';

/** Colours by meaning; with NO_COLOR every style degrades to bold/inverse only. */
export interface Theme {
  border: Record<string, unknown>;
  focusBorder: Record<string, unknown>;
  selected: Record<string, unknown>;
  /** The selected row of a pane without the keyboard: marked, but plainly not where keys go. */
  selectedInactive: Record<string, unknown>;
  bar: Record<string, unknown>;
  /** A text input field; key hints under a dialog. */
  input: Record<string, unknown>;
  hint: Record<string, unknown>;
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
    selectedInactive: mono ? { underline: true } : { fg: 'cyan', underline: true },
    bar: mono ? { inverse: true } : { bg: 'blue', fg: 'white' },
    input: mono ? { underline: true } : { bg: 'black', fg: 'white' },
    hint: mono ? {} : { fg: 'gray' },
    tone: (t, text) => (mono ? text : `{${toneColor[t]}-fg}${text}{/${toneColor[t]}-fg}`),
  };
}
